//! Events handled once, however many Herald instances receive them: during a take-over
//! two instances hold a gateway session and Discord sends each of them every event. The
//! first instance to claim an interaction in the database answers it; reactions and
//! feedback messages are claimed by their signal rows (see [`super::sentiment`]).

use std::sync::atomic::{AtomicI64, Ordering};

use super::App;
use crate::domain::record::day_of;
use crate::error::AppResult;
use crate::metrics::Metrics;

/// Days a claim is kept: far longer than any take-over overlap or gateway replay.
const KEEP_DAYS: i64 = 1;

/// The day this process last pruned claims, so pruning is one statement a day.
static PRUNED_DAY: AtomicI64 = AtomicI64::new(i64::MIN);

/// Claims an interaction (a command, click or modal) for this instance, before anything
/// else is done with it. False: another instance has it, and this one must say nothing.
/// A database that cannot be reached is the person's "try again in a moment".
pub async fn first_to_handle(app: &App, interaction: u64) -> AppResult<bool> {
    // One process owns a SQLite file, so nobody else can take the interaction; and a
    // claim is a write, which would turn every read-only command into "try again" while
    // another writer holds SQLite's lock.
    if app.store.backend() == crate::store::Backend::Sqlite {
        return Ok(true);
    }
    let key = app.key.event("interaction", &[interaction], "");
    let day = day_of(app.now_ms());
    let won = app.store.claim_event("interaction", &key, day).await?;
    if !won {
        handled_elsewhere(app, "interaction");
    }
    if PRUNED_DAY.swap(day, Ordering::Relaxed) != day {
        if let Err(e) = app.store.prune_events(day - KEEP_DAYS).await {
            tracing::warn!(error = %e, "could not forget old event claims; trying again tomorrow");
        }
    }
    Ok(won)
}

/// Counts an event that was handled already, by another instance or (a reaction added
/// again) by this one; visible at `/metrics`.
pub fn handled_elsewhere(app: &App, kind: &'static str) {
    Metrics::bump(&app.metrics.duplicate_events);
    tracing::debug!(kind, "this event was handled already; nothing more to do");
}
