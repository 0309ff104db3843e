//! The durable outbox worker: materialise schedules into rows, claim due rows under a
//! lease, hand each to its kind's handler in `app::jobs`, record what it says, report.
//! It composes nothing itself. Two lanes run side by side, each with its own claims:
//! direct messages (a pulse's reminder wave, one row per member) and everything else, so
//! a wave of thousands of reminders never holds up a due plan send, and a slow or
//! failing kind cannot starve the other lane. Each lane sleeps until its next row is due,
//! or something changes.
//!
//! Exactly once: rows are unique per (kind, item, channel, time); each post carries a
//! nonce derived from its row with `enforce_nonce`, so a re-delivery after a crash
//! (between posting and recording) returns the first message instead of posting again.
//! Claims, lease expiry and due checks read the shared (database) clock, so instances
//! whose clocks disagree neither send early nor take each other's rows too soon.

mod deliver;
pub mod materialize;

use std::panic::AssertUnwindSafe;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use futures::{FutureExt, StreamExt};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::app::App;
use crate::metrics::{Heartbeat, Metrics};
use crate::store::outbox::Kind;
use crate::store::Backend;

pub use crate::app::jobs::LEASE_MS;
/// How far ahead schedules are materialised into rows.
pub const HORIZON_HOURS: i64 = 48;

/// One lane of the scheduler: the kinds it claims and how many at once.
#[derive(Clone, Copy)]
struct Lane {
    name: &'static str,
    kinds: &'static [Kind],
    /// Rows claimed per pass.
    batch: i64,
    /// Deliveries in flight at once (each channel still gets one at a time).
    parallel: usize,
    /// Whether this lane materialises schedules and pulses (one lane does).
    materialises: bool,
}

const POSTS: Lane = Lane {
    name: "posts",
    kinds: &[
        Kind::Plan,
        Kind::Resend,
        Kind::Manual,
        Kind::Announce,
        Kind::PulseOpen,
        Kind::PulseRemind,
        Kind::PulseClose,
        Kind::Story,
        Kind::Brief,
        Kind::Digest,
        Kind::Action,
    ],
    batch: 200,
    parallel: 64,
    materialises: true,
};

/// Direct messages take two requests each (open the DM, post), and the global limit is
/// shared with the posts lane: a small batch and a few in flight keep the global budget
/// nearly full without ever queueing more than a moment's worth ahead of a due post.
const DIRECT: Lane = Lane {
    name: "direct messages",
    kinds: &[Kind::PulseDm],
    batch: 48,
    parallel: 8,
    materialises: false,
};

impl Lane {
    fn heartbeat(self, metrics: &Metrics) -> &Heartbeat {
        if self.materialises {
            &metrics.scheduler
        } else {
            &metrics.dm_lane
        }
    }
}

/// Starts both lanes; the handle finishes once both stopped, after in-flight sends, when
/// `stop` fires.
pub fn spawn(app: App, stop: CancellationToken) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let instance = format!("herald-{}", uuid::Uuid::new_v4().simple());
        tracing::info!(%instance, "scheduler started");
        release_old_claims(&app).await;
        let direct_wake = Arc::new(Notify::new());
        let posts = supervise(
            app.clone(),
            POSTS,
            instance.clone(),
            stop.clone(),
            direct_wake.clone(),
        );
        let direct = supervise(app, DIRECT, instance, stop, direct_wake);
        tokio::join!(posts, direct);
    })
}

/// One process owns a SQLite file: claims left by a crash are ours to redo now.
async fn release_old_claims(app: &App) {
    if app.store.backend() != Backend::Sqlite {
        return;
    }
    match app.store.release_claims().await {
        Ok(n) if n > 0 => {
            tracing::warn!(released = n, "re-delivering jobs claimed before a restart")
        }
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "could not release old claims"),
    }
}

/// Pause before a loop that panicked starts again: long enough not to spin on a panic
/// that repeats, short enough that due sends barely notice.
const RESTART_PAUSE: Duration = Duration::from_secs(1);
/// While nothing is due the loop still beats this often, so `/healthz` can tell an idle
/// scheduler from a stuck one.
const IDLE_BEAT: Duration = Duration::from_secs(15);

/// Runs a lane's loop and, when it panics, logs the panic at ERROR under an error id and
/// runs it again after a short pause. The instance name stays, so rows the panicked loop
/// had claimed are taken back by the next pass rather than after their lease.
async fn supervise(
    app: App,
    lane: Lane,
    instance: String,
    stop: CancellationToken,
    direct_wake: Arc<Notify>,
) {
    let mut wake = Wake {
        app: app.wake.clone(),
        direct: direct_wake,
        own: None,
    };
    if !lane.materialises {
        wake.own = Some(wake.direct.clone());
    }
    loop {
        let run = AssertUnwindSafe(run(&app, lane, &instance, &stop, &wake)).catch_unwind();
        let Err(panic) = run.await else {
            return;
        };
        let error_id = crate::error::new_error_id();
        Metrics::bump(&app.metrics.scheduler_panics);
        tracing::error!(%error_id, lane = lane.name, panic = %panic_text(panic.as_ref()), "the scheduler panicked; restarting it");
        tokio::select! {
            _ = tokio::time::sleep(RESTART_PAUSE) => {}
            _ = stop.cancelled() => return,
        }
    }
}

