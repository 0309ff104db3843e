//! Teams: change leads add, list and remove them; a team is a role plus a home channel.

use crate::domain::ids::{ChannelId, RoleId};
use crate::domain::team::{Team, TeamName};
use crate::error::{AppError, AppResult};
use crate::store::StoreError;

use super::access::{require, Actor, Need};
use super::App;

#[tracing::instrument(skip_all, fields(guild = %actor.guild))]
pub async fn add(
    app: &App,
    actor: &Actor,
    name: &str,
    role: RoleId,
    channel: ChannelId,
) -> AppResult<String> {
    require(app, actor, Need::ChangeLead).await?;
    let name = TeamName::parse(name).map_err(AppError::user)?;
    match app
        .store
        .add_team(actor.guild, &name, role, channel, app.now_ms())
        .await
    {
        Ok(team) => {
            super::comms::teams_changed(app, actor.guild).await;
            Ok(format!(
                "Team **{}** added: members are everyone with <@&{}>, posts go to <#{}>.",
                team.name, team.role, team.channel
            ))
        }
        Err(StoreError::Conflict { .. }) => Err(AppError::user(format!(
            "A team named **{}** exists already. Pick another name, or `/team remove` it first.",
            name.as_str()
        ))),
        Err(e) => Err(e.into()),
    }
}

pub async fn list(app: &App, actor: &Actor) -> AppResult<String> {
    let teams = app.store.list_teams(actor.guild).await?;
    Ok(render_list(&teams))
}

#[tracing::instrument(skip_all, fields(guild = %actor.guild))]
pub async fn remove(app: &App, actor: &Actor, name: &str) -> AppResult<String> {
    require(app, actor, Need::ChangeLead).await?;
    if app.store.remove_team(actor.guild, name).await? {
        super::comms::teams_changed(app, actor.guild).await;
        return Ok(format!(
            "Team **{}** removed. Its Discord role and channel are untouched.",
            name.trim()
        ));
    }
    Err(AppError::user(format!(
        "There is no team named **{}**. `/team list` shows the teams.",
        name.trim()
    )))
}

fn render_list(teams: &[Team]) -> String {
    if teams.is_empty() {
        return "No teams yet. A change lead adds one with `/team add name role channel`.".into();
    }
    let lines: Vec<String> = teams
        .iter()
        .map(|t| {
            format!(
                "• **{}** — role <@&{}>, channel <#{}>",
                t.name, t.role, t.channel
            )
        })
        .collect();
    format!("**Teams ({})**\n{}", teams.len(), lines.join("\n"))
}
