//! The scheduler with 100,000 schedules, Herald as its own process on SQLite against the
//! simulator with Discord's limits: start-up time to ready (with the shipped plan, and
//! with the big one), how long the first 48 hours of sends take to queue, lateness from
//! each send's due time to the message appearing in Discord, idle CPU once nothing is
//! due, and resident memory.
//!
//! The plan: `BENCH_SCHEDULES` (100,000) daily items, one team each over `BENCH_SCHEDULE_TEAMS`
//! (100). `BENCH_WINDOW` (1,000) of them fall due ten per second, `BENCH_LEAD` (120) s
//! after start; the rest later in the day. Idle CPU is measured over `BENCH_IDLE` (30) s
//! after the last of them. Start-up with the shipped plan is the median of `BENCH_STARTS` (5).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Timelike, Utc};

use super::process::HeraldProcess;
use super::{env_num, percentile, rate_limit_figure, Figure};
use crate::sim::{self, SimHandle, WorldSpec};

const NAME: &str = "scheduler";
const PER_SECOND: u64 = 10;

struct Sizes {
    schedules: u64,
    teams: u64,
    window: u64,
    lead: u64,
    idle: u64,
    starts: usize,
}

impl Sizes {
    fn from_env() -> Self {
        Self {
            schedules: env_num("BENCH_SCHEDULES", 100_000),
            teams: env_num("BENCH_SCHEDULE_TEAMS", 100),
            window: env_num("BENCH_WINDOW", 1_000),
            lead: env_num("BENCH_LEAD", 120),
            idle: env_num("BENCH_IDLE", 30),
            starts: env_num("BENCH_STARTS", 5).max(1) as usize,
        }
    }
}

pub async fn run(exe: &Path) -> anyhow::Result<Vec<Figure>> {
    let sizes = Sizes::from_env();
    let mut out = vec![startup_figure(exe, sizes.starts).await?];
    let world = WorldSpec::busy(sizes.teams as usize);
    let sim = sim::start("127.0.0.1:0".parse()?, &world).await?;
    let dir = tempfile::tempdir()?;
    let messages = dir.path().join("messages");
    let first_due = (Utc::now() + chrono::Duration::seconds(sizes.lead as i64))
        .with_nanosecond(0)
        .unwrap_or_default();
    write_plan(&messages, &world, &sizes, first_due)?;
    let db = dir.path().join("bench.db");
    let env = [
        ("HERALD__MESSAGES__DIR", messages.display().to_string()),
        (
            "HERALD__DATABASE__URL",
            format!("sqlite://{}", db.display()),
        ),
        (
            "HERALD__PRIVACY__KEY_FILE",
            dir.path().join("key").display().to_string(),
        ),
    ];
    let started = Instant::now();
    let mut herald = HeraldProcess::spawn(exe, &sim, &env, &dir.path().join("herald.log"))?;
    let ready = herald
        .ready(&sim, started, Duration::from_secs(120))
        .await?;
    let queued = wait_for_queue(&db, sizes.schedules).await?;
    let queued_at = started.elapsed();
    let (rss_queued, _) = herald.memory_mib();
    let last_due = first_due + chrono::Duration::seconds((sizes.window / PER_SECOND) as i64);
    let late = lateness(&sim, &sizes, first_due, last_due).await;
    let cpu_before = herald.cpu_seconds();
    tokio::time::sleep(Duration::from_secs(sizes.idle)).await;
    let idle_cpu = 100.0 * (herald.cpu_seconds() - cpu_before) / sizes.idle as f64;
    let (rss, peak) = herald.memory_mib();
    let stats = sim.stats();
    herald.stop().await;

    out.extend([
        Figure::new(
            NAME,
            format!("start-up to ready with {} schedules", sizes.schedules),
            format!("{:.0} ms", ready.as_secs_f64() * 1000.0),
        ),
        Figure::new(
            NAME,
            "start to the first 48 hours queued",
            format!("{:.1} s ({queued} sends)", queued_at.as_secs_f64()),
        ),
    ]);
    out.extend(late);
    out.extend([
        Figure::new(
            NAME,
            format!("idle CPU over {} s with nothing due", sizes.idle),
            format!("{idle_cpu:.2} % of one core"),
        ),
        Figure::new(
            NAME,
            "resident memory: once queued / at the end / peak",
            format!("{rss_queued:.0} / {rss:.0} / {peak:.0} MiB"),
        ),
        rate_limit_figure(NAME, &stats),
    ]);
    Ok(out)
}

