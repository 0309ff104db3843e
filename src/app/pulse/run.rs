//! A pulse's life as jobs: the plan's pulses are created when they fall due, and every
//! pulse becomes outbox rows (its opening per team, each reminder step, its close) that
//! the scheduler claims and hands back here. A reminder step queues one direct message
//! per member of the pulse's teams, each its own row with its own nonce, named by a keyed
//! slot and with the member sealed, so the outbox never says who was reminded or who had
//! answered. Whether a member still needs the reminder is decided when their row's turn
//! comes. Every post carries its row's nonce, so a job repeated after a crash returns the
//! first message instead of posting twice.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};

use anyhow::Context;

use super::results::compute;
use super::{teams_for, Pulse};
use crate::app::jobs::{self, Done};
use crate::app::App;
use crate::chat::{split_message, Button, ChatError, OutMessage};
use crate::domain::ids::{ChannelId, MemberId};
use crate::error::AppError;
use crate::plan::Audience;
use crate::store::outbox::{Kind, NewSend, Queued};
use crate::store::pulses::{NewPulse, PulseRow};
use crate::store::StoreError;

const HOUR_MS: i64 = 3_600_000;

/// The scheduler's pulse step: opens the plan's pulses whose time has come. The rows of
/// each pulse are queued as it is created.
pub async fn materialize(app: &App, now: DateTime<Utc>) -> anyhow::Result<()> {
    open_plan_pulses(app, now).await
}

/// Queues the rows of every pulse not yet closed (at start-up, and hourly): a pulse whose
/// creator stopped between creating it and queueing its rows still runs. Idempotent.
pub async fn queue_unfinished(app: &App) -> anyhow::Result<()> {
    for row in app.store.unfinished_pulses().await? {
        queue_jobs(app, &row).await?;
    }
    Ok(())
}

/// Queues a pulse's jobs: its opening in each team's channel not yet posted, each
/// reminder step after the opening, and its close. A second call queues nothing new.
pub async fn queue_jobs(app: &App, pulse: &PulseRow) -> anyhow::Result<()> {
    let teams = app.store.pulse_teams(pulse.id).await?;
    let done_steps = app.store.reminders_sent(pulse.id).await?;
    let row = |kind: Kind, item: String, team: &str, channel: ChannelId, at: i64| NewSend {
        guild: pulse.guild,
        kind,
        item,
        team: team.to_string(),
        channel,
        fire_at_ms: at,
        body: None,
        ref_id: None,
    };
    let mut rows: Vec<NewSend> = teams
        .iter()
        .filter(|t| t.message.is_none())
        .map(|t| {
            row(
                Kind::PulseOpen,
                pulse.id.to_string(),
                &t.name,
                t.channel,
                pulse.opened_at_ms,
            )
        })
        .collect();
    for h in pulse.reminders.iter().filter(|h| !done_steps.contains(h)) {
        let at = pulse.closes_at_ms - i64::from(*h) * HOUR_MS;
        // A reminder at the opening itself would only repeat the pulse message.
        if at > pulse.opened_at_ms {
            let item = format!("{}:{h}", pulse.id);
            rows.push(row(Kind::PulseRemind, item, "", ChannelId(0), at));
        }
    }
    rows.push(row(
        Kind::PulseClose,
        pulse.id.to_string(),
        "",
        ChannelId(0),
        pulse.closes_at_ms,
    ));
    app.store.enqueue(&rows).await?;
    Ok(())
}

/// A use case's error as a job's, keeping its cause. A use case words a database outage
/// for a person (a `UserError`, its cause gone); a job needs the cause back, so that the
/// scheduler holds the work as "unavailable" instead of reporting a failure. When the
/// database does not answer now, that is the cause; otherwise the words are the error.
pub(crate) async fn job_error(app: &App, e: AppError) -> anyhow::Error {
    match e {
        AppError::Internal(e) => e,
        AppError::User(words) => match app.store.ping().await {
            Err(outage @ StoreError::Unavailable(_)) => anyhow::Error::new(outage).context(words),
            _ => anyhow::Error::new(words),
        },
    }
}

