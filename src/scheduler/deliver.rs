//! Running one claimed row: its kind's handler in `app::jobs` (a panic in it is that
//! row's failure), then recording what it says, fenced by this instance's claim. Returns
//! a line for the change team when something was skipped or failed.

use std::panic::AssertUnwindSafe;

use chrono::{DateTime, Duration, Utc};
use futures::FutureExt;

use crate::app::jobs::{self, holder, Done};
use crate::app::App;
use crate::plan::Plan;
use crate::store::outbox::{Kind, Queued};
use crate::store::StoreError;

/// What became of one claimed row.
pub enum Outcome {
    /// Recorded; a line for the change team when it needs one.
    Done(Option<String>),
    /// The database went away midway: the row stays claimed by this instance, whose next
    /// pass takes it back (a second post carries the same nonce, so it is not doubled).
    Held,
}

impl Outcome {
    pub fn report(self) -> Option<String> {
        match self {
            Outcome::Done(report) => report,
            Outcome::Held => None,
        }
    }
}

/// Runs `row`. Lateness and the grace are judged when this row's turn comes, not when its
/// batch was claimed: a long batch must not send its last rows as if on time.
pub async fn deliver(
    app: &App,
    plan: Option<&Plan>,
    row: Queued,
    claimed: DateTime<Utc>,
) -> Outcome {
    let now = app.shared_now().max(claimed);
    let attempt = AssertUnwindSafe(jobs::handle(app, plan, &row, now))
        .catch_unwind()
        .await
        .unwrap_or_else(|panic| {
            crate::metrics::Metrics::bump(&app.metrics.scheduler_panics);
            let said = super::panic_text(panic.as_ref());
            Err(anyhow::anyhow!("the job panicked: {said}"))
        });
    let recorded = match attempt {
        Ok(done) => record(app, &row, done).await,
        Err(e) => Err(e),
    };
    match recorded {
        Ok(report) => Outcome::Done(report),
        Err(e) if database_unavailable(&e) => {
            tracing::warn!(
                row = row.id,
                kind = %row.kind,
                error = format!("{e:#}"),
                "the database went away during a job; retrying shortly"
            );
            Outcome::Held
        }
        Err(e) => {
            let error_id = crate::error::new_error_id();
            tracing::error!(
                %error_id,
                row = row.id,
                kind = %row.kind,
                error = format!("{e:#}"),
                "a job failed internally; retrying in a minute"
            );
            let next = app.shared_now_ms() + 60_000;
            let _ = app
                .store
                .mark_retry(row.id, holder(&row), next, &format!("{e:#}"))
                .await;
            Outcome::Done(None)
        }
    }
}

/// Records `done` on the row, if this instance still holds it; what follows a send runs
/// only once the send is recorded.
async fn record(app: &App, row: &Queued, done: Done) -> anyhow::Result<Option<String>> {
    let by = holder(row);
    match done {
        Done::Sent {
            message,
            note,
            then,
        } => {
            let sent = app.shared_now();
            let late = sent - DateTime::from_timestamp_millis(row.fire_at_ms).unwrap_or(sent);
            let recorded = match message {
                Some(message) => {
                    app.store
                        .mark_sent(
                            row.id,
                            by,
                            message,
                            sent.timestamp_millis(),
                            late.num_milliseconds().max(0),
                        )
                        .await?
                }
                None => app.store.mark_done(row.id, by, "sent", &note).await?,
            };
            if !recorded {
                tracing::warn!(row = row.id, kind = %row.kind, "another instance took this job over while it ran; the shared nonce kept it to one message");
                return Ok(None);
            }
            if late > Duration::seconds(1) && row.kind == Kind::Plan {
                tracing::info!(row = row.id, item = %row.item, late_ms = late.num_milliseconds(), "sent late, within the grace period");
            }
            if let Some(then) = then {
                (*then).run(app).await;
            }
            Ok(None)
        }
        Done::Retry { at_ms, error } => {
            app.store.mark_retry(row.id, by, at_ms, &error).await?;
            Ok(None)
        }
        Done::Failed { reason, report } => {
            let recorded = app.store.mark_done(row.id, by, "failed", &reason).await?;
            Ok(report.filter(|_| recorded))
        }
        Done::Skipped { reason, report } => {
            let recorded = app.store.mark_done(row.id, by, "skipped", &reason).await?;
            Ok(report.filter(|_| recorded))
        }
    }
}

pub(super) fn database_unavailable(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<StoreError>(),
            Some(StoreError::Unavailable(_))
        )
    })
}