/// `herald run` with the shipped plan, started `starts` times: the median time to ready.
async fn startup_figure(exe: &Path, starts: usize) -> anyhow::Result<Figure> {
    let shipped = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("messages");
    let mut times = Vec::new();
    for _ in 0..starts {
        let sim = sim::start("127.0.0.1:0".parse()?, &WorldSpec::default_world()).await?;
        let dir = tempfile::tempdir()?;
        let env = [
            ("HERALD__MESSAGES__DIR", shipped.display().to_string()),
            (
                "HERALD__DATABASE__URL",
                format!("sqlite://{}/herald.db", dir.path().display()),
            ),
            (
                "HERALD__PRIVACY__KEY_FILE",
                dir.path().join("key").display().to_string(),
            ),
        ];
        let started = Instant::now();
        let mut herald = HeraldProcess::spawn(exe, &sim, &env, &dir.path().join("herald.log"))?;
        times.push(
            herald
                .ready(&sim, started, Duration::from_secs(60))
                .await?
                .as_secs_f64()
                * 1000.0,
        );
        herald.stop().await;
    }
    times.sort_by(f64::total_cmp);
    Ok(Figure::new(
        NAME,
        format!("start-up to ready, shipped plan (process start to /healthz 200 and commands registered; median of {starts})"),
        format!("{:.0} ms ({:.0}–{:.0})", percentile(&times, 50.0), times[0], times[starts - 1]),
    ))
}

/// A plan of daily items: the first `window` due `PER_SECOND` a second from `first_due`,
/// the rest spread over the day from an hour after it.
fn write_plan(
    dir: &Path,
    world: &WorldSpec,
    sizes: &Sizes,
    first_due: DateTime<Utc>,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir.join("templates"))?;
    std::fs::write(dir.join("templates/s.md"), "Send {{ item.id }}")?;
    let mut plan = format!(
        "[campaign]\nname = \"Scheduler bench\"\ntimezone = \"UTC\"\n{}",
        world.plan_teams()
    );
    let spread = (22 * 3600) as u64;
    for i in 0..sizes.schedules {
        let offset = if i < sizes.window {
            i / PER_SECOND
        } else {
            3600 + (i * 7919) % spread
        };
        let at = first_due + chrono::Duration::seconds(offset as i64);
        plan.push_str(&format!(
            "\n[[items]]\nid = \"s{i}\"\ntemplate = \"s.md\"\naudience = [\"team-{:02}\"]\nschedule = \"{}\"\n",
            i % sizes.teams,
            at.format("%S %M %H * * *")
        ));
    }
    std::fs::write(dir.join("plan.toml"), plan)?;
    Ok(())
}

/// Waits until every item's first 48 hours are queued (two firings of each daily item);
/// the rows queued. Cursors alone are not enough: a pass that runs before the plan's teams
/// are added sets them with no rows, and the team change then re-plans from scratch.
async fn wait_for_queue(db: &Path, schedules: u64) -> anyhow::Result<i64> {
    use sqlx::{Connection, Row};
    let url = format!("sqlite://{}?mode=ro", db.display());
    let deadline = Instant::now() + Duration::from_secs(600);
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let Ok(mut conn) = sqlx::SqliteConnection::connect(&url).await else {
            continue;
        };
        let rows: i64 = match sqlx::query("SELECT COUNT(*) AS n FROM outbox")
            .fetch_one(&mut conn)
            .await
        {
            Ok(r) => r.try_get("n")?,
            Err(_) => continue,
        };
        if rows as u64 >= 2 * schedules {
            return Ok(rows);
        }
    }
    anyhow::bail!("the schedules were not all queued within 10 minutes")
}

/// Waits for the window's sends; lateness from due to created in the simulator.
async fn lateness(
    sim: &SimHandle,
    sizes: &Sizes,
    first_due: DateTime<Utc>,
    last_due: DateTime<Utc>,
) -> Vec<Figure> {
    let deadline = last_due + chrono::Duration::seconds(60);
    let expected = sizes.window;
    let mut late = Vec::new();
    while Utc::now() < deadline {
        tokio::time::sleep(Duration::from_millis(500)).await;
        late = window_lateness(sim, sizes, first_due);
        if late.len() as u64 >= expected && Utc::now() > last_due {
            break;
        }
    }
    late.sort_by(f64::total_cmp);
    vec![
        Figure::new(
            NAME,
            format!("sends due in the window ({PER_SECOND} a second) / delivered"),
            format!("{expected} / {}", late.len()),
        )
        .target("all"),
        Figure::new(
            NAME,
            "lateness, due to in Discord: p50 / p99 / max",
            format!(
                "{:.0} / {:.0} / {:.0} ms",
                percentile(&late, 50.0),
                percentile(&late, 99.0),
                late.last().copied().unwrap_or(f64::NAN)
            ),
        ),
    ]
}

/// Each window message's lateness in ms (its item number tells when it was due).
fn window_lateness(sim: &SimHandle, sizes: &Sizes, first_due: DateTime<Utc>) -> Vec<f64> {
    let due0 = first_due.timestamp_millis();
    (0..sizes.teams)
        .flat_map(|t| sim.messages(&format!("team-{t:02}")))
        .filter_map(|m| {
            let item: u64 = m["content"]
                .as_str()?
                .strip_prefix("Send s")?
                .parse()
                .ok()?;
            let due = due0 + (item / PER_SECOND) as i64 * 1000;
            let created = m["created_ms"].as_i64()?;
            (item < sizes.window).then_some((created - due) as f64)
        })
        .collect()
}
