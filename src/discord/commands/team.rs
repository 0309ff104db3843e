//! `/team add|list|remove`: a team is a Discord role plus a home channel.

use poise::serenity_prelude as serenity;

use super::{autocomplete, reply, Ctx};
use crate::app;
use crate::discord::actor::actor;
use crate::domain::ids::{ChannelId, RoleId};
use crate::error::AppError;

/// Teams: who gets which communications, and where.
#[poise::command(
    slash_command,
    guild_only,
    subcommands("add", "list", "remove"),
    subcommand_required,
    default_member_permissions = "MANAGE_EVENTS"
)]
pub async fn team(_: Ctx<'_>) -> Result<(), AppError> {
    Ok(())
}

/// Add a team (change leads only).
#[poise::command(slash_command, guild_only)]
async fn add(
    ctx: Ctx<'_>,
    #[description = "Team name, e.g. Sales"] name: String,
    #[description = "The role whose members form the team"] role: serenity::RoleId,
    #[description = "The team's home channel"] channel: serenity::ChannelId,
) -> Result<(), AppError> {
    let who = actor(ctx).await?;
    let text = app::teams::add(
        &ctx.data().app,
        &who,
        &name,
        RoleId(role.get()),
        ChannelId(channel.get()),
    )
    .await?;
    reply(ctx, text).await
}

/// List the teams.
#[poise::command(slash_command, guild_only)]
async fn list(ctx: Ctx<'_>) -> Result<(), AppError> {
    let who = actor(ctx).await?;
    let text = app::teams::list(&ctx.data().app, &who).await?;
    reply(ctx, text).await
}

/// Remove a team (change leads only); its role and channel are untouched.
#[poise::command(slash_command, guild_only)]
async fn remove(
    ctx: Ctx<'_>,
    #[autocomplete = "autocomplete::any_team"]
    #[description = "Team name"]
    name: String,
) -> Result<(), AppError> {
    let who = actor(ctx).await?;
    let text = app::teams::remove(&ctx.data().app, &who, &name).await?;
    reply(ctx, text).await
}
