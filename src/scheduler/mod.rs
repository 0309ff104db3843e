//! The durable outbox worker: materialise schedules into rows, claim due rows under a
//! lease, deliver, record; and the pulses' openings, reminders and closes. It sleeps
//! until the next row or pulse event is due, or something changes.
//!
//! Exactly once: rows are unique per (item, channel, time); each post carries a nonce
//! derived from its row with `enforce_nonce`, so a re-delivery after a crash (between
//! posting and recording) returns the first message instead of posting again.

mod deliver;
pub mod materialize;

use std::time::Duration;

use futures::StreamExt;
use tokio_util::sync::CancellationToken;

use crate::app::App;
use crate::store::Backend;

/// How long a claim is held before another worker may take the row over.
pub const LEASE_MS: i64 = 60_000;
/// Rows claimed per pass.
const BATCH: i64 = 200;
/// Deliveries in flight at once (each channel still gets one at a time).
const PARALLEL: usize = 64;
/// How far ahead schedules are materialised into rows.
pub const HORIZON_HOURS: i64 = 48;

/// Starts the worker; it stops after finishing in-flight sends when `stop` fires.
pub fn spawn(app: App, stop: CancellationToken) -> tokio::task::JoinHandle<()> {
    tokio::spawn(run(app, stop))
}

async fn run(app: App, stop: CancellationToken) {
    let instance = format!("herald-{}", uuid::Uuid::new_v4().simple());
    tracing::info!(%instance, "scheduler started");
    if app.store.backend() == Backend::Sqlite {
        // One process owns a SQLite file: claims left by a crash are ours to redo now.
        match app.store.release_claims().await {
            Ok(n) if n > 0 => {
                tracing::warn!(released = n, "re-delivering sends claimed before a restart")
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "could not release old claims"),
        }
    }
    let mut materialized = materialize::Materialized::default();
    while !stop.is_cancelled() {
        let wake_at = match pass(&app, &instance, &mut materialized).await {
            Ok(true) => continue,
            Ok(false) => next_wake(&app).await,
            Err(e) => Err(e),
        };
        // A failed pass or a failed look at what is due next is retried in a second of
        // real time: sleeping until the hourly refresh would hold every send back.
        let wake_at = match wake_at {
            Ok(at) => at,
            Err(e) => {
                tracing::warn!(error = %e, "scheduler pass failed; retrying shortly");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    _ = stop.cancelled() => return,
                }
                continue;
            }
        };
        tokio::select! {
            _ = app.clock.sleep_until(wake_at) => {}
            _ = app.wake.notified() => {}
            _ = stop.cancelled() => return,
        }
    }
}

/// One pass: materialise, claim, deliver. `Ok(true)` when it delivered something (so
/// there may be more to claim right away).
async fn pass(
    app: &App,
    instance: &str,
    materialized: &mut materialize::Materialized,
) -> anyhow::Result<bool> {
    let now = app.clock.now();
    materialize::run(app, now, materialized).await?;
    // A pulse failure is reported after the sends, so it never holds them up.
    let pulses = crate::app::pulse::run::tick(app, now).await;
    let batch = app
        .store
        .claim_due(now.timestamp_millis(), instance, LEASE_MS, BATCH)
        .await?;
    if batch.is_empty() {
        return pulses.map(|_| false);
    }
    let plan = app.plan();
    let outcomes: Vec<deliver::Outcome> = futures::stream::iter(batch)
        .map(|row| deliver::deliver(app, plan.as_deref(), row, now))
        .buffer_unordered(PARALLEL)
        .collect()
        .await;
    let held = outcomes
        .iter()
        .filter(|o| matches!(o, deliver::Outcome::Held))
        .count();
    let reports: Vec<String> = outcomes
        .into_iter()
        .filter_map(deliver::Outcome::report)
        .collect();
    deliver::report(app, plan.as_deref(), &reports).await;
    if held > 0 {
        anyhow::bail!("the database went away during {held} deliveries; they stay claimed");
    }
    pulses.map(|_| true)
}

/// When the next row or pulse event is due, at the latest the hourly refresh.
async fn next_wake(app: &App) -> anyhow::Result<chrono::DateTime<chrono::Utc>> {
    let now = app.clock.now();
    let refresh = now + chrono::Duration::hours(1);
    let outbox = app.store.next_due_ms().await?;
    let pulses = crate::app::pulse::run::next_event_ms(app, now).await?;
    Ok([outbox, pulses]
        .into_iter()
        .flatten()
        .filter_map(chrono::DateTime::from_timestamp_millis)
        .fold(refresh, |a, b| a.min(b)))
}
