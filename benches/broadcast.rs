//! Benchmark: a broadcast of 1,000 messages to 100 channels through the simulator with
//! Discord's rate limits enforced (50 requests/s global, 5 per 5 s per channel). Prints
//! delivered messages per second as a fraction of the limit, and the 429s met.
//!
//! `cargo bench --bench broadcast` (`BENCH_CHANNELS`, `BENCH_ITEMS` change the size).

use std::sync::Arc;
use std::time::{Duration, Instant};

use herald::clock::SystemClock;
use herald::config::Settings;
use herald::sim::{self, WorldSpec};

const LIMIT_PER_SECOND: f64 = 50.0;

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn write_plan(
    dir: &std::path::Path,
    world: &WorldSpec,
    items: usize,
    at: chrono::DateTime<chrono::Utc>,
) {
    std::fs::create_dir_all(dir.join("templates")).expect("mkdir");
    std::fs::write(
        dir.join("templates/b.md"),
        "Update {{ item.id }} for {{ team.name }}",
    )
    .expect("template");
    let cron = at.format("%S %M %H %d %m *");
    let items: String = (0..items).map(|i| format!("\n[[items]]\nid = \"u{i:02}\"\ntemplate = \"b.md\"\naudience = \"all\"\nschedule = \"{cron}\"\n")).collect();
    let plan = format!(
        "[campaign]\nname = \"Bench\"\ntimezone = \"UTC\"\n{}{items}",
        world.plan_teams()
    );
    std::fs::write(dir.join("plan.toml"), plan).expect("plan");
}

#[tokio::main]
async fn main() {
    let (channels, items) = (env_num("BENCH_CHANNELS", 100), env_num("BENCH_ITEMS", 10));
    let total = (channels * items) as u64;
    let world = WorldSpec::busy(channels);
    let sim = sim::start("127.0.0.1:0".parse().expect("addr"), &world)
        .await
        .expect("sim");
    let dir = tempfile::tempdir().expect("dir");
    let fire = chrono::Utc::now() + chrono::Duration::seconds(5);
    write_plan(&dir.path().join("messages"), &world, items, fire);
    let env = [
        ("DISCORD_TOKEN", "bench".to_string()),
        ("HERALD__DISCORD__API_BASE", sim.url()),
        (
            "HERALD__DATABASE__URL",
            format!("sqlite://{}/bench.db", dir.path().display()),
        ),
        ("HERALD__HTTP__LISTEN", "127.0.0.1:0".to_string()),
        (
            "HERALD__MESSAGES__DIR",
            dir.path().join("messages").display().to_string(),
        ),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.clone()))
    .collect();
    let settings = Settings::load(None, &env).expect("settings");
    let herald = herald::startup::launch(settings, Arc::new(SystemClock))
        .await
        .expect("Herald starts");
    let deadline = Instant::now() + Duration::from_secs(120);
    while sim.stats()["messages_created"].as_u64().unwrap_or(0) < total && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let s = sim.stats();
    let mut times: Vec<i64> = Vec::new();
    for c in 0..channels {
        let msgs = sim.messages(&format!("team-{c:02}"));
        times.extend(msgs.iter().filter_map(|m| m["created_ms"].as_i64()));
    }
    times.sort();
    let delivered = times.len() as f64;
    let span_s =
        (times.last().copied().unwrap_or(0) - times.first().copied().unwrap_or(0)) as f64 / 1000.0;
    let rate = if span_s > 0.0 {
        (delivered - 1.0) / span_s
    } else {
        0.0
    };
    println!("| measure | value |");
    println!("|---|---|");
    println!(
        "| messages delivered | {} of {total} to {channels} channels |",
        times.len()
    );
    println!("| first to last message | {span_s:.2} s |");
    println!("| delivered per second | {rate:.1} |");
    println!(
        "| fraction of the enforced limit (50/s global) | {:.1} % |",
        100.0 * rate / LIMIT_PER_SECOND
    );
    println!("| 429 answers | {} |", s["rate_limited"]);
    println!(
        "| simulator violations | {} |",
        s["violations"].as_array().map_or(0, Vec::len)
    );
    herald.stop().await;
}
