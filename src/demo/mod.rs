//! `herald demo`: one process runs the simulator and Herald on a manual clock with a
//! scripted organisation (20 people per plan team, a manager each, a change lead) and
//! plays the campaign from four weeks before go-live to two weeks after in about a
//! minute. People acknowledge, answer pulses (Support resists: low Desire), write in
//! #feedback (Support turns sour after go-live), managers recognise; the terminal shows a
//! transcript and a progress bar; a report folder gets charts, the CSV and a summary.

mod people;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

use crate::clock::ManualClock;
use crate::config::Settings;
use crate::plan::{Known, Plan};
use crate::sim::client::SimClient;
use crate::sim::{self, SimHandle, WorldSpec};
use crate::startup::{self, Running};

/// What `herald demo` was asked for.
pub struct DemoOptions {
    pub messages: PathBuf,
    /// Simulated hours per step: 3 × speed.
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
    std::fs::create_dir_all(&opts.out)
        .map_err(|e| anyhow::anyhow!("{}: {e}", opts.out.display()))?;
    for stale in ["demo.db", "demo.db-wal", "demo.db-shm", "demo.key"] {
        let _ = std::fs::remove_file(opts.out.join(stale));
    }
    let world = world(&plan);
    let sim = sim::start("127.0.0.1:0".parse().expect("an address"), &world).await?;
    let start = start_of(&plan);
    let clock = Arc::new(ManualClock::new(start));
    let herald = startup::launch(settings(&sim.url(), opts)?, clock.clone())
        .await
        .map_err(|e| anyhow::anyhow!("Herald did not start: {e:?}"))?;
    wait_ready(&herald, &plan).await;
    let mut stage = Stage {
        sim: &sim,
        client: SimClient::new(&sim.url()),
        plan: &plan,
        seen: HashSet::new(),
        done: HashSet::new(),
        outcome: Outcome::default(),
        print,
    };
    let end = plan
        .campaign
        .go_live
        .map_or(start + chrono::Duration::days(42), |g| {
            g.and_hms_opt(20, 0, 0).unwrap_or_default().and_utc() + chrono::Duration::days(14)
        });
    let step = chrono::Duration::hours(3 * i64::from(opts.speed.max(1)));
    let began = Instant::now();
    let mut now = start;
    while now < end {
        // Step to Herald's next send or pulse event when it comes sooner, so nothing is
        // late: a send later than the plan's grace would be skipped, as in real life.
        caught_up(&herald, now).await;
        let next = next_event(&herald, now).await.filter(|t| *t > now);
        let to = next.map_or(now + step, |t| t.min(now + step));
        clock.advance(to - now);
        now = to;
        settle(&sim).await;
        stage.observe(now).await;
        people::act(&mut stage, now).await;
        settle(&sim).await;
        stage.observe(now).await;
        if print {
            progress(start, end, now);
        }
    }
    if print {
        eprintln!();
    }
    let report = write_report(&herald, opts, &stage.outcome, began.elapsed()).await?;
    stage.outcome.report = report;
    herald.stop().await;
    Ok(stage.outcome)
}

/// Waits (up to 3 s) until Herald has sent everything due by `now`.
async fn caught_up(herald: &Running, now: DateTime<Utc>) {
    for _ in 0..300 {
        match herald.app.store.next_due_ms().await {
            Ok(Some(due)) if due <= now.timestamp_millis() => {
                tokio::time::sleep(Duration::from_millis(10)).await
            }
            _ => return,
        }
    }
}

async fn next_event(herald: &Running, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let app = &herald.app;
    let outbox = app.store.next_due_ms().await.ok().flatten();
    let pulses = crate::app::pulse::run::next_opening_ms(app, now);
    [outbox, pulses]
        .into_iter()
        .flatten()
        .filter_map(DateTime::from_timestamp_millis)
        .filter(|t| *t > now)
        .min()
}

/// The running demo: what people can see and do.
pub struct Stage<'a> {
    pub sim: &'a SimHandle,
    pub client: SimClient,
    pub plan: &'a Plan,
    seen: HashSet<String>,
    done: HashSet<String>,
    pub outcome: Outcome,
    print: bool,
}

