//! Closing the loop: when Herald sees a team turning (a readiness barrier, a sentiment
//! alert, an adoption alert) it proposes the playbook's action in the change team's
//! channel, once per episode. A change lead schedules it (an owner from the server and a
//! date, today or later) or dismisses it with a reason; scheduling queues the team's
//! follow-up, the managers' briefing, the owner's message and a reminder as outbox jobs
//! ([`deliver`]). `/actions list` and `/actions done` follow them.

pub mod deliver;
pub mod effect;
pub mod forms;

use chrono::NaiveDate;

use super::access::{require, Actor, Need};
use super::App;
use crate::chat::{Button, OutMessage};
use crate::domain::ids::{GuildId, MemberId};
use crate::domain::playbook::{Play, Trigger};
use crate::error::{AppError, AppResult};
use crate::store::actions::{ActionRow, Move, NewAction};
use crate::store::outbox::{Kind, NewSend};

/// Statuses an action moves through.
pub const STATUSES: [&str; 4] = ["proposed", "scheduled", "done", "dismissed"];

/// Proposes the playbook's first play for `trigger` in `team`, once per `episode`; what
/// was `seen` is in words, of the team as a whole. Nothing when the playbook has no play
/// for the trigger.
pub async fn propose(
    app: &App,
    guild: GuildId,
    team: &str,
    trigger: Trigger,
    episode: &str,
    seen: &str,
) -> anyhow::Result<()> {
    let Some(plan) = app.plan() else {
        return Ok(());
    };
    let Some(play) = plan.playbook.for_trigger(trigger).first().copied().cloned() else {
        return Ok(());
    };
    // One at a time: while an earlier proposal for the same team and trigger is still
    // undecided or under way, a new episode adds nothing to it.
    let open = app.store.actions(guild, Some(team), None).await?;
    if open
        .iter()
        .any(|a| a.trigger == trigger.name() && (a.status == "proposed" || a.status == "scheduled"))
    {
        return Ok(());
    }
    let new = NewAction {
        guild,
        team: team.to_string(),
        trigger: trigger.name(),
        episode: episode.to_string(),
        play: play.id.clone(),
        seen: seen.to_string(),
        at_ms: app.now_ms(),
    };
    let Some(channel) = app.reports_channel(guild).await? else {
        return Ok(()); // nowhere to propose it
    };
    let Some(id) = app.store.propose(&new).await? else {
        return Ok(()); // proposed already in this episode
    };
    let mut msg = proposal(app, id, team, trigger, &play, seen);
    msg.nonce = Some(format!("ap{id}"));
    match app.chat.post(channel, &msg).await {
        Ok(message) => app.store.set_proposal_message(id, channel, message).await?,
        Err(e) => {
            // Without its buttons nobody could decide it: forgotten, so that the next
            // signal proposes it again.
            tracing::warn!(error = %e.message, action = id, "a proposal was not posted");
            app.store.forget_action(id).await?;
        }
    }
    Ok(())
}

/// The proposal as posted: its text, Schedule it and Dismiss, and a select of the
/// trigger's other plays when the playbook has any.
fn proposal(
    app: &App,
    id: i64,
    team: &str,
    trigger: Trigger,
    play: &Play,
    seen: &str,
) -> OutMessage {
    use crate::app::action::{Action, LoopStep};
    let loop_id = |step| Action::Loop { step, action: id }.to_string();
    let mut msg = OutMessage::text(proposal_text(team, play, seen));
    msg.buttons = vec![
        Button::Action {
            custom_id: loop_id(LoopStep::Schedule),
            label: "Schedule it".into(),
        },
        Button::Cancel {
            custom_id: loop_id(LoopStep::Dismiss),
            label: "Dismiss".into(),
        },
    ];
    let others: Vec<(String, String)> = app
        .plan()
        .map(|p| {
            p.playbook
                .for_trigger(trigger)
                .into_iter()
                .filter(|o| o.id != play.id)
                .take(25)
                .map(|o| (o.title.chars().take(100).collect(), o.id.clone()))
                .collect()
        })
        .unwrap_or_default();
    if !others.is_empty() {
        msg.menu = Some(crate::chat::Row::Select {
            custom_id: loop_id(LoopStep::Choose),
            placeholder: "Choose another action".into(),
            options: others,
        });
    }
    msg
}

