//! `herald demo`: one process runs the simulator and Herald on a manual clock with a
//! scripted organisation (20 people per plan team, a manager each, a change lead) and
//! plays the campaign from four weeks before go-live to four weeks after (so the eNPS
//! pulse three weeks in closes) in about a minute. People acknowledge, answer pulses (Support resists: low Desire), write in
//! #feedback (Support turns sour after go-live), managers recognise, and a CRM sends each
//! night's adoption figures (Sales tips, Support works twice until told); the terminal shows a
//! transcript and a progress bar; a report folder gets charts, the CSV and a summary.
//!
//! The story is reproducible: every choice people make comes from `--seed`, the clock
//! moves on a fixed grid only once Herald is idle, and `--speed` sets only the pace.

mod clockwork;
mod crm;
mod people;
mod report;
mod stage;
mod summary;
mod transcript;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};

use crate::clock::ManualClock;
use crate::config::Settings;
use crate::plan::{Known, Plan};
use crate::sim::{self, WorldSpec};
use crate::startup::{self, Running};
use clockwork::{Outbox, Pace, Timeline};
pub use stage::Stage;

/// The seed `herald demo` uses unless told otherwise.
pub const DEFAULT_SEED: u64 = 1;

/// What `herald demo` was asked for.
pub struct DemoOptions {
    pub messages: PathBuf,
    /// Decides every choice the scripted people make: the same seed, the same story.
    pub seed: u64,
    /// Only the pace: at speed N a simulated day takes 1.5 s / N of real time (or as long
    /// as the work takes); what happens is the same at every speed.
    pub speed: u32,
    pub out: PathBuf,
}

/// How a demo run ended.
#[derive(Debug)]
pub enum DemoError {
    /// The plan is broken: its problems, one per line (exit 1).
    Plan(Vec<String>),
    Failed(anyhow::Error),
}

impl From<anyhow::Error> for DemoError {
    fn from(e: anyhow::Error) -> Self {
        DemoError::Failed(e)
    }
}

/// What the run showed, for the summary and for tests.
#[derive(Debug, Default)]
pub struct Outcome {
    pub transcript: Vec<String>,
    pub alerts: Vec<String>,
    pub report: PathBuf,
    /// Real time the run took (not in the report: it differs from run to run).
    pub took: Duration,
    /// Clicks and commands Herald answered after Discord's three seconds (refused by the
    /// simulator): on a loaded machine, the one way two runs of a seed can differ.
    pub late_answers: u64,
}

/// The organisation: for each plan team 19 people and a manager, plus Claire.
pub fn world(plan: &Plan) -> WorldSpec {
    let teams: Vec<(String, String, usize)> = plan
        .teams
        .iter()
        .map(|t| (t.role.clone(), t.channel.clone(), 19))
        .collect();
    WorldSpec::teams_with(&teams, true, &[&plan.campaign.reports_channel, "feedback"])
}

fn settings(sim_url: &str, opts: &DemoOptions) -> Result<Settings, anyhow::Error> {
    let env = [
        ("DISCORD_TOKEN", "demo-token".to_string()),
        ("HERALD__DISCORD__API_BASE", sim_url.to_string()),
        (
            "HERALD__DATABASE__URL",
            format!("sqlite://{}", opts.out.join("demo.db").display()),
        ),
        ("HERALD__HTTP__LISTEN", "127.0.0.1:0".to_string()),
        ("HERALD__MESSAGES__DIR", opts.messages.display().to_string()),
        (
            "HERALD__PRIVACY__KEY_FILE",
            opts.out.join("demo.key").display().to_string(),
        ),
        (
            "HERALD__SENTIMENT__FEEDBACK_CHANNELS",
            "feedback".to_string(),
        ),
        ("HERALD__ADOPTION__TOKEN", crm::TOKEN.to_string()),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.clone()))
    .collect();
    Settings::load(None, &env).map_err(|e| anyhow::anyhow!("{e}"))
}

/// Four weeks before go-live at 08:00 UTC (or today without a go-live date).
fn start_of(plan: &Plan) -> DateTime<Utc> {
    let go_live = plan
        .campaign
        .go_live
        .unwrap_or_else(|| Utc::now().date_naive() + chrono::Duration::days(28));
    let day: NaiveDate = go_live - chrono::Duration::days(28);
    day.and_hms_opt(8, 0, 0).unwrap_or_default().and_utc()
}

