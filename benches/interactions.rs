//! Benchmark: `/herald status` interactions at a steady rate through the simulator, with
//! the real serenity client; prints start-up time and ack latency from the simulator.
//!
//! `cargo bench --bench interactions` (defaults: 1000 interactions at 200/s).
//! `BENCH_N` and `BENCH_RATE` change the load.

use std::sync::Arc;
use std::time::{Duration, Instant};

use herald::clock::SystemClock;
use herald::config::Settings;
use herald::sim::{self, WorldSpec};
use serde_json::{json, Value};

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn settings(sim_url: &str, db_url: &str) -> Settings {
    let env = [
        ("DISCORD_TOKEN", "bench-token"),
        ("HERALD__DISCORD__API_BASE", sim_url),
        ("HERALD__DATABASE__URL", db_url),
        ("HERALD__HTTP__LISTEN", "127.0.0.1:0"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    Settings::load(None, &env).expect("valid settings")
}

#[tokio::main]
async fn main() {
    let (n, rate) = (env_num("BENCH_N", 1000), env_num("BENCH_RATE", 200));
    let sim = sim::start(
        "127.0.0.1:0".parse().expect("addr"),
        &WorldSpec::default_world(),
    )
    .await
    .expect("sim");
    let dir = tempfile::tempdir().expect("dir");
    let db = format!("sqlite://{}/bench.db", dir.path().display());
    let client = reqwest::Client::new();
    let started = Instant::now();
    let herald = herald::startup::launch(settings(&sim.url(), &db), Arc::new(SystemClock))
        .await
        .expect("Herald starts");
    loop {
        let cmds: Value = client
            .get(format!("{}/_sim/commands", sim.url()))
            .send()
            .await
            .expect("sim")
            .json()
            .await
            .expect("json");
        if cmds.as_array().is_some_and(|a| !a.is_empty()) && herald.app.metrics.gateway_up() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let ready_ms = started.elapsed().as_secs_f64() * 1000.0;

    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate as f64));
    let mut tasks = Vec::new();
    let load_started = Instant::now();
    for i in 0..n {
        tick.tick().await;
        let (client, url) = (client.clone(), sim.url());
        let member = ["Claire", "Ava", "Marco", "Nora"][i as usize % 4];
        tasks.push(tokio::spawn(async move {
            let body =
                json!({ "member": member, "channel": "change-team", "command": "herald status" });
            let started: Value = client
                .post(format!("{url}/_sim/interactions/command"))
                .json(&body)
                .send()
                .await
                .ok()?
                .json()
                .await
                .ok()?;
            let id = started["interaction_id"].as_str()?.to_string();
            let got: Value = client
                .get(format!("{url}/_sim/interactions/{id}?wait_ms=5000"))
                .send()
                .await
                .ok()?
                .json()
                .await
                .ok()?;
            (!got["responses"].as_array()?.is_empty()).then_some(())
        }));
    }
    let mut answered = 0;
    for t in tasks {
        if matches!(t.await, Ok(Some(()))) {
            answered += 1;
        }
    }
    let offered = n as f64 / load_started.elapsed().as_secs_f64();
    let stats = sim.stats();
    let ack = &stats["interactions"]["ack_ms"];
    println!("| measure | value |");
    println!("|---|---|");
    println!("| start-up to ready (commands registered, gateway up) | {ready_ms:.0} ms |");
    println!("| interactions sent / answered | {n} / {answered} |");
    println!("| offered rate | {offered:.0} per second (target {rate}) |");
    println!(
        "| ack latency p50 | {:.2} ms |",
        ack["p50"].as_f64().unwrap_or(0.0)
    );
    println!(
        "| ack latency p90 | {:.2} ms |",
        ack["p90"].as_f64().unwrap_or(0.0)
    );
    println!(
        "| ack latency p99 | {:.2} ms |",
        ack["p99"].as_f64().unwrap_or(0.0)
    );
    println!(
        "| ack latency max | {:.2} ms |",
        ack["max"].as_f64().unwrap_or(0.0)
    );
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
