//! Acknowledgements: the "Got it" button, and who has read an item, per team.

use std::collections::HashSet;
use std::fmt::Write;

use super::access::{require, Actor, Need};
use super::App;
use crate::domain::ids::{GuildId, MemberId, RoleId};
use crate::error::{AppError, AppResult};
use crate::store::comms_state::TeamUpdate;

/// A click on "Got it": counted once per member of the update's team. `roles` are the
/// clicker's roles when the click came from a server channel, where anyone may click.
pub async fn acknowledge(
    app: &App,
    member: MemberId,
    roles: Option<&[RoleId]>,
    outbox_id: i64,
) -> AppResult<String> {
    let Some(sent) = app.store.queued(outbox_id).await? else {
        return Err(AppError::user(
            "This message is no longer tracked, so there is nothing to acknowledge.",
        ));
    };
    if let Some(roles) = roles {
        let team = app.store.team_by_name(sent.guild, &sent.team).await?;
        if team.is_some_and(|t| !roles.contains(&t.role)) {
            return Err(AppError::user(format!(
                "This update was for the {} team, so nothing was recorded. \
Updates for your own team come to your team's channel.",
                sent.team
            )));
        }
    }
    if app.store.ack(outbox_id, member, app.now_ms()).await? {
        Ok("Thanks, noted: you have acknowledged this update.".into())
    } else {
        Ok("You have already acknowledged this update.".into())
    }
}

/// (acknowledged, team size) for a team and one sent row, or None if the team is gone.
pub async fn ack_rate(
    app: &App,
    guild: GuildId,
    team: &str,
    outbox_id: i64,
) -> anyhow::Result<Option<(usize, usize)>> {
    let Some(team) = app.store.team_by_name(guild, team).await? else {
        return Ok(None);
    };
    let members: HashSet<MemberId> = app
        .chat
        .role_members(guild, team.role)
        .await?
        .into_iter()
        .collect();
    let acked = app
        .store
        .acked_by(outbox_id)
        .await?
        .into_iter()
        .filter(|m| members.contains(m))
        .count();
    Ok(Some((acked, members.len())))
}

/// The plan's latest acknowledged item that went out, with (team, acknowledged, team
/// size) for each team it reached; None before any did.
pub async fn latest_item_rates(
    app: &App,
    guild: GuildId,
) -> AppResult<Option<(String, Vec<(String, usize, usize)>)>> {
    let Some(plan) = app.plan() else {
        return Ok(None);
    };
    for item in plan.items.iter().rev().filter(|i| i.ack) {
        let sent = app.store.latest_sent(guild, &item.id).await?;
        if sent.is_empty() {
            continue;
        }
        let mut rates = Vec::new();
        for row in sent {
            if let Some((acked, size)) = ack_rate(app, guild, &row.team, row.id)
                .await
                .map_err(AppError::Internal)?
            {
                rates.push((row.team.clone(), acked, size));
            }
        }
        return Ok(Some((item.id.clone(), rates)));
    }
    Ok(None)
}

/// `/comms acks item`: per team, acknowledged / team size for the latest send.
pub async fn report(app: &App, actor: &Actor, item: &str) -> AppResult<String> {
    require(app, actor, Need::ChangeLead).await?;
    let sent = app.store.latest_sent(actor.guild, item.trim()).await?;
    if sent.is_empty() {
        return Err(AppError::user(format!(
            "`{}` has not been sent yet, so there are no acknowledgements.",
            item.trim()
        )));
    }
    let mut text = format!("**Acknowledgements for `{}`**\n", item.trim());
    for row in sent {
        match ack_rate(app, actor.guild, &row.team, row.id)
            .await
            .map_err(AppError::Internal)?
        {
            Some((acked, size)) => {
                let pct = (acked * 100).checked_div(size).unwrap_or(0);
                let _ = writeln!(text, "• {}: {acked}/{size} ({pct} %)", row.team);
            }
            None => {
                let _ = writeln!(text, "• {}: the team no longer exists", row.team);
            }
        }
    }
    Ok(text)
}

/// How many of a team's latest updates `/me updates` lists.
const MY_UPDATES: i64 = 5;

/// `/me updates`: the latest updates with a Got it button sent to each of the member's
/// teams, and which of them the member has acknowledged (with a link to the rest).
pub async fn mine(app: &App, actor: &Actor) -> AppResult<String> {
    let teams = app.store.list_teams(actor.guild).await?;
    let mine: Vec<_> = teams
        .iter()
        .filter(|t| actor.roles.iter().any(|(r, _)| *r == t.role))
        .collect();
    if mine.is_empty() {
        return Ok(
            "You are not in any of Herald's teams yet, so no updates come to you. \
Your manager or a change lead can add your team's role to Herald."
                .into(),
        );
    }
    let plan = app.plan();
    let mut text = String::from("**Your updates**\n");
    for team in mine {
        let updates = app
            .store
            .team_updates(actor.guild, &team.name, actor.member, MY_UPDATES * 4)
            .await?;
        let with_button: Vec<_> = updates
            .iter()
            .filter_map(|u| Some((u, plan.as_ref()?.item(&u.item).filter(|i| i.ack)?)))
            .take(MY_UPDATES as usize)
            .collect();
        let _ = writeln!(text, "{}:", team.name);
        if with_button.is_empty() {
            let _ = writeln!(text, "• Nothing to acknowledge yet.");
        }
        for (update, item) in with_button {
            let title = plan
                .as_ref()
                .and_then(|p| {
                    crate::plan::render::message(p, item, &team.name, app.shared_now()).ok()
                })
                .map(|m| crate::plan::render::first_line(&m))
                .unwrap_or_else(|| item.id.clone());
            let _ = writeln!(text, "{}", update_line(actor.guild, update, &title));
        }
    }
    Ok(text.trim_end().to_string())
}

/// "✅ Atlas goes live — sent <date>, acknowledged <date>" or a link to press Got it.
fn update_line(guild: GuildId, u: &TeamUpdate, title: &str) -> String {
    let sent = u.sent_at_ms / 1000;
    match (u.acked_at_ms, u.message) {
        (Some(at), _) => {
            format!(
                "• ✅ {title} — sent <t:{sent}:d>, you acknowledged it <t:{}:d>",
                at / 1000
            )
        }
        (None, Some(message)) => format!(
            "• ⬜ {title} — sent <t:{sent}:d>, not acknowledged yet: \
[open it](https://discord.com/channels/{}/{}/{}) and press Got it",
            guild.0, u.channel.0, message.0
        ),
        (None, None) => format!("• ⬜ {title} — sent <t:{sent}:d>, not acknowledged yet"),
    }
}
