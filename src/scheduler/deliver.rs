//! Delivering one claimed row: the misfire policy, rendering with live data, the post
//! with its nonce, and recording what happened. Returns a line for the change team when
//! something was skipped or failed.

use std::panic::AssertUnwindSafe;

use chrono::{DateTime, Duration, Utc};
use futures::FutureExt;

use crate::app::pulse::run::job_error;
use crate::app::App;
use crate::chat::{Button, OutMessage};
use crate::plan::limits::RenderError;
use crate::plan::{render, Item, Misfire, Ping, Plan};
use crate::store::outbox::{kind, NewSend, Queued};
use crate::store::StoreError;

/// Attempts before a send is given up and reported.
const MAX_ATTEMPTS: i64 = 5;

/// A nonce (≤ 25 characters) that is the same for every delivery of one row.
pub fn nonce_for(row: &Queued) -> String {
    let key = format!(
        "{}|{}|{}|{}|{}",
        row.guild, row.kind, row.item, row.channel, row.fire_at_ms
    );
    format!("h{}", base36(crate::chat::fnv1a(&key)))
}

fn base36(mut n: u64) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

fn local(plan: Option<&Plan>, ms: i64) -> String {
    let at = DateTime::from_timestamp_millis(ms).unwrap_or_default();
    match plan {
        Some(p) => at
            .with_timezone(&p.campaign.tz)
            .format("%a %Y-%m-%d %H:%M")
            .to_string(),
        None => at.format("%a %Y-%m-%d %H:%M UTC").to_string(),
    }
}

fn human(d: Duration) -> String {
    crate::app::status::human_duration(d.to_std().unwrap_or_default())
}