/// When the plan's next pulse opens (the rest of a pulse's life is outbox rows).
pub fn next_opening_ms(app: &App, now: DateTime<Utc>) -> Option<i64> {
    let plan = app.plan()?;
    plan.pulses
        .iter()
        .filter_map(|p| {
            p.schedule
                .next_after(now, plan.campaign.tz, plan.campaign.go_live)
        })
        .map(|t| t.timestamp_millis().max(now.timestamp_millis()))
        .min()
}

/// Creates the plan's pulses whose time has come since the last pass. A pulse seen for
/// the first time starts now; a firing whose whole open window has passed is skipped.
async fn open_plan_pulses(app: &App, now: DateTime<Utc>) -> anyhow::Result<()> {
    let (Some(plan), Some(guild)) = (app.plan(), app.primary_guild().await?) else {
        return Ok(());
    };
    for p in &plan.pulses {
        let key = format!("pulse:{}", p.id);
        let Some(from) = app
            .store
            .cursor(guild, &key)
            .await?
            .and_then(DateTime::from_timestamp_millis)
        else {
            app.store
                .set_cursor(guild, &key, now.timestamp_millis())
                .await?;
            continue;
        };
        let firings = p
            .schedule
            .between(from, now, plan.campaign.tz, plan.campaign.go_live, 100);
        for t in firings {
            let closes = t + Duration::hours(i64::from(p.open_hours));
            if closes <= now {
                tracing::warn!(pulse = %p.id, at = %t, "skipped a pulse whose whole open window passed while Herald was down");
                continue;
            }
            let Some(set) = plan.polls.get(&p.set) else {
                continue;
            };
            let names: Vec<String> = match &p.audience {
                Audience::All => app
                    .store
                    .list_teams(guild)
                    .await?
                    .into_iter()
                    .map(|t| t.name)
                    .collect(),
                Audience::Teams(t) => t.clone(),
            };
            let teams = match teams_for(app, guild, &names).await {
                Ok(teams) => teams,
                Err(e) => return Err(job_error(app, e).await),
            };
            let (id, _) = app
                .store
                .create_pulse(&NewPulse {
                    guild,
                    source: p.id.clone(),
                    set_id: set.id.clone(),
                    title: set.name.clone(),
                    questions: serde_json::to_string(set)?,
                    anonymous: p.anonymous,
                    opened_at_ms: t.timestamp_millis(),
                    closes_at_ms: closes.timestamp_millis(),
                    reminders: p.reminders.clone(),
                    teams,
                })
                .await?;
            // Also when the pulse was there already: its creator may have stopped
            // before queueing its rows.
            if let Some(row) = app.store.pulse(id).await? {
                queue_jobs(app, &row).await?;
            }
        }
        app.store
            .set_cursor(guild, &key, now.timestamp_millis())
            .await?;
    }
    Ok(())
}

fn opening(pulse: &Pulse) -> OutMessage {
    let anonymity = if pulse.row.anonymous {
        "It is anonymous: answers are stored without names, and results show only groups large enough to stay anonymous."
    } else {
        "It is **not** anonymous: change leads can see who answered what."
    };
    OutMessage {
        content: format!(
            "**Pulse: {}** — {}, about a minute.\nPress **Answer**; only you see your answers while you give them. {anonymity}\nCloses <t:{}:f> (<t:{}:R>).",
            pulse.row.title,
            crate::domain::words::count(pulse.set.questions.len() as i64, "question", "questions"),
            pulse.row.closes_at_ms / 1000,
            pulse.row.closes_at_ms / 1000
        ),
        buttons: vec![Button::Action {
            custom_id: crate::app::action::Action::PulseOpen { pulse: pulse.id() }.to_string(),
            label: "Answer".into(),
        }],
        ..OutMessage::default()
    }
}

