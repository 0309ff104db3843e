//! Anonymous replies to pulse comments. In a closed pulse's results, a change lead or the
//! team's manager replies to a comment by its number; the reply reaches the comment's
//! author by direct message, and the author may answer once, the same way. Neither learns
//! who the other is beyond their role.
//!
//! The threat model. The comment is stored with its ballot's keyed hash, never a member
//! id, and so is the reply. To deliver, Herald computes the ballot hash of each member of
//! the team with the privacy key (outside the database) and finds the one that matches —
//! which the key holder could always do. A database reader learns nothing new: no table
//! links the comment, or the reply, to a member; the direct messages go straight to
//! Discord, not through the outbox, so no delivery record names the author either.

use super::results::{compute, Group};
use super::{load, parse_id};
use crate::app::access::{require, Actor, Need};
use crate::app::action::Action;
use crate::app::App;
use crate::chat::{Button, Form, FormField, OutMessage};
use crate::domain::ids::MemberId;
use crate::error::{AppError, AppResult};

/// The longest reply or answer.
pub const REPLY_MAX: usize = 1000;

/// The team's comments in the order results show them (by ballot key), with their keys.
fn ordered(g: &Group) -> Vec<(&String, &String)> {
    let mut pairs: Vec<(&String, &String)> = g.comment_keys.iter().zip(&g.comments).collect();
    pairs.sort();
    pairs
}

/// `/pulse reply pulse team comment text`: what the replier reads.
pub async fn reply(
    app: &App,
    actor: &Actor,
    pulse: &str,
    team: &str,
    comment: i64,
    text: &str,
) -> AppResult<String> {
    require(app, actor, Need::Manager).await?;
    let pulse = load(app, parse_id(pulse)?).await?;
    if pulse.row.guild != actor.guild {
        return Err(AppError::user(format!(
            "There is no pulse #{} in this server.",
            pulse.id()
        )));
    }
    if pulse.row.closed_at_ms.is_none() {
        return Err(AppError::user(format!(
            "Pulse {} is still open; reply to its comments once it has closed.",
            pulse.label()
        )));
    }
    let teams = app.store.pulse_teams(pulse.id()).await?;
    let t = teams
        .iter()
        .find(|t| t.name.eq_ignore_ascii_case(team.trim()))
        .ok_or_else(|| {
            AppError::user(format!(
                "Pulse {} did not go to a team `{}`.",
                pulse.label(),
                team.trim()
            ))
        })?;
    let lead = require(app, actor, Need::ChangeLead).await.is_ok();
    if !lead && !actor.roles.iter().any(|(r, _)| *r == t.role) {
        return Err(AppError::user(format!(
            "Managers reply to comments of their own teams; you are not in {}.",
            t.name
        )));
    }
    let text = text.trim();
    if text.is_empty() || text.chars().count() > REPLY_MAX {
        return Err(AppError::user(format!(
            "Write the reply in up to {REPLY_MAX} characters; nothing was sent."
        )));
    }
    let title = pulse.row.title.clone();
    let id = pulse.id();
    let results = compute(app, pulse).await?;
    if !results.shown(&t.name) {
        return Err(AppError::user(format!(
            "{}'s results were withheld (fewer than {} answered), so its comments are not shown and cannot be replied to; nothing was sent.",
            t.name, app.settings.min_group_size
        )));
    }
    let group = results.teams.iter().find(|g| g.name == t.name);
    let comments = group.map(ordered).unwrap_or_default();
    let Some((key, said)) = usize::try_from(comment)
        .ok()
        .and_then(|n| n.checked_sub(1))
        .and_then(|i| comments.get(i))
    else {
        return Err(AppError::user(format!(
            "{} has {} in pulse #{id}; `/pulse results pulse:{id} team:{}` lists them, numbered from 1 in the order shown. Nothing was sent.",
            t.name,
            crate::domain::words::count(comments.len() as i64, "comment", "comments"),
            t.name
        )));
    };
    let Some(author) = author_of(app, actor, t.role, id, key).await? else {
        return Err(AppError::user(format!(
            "The author of this comment is no longer in {}; nothing was sent.",
            t.name
        )));
    };
    let reply = app
        .store
        .add_reply(id, &t.name, key, actor.member, app.now_ms())
        .await?;
    let from = if lead {
        "the change team".to_string()
    } else {
        format!("{}'s manager", t.name)
    };
    let mut msg = OutMessage::text(format!(
        "💬 **A reply to your comment** in “{title}” (pulse #{id}), from {from}. Herald has not told them who you are, and will not.\n> {}\n\n{text}\n\nYou may answer once, the same way: they will not learn who you are.",
        said.replace('\n', " ")
    ));
    msg.buttons = vec![Button::Action {
        custom_id: Action::ReplyAnswer { reply }.to_string(),
        label: "Answer once".into(),
    }];
    app.chat.dm(author, &msg).await.map_err(|e| {
        AppError::user(format!(
            "Discord did not deliver the reply ({}); try again later.",
            if e.permanent {
                "the author does not take direct messages"
            } else {
                "a passing failure"
            }
        ))
    })?;
    Ok("Sent. The comment's author reads your reply by direct message; Herald has not told you who they are, and will not. They may answer once.".into())
}