/// What wakes a lane early: for the posts lane, a change made by a person (a reload, a
/// send now, a new pulse); for the direct-message lane, the posts lane having queued
/// direct messages.
struct Wake {
    app: Arc<Notify>,
    direct: Arc<Notify>,
    /// The notify this lane waits on; None for the posts lane (it waits on `app`).
    own: Option<Arc<Notify>>,
}

impl Wake {
    fn mine(&self) -> &Notify {
        self.own.as_deref().unwrap_or(&self.app)
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

async fn run(app: &App, lane: Lane, instance: &str, stop: &CancellationToken, wake: &Wake) {
    let mut materialized = materialize::Materialized::default();
    // The last failure logged, so one that repeats every second is logged once.
    let mut failing: Option<String> = None;
    let heartbeat = lane.heartbeat(&app.metrics);
    while !stop.is_cancelled() {
        if lane.materialises {
            test_faults(app, stop).await;
        }
        heartbeat.working();
        let passed = pass(app, lane, instance, &mut materialized).await;
        if lane.materialises && !matches!(passed, Ok(false)) {
            // Whatever this pass did, even one that failed after it delivered, may have
            // queued direct messages.
            app.metrics.dm_lane.working();
            wake.direct.notify_one();
        }
        let wake_at = match passed {
            Ok(true) => {
                heartbeat.beat();
                failing = None;
                continue;
            }
            Ok(false) => next_wake(app, lane).await,
            Err(e) => Err(e),
        };
        heartbeat.beat();
        // A failed pass or a failed look at what is due next is retried in a second of
        // real time, by this instance: sleeping until the hourly refresh would hold every
        // send back.
        let wake_at = match wake_at {
            Ok(at) => {
                failing = None;
                heartbeat.idle_until(at.timestamp_millis());
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
                _ = wake.mine().notified() => break,
                _ = tokio::time::sleep(IDLE_BEAT) => {
                    heartbeat.beat();
                    // Direct messages another instance queued (a reminder step it ran)
                    // wake nobody here: the lane looks again at every beat.
                    if !lane.materialises {
                        break;
                    }
                }
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

/// One pass: materialise (the posts lane), claim, hand to the handlers, record, report.
/// `Ok(true)` when it delivered something (so there may be more to claim right away).
async fn pass(
    app: &App,
    lane: Lane,
    instance: &str,
    materialized: &mut materialize::Materialized,
) -> anyhow::Result<bool> {
    app.sync_shared_time().await?;
    let now = app.shared_now();
    // A pulse failure is reported after the sends, so it never holds them up.
    let pulses = if lane.materialises {
        materialize::run(app, now, materialized).await?;
        if materialized.pulses_due(now) {
            crate::app::pulse::run::queue_unfinished(app).await?;
            materialized.pulses_swept(now);
        }
        crate::app::pulse::run::materialize(app, now).await
    } else {
        Ok(())
    };
    let batch = app
        .store
        .claim_due_of(
            now.timestamp_millis(),
            instance,
            LEASE_MS,
            lane.batch,
            lane.kinds,
        )
        .await?;
    if batch.is_empty() {
        return pulses.map(|_| false);
    }
    let plan = app.plan();
    let outcomes: Vec<deliver::Outcome> = futures::stream::iter(batch)
        .map(|row| deliver::deliver(app, plan.as_deref(), row, now))
        .buffer_unordered(lane.parallel)
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
    crate::app::jobs::report(app, &reports).await;
    if held > 0 {
        return Err(HeldDeliveries(held).into());
    }
    pulses.map(|_| true)
}

/// When the lane's next row is due, at the latest the hourly refresh; the posts lane also
/// wakes for the plan's next pulse.
async fn next_wake(app: &App, lane: Lane) -> anyhow::Result<chrono::DateTime<chrono::Utc>> {
    let now = app.shared_now();
    let refresh = now + chrono::Duration::hours(1);
    let outbox = app.store.next_due_of(lane.kinds).await?;
    let pulses = if lane.materialises {
        crate::app::pulse::run::next_opening_ms(app, now)
    } else {
        None
    };
    // Due times are on the shared clock; the sleep is on this instance's.
    let offset = app.shared_now_ms() - app.clock.now().timestamp_millis();
    Ok([outbox, pulses]
        .into_iter()
        .flatten()
        .filter_map(|at| chrono::DateTime::from_timestamp_millis(at - offset))
        .fold(refresh - chrono::Duration::milliseconds(offset), |a, b| {
            a.min(b)
        }))
}