/// The pulse a job names, with its questions.
async fn pulse_of(app: &App, item: &str) -> anyhow::Result<Option<Pulse>> {
    let id: i64 = item
        .split(':')
        .next()
        .and_then(|id| id.parse().ok())
        .with_context(|| format!("a pulse job names no pulse: `{item}`"))?;
    let Some(row) = app.store.pulse(id).await? else {
        return Ok(None);
    };
    let set = serde_json::from_str(&row.questions)
        .with_context(|| format!("pulse {id} has unreadable questions"))?;
    Ok(Some(Pulse { row, set }))
}

/// The open pulse a job names, or the skip when it is gone or closed (a job queued for
/// it has nothing left to do).
async fn open_pulse_of(
    app: &App,
    row: &Queued,
    now: DateTime<Utc>,
) -> anyhow::Result<Result<Pulse, Done>> {
    Ok(match pulse_of(app, &row.item).await? {
        None => Err(Done::skipped("the pulse is gone")),
        Some(p) if !p.is_open(now.timestamp_millis()) => Err(Done::skipped("the pulse closed")),
        Some(p) => Ok(p),
    })
}

/// `PulseOpen`: the pulse's message, with its Answer button, in one team's channel.
pub async fn open(app: &App, row: &Queued, now: DateTime<Utc>) -> anyhow::Result<Done> {
    let pulse = match open_pulse_of(app, row, now).await? {
        Ok(pulse) => pulse,
        Err(skip) => return Ok(skip),
    };
    let teams = app.store.pulse_teams(pulse.id()).await?;
    let Some(team) = teams.iter().find(|t| t.name == row.team) else {
        return Ok(Done::skipped("the team is not in the pulse"));
    };
    if team.message.is_some() {
        return Ok(Done::finished("posted already"));
    }
    match jobs::post(app, row, team.channel, opening(&pulse)).await {
        Ok(id) => {
            app.store
                .set_pulse_message(pulse.id(), &team.name, id)
                .await?;
            Ok(Done::sent(id))
        }
        Err(e) => Ok(jobs::post_failed_keep_trying(row, &e, now, |why| {
            Some(format!(
                "Could not post pulse {} to {} (<#{}>): {why}. That team cannot answer it; let Herald post in the channel, then start a pulse for that team with `/pulse start`.",
                pulse.label(),
                team.name,
                team.channel
            ))
        })),
    }
}

/// `PulseRemind`: one reminder step. Queues a `PulseDm` row for every member of the
/// pulse's teams (each member once), named by keyed slot and sorted by it, the member
/// sealed. Respondents get rows too: who needs a reminder is decided at each row's turn,
/// so no row says who had answered.
pub async fn remind(app: &App, row: &Queued, now: DateTime<Utc>) -> anyhow::Result<Done> {
    let pulse = match open_pulse_of(app, row, now).await? {
        Ok(pulse) => pulse,
        Err(skip) => return Ok(skip),
    };
    let hours = step_of(&row.item)?;
    let mut seen: HashSet<MemberId> = HashSet::new();
    let mut rows = Vec::new();
    for team in app.store.pulse_teams(pulse.id()).await? {
        let members = app
            .chat
            .role_members(pulse.row.guild, team.role)
            .await
            .map_err(listing_failed)?;
        for m in members.into_iter().filter(|m| seen.insert(*m)) {
            let slot = app.key.reminder_slot(pulse.id(), hours, m);
            rows.push(NewSend {
                guild: pulse.row.guild,
                kind: Kind::PulseDm,
                item: format!("{}:{hours}:{slot}", pulse.id()),
                team: team.name.clone(),
                channel: ChannelId(0),
                fire_at_ms: row.fire_at_ms,
                body: Some(app.key.seal_member(&slot, m)),
                ref_id: None,
            });
        }
    }
    rows.sort_by(|a, b| a.item.cmp(&b.item));
    app.store.enqueue(&rows).await?;
    tracing::info!(
        pulse = pulse.id(),
        hours,
        queued = rows.len(),
        "pulse reminders queued"
    );
    Ok(Done::finished(format!(
        "queued {} reminder rows",
        rows.len()
    )))
}