/// "Choose another": the proposal takes the chosen play of the same trigger instead.
pub async fn choose(app: &App, actor: &Actor, id: i64, values: &[String]) -> AppResult<String> {
    let a = still_proposed(app, actor, id).await?;
    let trigger = Trigger::parse(&a.trigger)
        .ok_or_else(|| AppError::user("This proposal's trigger is no longer one Herald knows."))?;
    let chosen = values.first().map(String::as_str).unwrap_or_default();
    let play = app
        .plan()
        .and_then(|p| {
            p.playbook
                .for_trigger(trigger)
                .into_iter()
                .find(|p| p.id == chosen)
                .cloned()
        })
        .ok_or_else(|| {
            AppError::user(format!(
                "`{chosen}` is not a play for this proposal; choose one from the list. Nothing changed."
            ))
        })?;
    if !app
        .store
        .set_action_play(id, &play.id, actor.member, app.now_ms())
        .await?
    {
        return Err(stale(&app.store.action(id).await?.unwrap_or(a)));
    }
    if let Some((channel, message)) = a.proposal {
        let msg = proposal(app, id, &a.team, trigger, &play, &a.seen);
        if let Err(e) = app.chat.edit(channel, message, &msg).await {
            tracing::warn!(error = %e.message, action = id, "the proposal's message was not updated");
        }
    }
    Ok(format!(
        "Action #{id} for {} now proposes {}. Schedule it or dismiss it as before.",
        a.team, play.title
    ))
}

/// What the change team reads under a proposal's buttons.
pub fn proposal_text(team: &str, play: &Play, seen: &str) -> String {
    let mut then = Vec::new();
    if play.follow_up.is_some() {
        then.push(format!("a follow-up to {team}'s channel only"));
    }
    if play.brief_managers {
        then.push("a briefing for its managers".to_string());
    }
    then.push(
        "a direct message to the owner (and a reminder the day before, when there is time)".into(),
    );
    if let Some(days) = play.repulse_days {
        then.push(format!(
            "{team}'s readiness pulse again {} after the date, to measure the effect",
            crate::domain::words::count(i64::from(days), "day", "days")
        ));
    }
    format!(
        "📋 **Proposed for {team}: {}**\nSeen: {seen}.\nWhat to do: {}\nBest owned by {}. Once scheduled: {}.\n**Schedule it** to choose the owner and the date, or **Dismiss** with a reason.",
        play.title,
        play.what,
        play.owner.words(),
        then.join("; ")
    )
}

/// The action `id` of the actor's server.
async fn server_action(app: &App, actor: &Actor, id: i64) -> AppResult<ActionRow> {
    app.store
        .action(id)
        .await?
        .filter(|a| a.guild == actor.guild)
        .ok_or_else(|| {
            AppError::user(format!(
                "There is no action #{id} in this server; `/actions list` shows them."
            ))
        })
}

/// The action `id` of the actor's server, for a change lead; refused otherwise.
async fn lead_action(app: &App, actor: &Actor, id: i64) -> AppResult<ActionRow> {
    require(app, actor, Need::ChangeLead).await?;
    server_action(app, actor, id).await
}

/// Moves `a` as `m` says, or says it has moved on already (a stale or racing click).
async fn apply(app: &App, a: ActionRow, m: &Move<'_>) -> AppResult<()> {
    if app.store.move_action(a.id, m).await? {
        return Ok(());
    }
    Err(stale(&app.store.action(a.id).await?.unwrap_or(a)))
}

/// A move by `actor` now that keeps the owner and the date.
fn noted<'a>(
    app: &App,
    actor: &Actor,
    from: &'a str,
    to: &'a str,
    note: Option<&'a str>,
) -> Move<'a> {
    Move {
        from,
        to,
        by: actor.member,
        owner: None,
        due_day: None,
        note,
        at_ms: app.now_ms(),
    }
}

