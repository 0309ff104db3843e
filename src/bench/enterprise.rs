//! An enterprise guild: `BENCH_ENTERPRISE_MEMBERS` (50,000) members in
//! `BENCH_ENTERPRISE_TEAMS` (200) teams, Herald in process on SQLite with a manual clock
//! (so a reminder step falls due on demand) against the simulator, whose rate limits
//! (50 requests/s global) are on. Measured in real time:
//!
//! - start-up to ready (commands registered, gateway up, every team synced) and the
//!   resident memory then (of the bench process: Herald and the simulator with its
//!   50,000 members);
//! - the pulse burst: `BENCH_ENTERPRISE_BURST` (2,000) members answer at once, 200 in flight;
//! - the reminder fan-out: the 24 h reminder of a pulse to everyone falls due, one row per
//!   member; how long until the first reminder (the guild listed, the rows queued), then
//!   over `BENCH_ENTERPRISE_WAVE_SECONDS` (30) from it the direct messages sent and all the
//!   requests made (reminders, the plan sends below), against the global limit;
//! - plan-send lateness while that wave runs: 20 items, each to 1/20 of the teams, fall
//!   due a minute apart during the wave; each send's lateness is from the moment the clock
//!   reached its time to the moment it is in its channel.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::TimeZone;

use super::pulse::{burst, start_pulse, wait_for_teams, world};
use super::{env_num, percentile, settings, Figure};
use crate::clock::ManualClock;
use crate::sim::client::SimClient;
use crate::sim::{self, SimHandle, WorldSpec};

const NAME: &str = "enterprise";
/// Plan items falling due during the reminder wave, a minute apart.
const TICKS: u64 = 20;
/// The simulator's (and Discord's) global request limit, per second.
const GLOBAL_LIMIT: f64 = 50.0;

/// The plan: the teams, and item `tick-K` to every team whose number is K modulo 20, at
/// 10:01 + K minutes on the first day (the pulse opened at 09:00 reminds at 10:00).
fn messages_dir(world: &WorldSpec, teams: u64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut plan = format!(
        "[campaign]\nname = \"Bench\"\ntimezone = \"UTC\"\nreports_channel = \"change-team\"\n{}",
        world.plan_teams()
    );
    for k in 0..TICKS {
        let audience: Vec<String> = (0..teams)
            .filter(|t| t % TICKS == k)
            .map(|t| format!("\"t{t:02}\""))
            .collect();
        plan.push_str(&format!(
            "\n[[items]]\nid = \"tick-{k}\"\ntemplate = \"tick.md\"\naudience = [{}]\nschedule = \"2026-03-02 10:{:02}\"\n",
            audience.join(", "),
            k + 1
        ));
    }
    std::fs::write(dir.path().join("plan.toml"), plan).expect("plan");
    std::fs::create_dir(dir.path().join("templates")).expect("templates");
    std::fs::write(
        dir.path().join("templates/tick.md"),
        "Tick for {{ team.name }}",
    )
    .expect("template");
    crate::sim::world::copy_shipped_polls(dir.path()).expect("the shipped polls");
    dir
}

/// Resident memory of this process, in MiB.
fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

fn number(stats: &serde_json::Value, key: &str) -> u64 {
    stats[key].as_u64().unwrap_or(0)
}

