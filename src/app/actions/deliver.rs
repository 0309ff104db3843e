//! An action's jobs, as outbox rows of kind `action` (item `action:<id>:<what>`): the
//! team's follow-up (to its channel only), the managers' briefing, the owner's message
//! and the reminder the day before. Each runs once; a job of an action dismissed or done
//! since is skipped, and the follow-up is rendered when it goes out, as plan sends are.

use chrono::{DateTime, NaiveDate, Utc};

use super::{day_words, job, play_of, ActionRow};
use crate::app::jobs::{self, Done};
use crate::app::App;
use crate::chat::OutMessage;
use crate::domain::ids::MemberId;
use crate::domain::playbook::Play;
use crate::error::{AppError, AppResult};
use crate::plan::render;
use crate::store::outbox::Queued;

/// Queues the jobs of a scheduled action: follow-up, briefing and owner now, the
/// reminder at 09:00 (campaign time) the day before `due`, if that is still ahead.
pub async fn queue(app: &App, a: &ActionRow, play: &Play, due: i64) -> AppResult<()> {
    let team = app
        .store
        .team_by_name(a.guild, &a.team)
        .await?
        .ok_or_else(|| {
            AppError::user(format!(
                "There is no team {} any more; nothing was scheduled.",
                a.team
            ))
        })?;
    let now = app.now_ms();
    let mut rows = Vec::new();
    if play.follow_up.is_some() {
        rows.push(job(a, team.channel, "follow_up", now));
    }
    if play.brief_managers {
        rows.push(job(a, team.channel, "brief", now));
    }
    rows.push(job(a, team.channel, "owner", now));
    let remind = reminder_at(app, due);
    if remind > now {
        rows.push(job(a, team.channel, "remind", remind));
    }
    if let Some(days) = play.repulse_days {
        let at = local_time(app, due + i64::from(days), 10);
        rows.push(job(a, team.channel, "repulse", at.max(now)));
    }
    if let Ok(Some(reports)) = app.reports_channel(a.guild).await {
        rows.push(job(a, reports, "overdue", local_time(app, due + 1, 9)));
    }
    app.store.enqueue(&rows).await?;
    Ok(())
}

/// Whether an action scheduled now for `due` gets a reminder (09:00 the day before is
/// still ahead).
pub fn reminds(app: &App, due: i64) -> bool {
    reminder_at(app, due) > app.now_ms()
}

/// 09:00 in the campaign's zone on the day before `due`.
fn reminder_at(app: &App, due: i64) -> i64 {
    local_time(app, due - 1, 9)
}

/// `hour`:00 in the campaign's zone on `day` (days since 1970-01-01), in milliseconds.
fn local_time(app: &App, day: i64, hour: u32) -> i64 {
    let tz = app.plan().map_or(chrono_tz::UTC, |p| p.campaign.tz);
    let date = NaiveDate::default() + chrono::Duration::days(day);
    date.and_hms_opt(hour, 0, 0)
        .and_then(|t| t.and_local_timezone(tz).earliest())
        .map_or(0, |t| t.timestamp_millis())
}

/// Runs one job of an action.
pub async fn deliver(app: &App, row: &Queued, now: DateTime<Utc>) -> anyhow::Result<Done> {
    let Some((id, what)) = parse(&row.item) else {
        return Ok(Done::skipped("not an action job"));
    };
    let Some(a) = app.store.action(id).await? else {
        return Ok(Done::skipped("the action is gone"));
    };
    // A re-pulse still asks once the action is done: that is when its effect shows.
    let live = a.status == "scheduled" || (what == "repulse" && a.status == "done");
    if !live {
        return Ok(Done::skipped(format!("the action is {}", a.status)));
    }
    let Some(play) = play_of(app, &a) else {
        return Ok(Done::skipped("the play is no longer in the playbook"));
    };
    let (Some(owner), Some(due)) = (a.owner, a.due_day) else {
        return Ok(Done::skipped("the action has no owner or date"));
    };
    match what {
        "follow_up" => follow_up(app, row, &a, &play, owner, due, now).await,
        "brief" => {
            let managers = match crate::app::comms::brief::managers_of(app, a.guild, &a.team).await
            {
                Ok(m) => m,
                Err(e) => return Ok(jobs::post_failed(row, &e, now, |_| None)),
            };
            let text = briefing(&a, &play, owner, due);
            dm(app, row, &managers, &text, now).await
        }
        "owner" => {
            let reminded = reminder_at(app, due) > row.fire_at_ms;
            dm(app, row, &[owner], &assigned(&a, &play, due, reminded), now).await
        }
        "remind" => {
            let text = format!(
                "⏰ Reminder: action #{} for {}, **{}**, is due tomorrow ({}). When it is done: `/actions done action:{} note:…`.",
                a.id, a.team, play.title, day_words(due), a.id
            );
            dm(app, row, &[owner], &text, now).await
        }
        "repulse" => repulse(app, &a).await,
        "overdue" => overdue(app, row, &a, &play, due, now).await,
        _ => Ok(Done::skipped("an unknown action job")),
    }
}

