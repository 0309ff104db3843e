//! `/me updates|reminders`: what every employee can do for themselves.

use super::{reply, Ctx};
use crate::app::{acks, pulse};
use crate::discord::actor::actor;
use crate::error::AppError;

/// Your team's latest updates and your pulse reminders.
#[poise::command(
    slash_command,
    guild_only,
    subcommands("updates", "reminders"),
    subcommand_required
)]
pub async fn me(_: Ctx<'_>) -> Result<(), AppError> {
    Ok(())
}

/// Your team's latest updates and which you have acknowledged.
#[poise::command(slash_command, guild_only)]
async fn updates(ctx: Ctx<'_>) -> Result<(), AppError> {
    let who = actor(ctx).await?;
    reply(ctx, acks::mine(&ctx.data().app, &who).await?).await
}

/// Turn pulse reminders off for yourself (or back on).
#[poise::command(slash_command, guild_only)]
async fn reminders(ctx: Ctx<'_>) -> Result<(), AppError> {
    let who = actor(ctx).await?;
    reply(ctx, pulse::mute(&ctx.data().app, &who).await?).await
}