/// A reason as typed: some words, up to [`forms::REASON_MAX`] characters; `why` says
/// what it is for ("why this does not fit").
fn reason<'a>(typed: &'a str, why: &str) -> AppResult<&'a str> {
    let r = typed.trim();
    if r.is_empty() || r.chars().count() > forms::REASON_MAX {
        return Err(AppError::user(format!(
            "Say in a few words (up to {} characters) {why}; nothing changed.",
            forms::REASON_MAX
        )));
    }
    Ok(r)
}

/// Why a button of a proposal that has moved on does nothing.
fn stale(a: &ActionRow) -> AppError {
    AppError::user(format!(
        "Action #{} is already {}, so nothing changed. `/actions list` shows where it stands.",
        a.id, a.status
    ))
}

/// Refuses unless the action is still a proposal.
async fn still_proposed(app: &App, actor: &Actor, id: i64) -> AppResult<ActionRow> {
    let a = lead_action(app, actor, id).await?;
    if a.status != "proposed" {
        return Err(stale(&a));
    }
    Ok(a)
}

/// The play an action was proposed with (the playbook may have changed since).
fn play_of(app: &App, a: &ActionRow) -> Option<Play> {
    app.plan().and_then(|p| p.playbook.play(&a.play).cloned())
}

/// "Mon 25 Jan 2027".
pub fn day_words(day: i64) -> String {
    (NaiveDate::default() + chrono::Duration::days(day))
        .format("%a %-d %b %Y")
        .to_string()
}

/// Today in the campaign's zone (days since 1970-01-01).
fn today(app: &App) -> i64 {
    crate::app::adoption::view::today_of(app)
}

/// An owner as typed: an @mention, a user id or a display name, of this server.
async fn owner_of(app: &App, guild: GuildId, typed: &str) -> AppResult<MemberId> {
    let t = typed.trim();
    let digits = t
        .trim_start_matches("<@")
        .trim_start_matches('!')
        .trim_end_matches('>');
    let found = match digits.parse::<u64>() {
        Ok(id) => {
            let m = MemberId(id);
            app.store.is_member(guild, m).await?.then_some(m)
        }
        Err(_) => {
            app.store
                .member_named(guild, t.trim_start_matches('@'))
                .await?
        }
    };
    found.ok_or_else(|| {
        AppError::user(format!(
            "`{t}` is not a member of this server Herald knows (or more than one has that name). Type their name as Discord shows it, or paste their @mention; nothing was scheduled."
        ))
    })
}

/// A date as typed (2027-01-25), today or later.
fn due_of(app: &App, typed: &str) -> AppResult<i64> {
    let t = typed.trim();
    let date = NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| {
        AppError::user(format!(
            "`{t}` is not a date Herald reads: write it as 2027-01-25. Nothing was scheduled."
        ))
    })?;
    let day = (date - NaiveDate::default()).num_days();
    if day < today(app) {
        return Err(AppError::user(format!(
            "{} is in the past; choose today or a later day. Nothing was scheduled.",
            day_words(day)
        )));
    }
    Ok(day)
}

/// The schedule modal's answer: the owner and the date checked, the action scheduled and
/// its jobs queued; what the change lead reads.
pub async fn schedule(
    app: &App,
    actor: &Actor,
    id: i64,
    owner: &str,
    date: &str,
) -> AppResult<String> {
    let a = still_proposed(app, actor, id).await?;
    let owner = owner_of(app, actor.guild, owner).await?;
    let due = due_of(app, date)?;
    let play = play_of(app, &a).ok_or_else(|| {
        AppError::user(format!(
            "The playbook no longer has the play `{}`; dismiss this proposal, or put the play back and `/comms reload`.",
            a.play
        ))
    })?;
    let moved = Move {
        from: "proposed",
        to: "scheduled",
        by: actor.member,
        owner: Some(owner),
        due_day: Some(due),
        note: None,
        at_ms: app.now_ms(),
    };
    apply(app, a.clone(), &moved).await?;
    if let Err(e) = deliver::queue(app, &a, &play, due).await {
        let back = Move {
            from: "scheduled",
            to: "proposed",
            ..moved
        };
        app.store.move_action(id, &back).await?;
        return Err(e);
    }
    app.wake_scheduler();
    let when = day_words(due);
    settle_proposal(
        app,
        &a,
        &play,
        &format!(
            "✅ Scheduled by <@{}>: owned by <@{owner}>, for {when}.",
            actor.member
        ),
    )
    .await;
    Ok(format!(
        "Scheduled action #{id} for {}: {}, owned by <@{owner}>, for {when}. {}",
        a.team,
        play.title,
        what_goes_out(&a.team, &play, deliver::reminds(app, due))
    ))
}

