//! `/herald status` interactions at a steady rate through the simulator, with the real
//! serenity client; ack latency is the simulator's own measure, from dispatching
//! INTERACTION_CREATE to the first callback. `BENCH_N` (1,000) and `BENCH_RATE` (200/s).

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use super::{ack_figures, env_num, settings, Figure};
use crate::clock::SystemClock;
use crate::sim::client::SimClient;
use crate::sim::{self, WorldSpec};

const NAME: &str = "interactions";

pub async fn run() -> anyhow::Result<Vec<Figure>> {
    let (n, rate) = (env_num("BENCH_N", 1000), env_num("BENCH_RATE", 200));
    let sim = sim::start("127.0.0.1:0".parse()?, &WorldSpec::default_world()).await?;
    let dir = tempfile::tempdir()?;
    let client = Arc::new(SimClient::new(&sim.url()));
    let herald =
        crate::startup::launch(settings(&sim.url(), dir.path(), &[]), Arc::new(SystemClock))
            .await
            .map_err(|e| anyhow::anyhow!("Herald did not start: {e:?}"))?;
    while !(sim.commands_registered() && herald.app.metrics.gateway_up()) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate as f64));
    let mut tasks = Vec::new();
    let load_started = Instant::now();
    for i in 0..n {
        tick.tick().await;
        let member = ["Claire", "Ava", "Marco", "Nora"][i as usize % 4];
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            client
                .command(member, "change-team", "herald status", json!({}))
                .await
        }));
    }
    let mut answered = 0;
    for t in tasks {
        if matches!(t.await, Ok(Some(_))) {
            answered += 1;
        }
    }
    let offered = n as f64 / load_started.elapsed().as_secs_f64();
    let stats = sim.stats();
    herald.stop().await;
    let mut out = vec![
        Figure::new(
            NAME,
            "interactions sent / answered",
            format!("{n} / {answered}"),
        )
        .target("all"),
        Figure::new(NAME, "offered rate", format!("{offered:.0} per second")),
    ];
    out.extend(ack_figures(NAME, &stats, "< 20 ms"));
    Ok(out)
}
