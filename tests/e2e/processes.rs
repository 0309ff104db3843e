//! Herald as a real process on the real clock: killed with SIGKILL mid-burst and
//! restarted, and two instances sharing one PostgreSQL database.

use std::collections::HashSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use herald::sim::WorldSpec;
use herald::sim::{self, SimHandle};
use serde_json::{json, Value};

use crate::helpers::{within, TestDb};

const BIN: &str = env!("CARGO_BIN_EXE_herald");

fn world(channels: usize) -> WorldSpec {
    crate::helpers::busy_world(channels)
}

/// A plan of `items` one-off sends, each to every one of `teams` teams, due at `at` (UTC).
fn write_plan(dir: &Path, teams: usize, items: usize, at: chrono::DateTime<chrono::Utc>) {
    std::fs::create_dir_all(dir.join("templates")).expect("mkdir");
    std::fs::write(
        dir.join("templates/burst.md"),
        "Burst {{ item.id }} for {{ team.name }}",
    )
    .expect("template");
    let mut plan = String::from("[campaign]\nname = \"Burst\"\ntimezone = \"UTC\"\n");
    plan += &crate::helpers::busy_teams(teams);
    let cron = at.format("%S %M %H %d %m *").to_string();
    for i in 0..items {
        plan += &format!("\n[[items]]\nid = \"item-{i:02}\"\ntemplate = \"burst.md\"\naudience = \"all\"\nschedule = \"{cron}\"\n");
    }
    std::fs::write(dir.join("plan.toml"), plan).expect("plan");
}

fn start(sim: &SimHandle, db_url: &str, plan: &Path, log: &Path) -> Child {
    let log = std::fs::File::create(log).expect("log file");
    Command::new(BIN)
        .arg("run")
        .env("DISCORD_TOKEN", "test")
        .env("HERALD__DISCORD__API_BASE", sim.url())
        .env("HERALD__DATABASE__URL", db_url)
        .env("HERALD__HTTP__LISTEN", "127.0.0.1:0")
        .env("HERALD__MESSAGES__DIR", plan)
        .env("RUST_LOG", "warn,herald=info")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("herald starts")
}

fn created(sim: &SimHandle) -> u64 {
    sim.stats()["messages_created"].as_u64().unwrap_or(0)
}

