//! The pulse side of the scheduler pass: open the plan's pulses when they fall due, post
//! each pulse to its teams' channels, send reminders to those who have not answered, and
//! at close post the results. Every post carries a nonce, so a pass repeated after a
//! crash returns the first message instead of posting twice.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};

use anyhow::Context;

use super::results::compute;
use super::{teams_for, Pulse};
use crate::app::App;
use crate::chat::{split_message, Button, OutMessage};
use crate::domain::ids::MemberId;
use crate::error::AppError;
use crate::plan::Audience;
use crate::store::pulses::NewPulse;
use crate::store::StoreError;

const HOUR_MS: i64 = 3_600_000;

/// One pass over every pulse; errors leave the work for the next pass.
pub async fn tick(app: &App, now: DateTime<Utc>) -> anyhow::Result<()> {
    open_plan_pulses(app, now).await?;
    let now_ms = now.timestamp_millis();
    for row in app.store.unfinished_pulses().await? {
        let pulse = Pulse {
            set: serde_json::from_str(&row.questions)
                .with_context(|| format!("pulse {} has unreadable questions", row.id))?,
            row,
        };
        post_openings(app, &pulse).await?;
        if pulse.row.closes_at_ms <= now_ms {
            close(app, &pulse, now_ms).await?;
        } else {
            remind(app, &pulse, now_ms).await?;
        }
    }
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

/// When the next pulse event is due: an opening, a reminder or a close.
pub async fn next_event_ms(app: &App, now: DateTime<Utc>) -> anyhow::Result<Option<i64>> {
    let now_ms = now.timestamp_millis();
    let mut next: Option<i64> = None;
    // Past-due work (time moved during a pass) runs at once; failures wait in the
    // scheduler's retry path instead.
    let mut at = |t: i64| {
        let t = t.max(now_ms);
        next = Some(next.map_or(t, |n: i64| n.min(t)));
    };
    if let Some(plan) = app.plan() {
        for p in &plan.pulses {
            if let Some(t) = p
                .schedule
                .next_after(now, plan.campaign.tz, plan.campaign.go_live)
            {
                at(t.timestamp_millis());
            }
        }
    }
    for row in app.store.unfinished_pulses().await? {
        at(row.closes_at_ms);
        let sent = app.store.reminders_sent(row.id).await?;
        for h in row.reminders.iter().filter(|h| !sent.contains(h)) {
            at(row.closes_at_ms - i64::from(*h) * HOUR_MS);
        }
    }
    Ok(next)
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
            app.store
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
            "**Pulse: {}** — {} question(s), about a minute.\nPress **Answer**; only you see your answers while you give them. {anonymity}\nCloses <t:{}:f> (<t:{}:R>).",
            pulse.row.title,
            pulse.set.questions.len(),
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

async fn post_openings(app: &App, pulse: &Pulse) -> anyhow::Result<()> {
    for (i, team) in app.store.pulse_teams(pulse.id()).await?.iter().enumerate() {
        if team.message.is_some() {
            continue;
        }
        let mut msg = opening(pulse);
        msg.nonce = Some(format!("po{}-{i}", pulse.id()));
        match app.chat.post(team.channel, &msg).await {
            Ok(id) => {
                app.store
                    .set_pulse_message(pulse.id(), &team.name, id)
                    .await?
            }
            Err(e) if e.permanent => {
                tracing::error!(pulse = pulse.id(), team = %team.name, error = %e, "cannot post a pulse to a team's channel");
                app.store
                    .set_pulse_message(pulse.id(), &team.name, crate::domain::ids::MessageId(0))
                    .await?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Sends every reminder step that is due; steps at or before the opening are dropped.
async fn remind(app: &App, pulse: &Pulse, now_ms: i64) -> anyhow::Result<()> {
    let sent = app.store.reminders_sent(pulse.id()).await?;
    for h in pulse.row.reminders.iter().filter(|h| !sent.contains(h)) {
        let at = pulse.row.closes_at_ms - i64::from(*h) * HOUR_MS;
        if at > now_ms {
            continue;
        }
        // A reminder at the opening itself would only repeat the pulse message.
        if at > pulse.row.opened_at_ms {
            send_reminders(app, pulse, *h).await?;
        }
        app.store.mark_reminder_sent(pulse.id(), *h).await?;
    }
    Ok(())
}

/// Direct messages to the target teams' members who have not answered and not muted
/// reminders. Nobody is named anywhere but in their own direct message.
async fn send_reminders(app: &App, pulse: &Pulse, hours: u32) -> anyhow::Result<()> {
    let voters: HashSet<String> = app.store.voters(pulse.id()).await?.into_iter().collect();
    let muted: HashSet<String> = app
        .store
        .pulse_mutes(pulse.row.guild)
        .await?
        .into_iter()
        .collect();
    let mut seen: HashSet<MemberId> = HashSet::new();
    let mut sent = 0;
    for team in app.store.pulse_teams(pulse.id()).await? {
        for m in app.chat.role_members(pulse.row.guild, team.role).await? {
            if !seen.insert(m)
                || voters.contains(&app.key.voter(pulse.id(), m))
                || muted.contains(&app.key.mute(pulse.row.guild, m))
            {
                continue;
            }
            let msg = OutMessage {
                content: format!(
                    "Reminder: the pulse **{}** closes <t:{}:R>. It takes about a minute: press **Answer** on the pulse in <#{}>.{} To stop these reminders, use `/pulse mute`.",
                    pulse.row.title,
                    pulse.row.closes_at_ms / 1000,
                    team.channel.0,
                    if pulse.row.anonymous { " Your answers are anonymous." } else { "" }
                ),
                nonce: Some(format!("pr{}-{hours}", pulse.id())),
                ..OutMessage::default()
            };
            match app.chat.dm(m, &msg).await {
                Ok(_) => sent += 1,
                Err(e) if e.permanent => {
                    tracing::info!(error = %e, "a member does not take direct messages; no reminder")
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    tracing::info!(pulse = pulse.id(), hours, sent, "pulse reminders sent");
    Ok(())
}

async fn post_all(
    app: &App,
    channel: crate::domain::ids::ChannelId,
    text: &str,
    nonce: &str,
) -> anyhow::Result<()> {
    for (k, part) in split_message(text).iter().enumerate() {
        let msg = OutMessage {
            content: part.clone(),
            nonce: Some(format!("{nonce}-{k}")),
            ..OutMessage::default()
        };
        match app.chat.post(channel, &msg).await {
            Ok(_) => {}
            Err(e) if e.permanent => {
                tracing::error!(error = %e, %channel, "cannot post pulse results");
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Posts results to each team and the change team, marks the pulse closed, and takes the
/// Answer button off the pulse messages.
async fn close(app: &App, pulse: &Pulse, now_ms: i64) -> anyhow::Result<()> {
    let results = match compute(app, pulse.clone()).await {
        Ok(results) => results,
        Err(e) => return Err(job_error(app, e).await),
    };
    let teams = app.store.pulse_teams(pulse.id()).await?;
    for (i, team) in teams.iter().enumerate() {
        if team.results_posted {
            continue;
        }
        post_all(
            app,
            team.channel,
            &results.for_team(&team.name),
            &format!("px{}-{i}", pulse.id()),
        )
        .await?;
        app.store.set_results_posted(pulse.id(), &team.name).await?;
    }
    if let Some(channel) = app.reports_channel(pulse.row.guild).await? {
        post_all(
            app,
            channel,
            &results.for_change_team(),
            &format!("pc{}", pulse.id()),
        )
        .await?;
    }
    // Into the sentiment record, once per pulse (a repeat after a crash is a no-op).
    crate::app::sentiment::from_pulse(app, &results, now_ms).await?;
    if !app.store.mark_pulse_closed(pulse.id(), now_ms).await? {
        return Ok(());
    }
    for team in &teams {
        let Some(message) = team.message.filter(|m| m.0 != 0) else {
            continue;
        };
        let closed = OutMessage::text(format!(
            "**Pulse: {}** — closed. Thank you to everyone who answered; results are below.",
            pulse.row.title
        ));
        if let Err(e) = app.chat.edit(team.channel, message, &closed).await {
            tracing::info!(error = %e, "could not mark a pulse message closed");
        }
    }
    Ok(())
}
