//! Delivering one plan send, re-send, `/comms send` or announcement: the misfire policy,
//! the re-send rule, rendering with live data, the team ping and "Got it" button, and the
//! mirrors that follow a recorded send.

use chrono::{DateTime, Duration, Utc};

use crate::app::jobs::{self, Done, Then};
use crate::app::pulse::run::job_error;
use crate::app::App;
use crate::chat::{Button, OutMessage};
use crate::plan::limits::RenderError;
use crate::plan::{render, Item, Misfire, Ping, Plan};
use crate::store::outbox::{kind, NewSend, Queued};

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

/// Delivers a claimed send at `now`, the time its turn came.
pub async fn deliver(
    app: &App,
    plan: Option<&Plan>,
    row: &Queued,
    now: DateTime<Utc>,
) -> anyhow::Result<Done> {
    let planned = row.kind == kind::PLAN || row.kind == kind::RESEND || row.kind == kind::MANUAL;
    let item = match (planned, plan.and_then(|p| p.item(&row.item))) {
        (true, None) => return Ok(Done::skipped("the item is no longer in the plan")),
        (_, item) => item,
    };
    let late = now - DateTime::from_timestamp_millis(row.fire_at_ms).unwrap_or(now);
    if let (Some(plan), Some(item)) = (plan, item) {
        if let Some(skip) = misfire(app, plan, item, row, late, now).await? {
            return Ok(skip);
        }
        if row.kind == kind::RESEND && !needs_resend(app, item, row).await? {
            return Ok(Done::skipped("enough of the team acknowledged"));
        }
    }
    let story = match item.filter(|i| crate::app::stories::is_story(&i.template)) {
        Some(_) => match crate::app::stories::figures(app, row.guild, Some(&row.team)).await {
            Ok(figures) => figures,
            Err(e) => return Err(job_error(app, e).await.context("story figures")),
        },
        None => team_champions(app, row).await?,
    };
    let rendered = match render_row(plan, item, row, now, &story).await {
        Ok(msg) => msg,
        Err(e) if e.over_limit => return Ok(unrenderable(row, &e)),
        Err(e) => return Err(e.into()),
    };
    let msg = for_discord(app, item, row, rendered.clone()).await?;
    match jobs::post(app, row, row.channel, msg).await {
        Ok(message) => {
            if let Some(item) = item {
                queue_resend(app, item, row).await?;
                if row.kind == kind::RESEND {
                    if let Err(e) = propose_for_low_acks(app, item, row).await {
                        tracing::warn!(error = %e, "no action proposed for low acknowledgements");
                    }
                }
            }
            Ok(Done::Sent {
                message: Some(message),
                note: String::new(),
                then: item
                    .and_then(|item| mirror(plan, item, row, rendered))
                    .map(Box::new),
            })
        }
        Err(e) => Ok(jobs::post_failed(row, &e, now, |why| {
            Some(format!(
                "Could not deliver `{}` to {} (<#{}>): {why}. It will not be retried; `/comms send {}` tries again.",
                row.item, row.team, row.channel, row.item
            ))
        })),
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
) -> anyhow::Result<Option<Done>> {
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
    let report =
        beyond_grace.then(|| format!("Skipped `{}` for {}: {reason}.", row.item, row.team));
    Ok(Some(Done::Skipped { reason, report }))
}

/// A re-send goes only while the team's acknowledgements are under the threshold.
/// Closing the loop: an update re-sent because too few acknowledged it proposes the
/// playbook's play for `low_acks`, once per update and team (a team under the group
/// minimum gets no figure, so no proposal).
async fn propose_for_low_acks(app: &App, item: &Item, row: &Queued) -> anyhow::Result<()> {
    let (Some(resend), Some(original)) = (item.resend, row.ref_id) else {
        return Ok(());
    };
    let Some((acked, size)) =
        crate::app::acks::ack_rate(app, row.guild, &row.team, original).await?
    else {
        return Ok(());
    };
    if size < app.settings.min_group_size as usize {
        return Ok(());
    }
    let seen = format!(
        "{acked} of {size} acknowledged `{}` within {}, under the {:.0} % the plan asks",
        item.id,
        crate::domain::words::count(i64::from(resend.after_hours), "hour", "hours"),
        resend.below * 100.0
    );
    let episode = format!("acks-{original}");
    let trigger = crate::domain::playbook::Trigger::LowAcks;
    crate::app::actions::propose(app, row.guild, &row.team, trigger, &episode, &seen).await
}

async fn needs_resend(app: &App, item: &Item, row: &Queued) -> anyhow::Result<bool> {
    let (Some(resend), Some(original)) = (item.resend, row.ref_id) else {
        return Ok(false);
    };
    let rate = crate::app::acks::ack_rate(app, row.guild, &row.team, original).await?;
    Ok(rate.is_none_or(|(acked, size)| size == 0 || (acked as f64) / (size as f64) < resend.below))
}

/// The message as the plan renders it, the same for Discord and for mirrors; rendered
/// off the runtime, so a slow template delays only its own send.
/// What a plan message knows live besides its plan: the team's champions by name.
async fn team_champions(app: &App, row: &Queued) -> anyhow::Result<serde_json::Value> {
    let mut live = render::empty_story();
    let all = app.store.champions(row.guild).await?;
    if let Some(names) = crate::app::stories::champion_names(&all, &row.team) {
        live["champion_names"] = serde_json::json!(names);
    }
    Ok(live)
}

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
fn unrenderable(row: &Queued, e: &RenderError) -> Done {
    Done::Failed {
        reason: e.message.clone(),
        report: Some(format!(
            "Could not render `{}` for {}: {e}. It will not be retried; fix the template, `/comms reload`, then `/comms send {}`.",
            row.item, row.team, row.item
        )),
    }
}

/// What only Discord gets: the team ping and the "Got it" button.
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

/// The mirror copies of a send (not of re-sends), made once the send is recorded.
fn mirror(plan: Option<&Plan>, item: &Item, row: &Queued, message: OutMessage) -> Option<Then> {
    (!item.mirror.is_empty() && row.kind != kind::RESEND).then(|| Then::Mirror {
        targets: item.mirror.clone(),
        campaign: plan.map(|p| p.campaign.name.clone()).unwrap_or_default(),
        item: row.item.clone(),
        team: row.team.clone(),
        message,
    })
}
