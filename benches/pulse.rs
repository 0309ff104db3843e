//! Benchmark: 2,000 members answer a five-question ADKAR pulse through the simulator with
//! the real serenity client (Answer, five answers, Submit: seven interactions each),
//! spread over `BENCH_SECONDS` (default 50); prints ack latency from the simulator, how
//! long the whole wave took and how many answer sets were stored.
//!
//! `cargo bench --bench pulse`; `BENCH_MEMBERS`, `BENCH_TEAMS`, `BENCH_SECONDS` change it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use herald::clock::SystemClock;
use herald::config::Settings;
use herald::sim::client::{button, SimClient};
use herald::sim::{self, WorldSpec};
use serde_json::json;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `teams` teams `t00`… of `members / teams` people each (`t00-1`…), and Claire.
fn world(members: u64, teams: u64) -> WorldSpec {
    let names: Vec<String> = (0..teams).map(|t| format!("t{t:02}")).collect();
    let sized: Vec<(&str, usize)> = names
        .iter()
        .map(|n| (n.as_str(), (members / teams) as usize))
        .collect();
    WorldSpec::teams(&sized, false, &[])
}

/// The `i`th member, spread over the teams in turn.
fn member(i: u64, teams: u64) -> String {
    format!("t{:02}-{}", i % teams, i / teams + 1)
}

fn messages_dir(world: &WorldSpec) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("dir");
    let plan = format!(
        "[campaign]\nname = \"Bench\"\ntimezone = \"UTC\"\nreports_channel = \"change-team\"\n{}",
        world.plan_teams()
    );
    std::fs::write(dir.path().join("plan.toml"), plan).expect("plan");
    std::fs::create_dir(dir.path().join("templates")).expect("templates");
    std::fs::create_dir(dir.path().join("polls")).expect("polls");
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("messages/polls");
    for f in std::fs::read_dir(shipped).expect("polls") {
        let f = f.expect("entry").path();
        std::fs::copy(
            &f,
            dir.path().join("polls").join(f.file_name().expect("name")),
        )
        .expect("copy");
    }
    dir
}

fn settings(sim_url: &str, dir: &std::path::Path) -> Settings {
    let env = [
        ("DISCORD_TOKEN", "bench-token".to_string()),
        ("HERALD__DISCORD__API_BASE", sim_url.to_string()),
        (
            "HERALD__DATABASE__URL",
            format!("sqlite://{}/bench.db", dir.display()),
        ),
        ("HERALD__HTTP__LISTEN", "127.0.0.1:0".to_string()),
        ("HERALD__MESSAGES__DIR", dir.display().to_string()),
        (
            "HERALD__PRIVACY__KEY_FILE",
            dir.join("key").display().to_string(),
        ),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.clone()))
    .collect();
    Settings::load(None, &env).expect("valid settings")
}

/// One member's whole flow; true when the answers were stored.
async fn respond(
    sim: Arc<SimClient>,
    member: String,
    message: String,
    open: String,
    seed: u64,
) -> bool {
    let run = async {
        let (flow, mut components, _) = sim.click(&member, &message, &open).await?;
        for q in 0..5u64 {
            let v = 1 + (seed * 7 + q * 3) % 5;
            let id = button(&components, &v.to_string())?;
            components = sim.click(&member, &flow, &id).await?.1;
        }
        let done = sim
            .click(&member, &flow, &button(&components, "Submit")?)
            .await?;
        Some(done.2.contains("your answers are in"))
    };
    run.await.unwrap_or(false)
}

#[tokio::main]
async fn main() {
    let members = env_num("BENCH_MEMBERS", 2000);
    let teams = env_num("BENCH_TEAMS", 20);
    let seconds = env_num("BENCH_SECONDS", 50);
    let w = world(members, teams);
    let simh = sim::start("127.0.0.1:0".parse().expect("addr"), &w)
        .await
        .expect("sim");
    let dir = messages_dir(&w);
    let herald = herald::startup::launch(settings(&simh.url(), dir.path()), Arc::new(SystemClock))
        .await
        .expect("Herald starts");
    let sim = Arc::new(SimClient::new(&simh.url()));
    let app = herald.app.clone();
    loop {
        let guild = app.primary_guild().await.ok().flatten();
        let synced = match guild {
            Some(g) => {
                app.store
                    .list_teams(g)
                    .await
                    .map(|t| t.len() as u64)
                    .unwrap_or(0)
                    == teams
            }
            None => false,
        };
        if synced && app.metrics.gateway_up() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let started = sim
        .answer(
            sim.post(
                "/_sim/interactions/command",
                json!({ "member": "Claire", "channel": "change-team", "command": "pulse start",
                        "options": { "set": "adkar", "teams": "all", "closes_in": "48h" } }),
            )
            .await,
        )
        .await
        .expect("pulse started");
    assert!(started.2.contains("Pulse #1"), "{}", started.2);
    // The pulse message in every team channel: (message id, Answer button).
    let mut openings = Vec::new();
    for t in 0..teams {
        let channel = format!("t{t:02}");
        loop {
            let msgs = simh.messages(&channel);
            if let Some(m) = msgs.first() {
                let id = m["id"].as_str().expect("id").to_string();
                openings.push((id, button(&m["components"], "Answer").expect("Answer")));
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let before = simh.stats()["interactions"]["count"].as_u64().unwrap_or(0);
    let pace = Duration::from_secs_f64(seconds as f64 / members as f64);
    let mut tick = tokio::time::interval(pace);
    let wave = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..members {
        tick.tick().await;
        let (msg, open) = openings[(i % teams) as usize].clone();
        tasks.push(tokio::spawn(respond(
            sim.clone(),
            member(i, teams),
            msg,
            open,
            i,
        )));
    }
    let mut stored_ok = 0;
    for t in tasks {
        if matches!(t.await, Ok(true)) {
            stored_ok += 1;
        }
    }
    let wave_s = wave.elapsed().as_secs_f64();
    let stored = app.store.ballots(1).await.map(|b| b.len()).unwrap_or(0);
    let stats = simh.stats();
    let ack = &stats["interactions"]["ack_ms"];
    let count = stats["interactions"]["count"].as_u64().unwrap_or(0) - before;
    println!("| measure | value |");
    println!("|---|---|");
    println!("| members answering / told \"your answers are in\" | {members} / {stored_ok} |");
    println!("| answer sets stored | {stored} |");
    println!(
        "| interactions in the wave | {count} ({:.0} per second) |",
        count as f64 / wave_s
    );
    println!("| whole wave, first click to last answer | {wave_s:.1} s (target ≤ 60 s) |");
    for p in ["p50", "p90", "p99", "max"] {
        println!(
            "| ack latency {p} | {:.2} ms |",
            ack[p].as_f64().unwrap_or(0.0)
        );
    }
    println!(
        "| late acks (> 3 s) / double acks | {} / {} |",
        stats["interactions"]["late"], stats["interactions"]["double_acks"]
    );
    println!(
        "| simulator violations | {} |",
        stats["violations"].as_array().map_or(0, Vec::len)
    );
    herald.stop().await;
}