/// Runs the demo and writes the report; the transcript goes to stdout as it happens.
pub async fn run(opts: &DemoOptions, print: bool) -> Result<Outcome, DemoError> {
    let plan = crate::plan::load(&opts.messages, &Known::default())
        .map_err(|problems| DemoError::Plan(problems.iter().map(ToString::to_string).collect()))?;
    prepare_out(opts)?;
    let sim = sim::start("127.0.0.1:0".parse().expect("an address"), &world(&plan)).await?;
    let (start, end) = window(&plan);
    let clock = Arc::new(ManualClock::new(start));
    let herald = startup::launch(settings(&sim.url(), opts)?, clock.clone())
        .await
        .map_err(|e| anyhow::anyhow!("Herald did not start: {e:?}"))?;
    wait_ready(&herald, &plan).await;
    let outbox = Outbox::open(&opts.out.join("demo.db")).await?;
    let mut stage = Stage::new(&sim, &plan, opts.seed, print);
    let pace = Pace::new(start, opts.speed);
    let run = Run {
        herald: &herald,
        outbox: &outbox,
        clock: &clock,
        start,
        end,
    };
    run.play(&mut stage, &pace).await;
    stage.outcome.took = pace.elapsed();
    stage.outcome.late_answers = sim.stats()["interactions"]["late"].as_u64().unwrap_or(0);
    let report = report::write(&herald, opts, &stage.outcome).await?;
    stage.outcome.report = report;
    outbox.close().await;
    herald.stop().await;
    Ok(stage.outcome)
}

/// The output folder, without a previous run's database or key; the privacy key comes
/// from the seed, so even keyed hashes are the same from run to run.
fn prepare_out(opts: &DemoOptions) -> Result<(), DemoError> {
    let out = &opts.out;
    std::fs::create_dir_all(out).map_err(|e| anyhow::anyhow!("{}: {e}", out.display()))?;
    for stale in ["demo.db", "demo.db-wal", "demo.db-shm", "demo.key"] {
        let _ = std::fs::remove_file(out.join(stale));
    }
    let key: String = (0..4)
        .map(|i| {
            format!(
                "{:016x}",
                people::mix(opts.seed, &format!("privacy key {i}"))
            )
        })
        .collect();
    std::fs::write(out.join("demo.key"), format!("{key}\n"))
        .map_err(|e| anyhow::anyhow!("{}: {e}", out.display()))?;
    Ok(())
}

/// The simulated stretch the demo plays: from four weeks before go-live at 08:00 UTC to
/// four weeks after it at 20:00 UTC.
pub fn window(plan: &Plan) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = start_of(plan);
    (start, end_of(plan, start))
}

/// Four weeks after go-live at 20:00 UTC (or eight weeks after the start).
fn end_of(plan: &Plan, start: DateTime<Utc>) -> DateTime<Utc> {
    plan.campaign
        .go_live
        .map_or(start + chrono::Duration::days(56), |g| {
            g.and_hms_opt(20, 0, 0).unwrap_or_default().and_utc() + chrono::Duration::days(28)
        })
}

/// One run's moving parts.
struct Run<'a> {
    herald: &'a Running,
    outbox: &'a Outbox,
    clock: &'a ManualClock,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl Run<'_> {
    /// Plays from start to end: at each stop Herald finishes what is due, then people act.
    async fn play(&self, stage: &mut Stage<'_>, pace: &Pace) {
        let mut timeline = Timeline::default();
        let mut crm = crm::Crm::new(self.herald.health_addr);
        let mut now = self.start;
        timeline.moved_to(now);
        self.settle(stage, now).await;
        stage.observe(&timeline, now);
        while now < self.end {
            let event = clockwork::next_event(self.herald, now).await;
            let to = clockwork::next_stop(self.start, now, event).min(self.end);
            pace.wait_for(to).await;
            timeline.moved_to(to);
            self.clock.advance(to - now);
            now = to;
            self.settle(stage, now).await;
            stage.observe(&timeline, now);
            let told = stage
                .outcome
                .alerts
                .iter()
                .any(|a| a.contains("Support is doing the work twice"));
            crm.send_due(stage.plan, self.start, now, told).await;
            stage.observe(&timeline, now);
            people::act(stage, now).await;
            self.settle(stage, now).await;
            stage.observe(&timeline, now);
            if stage.print {
                clockwork::progress(self.start, self.end, now);
            }
        }
        if stage.print && clockwork::progress_shown() {
            eprintln!();
        }
    }

    async fn settle(&self, stage: &Stage<'_>, now: DateTime<Utc>) {
        clockwork::read_everything_said(self.herald, stage.said).await;
        clockwork::settle(stage.sim, self.herald, self.outbox, now).await;
    }
}

async fn wait_ready(herald: &Running, plan: &Plan) {
    for _ in 0..500 {
        let app = &herald.app;
        if app.metrics.gateway_up() {
            if let Ok(Some(g)) = app.primary_guild().await {
                let teams = app.store.list_teams(g).await.map(|t| t.len()).unwrap_or(0);
                // Every item seen by the scheduler: its first firing is queued.
                let mut seen = true;
                for item in &plan.items {
                    seen &= matches!(app.store.cursor(g, &item.id).await, Ok(Some(_)));
                }
                if teams >= plan.teams.len() && seen {
                    return;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Where the report goes by default.
pub fn default_out() -> PathBuf {
    Path::new("herald-demo").to_path_buf()
}
