//! The sentiment record at 1,000,000 signals over 200 teams and 60 days on SQLite: the
//! ingest rate (batches of 10,000, each one transaction), then the all-teams `/sentiment`
//! work (every team's view and the heat-map PNG) timed `BENCH_RUNS` (50) times, then
//! the leadership dashboard and digest over the same record ([`super::dashboard`]).
//! `BENCH_SIGNALS` and `BENCH_SIGNAL_TEAMS` change the size.

use std::sync::Arc;
use std::time::Instant;

use rand::{Rng, SeedableRng};

use super::{env_num, percentile, settings, Figure};
use crate::app::App;
use crate::clock::SystemClock;
use crate::domain::ids::{ChannelId, GuildId, MemberId, RoleId};
use crate::domain::record::{Signal, SOURCES};
use crate::domain::team::TeamName;
use crate::metrics::Metrics;
use crate::store::Store;

const NAME: &str = "sentiment";
const BATCH: u64 = 10_000;

pub async fn run() -> anyhow::Result<Vec<Figure>> {
    let (n, teams, runs) = (
        env_num("BENCH_SIGNALS", 1_000_000),
        env_num("BENCH_SIGNAL_TEAMS", 200),
        env_num("BENCH_RUNS", 50),
    );
    let dir = tempfile::tempdir()?;
    let settings = settings("http://127.0.0.1:9", dir.path(), &[]);
    let store = crate::store::connect(&settings.database_url, 4).await?;
    let guild = GuildId(1);
    let names = add_teams(store.as_ref(), guild, teams).await?;
    let metrics = Arc::new(Metrics::default());
    let token = settings
        .discord_token
        .clone()
        .ok_or_else(|| anyhow::anyhow!("the bench settings have a token"))?;
    let chat = crate::discord::chat(&token, &settings, metrics.clone());
    let key = crate::app::pulse::key::PrivacyKey::from_bytes([7; 32]);
    let app = App::new(
        store.clone(),
        Arc::new(SystemClock),
        settings,
        metrics,
        chat,
        key,
    );

    let started = Instant::now();
    ingest(store.as_ref(), guild, &names, n).await?;
    let ingest_s = started.elapsed().as_secs_f64();

    let (mut times, mut png_ms) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let t = Instant::now();
        let views = crate::app::sentiment::views(&app, guild, 6).await?;
        let p = Instant::now();
        crate::chart::heat_map(&views).map_err(anyhow::Error::msg)?;
        png_ms.push(p.elapsed().as_secs_f64() * 1000.0);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let mut figures = super::dashboard::run(&app, guild, runs, teams, n).await?;
    store.close().await;
    for v in [&mut times, &mut png_ms] {
        v.sort_by(|a, b| a.total_cmp(b));
    }
    let mut out = vec![
        Figure::new(
            NAME,
            format!("ingest of {n} signals over {teams} teams"),
            format!(
                "{:.0} signals per second ({ingest_s:.1} s)",
                n as f64 / ingest_s
            ),
        )
        .target("≥ 20,000/s"),
        Figure::new(
            NAME,
            format!("/sentiment (all teams) p50 ({runs} runs; of which the PNG)"),
            format!(
                "{:.1} ms ({:.1} ms)",
                percentile(&times, 50.0),
                percentile(&png_ms, 50.0)
            ),
        ),
        Figure::new(
            NAME,
            "/sentiment (all teams) p99",
            format!("{:.1} ms", percentile(&times, 99.0)),
        )
        .target("< 100 ms"),
    ];
    out.append(&mut figures);
    Ok(out)
}

pub(super) async fn add_teams(
    store: &dyn Store,
    guild: GuildId,
    teams: u64,
) -> anyhow::Result<Vec<String>> {
    let now = chrono::Utc::now().timestamp_millis();
    store.upsert_guild(guild, "Bench", now).await?;
    let names: Vec<String> = (0..teams).map(|i| format!("team-{i:03}")).collect();
    for (i, name) in names.iter().enumerate() {
        let team = TeamName::parse(name).map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let id = i as u64 + 1;
        store
            .add_team(guild, &team, RoleId(id), ChannelId(id), now)
            .await?;
        // The team's 40 people, as the gateway would have stored them.
        let people: Vec<(MemberId, String)> = (0..40)
            .map(|p| (MemberId(id * 1_000 + p), format!("person {id}-{p}")))
            .collect();
        store.upsert_members(guild, &people, now).await?;
        let roles: Vec<(MemberId, Vec<RoleId>)> =
            people.iter().map(|(m, _)| (*m, vec![RoleId(id)])).collect();
        store.set_member_roles(guild, &roles).await?;
    }
    Ok(names)
}

/// `n` signals over the last 60 days, 40 people per team, scores drifting per team.
async fn ingest(store: &dyn Store, guild: GuildId, names: &[String], n: u64) -> anyhow::Result<()> {
    let now = chrono::Utc::now().timestamp_millis();
    let teams = names.len();
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut done = 0u64;
    while done < n {
        let size = BATCH.min(n - done);
        let signals: Vec<Signal> = (0..size)
            .map(|_| {
                let t = rng.gen_range(0..teams);
                Signal {
                    team: names[t].clone(),
                    source: SOURCES[rng.gen_range(0..4)],
                    score: (rng.gen_range(-1.0..1.0) + (t as f64 / teams as f64 - 0.5))
                        .clamp(-1.0, 1.0),
                    contributor: format!("c{t}-{}", rng.gen_range(0..40)),
                    at_ms: now - rng.gen_range(0..60 * 86_400_000i64),
                }
            })
            .collect();
        store.add_signals(guild, &signals, None).await?;
        done += size;
    }
    Ok(())
}