fn parse(item: &str) -> Option<(i64, &str)> {
    let rest = item.strip_prefix("action:")?;
    let (id, what) = rest.split_once(':')?;
    Some((id.parse().ok()?, what))
}

/// The team's follow-up: the play's template for the team, then what happens next.
async fn follow_up(
    app: &App,
    row: &Queued,
    a: &ActionRow,
    play: &Play,
    owner: MemberId,
    due: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<Done> {
    let (Some(plan), Some(template)) = (app.plan(), play.follow_up.as_deref()) else {
        return Ok(Done::skipped("no follow-up template"));
    };
    let subject = render::Subject {
        template,
        id: &row.item,
        phase: None,
    };
    let mut msg = match render::message_off_runtime(
        &plan,
        &subject,
        &a.team,
        now,
        &render::empty_story(),
    )
    .await
    {
        Ok(m) => m,
        Err(e) => {
            return Ok(Done::Failed {
                reason: e.message.clone(),
                report: Some(format!(
                    "Could not render `{template}` for {}'s follow-up to action #{}: {e}. Fix the template and `/comms reload`.",
                    a.team, a.id
                )),
            })
        }
    };
    let next = format!(
        "**What happens next:** {}, {}, with <@{owner}>.",
        play.title,
        day_words(due)
    );
    match msg.embeds.first_mut() {
        Some(embed) => {
            let body = embed.description.take().unwrap_or_default();
            embed.description = Some(format!("{body}\n\n{next}"));
        }
        None => msg.content = format!("{}\n\n{next}", msg.content),
    }
    msg.nonce = Some(jobs::nonce_for(row));
    match jobs::holding_lease(app, row, app.chat.post(row.channel, &msg)).await {
        Ok(id) => Ok(Done::sent(id)),
        Err(e) => Ok(jobs::post_failed(row, &e, now, |_| None)),
    }
}

/// Direct messages to each of `to`, once each across retries.
async fn dm(
    app: &App,
    row: &Queued,
    to: &[MemberId],
    text: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<Done> {
    if to.is_empty() {
        return Ok(Done::skipped("nobody to tell"));
    }
    let msg = OutMessage::text(text.to_string());
    match jobs::dm_each(app, row, to, true, |_| msg.clone()).await? {
        jobs::DmEach::Reached(r) => Ok(r.first.map_or_else(
            || Done::Skipped {
                reason: "direct messages closed".into(),
                report: Some(format!(
                    "Nobody was told of {}: their direct messages are closed. Tell them yourself.",
                    row.item
                        .strip_prefix("action:")
                        .and_then(|r| r.split(':').next())
                        .map_or("an action".into(), |id| format!("action #{id}"))
                )),
            },
            Done::sent,
        )),
        jobs::DmEach::Failed(e) => Ok(jobs::post_failed(row, &e, now, |_| None)),
    }
}

/// What the team's managers read when an action for their team is scheduled.
fn briefing(a: &ActionRow, play: &Play, owner: MemberId, due: i64) -> String {
    format!(
        "**Heads-up for {}**: the change team scheduled **{}** for {}, owned by <@{owner}>.\nWhy: {}.\nWhat it is: {}\nYour team reads a short message about it in its channel now; questions to the change team.",
        a.team,
        play.title,
        day_words(due),
        a.seen,
        play.what
    )
}

/// What the owner reads when the action is given to them.
fn assigned(a: &ActionRow, play: &Play, due: i64, reminded: bool) -> String {
    format!(
        "You own action #{} for **{}**: **{}**, for {}.\nWhy: {}.\nWhat to do: {}\nWhen it is done: `/actions done action:{} note:…`.{}",
        a.id,
        a.team,
        play.title,
        day_words(due),
        a.seen,
        play.what,
        a.id,
        if reminded { " You get a reminder the day before." } else { "" }
    )
}

/// Asks the team again: the readiness (ADKAR) pulse, open for two days, anonymous; the
/// action keeps its id to record the effect when it closes.
async fn repulse(app: &App, a: &ActionRow) -> anyhow::Result<Done> {
    if a.repulse.is_some() {
        return Ok(Done::finished("asked again already"));
    }
    let set = app.plan().and_then(|p| {
        p.polls
            .values()
            .find(|s| s.kind == crate::domain::poll::SetKind::Adkar)
            .cloned()
    });
    let Some(set) = set else {
        return Ok(Done::Skipped {
            reason: "no readiness question set".into(),
            report: Some(format!(
                "Action #{} for {} could not ask the team again: the plan has no ADKAR question set in polls/.",
                a.id, a.team
            )),
        });
    };
    let teams = crate::app::pulse::teams_for(app, a.guild, std::slice::from_ref(&a.team))
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let source = format!("action-{}", a.id);
    // Opened before a crash but not yet recorded: record that one, never open a second.
    let earlier = app.store.recent_pulses(a.guild, 100).await?;
    if let Some(p) = earlier.iter().find(|p| p.source == source) {
        app.store.set_action_repulse(a.id, p.id).await?;
        return Ok(Done::finished(format!(
            "pulse #{} asks {} again",
            p.id, a.team
        )));
    }
    let title = format!("{} (asked again)", set.name);
    let opening = crate::app::pulse::Opening {
        guild: a.guild,
        set: &set,
        title: &title,
        teams,
        open_ms: 48 * 3_600_000,
        anonymous: true,
        source: &source,
    };
    let (pulse, _, _) = crate::app::pulse::open_now(app, opening)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    app.store.set_action_repulse(a.id, pulse).await?;
    Ok(Done::finished(format!(
        "pulse #{pulse} asks {} again",
        a.team
    )))
}

/// Each day at 09:00 while the action is still open after its date: one line in the
/// change team's channel (the owner is not named there; `/actions list` shows them), and
/// the next day's check queued.
async fn overdue(
    app: &App,
    row: &Queued,
    a: &ActionRow,
    play: &Play,
    due: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<Done> {
    let days = (row.fire_at_ms - local_time(app, due, 9)) / 86_400_000;
    let text = format!(
        "⏰ Overdue: action #{} for {}, **{}**, was for {} ({} ago) and is not marked done. Its owner can close it with `/actions done action:{}`; `/actions list status:scheduled` shows who owns it.",
        a.id,
        a.team,
        play.title,
        day_words(due),
        crate::domain::words::count(days.max(1), "day", "days"),
        a.id
    );
    let mut msg = OutMessage::text(text);
    msg.nonce = Some(jobs::nonce_for(row));
    // Tomorrow's check first (queued once however often this row is retried).
    let next = crate::store::outbox::NewSend {
        fire_at_ms: row.fire_at_ms + 86_400_000,
        ..job(a, row.channel, "overdue", 0)
    };
    app.store.enqueue(&[next]).await?;
    match jobs::holding_lease(app, row, app.chat.post(row.channel, &msg)).await {
        Ok(id) => Ok(Done::sent(id)),
        Err(e) => Ok(jobs::post_failed(row, &e, now, |_| None)),
    }
}

/// The actions' jobs still to go out in the next `days`, one line each, for `/comms list`:
/// "<t:…:F> action #3's follow-up → Support".
pub async fn upcoming(
    app: &App,
    guild: crate::domain::ids::GuildId,
    days: i64,
) -> AppResult<Vec<String>> {
    let until = app.now_ms() + days * 86_400_000;
    let rows = app.store.pending_of_kind(guild, super::KIND, until).await?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            let (id, what) = parse(&r.item)?;
            let what = match what {
                "follow_up" => "follow-up to the team's channel",
                "brief" => "managers' briefing",
                "owner" => "message to its owner",
                "remind" => "reminder to its owner",
                "repulse" => "readiness pulse, asked again",
                "overdue" => "overdue check",
                _ => return None,
            };
            Some(format!(
                "<t:{}:F> action #{id}'s {what} → {}",
                r.fire_at_ms / 1000,
                r.team
            ))
        })
        .collect())
}