/// What became of one claimed row.
pub enum Outcome {
    /// Sent, skipped or set to retry; a line for the change team when it needs one.
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

/// The instance holding `row`'s claim: every change to the row is fenced by it.
fn holder(row: &Queued) -> &str {
    row.claimed_by.as_deref().unwrap_or_default()
}

/// Posts while renewing the row's lease every third of it, so a post that waits out rate
/// limits, timeouts and retries keeps its claim and no other instance takes it over.
async fn post_holding_lease(
    app: &App,
    row: &Queued,
    msg: &OutMessage,
) -> Result<crate::domain::ids::MessageId, crate::chat::ChatError> {
    let post = app.chat.post(row.channel, msg);
    tokio::pin!(post);
    let every = std::time::Duration::from_millis((super::LEASE_MS / 3) as u64);
    let mut renew = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    loop {
        tokio::select! {
            posted = &mut post => return posted,
            _ = renew.tick() => {
                let until = app.now_ms() + super::LEASE_MS;
                match app.store.extend_lease(row.id, holder(row), until).await {
                    Ok(true) => {}
                    Ok(false) => tracing::warn!(row = row.id, "lost the claim of a send in flight"),
                    Err(e) => tracing::warn!(row = row.id, error = %e, "could not renew the lease of a send in flight"),
                }
            }
        }
    }
}

/// Delivers `row`. Lateness and the grace are judged when this row's turn comes, not
/// when its batch was claimed: a long batch must not send its last rows as if on time.
pub async fn deliver(
    app: &App,
    plan: Option<&Plan>,
    row: Queued,
    claimed: DateTime<Utc>,
) -> Outcome {
    let now = app.clock.now().max(claimed);
    // A panic in one delivery (a bug, a dependency) is that row's failure, not the pass's.
    let attempt = AssertUnwindSafe(try_deliver(app, plan, &row, now))
        .catch_unwind()
        .await
        .unwrap_or_else(|panic| {
            crate::metrics::Metrics::bump(&app.metrics.scheduler_panics);
            let said = super::panic_text(panic.as_ref());
            Err(anyhow::anyhow!("the delivery panicked: {said}"))
        });
    match attempt {
        Ok(report) => Outcome::Done(report),
        Err(e) if database_unavailable(&e) => {
            tracing::warn!(
                row = row.id,
                error = format!("{e:#}"),
                "the database went away during a delivery; retrying shortly"
            );
            Outcome::Held
        }
        Err(e) => {
            let error_id = crate::error::new_error_id();
            tracing::error!(
                %error_id,
                row = row.id,
                error = format!("{e:#}"),
                "delivery failed internally"
            );
            let next = now.timestamp_millis() + 60_000;
            let _ = app
                .store
                .mark_retry(row.id, holder(&row), next, &format!("{e:#}"))
                .await;
            Outcome::Done(None)
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

async fn try_deliver(
    app: &App,
    plan: Option<&Plan>,
    row: &Queued,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<String>> {
    let planned = row.kind == kind::PLAN || row.kind == kind::RESEND || row.kind == kind::MANUAL;
    let item = match (planned, plan.and_then(|p| p.item(&row.item))) {
        (true, None) => {
            app.store
                .mark_done(
                    row.id,
                    holder(row),
                    "skipped",
                    "the item is no longer in the plan",
                )
                .await?;
            return Ok(None);
        }
        (_, item) => item,
    };
    let late = now - DateTime::from_timestamp_millis(row.fire_at_ms).unwrap_or(now);
    if let (Some(plan), Some(item)) = (plan, item) {
        if let Some(report) = misfire(app, plan, item, row, late, now).await? {
            return Ok(Some(report));
        }
        if row.kind == kind::RESEND && !needs_resend(app, item, row).await? {
            app.store
                .mark_done(
                    row.id,
                    holder(row),
                    "skipped",
                    "enough of the team acknowledged",
                )
                .await?;
            return Ok(None);
        }
    }
    let story = match item.filter(|i| crate::app::stories::is_story(&i.template)) {
        Some(_) => match crate::app::stories::figures(app, row.guild, Some(&row.team)).await {
            Ok(figures) => figures,
            Err(e) => return Err(job_error(app, e).await.context("story figures")),
        },
        None => render::empty_story(),
    };
    let rendered = match render_row(plan, item, row, now, &story).await {
        Ok(msg) => msg,
        Err(e) if e.over_limit => return unrenderable(app, row, &e).await,
        Err(e) => return Err(e.into()),
    };
    let msg = for_discord(app, item, row, rendered.clone()).await?;
    match post_holding_lease(app, row, &msg).await {
        Ok(message) => {
            if let Some(item) = item {
                queue_resend(app, item, row).await?;
            }
            let sent = app.clock.now();
            let late = sent - DateTime::from_timestamp_millis(row.fire_at_ms).unwrap_or(sent);
            let recorded = app
                .store
                .mark_sent(
                    row.id,
                    holder(row),
                    message,
                    sent.timestamp_millis(),
                    late.num_milliseconds().max(0),
                )
                .await?;
            if !recorded {
                tracing::warn!(row = row.id, "another instance took this send over while it was being posted; the shared nonce kept it to one message");
                return Ok(None);
            }
            if late > Duration::seconds(1) && row.kind == kind::PLAN {
                tracing::info!(row = row.id, item = %row.item, late_ms = late.num_milliseconds(), "sent late, within the grace period");
            }
            if let Some(item) = item {
                mirror(app, plan, item, row, &rendered).await;
            }
            Ok(None)
        }
        Err(e) if e.permanent || row.attempts >= MAX_ATTEMPTS => {
            app.store
                .mark_done(row.id, holder(row), "failed", &e.message)
                .await?;
            let tries = if e.permanent {
                String::new()
            } else {
                format!(" after {} attempts", row.attempts)
            };
            Ok(Some(format!(
                "Could not deliver `{}` to {} (<#{}>){tries}: {}. It will not be retried; `/comms send {}` tries again.",
                row.item, row.team, row.channel, e.message, row.item
            )))
        }
        Err(e) => {
            let wait = 30_000i64 << (row.attempts.clamp(1, 5) - 1);
            app.store
                .mark_retry(
                    row.id,
                    holder(row),
                    now.timestamp_millis() + wait,
                    &e.message,
                )
                .await?;
            Ok(None)
        }
    }
}

/// Never a burst of catch-up sends: a row superseded by a newer due firing of the same
/// item to the same channel is skipped; the newest goes out if it is within the grace,
/// or beyond it when the item says `misfire = "fire_once"`. Skips beyond the grace are
/// reported.
async fn misfire(
    app: &App,
    plan: &Plan,
    item: &Item,
    row: &Queued,
    late: Duration,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<String>> {
    if row.kind == kind::MANUAL {
        return Ok(None);
    }
    let beyond_grace = late > plan.campaign.grace;
    let superseded = app.store.newer_due(row, now.timestamp_millis()).await?;
    if !superseded && (!beyond_grace || item.misfire == Misfire::FireOnce) {
        return Ok(None);
    }
    let why = format!(
        "due {}, Herald was {} late (grace {})",
        local(Some(plan), row.fire_at_ms),
        human(late),
        human(plan.campaign.grace)
    );
    let reason = if superseded {
        format!("{why}; a later send of it went instead")
    } else {
        why
    };
    app.store
        .mark_done(row.id, holder(row), "skipped", &reason)
        .await?;
    Ok(beyond_grace.then(|| format!("Skipped `{}` for {}: {reason}.", row.item, row.team)))
}

/// A re-send goes only while the team's acknowledgements are under the threshold.
async fn needs_resend(app: &App, item: &Item, row: &Queued) -> anyhow::Result<bool> {
    let (Some(resend), Some(original)) = (item.resend, row.ref_id) else {
        return Ok(false);
    };
    let rate = crate::app::acks::ack_rate(app, row.guild, &row.team, original).await?;
    Ok(rate.is_none_or(|(acked, size)| size == 0 || (acked as f64) / (size as f64) < resend.below))
}

/// The message as the plan renders it, the same for Discord and for mirrors; rendered
/// off the runtime, so a slow template delays only its own send.
async fn render_row(
    plan: Option<&Plan>,
    item: Option<&Item>,
    row: &Queued,
    now: DateTime<Utc>,
    story: &serde_json::Value,
) -> Result<OutMessage, RenderError> {
    let mut msg = match (plan, item) {
        (Some(plan), Some(item)) => {
            let at = if row.kind == kind::PLAN {
                DateTime::from_timestamp_millis(row.fire_at_ms).unwrap_or(now)
            } else {
                now
            };
            render::message_off_runtime(plan, &render::Subject::of(item), &row.team, at, story)
                .await?
        }
        _ => OutMessage::text(row.body.clone().unwrap_or_default()),
    };
    if row.kind == kind::RESEND {
        msg.content = format!("**Reminder**: {}", msg.content)
            .trim_end_matches(": ")
            .to_string();
    }
    Ok(msg)
}

/// A template past its fuel or output cap fails the same way on every retry, so the row
/// fails now and the change team is told what to fix.
async fn unrenderable(app: &App, row: &Queued, e: &RenderError) -> anyhow::Result<Option<String>> {
    app.store
        .mark_done(row.id, holder(row), "failed", &e.message)
        .await?;
    Ok(Some(format!(
        "Could not render `{}` for {}: {e}. It will not be retried; fix the template, `/comms reload`, then `/comms send {}`.",
        row.item, row.team, row.item
    )))
}

/// What only Discord gets: the team ping, the "Got it" button and the row's nonce.
async fn for_discord(
    app: &App,
    item: Option<&Item>,
    row: &Queued,
    mut msg: OutMessage,
) -> anyhow::Result<OutMessage> {
    if let Some(item) = item {
        if item.ping == Ping::Team {
            if let Some(team) = app.store.team_by_name(row.guild, &row.team).await? {
                msg.content = format!("<@&{}> {}", team.role, msg.content);
                msg.pings.roles.push(team.role);
            }
        }
        if item.ack {
            let target = row.ref_id.unwrap_or(row.id);
            msg.buttons.push(Button::Action {
                custom_id: crate::app::action::Action::Ack { row: target }.to_string(),
                label: "Got it".into(),
            });
        }
    }
    msg.nonce = Some(nonce_for(row));
    Ok(msg)
}

/// Queues the one re-send of an acknowledged plan send, `after_hours` after it was due.
/// Before the send is recorded, and the same row each time: a delivery retried after
/// the database went away neither loses it nor queues two.
async fn queue_resend(app: &App, item: &Item, row: &Queued) -> anyhow::Result<()> {
    let (Some(resend), true, true) = (item.resend, item.ack, row.kind == kind::PLAN) else {
        return Ok(());
    };
    let again = NewSend {
        guild: row.guild,
        kind: kind::RESEND,
        item: row.item.clone(),
        team: row.team.clone(),
        channel: row.channel,
        fire_at_ms: row.fire_at_ms + i64::from(resend.after_hours) * 3_600_000,
        body: None,
        ref_id: Some(row.id),
    };
    app.store.enqueue(&[again]).await?;
    Ok(())
}

/// Mirrors a recorded send to the item's webhooks (not re-sends).
async fn mirror(app: &App, plan: Option<&Plan>, item: &Item, row: &Queued, msg: &OutMessage) {
    if !item.mirror.is_empty() && row.kind != kind::RESEND {
        let campaign = plan.map(|p| p.campaign.name.clone()).unwrap_or_default();
        crate::webhooks::mirror(app, &item.mirror, &campaign, &row.item, &row.team, msg).await;
    }
}

/// Posts skipped and failed sends to the plan's reports channel, in one message.
pub async fn report(app: &App, plan: Option<&Plan>, lines: &[String]) {
    if lines.is_empty() {
        return;
    }
    for l in lines {
        tracing::warn!(report = %l, "send not delivered");
    }
    let (Some(_), Ok(Some(guild))) = (plan, app.primary_guild().await) else {
        return;
    };
    let Ok(Some(channel)) = app.reports_channel(guild).await else {
        return;
    };
    let mut text = String::from("**Herald delivery report**\n");
    for l in lines {
        if text.len() + l.len() > 1900 {
            text.push_str("…and more; see Herald's log.");
            break;
        }
        text.push_str(&format!("• {l}\n"));
    }
    if let Err(e) = app.chat.post(channel, &OutMessage::text(text)).await {
        tracing::error!(error = %e, "could not post the delivery report");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::{ChannelId, GuildId};

    fn row(fire: i64) -> Queued {
        Queued {
            id: 1,
            guild: GuildId(1),
            kind: "plan".into(),
            item: "weekly-update".into(),
            team: "Sales".into(),
            channel: ChannelId(99),
            fire_at_ms: fire,
            status: "claimed".into(),
            attempts: 1,
            message: None,
            sent_at_ms: None,
            body: None,
            ref_id: None,
            last_error: None,
            claimed_by: Some("herald-test".into()),
        }
    }

    #[test]
    fn a_nonce_is_short_stable_and_differs_per_firing() {
        let a = nonce_for(&row(1_000));
        assert_eq!(
            a,
            nonce_for(&row(1_000)),
            "the same row gets the same nonce on every delivery"
        );
        assert_ne!(a, nonce_for(&row(2_000)));
        assert!(a.len() <= 25 && a.starts_with('h'), "{a}");
    }
}
