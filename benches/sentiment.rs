//! Benchmark: the sentiment record at 1,000,000 signals over 200 teams on SQLite. Prints
//! the ingest rate (batches of 10,000 signals, each one transaction) and the latency of
//! the `/sentiment overview` work: every team's view plus the heat-map PNG.
//!
//! `cargo bench --bench sentiment`; `BENCH_SIGNALS`, `BENCH_TEAMS`, `BENCH_RUNS` change it.

use std::sync::Arc;
use std::time::Instant;

use herald::app::App;
use herald::clock::SystemClock;
use herald::config::Settings;
use herald::domain::ids::{ChannelId, GuildId, RoleId};
use herald::domain::record::{Signal, SOURCES};
use herald::domain::team::TeamName;
use herald::metrics::Metrics;
use rand::{Rng, SeedableRng};

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[tokio::main]
async fn main() {
    let (n, teams, runs) = (
        env_num("BENCH_SIGNALS", 1_000_000),
        env_num("BENCH_TEAMS", 200),
        env_num("BENCH_RUNS", 50),
    );
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}/bench.db", dir.path().display());
    let env = [
        ("DISCORD_TOKEN", "bench-token".to_string()),
        ("HERALD__DATABASE__URL", url.clone()),
        (
            "HERALD__PRIVACY__KEY_FILE",
            dir.path().join("key").display().to_string(),
        ),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.clone()))
    .collect();
    let settings = Settings::load(None, &env).expect("settings");
    let store = herald::store::connect(&url, 4).await.expect("store");
    let guild = GuildId(1);
    let now = chrono::Utc::now().timestamp_millis();
    store
        .upsert_guild(guild, "Bench", now)
        .await
        .expect("guild");
    let names: Vec<String> = (0..teams).map(|i| format!("team-{i:03}")).collect();
    for (i, name) in names.iter().enumerate() {
        store
            .add_team(
                guild,
                &TeamName::parse(name).expect("name"),
                RoleId(i as u64 + 1),
                ChannelId(i as u64 + 1),
                now,
            )
            .await
            .expect("team");
    }
    let metrics = Arc::new(Metrics::default());
    let token = settings.discord_token.clone().expect("a token");
    let chat = herald::discord::chat(&token, &settings, metrics.clone());
    let key = herald::app::pulse::key::PrivacyKey::from_bytes([7; 32]);
    let app = App::new(
        store.clone(),
        Arc::new(SystemClock),
        settings,
        metrics,
        chat,
        key,
    );

    // Signals over the last 60 days, 40 people per team, scores drifting per team.
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let batch = 10_000usize;
    let started = Instant::now();
    let mut done = 0u64;
    while done < n {
        let size = batch.min((n - done) as usize);
        let signals: Vec<Signal> = (0..size)
            .map(|_| {
                let t = rng.gen_range(0..teams as usize);
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
        store
            .add_signals(guild, &signals, None)
            .await
            .expect("ingest");
        done += size as u64;
    }
    let ingest_s = started.elapsed().as_secs_f64();

    let (mut times, mut view_ms, mut png_ms) = (Vec::new(), Vec::new(), Vec::new());
    let mut png_bytes = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let views = herald::app::sentiment::views(&app, guild, 6)
            .await
            .expect("views");
        view_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        let p = Instant::now();
        let png = herald::chart::heat_map(&views).expect("heat map");
        png_ms.push(p.elapsed().as_secs_f64() * 1000.0);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        png_bytes = png.len();
    }
    for v in [&mut times, &mut view_ms, &mut png_ms] {
        v.sort_by(|a, b| a.total_cmp(b));
    }
    println!("| measure | value |");
    println!("|---|---|");
    println!("| signals ingested | {done} over {teams} teams, 60 days |");
    println!(
        "| ingest | {ingest_s:.1} s, {:.0} signals per second |",
        done as f64 / ingest_s
    );
    println!("| overview (every team's view + heat-map PNG), {runs} runs | p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms |",
        percentile(&times, 50.0), percentile(&times, 99.0), times.last().copied().unwrap_or(0.0));
    println!(
        "| of which the views / the PNG, p50 | {:.1} ms / {:.1} ms |",
        percentile(&view_ms, 50.0),
        percentile(&png_ms, 50.0)
    );
    println!("| heat-map PNG | {png_bytes} bytes |");
    store.close().await;
}
