//! The durable outbox worker: materialise schedules into rows, claim due rows under a
//! lease, deliver, record; and the pulses' openings, reminders and closes. It sleeps
//! until the next row or pulse event is due, or something changes.
//!
//! Exactly once: rows are unique per (item, channel, time); each post carries a nonce
//! derived from its row with `enforce_nonce`, so a re-delivery after a crash (between
//! posting and recording) returns the first message instead of posting again.

mod deliver;
pub mod materialize;

use std::panic::AssertUnwindSafe;
use std::sync::atomic::Ordering;
use std::time::Duration;

use futures::{FutureExt, StreamExt};
use tokio_util::sync::CancellationToken;

use crate::app::App;
use crate::metrics::Metrics;
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
    tokio::spawn(supervise(app, stop))
}

/// Pause before a loop that panicked starts again: long enough not to spin on a panic
/// that repeats, short enough that due sends barely notice.
const RESTART_PAUSE: Duration = Duration::from_secs(1);
/// While nothing is due the loop still beats this often, so `/healthz` can tell an idle
/// scheduler from a stuck one.
const IDLE_BEAT: Duration = Duration::from_secs(15);

/// Runs the loop and, when it panics, logs the panic at ERROR under an error id and runs
/// it again after a short pause. The instance name stays, so rows the panicked loop had
/// claimed are taken back by the next pass rather than after their lease.
async fn supervise(app: App, stop: CancellationToken) {
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
    loop {
        let run = AssertUnwindSafe(run(&app, &instance, &stop)).catch_unwind();
        let Err(panic) = run.await else {
            return;
        };
        let error_id = crate::error::new_error_id();
        Metrics::bump(&app.metrics.scheduler_panics);
        tracing::error!(%error_id, panic = %panic_text(panic.as_ref()), "the scheduler panicked; restarting it");
        tokio::select! {
            _ = tokio::time::sleep(RESTART_PAUSE) => {}
            _ = stop.cancelled() => return,
        }
    }
}

/// What a panic said, for the log.
pub(crate) fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

async fn run(app: &App, instance: &str, stop: &CancellationToken) {
    let mut materialized = materialize::Materialized::default();
    // The last failure logged, so one that repeats every second is logged once.
    let mut failing: Option<String> = None;
    while !stop.is_cancelled() {
        test_faults(app, stop).await;
        let wake_at = match pass(app, instance, &mut materialized).await {
            Ok(true) => {
                app.metrics.scheduler.beat();
                failing = None;
                continue;
            }
            Ok(false) => next_wake(app).await,
            Err(e) => Err(e),
        };
        app.metrics.scheduler.beat();
        // A failed pass or a failed look at what is due next is retried in a second of
        // real time, by this instance: sleeping until the hourly refresh would hold every
        // send back.
        let wake_at = match wake_at {
            Ok(at) => {
                failing = None;
                at
            }
            Err(e) => {
                report_failure(&e, &mut failing);
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                    _ = stop.cancelled() => return,
                }
                continue;
            }
        };
        let due = app.clock.sleep_until(wake_at);
        tokio::pin!(due);
        loop {
            tokio::select! {
                _ = &mut due => break,
                _ = app.wake.notified() => break,
                _ = tokio::time::sleep(IDLE_BEAT) => app.metrics.scheduler.beat(),
                _ = stop.cancelled() => return,
            }
        }
    }
}

/// Logs a failed pass by its cause: the database being unavailable is expected to heal
/// and the work is held (WARN); anything else is ours (ERROR, with an error id). A
/// failure that repeats pass after pass is logged once.
fn report_failure(e: &anyhow::Error, failing: &mut Option<String>) {
    let text = format!("{e:#}");
    if failing.as_deref() == Some(text.as_str()) {
        return;
    }
    if deliver::database_unavailable(e) || e.is::<HeldDeliveries>() {
        tracing::warn!(error = %text, "the database is unavailable; the scheduler holds its work and retries in a second");
    } else {
        let error_id = crate::error::new_error_id();
        tracing::error!(%error_id, error = %text, "scheduler pass failed; retrying in a second");
    }
    *failing = Some(text);
}

/// Deliveries the database went away from: they stay claimed by this instance, whose
/// next pass takes them back. An outage, not a failure.
#[derive(Debug, thiserror::Error)]
#[error("the database went away during {0} deliveries; they stay claimed")]
struct HeldDeliveries(usize);

/// Test-only switches (see `metrics::SchedulerFaults`); two atomic loads in production.
async fn test_faults(app: &App, stop: &CancellationToken) {
    let faults = &app.metrics.scheduler.faults;
    if faults.panic_next_pass.swap(false, Ordering::SeqCst) {
        panic!("a test asked this scheduler pass to panic");
    }
    while faults.stall.load(Ordering::SeqCst) && !stop.is_cancelled() {
        faults.stalled.store(true, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    faults.stalled.store(false, Ordering::SeqCst);
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
        return Err(HeldDeliveries(held).into());
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
