//! `/herald status` and `/herald roles`.

use std::time::Duration;

use poise::serenity_prelude as serenity;

use super::{reply, Ctx};
use crate::app;
use crate::discord::actor::actor;
use crate::domain::ids::RoleId;
use crate::error::AppError;

/// Herald itself: its status and who counts as change lead or manager.
#[poise::command(
    slash_command,
    guild_only,
    subcommands("status", "roles"),
    subcommand_required,
    // Server administrators (Manage Server) by default.
    default_member_permissions = "MANAGE_GUILD"
)]
pub async fn herald(_: Ctx<'_>) -> Result<(), AppError> {
    Ok(())
}

/// Version, database, uptime, teams and gateway latency.
#[poise::command(slash_command, guild_only)]
async fn status(ctx: Ctx<'_>) -> Result<(), AppError> {
    let who = actor(ctx).await?;
    let latency = Some(ctx.ping().await).filter(|d| *d > Duration::ZERO);
    let text = app::status::status(&ctx.data().app, who.guild, latency).await?;
    reply(ctx, text).await
}

/// Set which roles are change leads and managers (server administrators only).
#[poise::command(slash_command, guild_only)]
async fn roles(
    ctx: Ctx<'_>,
    #[description = "The role of change leads"] change_lead: Option<serenity::RoleId>,
    #[description = "The role of managers"] manager: Option<serenity::RoleId>,
) -> Result<(), AppError> {
    let who = actor(ctx).await?;
    let lead = change_lead.map(|r| RoleId(r.get()));
    let manager = manager.map(|r| RoleId(r.get()));
    let text = app::roles::set_roles(&ctx.data().app, &who, lead, manager).await?;
    reply(ctx, text).await
}
