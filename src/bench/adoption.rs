//! Adoption figures at 1,000,000 rows over 200 teams of 40 on SQLite: the ingest rate
//! through the whole path (check, hash each person, store) in batches of 10,000, then
//! `/adoption` without a team (every team's curve over 8 weeks and the PNG) timed
//! `BENCH_RUNS` (50) times. `BENCH_ADOPTION_ROWS` and `BENCH_ADOPTION_TEAMS` change the
//! size.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{env_num, percentile, settings, Figure};
use crate::app::adoption::{ingest, view};
use crate::app::App;
use crate::clock::SystemClock;
use crate::domain::adoption::Incoming;
use crate::domain::ids::{GuildId, MemberId};
use crate::metrics::Metrics;

const NAME: &str = "adoption";
const BATCH: u64 = 10_000;
const PEOPLE: u64 = 40;

const PLAN: &str = r#"[campaign]
name = "Bench"
timezone = "UTC"

[[metrics]]
id = "crm_active"
kind = "active_users"
label = "Active in the new CRM"

[[metrics]]
id = "old_reports"
kind = "legacy"
label = "Old reports opened"
"#;

pub async fn run() -> anyhow::Result<Vec<Figure>> {
    let (n, teams, runs) = (
        env_num("BENCH_ADOPTION_ROWS", 1_000_000),
        env_num("BENCH_ADOPTION_TEAMS", 200),
        env_num("BENCH_RUNS", 50),
    );
    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("plan.toml"), PLAN)?;
    let messages = dir.path().display().to_string();
    let settings = settings(
        "http://127.0.0.1:9",
        dir.path(),
        &[("HERALD__MESSAGES__DIR", messages)],
    );
    let store = crate::store::connect(&settings.database_url, 4).await?;
    let guild = GuildId(1);
    super::sentiment::add_teams(store.as_ref(), guild, teams).await?;
    let chat = Arc::new(crate::chat::stored::StoredChat::new(store.clone()));
    let key = crate::app::pulse::key::PrivacyKey::from_bytes([7; 32]);
    let metrics = Arc::new(Metrics::default());
    let app = App::new(
        store.clone(),
        Arc::new(SystemClock),
        settings,
        metrics,
        chat,
        key,
    );
    crate::app::comms::load(&app)
        .await
        .map_err(|p| anyhow::anyhow!("the bench plan has problems: {p:?}"))?;

    let mut spent = Duration::ZERO;
    let mut done = 0;
    while done < n {
        let batch = rows(done, BATCH.min(n - done), teams);
        let t = Instant::now();
        ingest(&app, &batch)
            .await
            .map_err(|e| anyhow::anyhow!("the bench batch was refused: {e:?}"))?;
        spent += t.elapsed();
        done += batch.len() as u64;
    }

    let (mut times, mut png_ms) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let t = Instant::now();
        let a = view::curves(&app, guild, 8, &[]).await?;
        let p = Instant::now();
        crate::chart::adoption_chart(&a).map_err(anyhow::Error::msg)?;
        png_ms.push(p.elapsed().as_secs_f64() * 1000.0);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    store.close().await;
    for v in [&mut times, &mut png_ms] {
        v.sort_by(|a, b| a.total_cmp(b));
    }
    let rate = n as f64 / spent.as_secs_f64();
    Ok(vec![
        Figure::new(
            NAME,
            format!("ingest of {n} rows over {teams} teams (batches of {BATCH}, checked, each person hashed)"),
            format!("{rate:.0} rows per second ({:.1} s)", spent.as_secs_f64()),
        )
        .target("≥ 50,000/s"),
        Figure::new(
            NAME,
            format!("/adoption (all teams, 8 weeks) p50 ({runs} runs; of which the PNG)"),
            format!(
                "{:.1} ms ({:.1} ms)",
                percentile(&times, 50.0),
                percentile(&png_ms, 50.0)
            ),
        ),
        Figure::new(
            NAME,
            "/adoption (all teams) p99",
            format!("{:.1} ms", percentile(&times, 99.0)),
        )
        .target("< 50 ms"),
    ])
}

/// Rows `from`…`from + count` of the feed: each team's 40 people active on each day,
/// going back from today, every tenth row the team's old reports instead.
fn rows(from: u64, count: u64, teams: u64) -> Vec<Incoming> {
    let today = chrono::Utc::now().date_naive();
    (from..from + count)
        .map(|i| {
            let per_day = teams * PEOPLE;
            let day = today - chrono::Duration::days((i / per_day) as i64);
            let team = (i % per_day) / PEOPLE + 1;
            let person = i % PEOPLE;
            let mut row = Incoming {
                row: (i - from + 1) as usize,
                source: Some("crm".into()),
                metric: Some("crm_active".into()),
                value: Some("1".into()),
                at: Some(day.to_string()),
                ..Incoming::default()
            };
            if person == 0 {
                row.metric = Some("old_reports".into());
                row.team = Some(format!("team-{:03}", team - 1));
                row.value = Some("30".into());
            } else {
                row.member = Some(MemberId(team * 1_000 + person).0.to_string());
            }
            row
        })
        .collect()
}