/// Listing a team's members failed: the job is tried again (it is the same listing).
fn listing_failed(e: ChatError) -> anyhow::Error {
    anyhow::anyhow!("could not list a pulse team's members: {e}")
}

/// The reminder step (hours before close) a job names: `PULSE:HOURS[:SLOT]`.
fn step_of(item: &str) -> anyhow::Result<u32> {
    item.split(':')
        .nth(1)
        .and_then(|h| h.parse().ok())
        .with_context(|| format!("a reminder job names no step: `{item}`"))
}

/// `PulseDm`: one member's reminder, unless they answered or muted reminders since the
/// step, or the pulse closed. Nobody is named anywhere but in their own direct message.
pub async fn remind_one(app: &App, row: &Queued, now: DateTime<Utc>) -> anyhow::Result<Done> {
    let pulse = match open_pulse_of(app, row, now).await? {
        Ok(pulse) => pulse,
        Err(skip) => return Ok(skip),
    };
    let hours = step_of(&row.item)?;
    let slot = row.item.splitn(3, ':').nth(2).unwrap_or_default();
    let member = row
        .body
        .as_deref()
        .and_then(|sealed| app.key.unseal_member(slot, sealed))
        .filter(|m| app.key.reminder_slot(pulse.id(), hours, *m) == slot);
    let Some(member) = member else {
        // Sealed under another privacy key (it was rotated): nobody to send it to.
        return Ok(Done::skipped("sealed with another privacy key"));
    };
    let answered = app
        .store
        .has_voted(pulse.id(), &app.key.voter(pulse.id(), member))
        .await?;
    let muted = app
        .store
        .is_muted(pulse.row.guild, &app.key.mute(pulse.row.guild, member))
        .await?;
    if answered || muted {
        return Ok(Done::skipped("no reminder needed"));
    }
    let channel = app
        .store
        .team_by_name(pulse.row.guild, &row.team)
        .await?
        .map(|t| t.channel);
    let mut msg = reminder(&pulse, channel);
    msg.nonce = Some(jobs::nonce_for(row));
    match jobs::holding_lease(app, row, app.chat.dm(member, &msg)).await {
        Ok(id) => Ok(Done::sent(id)),
        Err(e) => Ok(jobs::post_failed(row, &e, now, |_| None)),
    }
}

/// The reminder a member reads in their direct messages.
fn reminder(pulse: &Pulse, channel: Option<ChannelId>) -> OutMessage {
    let place = match channel {
        Some(c) => format!("press **Answer** on the pulse in <#{}>", c.0),
        None => "press **Answer** on the pulse in your team's channel".to_string(),
    };
    OutMessage::text(format!(
        "Reminder: the pulse **{}** closes <t:{}:R>. It takes about a minute: {place}.{} To stop these reminders, use `/me reminders`.",
        pulse.row.title,
        pulse.row.closes_at_ms / 1000,
        if pulse.row.anonymous { " Your answers are anonymous." } else { "" }
    ))
}

/// Posts `text` to `channel` in parts, each with a nonce of its own.
async fn post_all(
    app: &App,
    row: &Queued,
    channel: ChannelId,
    text: &str,
    nonce: &str,
) -> Result<(), ChatError> {
    for (k, part) in split_message(text).iter().enumerate() {
        let msg = OutMessage {
            content: part.clone(),
            nonce: Some(format!("{nonce}-{k}")),
            ..OutMessage::default()
        };
        jobs::holding_lease(app, row, app.chat.post(channel, &msg)).await?;
    }
    Ok(())
}