fn what_goes_out(team: &str, play: &Play, reminded: bool) -> String {
    let mut out = Vec::new();
    if play.follow_up.is_some() {
        out.push(format!("{team}'s follow-up goes to its channel now"));
    }
    if play.brief_managers {
        out.push("its managers are briefed".into());
    }
    out.push(if reminded {
        "the owner gets a direct message now, with a reminder the day before".into()
    } else {
        "the owner gets a direct message now (the date is too close for a reminder)".into()
    });
    if let Some(days) = play.repulse_days {
        out.push(format!(
            "{team} is asked again {} after the date",
            crate::domain::words::count(i64::from(days), "day", "days")
        ));
    }
    let mut s = out.join("; ");
    if let Some(first) = s.get(..1) {
        s = first.to_uppercase() + &s[1..];
    }
    format!("{s}. `/actions list` shows where it stands.")
}

/// The dismiss modal's answer.
pub async fn dismiss(app: &App, actor: &Actor, id: i64, typed: &str) -> AppResult<String> {
    let a = still_proposed(app, actor, id).await?;
    let reason = reason(typed, "why this does not fit")?;
    let moved = noted(app, actor, "proposed", "dismissed", Some(reason));
    apply(app, a.clone(), &moved).await?;
    if let Some(play) = play_of(app, &a) {
        settle_proposal(
            app,
            &a,
            &play,
            &format!("✖️ Dismissed by <@{}>: {reason}", actor.member),
        )
        .await;
    }
    Ok(format!(
        "Dismissed action #{id} for {}; nothing goes out.",
        a.team
    ))
}

/// The proposal's message without its buttons, with what became of it.
async fn settle_proposal(app: &App, a: &ActionRow, play: &Play, outcome: &str) {
    let Some((channel, message)) = a.proposal else {
        return;
    };
    let msg = OutMessage::text(format!(
        "{}\n{outcome}",
        proposal_text(&a.team, play, &a.seen)
    ));
    if let Err(e) = app.chat.edit(channel, message, &msg).await {
        tracing::warn!(error = %e.message, action = a.id, "the proposal's message was not updated");
    }
}

/// `/actions done action note`: the owner or a change lead closes a scheduled action.
pub async fn done(app: &App, actor: &Actor, id: &str, note: &str) -> AppResult<String> {
    let a = server_action(app, actor, number(id)?).await?;
    let lead = require(app, actor, Need::ChangeLead).await.is_ok();
    if !lead && a.owner != Some(actor.member) {
        return Err(AppError::user(
            "Only the action's owner or a change lead can mark it done.",
        ));
    }
    if a.status != "scheduled" {
        return Err(stale(&a));
    }
    let note = note.trim();
    if note.chars().count() > forms::REASON_MAX {
        return Err(AppError::user(format!(
            "Keep the note to {} characters; nothing changed.",
            forms::REASON_MAX
        )));
    }
    let (id, team) = (a.id, a.team.clone());
    let moved = noted(
        app,
        actor,
        "scheduled",
        "done",
        (!note.is_empty()).then_some(note),
    );
    apply(app, a, &moved).await?;
    Ok(format!("Action #{id} for {team} is done. Thank you."))
}