pub async fn run() -> anyhow::Result<Vec<Figure>> {
    let members = env_num("BENCH_ENTERPRISE_MEMBERS", 50_000);
    let teams = env_num("BENCH_ENTERPRISE_TEAMS", 200).max(1);
    let burst_n = env_num("BENCH_ENTERPRISE_BURST", 2_000).min(members);
    let wave_s = env_num("BENCH_ENTERPRISE_WAVE_SECONDS", 30);
    let w = world(members, teams);
    let simh = sim::start("127.0.0.1:0".parse()?, &w).await?;
    let dir = messages_dir(&w, teams);
    let extra = [("HERALD__MESSAGES__DIR", dir.path().display().to_string())];
    let start = chrono::Utc
        .with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .single()
        .expect("a valid date");
    let clock = Arc::new(ManualClock::new(start));
    let launched = Instant::now();
    let herald = crate::startup::launch(settings(&simh.url(), dir.path(), &extra), clock.clone())
        .await
        .map_err(|e| anyhow::anyhow!("Herald did not start: {e:?}"))?;
    wait_for_teams(&herald.app, teams).await;
    let ready = launched.elapsed();
    let rss = rss_mib();
    let sim = Arc::new(SimClient::new(&simh.url()));
    // Closes in 25 h: the 24 h reminder falls due an hour after opening.
    let openings = start_pulse(&sim, &simh, teams, "25h").await?;
    let (stored, burst_secs) = burst(&sim, &openings, burst_n, teams).await;

    let (wave, lateness) = reminder_wave(&simh, &clock, teams, wave_s).await;
    herald.stop().await;
    let mut lateness = lateness;
    lateness.sort_by(|a, b| a.total_cmp(b));
    let expected_sends = (0..TICKS)
        .map(|k| (0..teams).filter(|t| t % TICKS == k).count())
        .sum::<usize>();
    Ok(vec![
        Figure::new(
            NAME,
            format!("start-up to ready, {members} members in {teams} teams"),
            format!("{:.1} s", ready.as_secs_f64()),
        ),
        Figure::new(
            NAME,
            "resident memory once ready (Herald and the simulator, one process)",
            format!("{rss:.0} MiB"),
        ),
        Figure::new(
            NAME,
            format!("pulse burst ingest, {burst_n} members, 200 at a time"),
            format!(
                "{:.0} answer sets per second ({stored} stored in {burst_secs:.1} s)",
                stored as f64 / burst_secs
            ),
        )
        .target("≥ 1,000/s"),
        Figure::new(
            NAME,
            format!("reminder fan-out over {wave_s} s from the first reminder"),
            format!(
                "first after {:.1} s; {} direct messages ({:.1}/s) in {} requests: {:.0} % of the {GLOBAL_LIMIT:.0}/s global limit",
                wave.first_after,
                wave.dms,
                wave.dms as f64 / wave.secs,
                wave.requests,
                100.0 * wave.requests as f64 / wave.secs / GLOBAL_LIMIT
            ),
        )
        .target("≥ 90 %"),
        Figure::new(
            NAME,
            "plan sends during the wave: delivered / due; lateness p50 / p99 / max",
            format!(
                "{} / {expected_sends}; {:.0} / {:.0} / {:.0} ms",
                lateness.len(),
                percentile(&lateness, 50.0),
                percentile(&lateness, 99.0),
                lateness.last().copied().unwrap_or(f64::NAN)
            ),
        )
        .target("p99 < 1,000 ms"),
    ])
}

/// What the reminder wave did in its window.
struct Wave {
    /// Seconds from the step falling due to the first reminder (listing and queueing).
    first_after: f64,
    dms: u64,
    requests: u64,
    secs: f64,
}

/// Moves the clock to the reminder step (10:00), then a minute at a time through the 20
/// ticks, timing each plan send; then lets the wave run to `wave_s` seconds and counts.
async fn reminder_wave(
    simh: &SimHandle,
    clock: &ManualClock,
    teams: u64,
    wave_s: u64,
) -> (Wave, Vec<f64>) {
    let before = simh.stats();
    clock.advance(chrono::Duration::hours(1));
    let began = Instant::now();
    let dms = |stats: &serde_json::Value| number(stats, "dms_created");
    // The fan-out: the guild listed once, a row per member queued; then the first reminder.
    while dms(&simh.stats()) == dms(&before) && began.elapsed() < Duration::from_secs(120) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let first = Instant::now();
    let first_after = began.elapsed().as_secs_f64();
    let at_first = simh.stats();
    // Let the first reminders go before the first tick.
    while dms(&simh.stats()) < dms(&at_first) + 20 && first.elapsed() < Duration::from_secs(wave_s)
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut lateness = Vec::new();
    for k in 0..TICKS {
        clock.advance(chrono::Duration::minutes(1));
        let due = Instant::now();
        let mut waiting: Vec<String> = (0..teams)
            .filter(|t| t % TICKS == k)
            .map(|t| format!("t{t:02}"))
            .collect();
        while !waiting.is_empty() && due.elapsed() < Duration::from_secs(30) {
            waiting.retain(|c| {
                let arrived = simh.messages(c).iter().any(|m| {
                    m["content"]
                        .as_str()
                        .or(m["embeds"][0]["description"].as_str())
                        .unwrap_or_default()
                        .contains("Tick for")
                });
                if arrived {
                    lateness.push(due.elapsed().as_secs_f64() * 1000.0);
                }
                !arrived
            });
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    let window = Duration::from_secs(wave_s);
    if let Some(rest) = window.checked_sub(first.elapsed()) {
        tokio::time::sleep(rest).await;
    }
    let after = simh.stats();
    let wave = Wave {
        first_after,
        dms: dms(&after) - dms(&at_first),
        requests: number(&after, "requests") - number(&at_first, "requests"),
        secs: first.elapsed().as_secs_f64(),
    };
    (wave, lateness)
}