/// The member of the team whose ballot in `pulse` has `key`, found with the privacy key.
async fn author_of(
    app: &App,
    actor: &Actor,
    role: crate::domain::ids::RoleId,
    pulse: i64,
    key: &str,
) -> AppResult<Option<MemberId>> {
    let members = app.store.stored_role_members(actor.guild, role).await?;
    Ok(members
        .into_iter()
        .find(|m| app.key.ballot(pulse, *m) == key))
}

/// The reply `id` if `member` wrote the comment it answers.
async fn own_reply(
    app: &App,
    member: MemberId,
    id: i64,
) -> AppResult<crate::store::replies::ReplyRow> {
    let r = app.store.reply(id).await?;
    match r {
        Some(r) if app.key.ballot(r.pulse, member) == r.ballot_key => Ok(r),
        _ => Err(AppError::user(
            "This button is for the comment's author only; nothing changed.",
        )),
    }
}

/// "Answer once": the form, to the comment's author while the answer is unspent.
pub async fn answer_form(app: &App, member: MemberId, id: i64) -> AppResult<Form> {
    let r = own_reply(app, member, id).await?;
    if r.answered_at_ms.is_some() {
        return Err(AppError::user(
            "You have already answered this reply; each reply takes one answer.",
        ));
    }
    Ok(Form {
        custom_id: Action::ReplyWrite { reply: id }.to_string(),
        title: "Your answer (they won't learn who you are)"
            .chars()
            .take(45)
            .collect(),
        fields: vec![FormField {
            id: "answer".into(),
            label: "Your answer".into(),
            placeholder: "They read it by direct message, without your name".into(),
            paragraph: true,
            max: REPLY_MAX as u16,
        }],
    })
}

/// The author's answer: to the replier by direct message, once.
pub async fn answered(app: &App, member: MemberId, id: i64, text: &str) -> AppResult<String> {
    let r = own_reply(app, member, id).await?;
    let text = text.trim();
    if text.is_empty() || text.chars().count() > REPLY_MAX {
        return Err(AppError::user(format!(
            "Write the answer in up to {REPLY_MAX} characters; nothing was sent."
        )));
    }
    if !app.store.mark_answered(id, app.now_ms()).await? {
        return Err(AppError::user(
            "You have already answered this reply; each reply takes one answer.",
        ));
    }
    let msg = OutMessage::text(format!(
        "💬 **An answer to your reply** on a comment from {} in pulse #{}. Herald does not tell you who wrote it.\n\n{text}",
        r.team, r.pulse
    ));
    if app.chat.dm(r.by, &msg).await.is_err() {
        app.store.unmark_answered(id).await?;
        return Err(AppError::user(
            "Discord did not deliver your answer; try again later (your one answer is not spent).",
        ));
    }
    Ok("Sent. They read your answer without your name.".into())
}