async fn wait_created(sim: &SimHandle, n: u64, within_s: u64, log: &Path) {
    let deadline = Instant::now() + Duration::from_secs(within_s);
    while created(sim) < n {
        if Instant::now() > deadline {
            let tail = std::fs::read_to_string(log).unwrap_or_default();
            panic!(
                "only {} of {n} messages after {within_s} s; Herald's log:\n{tail}",
                created(sim)
            );
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Every message in every channel is distinct, and there are `n` of them.
async fn assert_exactly_once(sim: &SimHandle, channels: usize, n: usize) {
    let mut seen = HashSet::new();
    for c in 0..channels {
        let msgs = sim.messages(&format!("team-{c:02}"));
        for m in msgs {
            let text = m["content"].as_str().unwrap_or_default().to_string();
            assert!(seen.insert(text.clone()), "posted twice: {text}");
        }
    }
    assert_eq!(seen.len(), n);
}

fn kill(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-KILL", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

async fn crash_and_restart(seed: u64, channels: usize, items: usize) {
    let sim = sim::start("127.0.0.1:0".parse().expect("addr"), &world(channels))
        .await
        .expect("sim");
    reqwest::Client::new()
        .post(format!("{}/_sim/faults", sim.url()))
        .json(&json!({ "enforce_rate_limits": false }))
        .send()
        .await
        .expect("faults");
    let dir = tempfile::tempdir().expect("dir");
    let db_file = dir.path().join("herald.db");
    let db_url = format!("sqlite://{}", db_file.display());
    let total = (channels * items) as u64;
    let messages = dir.path().join("messages");
    let far = chrono::Utc::now() + chrono::Duration::days(300);
    write_plan(&messages, channels, items, far);
    let log = dir.path().join("herald.log");
    let mut first = start(&sim, &db_url, &messages, &log);
    // Ready first, then the burst 3 s ahead through /comms reload, as a change lead would.
    wait_until_teams(&db_url, channels).await;
    write_plan(
        &messages,
        channels,
        items,
        chrono::Utc::now() + chrono::Duration::seconds(3),
    );
    reload_as_claire(&sim).await;
    let kill_after = 1 + (seed * 7919) % (total - 1);
    wait_created(&sim, kill_after, 30, &log).await;
    kill(&mut first);
    let at_kill = created(&sim);
    let log2 = dir.path().join("herald-2.log");
    let mut second = start(&sim, &db_url, &dir.path().join("messages"), &log2);
    wait_created(&sim, total, 60, &log2).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    kill(&mut second);
    assert_eq!(
        created(&sim),
        total,
        "seed {seed}: killed after {at_kill}; nothing more than {total} was posted"
    );
    assert_exactly_once(&sim, channels, total as usize).await;
    let s = sim.stats();
    assert_eq!(s["violations"], json!([]), "seed {seed}");
    let integrity = integrity_check(&db_url).await;
    assert_eq!(integrity, "ok", "seed {seed}");
}

/// Waits until Herald has seen its guild and added the plan's `n` teams.
async fn wait_until_teams(db_url: &str, n: usize) {
    use sqlx::Connection;
    for _ in 0..1000 {
        if let Ok(mut c) = sqlx::SqliteConnection::connect(db_url).await {
            let have: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM teams")
                .fetch_one(&mut c)
                .await
                .unwrap_or(0);
            if have as usize >= n {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("Herald did not add its {n} teams within 20 s");
}

async fn reload_as_claire(sim: &SimHandle) {
    let client = reqwest::Client::new();
    let body = json!({ "member": "Claire", "channel": "change-team", "command": "comms reload" });
    let started: Value = client
        .post(format!("{}/_sim/interactions/command", sim.url()))
        .json(&body)
        .send()
        .await
        .expect("sim")
        .json()
        .await
        .expect("json");
    let id = started["interaction_id"]
        .as_str()
        .unwrap_or_else(|| panic!("reload not dispatched: {started}"))
        .to_string();
    // The reload answers "thinking…" first; the answer replaces it.
    let settled = herald::sim::client::SimClient::new(&sim.url())
        .settled(&id)
        .await;
    let (_, first) = settled.expect("an answer to the reload");
    let text = first["content"].as_str().unwrap_or_default().to_string();
    assert!(text.starts_with("Plan reloaded"), "{text}");
}

async fn integrity_check(url: &str) -> String {
    use sqlx::Connection;
    let mut c = sqlx::SqliteConnection::connect(url)
        .await
        .expect("open the SQLite file");
    sqlx::query_scalar::<_, String>("PRAGMA integrity_check")
        .fetch_one(&mut c)
        .await
        .expect("integrity_check")
}

fn seeds() -> u64 {
    if crate::helpers::large_fault_runs() {
        25
    } else {
        5
    }
}

#[tokio::test]
async fn sigkill_mid_burst_then_restart_posts_every_message_exactly_once() {
    within(600, async {
        for seed in 1..=seeds() {
            crash_and_restart(seed, 30, 10).await;
        }
    })
    .await;
}

#[tokio::test]
async fn two_instances_on_one_postgres_database_post_each_message_once() {
    let db = TestDb::new().await;
    if !db.is_postgres() {
        return; // needs TEST_DATABASE_URL; the PostgreSQL leg of .ci/run runs it
    }
    within(180, async {
        let (channels, items) = (50, 10);
        let sim = sim::start("127.0.0.1:0".parse().expect("addr"), &world(channels))
            .await
            .expect("sim");
        reqwest::Client::new()
            .post(format!("{}/_sim/faults", sim.url()))
            .json(&json!({ "enforce_rate_limits": false }))
            .send()
            .await
            .expect("faults");
        let dir = tempfile::tempdir().expect("dir");
        write_plan(
            &dir.path().join("messages"),
            channels,
            items,
            chrono::Utc::now() + chrono::Duration::seconds(20),
        );
        let (log_a, log_b) = (dir.path().join("a.log"), dir.path().join("b.log"));
        let mut a = start(&sim, &db.url, &dir.path().join("messages"), &log_a);
        let mut b = start(&sim, &db.url, &dir.path().join("messages"), &log_b);
        wait_created(&sim, 500, 90, &log_a).await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        kill(&mut a);
        kill(&mut b);
        assert_eq!(created(&sim), 500);
        assert_exactly_once(&sim, channels, 500).await;
        let deadline = Instant::now() + Duration::from_secs(5);
        while sim.stats()["gateway_sessions"] != 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(
            sim.stats()["gateway_sessions"],
            0,
            "both killed instances' sockets are closed"
        );
    })
    .await;
}