impl Stage<'_> {
    /// New messages in every channel, printed as transcript lines.
    async fn observe(&mut self, now: DateTime<Utc>) {
        let mut channels: Vec<String> = self.plan.teams.iter().map(|t| t.channel.clone()).collect();
        channels.push(self.plan.campaign.reports_channel.clone());
        for channel in channels {
            for m in self.sim.messages(&channel) {
                let id = m["id"].as_str().unwrap_or_default().to_string();
                if !self.seen.insert(id) {
                    continue;
                }
                let line = format!(
                    "{}  #{channel:<12} {}",
                    now.format("%a %d %b %H:%M"),
                    first_line(&m)
                );
                if line.contains("⚠️") {
                    self.outcome.alerts.push(line.clone());
                }
                if self.print {
                    println!("{line}");
                }
                self.outcome.transcript.push(line);
            }
        }
    }

    /// True the first time `key` is seen: each person does each thing once.
    pub fn outcome_once(&mut self, key: String) -> bool {
        self.done.insert(key)
    }

    /// Messages of a team channel with a button whose action is `wanted`: (message id,
    /// the button's custom_id).
    pub fn buttons(
        &self,
        channel: &str,
        wanted: fn(&crate::app::action::Action) -> bool,
    ) -> Vec<(String, String)> {
        self.sim
            .messages(channel)
            .iter()
            .filter_map(|m| {
                let id = crate::sim::client::custom_ids(&m["components"])
                    .into_iter()
                    .find(|id| id.parse().is_ok_and(|a| wanted(&a)))?;
                Some((m["id"].as_str()?.to_string(), id))
            })
            .collect()
    }
}

fn first_line(m: &Value) -> String {
    let text = m["embeds"][0]["title"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| m["content"].as_str().unwrap_or_default().to_string());
    let line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .replace("**", "");
    line.chars().take(90).collect()
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

/// Waits until the simulator has seen no new request for a moment: Herald is idle.
async fn settle(sim: &SimHandle) {
    let mut last = sim.stats()["requests"].as_u64().unwrap_or(0);
    let mut quiet = 0;
    for _ in 0..400 {
        tokio::time::sleep(Duration::from_millis(5)).await;
        let now = sim.stats()["requests"].as_u64().unwrap_or(0);
        if now == last {
            quiet += 1;
            if quiet >= 4 {
                return;
            }
        } else {
            quiet = 0;
            last = now;
        }
    }
}

fn progress(start: DateTime<Utc>, end: DateTime<Utc>, now: DateTime<Utc>) {
    let done = (now - start).num_minutes() as f64 / (end - start).num_minutes().max(1) as f64;
    let filled = (done * 30.0).round() as usize;
    eprint!(
        "\r[{}{}] {:>3.0}%  {}",
        "#".repeat(filled.min(30)),
        ".".repeat(30 - filled.min(30)),
        done * 100.0,
        now.format("%a %d %b")
    );
}

async fn write_report(
    herald: &Running,
    opts: &DemoOptions,
    outcome: &Outcome,
    took: Duration,
) -> Result<PathBuf, DemoError> {
    let app = &herald.app;
    let dir = opts.out.join("report");
    std::fs::create_dir_all(&dir).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
    let guild = app
        .primary_guild()
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .ok_or_else(|| anyhow::anyhow!("no guild"))?;
    let views = crate::app::sentiment::views(app, guild, 6)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let write = |name: &str, bytes: &[u8]| {
        std::fs::write(dir.join(name), bytes).map_err(|e| anyhow::anyhow!("{name}: {e}"))
    };
    write(
        "overview.png",
        &crate::chart::heat_map(&views).map_err(anyhow::Error::msg)?,
    )?;
    for v in &views {
        let today = crate::domain::record::day_of(app.now_ms());
        let record = app
            .store
            .cells(guild, Some(&v.team), today - 180)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let full = crate::app::sentiment::team_view(app, guild, &record, &v.team, 6)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let png = crate::chart::team_chart(&full).map_err(anyhow::Error::msg)?;
        write(&format!("sentiment-{}.png", v.team.to_lowercase()), &png)?;
    }
    let rows = crate::app::sentiment::export::export_rows(app, guild, 6)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    write(
        "export.csv",
        crate::app::sentiment::export::csv(&rows).as_bytes(),
    )?;
    let mut summary = format!(
        "# Herald demo\n\nPlayed {} messages in {:.0} s of real time.\n\n## Sentiment\n\n",
        outcome.transcript.len(),
        took.as_secs_f64()
    );
    for v in &views {
        summary.push_str(&format!(
            "- {}\n",
            crate::app::sentiment::headline(v, app.settings.min_group_size)
        ));
    }
    summary.push_str("\n## Alerts\n\n");
    for a in &outcome.alerts {
        summary.push_str(&format!("- {a}\n"));
    }
    if outcome.alerts.is_empty() {
        summary.push_str("- none\n");
    }
    write("summary.md", summary.as_bytes())?;
    Ok(dir)
}

/// Where the report goes by default.
pub fn default_out() -> PathBuf {
    Path::new("herald-demo").to_path_buf()
}