/// `PulseClose`: results to each team and the change team, the pulse marked closed, and
/// the Answer button taken off the pulse messages. A close row left from before an early
/// close finds the pulse closed and does nothing.
pub async fn close(app: &App, row: &Queued, now: DateTime<Utc>) -> anyhow::Result<Done> {
    let Some(pulse) = pulse_of(app, &row.item).await? else {
        return Ok(Done::skipped("the pulse is gone"));
    };
    if pulse.row.closed_at_ms.is_some() {
        return Ok(Done::finished("closed already"));
    }
    if pulse.row.closes_at_ms > row.fire_at_ms {
        return Ok(Done::skipped("the pulse closes later"));
    }
    let now_ms = now.timestamp_millis();
    // Only a failure that may pass comes back (a channel that refuses Herald for good is
    // logged and passed over), so the close is tried again until it goes through.
    if let Err(e) = post_results(app, row, &pulse, now_ms).await? {
        return Ok(jobs::post_failed_keep_trying(row, &e, now, |_| None));
    }
    if !app.store.mark_pulse_closed(pulse.id(), now_ms).await? {
        return Ok(Done::finished("closed already"));
    }
    if let Err(e) = propose_for_barriers(app, &pulse).await {
        tracing::warn!(error = %e, "no action proposed for the pulse's barriers");
    }
    if let Err(e) = crate::app::actions::effect::on_close(app, pulse.row.guild, pulse.id()).await {
        tracing::warn!(error = %e, "an action's effect was not recorded");
    }
    let closed = OutMessage::text(format!(
        "**Pulse: {}** — closed. Thank you to everyone who answered; results are below.",
        pulse.row.title
    ));
    for team in app.store.pulse_teams(pulse.id()).await? {
        let Some(message) = team.message.filter(|m| m.0 != 0) else {
            continue;
        };
        if let Err(e) = app.chat.edit(team.channel, message, &closed).await {
            tracing::info!(error = %e, "could not mark a pulse message closed");
        }
    }
    Ok(Done::finished("results posted"))
}

/// Closing the loop: each shown team's barrier point becomes a proposed action, once
/// per pulse.
async fn propose_for_barriers(app: &App, pulse: &Pulse) -> anyhow::Result<()> {
    let results = compute(app, pulse.clone())
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    for (team, element, mean, answered) in results.barriers() {
        let seen = format!(
            "{} holds most people back — mean {mean:.1} of 5 ({answered} answered pulse #{})",
            element.name(),
            pulse.id()
        );
        let trigger = crate::domain::playbook::Trigger::Barrier(element);
        let episode = format!("pulse-{}", pulse.id());
        crate::app::actions::propose(app, pulse.row.guild, &team, trigger, &episode, &seen).await?;
    }
    Ok(())
}

/// The results, to each team not yet given them and to the change team, and into the
/// sentiment record (once per pulse). The outer error is ours; the inner, Discord's.
async fn post_results(
    app: &App,
    row: &Queued,
    pulse: &Pulse,
    now_ms: i64,
) -> anyhow::Result<Result<(), ChatError>> {
    let results = match compute(app, pulse.clone()).await {
        Ok(results) => results,
        Err(e) => return Err(job_error(app, e).await),
    };
    for (i, team) in app.store.pulse_teams(pulse.id()).await?.iter().enumerate() {
        if team.results_posted {
            continue;
        }
        let nonce = format!("px{}-{i}", pulse.id());
        match post_all(
            app,
            row,
            team.channel,
            &results.for_team_channel(&team.name),
            &nonce,
        )
        .await
        {
            Ok(()) => {}
            Err(e) if e.permanent => {
                tracing::error!(error = %e, team = %team.name, "cannot post pulse results to a team's channel")
            }
            Err(e) => return Ok(Err(e)),
        }
        app.store.set_results_posted(pulse.id(), &team.name).await?;
    }
    if let Some(channel) = app.reports_channel(pulse.row.guild).await? {
        let nonce = format!("pc{}", pulse.id());
        match post_all(app, row, channel, &results.for_change_team(), &nonce).await {
            Ok(()) => {}
            Err(e) if e.permanent => {
                tracing::error!(error = %e, "cannot post pulse results to the change team's channel")
            }
            Err(e) => return Ok(Err(e)),
        }
    }
    // Into the sentiment record, once per pulse (a repeat after a crash is a no-op).
    crate::app::sentiment::from_pulse(app, &results, now_ms).await?;
    Ok(Ok(()))
}
