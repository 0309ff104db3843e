//! A broadcast through the durable scheduler and the simulator with Discord's limits
//! enforced (50 requests/s global, 5 per 5 s per channel): delivered messages per second
//! as a fraction of the global limit. `BENCH_CHANNELS` (100) × `BENCH_ITEMS` (10).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{env_num, rate_limit_figure, settings, Figure};
use crate::clock::SystemClock;
use crate::sim::{self, WorldSpec};

const NAME: &str = "broadcast";
const LIMIT_PER_SECOND: f64 = 50.0;

fn write_plan(dir: &Path, world: &WorldSpec, items: u64, at: chrono::DateTime<chrono::Utc>) {
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

pub async fn run() -> anyhow::Result<Vec<Figure>> {
    let (channels, items) = (env_num("BENCH_CHANNELS", 100), env_num("BENCH_ITEMS", 10));
    let total = channels * items;
    let world = WorldSpec::busy(channels as usize);
    let sim = sim::start("127.0.0.1:0".parse()?, &world).await?;
    let dir = tempfile::tempdir()?;
    let messages = dir.path().join("messages");
    write_plan(
        &messages,
        &world,
        items,
        chrono::Utc::now() + chrono::Duration::seconds(5),
    );
    let extra = [("HERALD__MESSAGES__DIR", messages.display().to_string())];
    let herald = crate::startup::launch(
        settings(&sim.url(), dir.path(), &extra),
        Arc::new(SystemClock),
    )
    .await
    .map_err(|e| anyhow::anyhow!("Herald did not start: {e:?}"))?;
    let deadline = Instant::now() + Duration::from_secs(120);
    while sim.stats()["messages_created"].as_u64().unwrap_or(0) < total && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let stats = sim.stats();
    let mut times: Vec<i64> = (0..channels)
        .flat_map(|c| sim.messages(&format!("team-{c:02}")))
        .filter_map(|m| m["created_ms"].as_i64())
        .collect();
    times.sort();
    herald.stop().await;
    let span_s =
        (times.last().copied().unwrap_or(0) - times.first().copied().unwrap_or(0)) as f64 / 1000.0;
    let rate = if span_s > 0.0 {
        (times.len() as f64 - 1.0) / span_s
    } else {
        0.0
    };
    Ok(vec![
        Figure::new(
            NAME,
            format!("messages delivered ({items} items × {channels} channels)"),
            format!("{} of {total}", times.len()),
        )
        .target("all"),
        Figure::new(NAME, "first to last message", format!("{span_s:.2} s")),
        Figure::new(NAME, "delivered per second", format!("{rate:.1}")),
        Figure::new(
            NAME,
            "fraction of the enforced limit (50/s global)",
            format!("{:.1} %", 100.0 * rate / LIMIT_PER_SECOND),
        )
        .target("≥ 90 %"),
        rate_limit_figure(NAME, &stats),
    ])
}