/// `/actions cancel action reason`: a change lead calls off a scheduled action; its jobs
/// still queued go nowhere, and it never reads as done.
pub async fn cancel(app: &App, actor: &Actor, id: &str, typed: &str) -> AppResult<String> {
    let a = lead_action(app, actor, number(id)?).await?;
    if a.status != "scheduled" {
        return Err(stale(&a));
    }
    let reason = reason(typed, "why it is called off")?;
    let (id, team) = (a.id, a.team.clone());
    apply(
        app,
        a,
        &noted(app, actor, "scheduled", "dismissed", Some(reason)),
    )
    .await?;
    Ok(format!(
        "Called off action #{id} for {team}; nothing more goes out for it."
    ))
}

/// "#12", "12" → 12.
fn number(id: &str) -> AppResult<i64> {
    id.trim().trim_start_matches('#').parse().map_err(|_| {
        AppError::user(format!(
            "`{id}` is not an action number; `/actions list` shows them (#12)."
        ))
    })
}

/// `/actions list [team] [status]`: change leads see every team, managers their own.
pub async fn list(
    app: &App,
    actor: &Actor,
    team: Option<&str>,
    status: Option<&str>,
) -> AppResult<String> {
    let team = match team {
        Some(t) => {
            require(app, actor, Need::Manager).await?;
            Some(crate::app::sentiment::allowed_team(app, actor, t, "actions").await?)
        }
        None => {
            require(app, actor, Need::ChangeLead).await?;
            None
        }
    };
    let filtered = team.is_some() || status.is_some();
    let status = match status.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Some(
            STATUSES
                .iter()
                .find(|k| k.eq_ignore_ascii_case(s))
                .copied()
                .ok_or_else(|| {
                    AppError::user(format!(
                        "`{s}` is not a status{}",
                        crate::domain::closest::or_list(s, &STATUSES, "statuses")
                    ))
                })?,
        ),
        None => None,
    };
    let rows = app
        .store
        .actions(actor.guild, team.as_deref(), status)
        .await?;
    if rows.is_empty() && filtered {
        return Ok(
            "No actions match; `/actions list` without a team or status shows them all.".into(),
        );
    }
    if rows.is_empty() && filtered {
        return Ok(
            "No actions match; `/actions list` without a team or status shows them all.".into(),
        );
    }
    if rows.is_empty() {
        return Ok("No actions yet. Herald proposes one in the change team's channel when it sees a team turning (see `messages/playbook.toml`).".into());
    }
    let today = today(app);
    let lines: Vec<String> = rows.iter().map(|a| line(app, a, today)).collect();
    Ok(format!("**Actions** (newest first)\n{}", lines.join("\n")))
}

/// "#3 Support — A sponsor listening session · scheduled, owned by @Maria, for Mon 25 Jan
/// 2027 · seen: readiness is lowest on Desire …".
fn line(app: &App, a: &ActionRow, today: i64) -> String {
    let title = play_of(app, a).map_or_else(|| a.play.clone(), |p| p.title);
    let mut status = a.status.clone();
    if a.status == "scheduled" && a.due_day.is_some_and(|d| d < today) {
        status = "overdue".into();
    }
    let mut s = format!("• #{} {} — {title} · {status}", a.id, a.team);
    if let Some(o) = a.owner {
        s.push_str(&format!(", owned by <@{o}>"));
    }
    if let Some(d) = a.due_day {
        s.push_str(&format!(", for {}", day_words(d)));
    }
    if let Some(n) = &a.note {
        s.push_str(&format!(" · “{n}”"));
    }
    if let Some(e) = &a.effect {
        s.push_str(&format!(" · effect: {e}"));
    }
    s.push_str(&format!(" · seen: {}", a.seen));
    s
}

/// Jobs of an action: their outbox kind.
pub const KIND: Kind = Kind::Action;

/// A row of `what` (follow_up, brief, owner, remind) for action `a`, due at `at_ms`.
fn job(a: &ActionRow, channel: crate::domain::ids::ChannelId, what: &str, at_ms: i64) -> NewSend {
    NewSend {
        guild: a.guild,
        kind: KIND,
        item: format!("action:{}:{what}", a.id),
        team: a.team.clone(),
        channel,
        fire_at_ms: at_ms,
        body: None,
        ref_id: Some(a.id),
    }
}
