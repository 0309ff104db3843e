//! `/actions list [team] [status]` and `/actions done action [note]`: the actions Herald
//! proposed and what became of them.

use super::{autocomplete, defer_failed, reply, Ctx};
use crate::app::actions;
use crate::discord::actor::actor;
use crate::error::AppError;

/// What Herald proposed when it saw a team turning, and what became of it.
#[poise::command(
    slash_command,
    guild_only,
    subcommands("list", "done", "cancel"),
    subcommand_required
)]
pub async fn actions(_: Ctx<'_>) -> Result<(), AppError> {
    Ok(())
}

/// Actions, newest first (change leads: every team; managers: their team).
#[poise::command(slash_command, guild_only)]
async fn list(
    ctx: Ctx<'_>,
    #[autocomplete = "autocomplete::my_team"]
    #[description = "Only this team"]
    team: Option<String>,
    #[description = "proposed, scheduled, done or dismissed"] status: Option<String>,
) -> Result<(), AppError> {
    ctx.defer_ephemeral().await.map_err(defer_failed)?;
    let who = actor(ctx).await?;
    let text = actions::list(&ctx.data().app, &who, team.as_deref(), status.as_deref()).await?;
    reply(ctx, text).await
}

/// Mark a scheduled action done (its owner or a change lead).
#[poise::command(slash_command, guild_only)]
async fn done(
    ctx: Ctx<'_>,
    #[description = "The action's number, as /actions list shows it"] action: String,
    #[description = "What was done, in a line"] note: Option<String>,
) -> Result<(), AppError> {
    ctx.defer_ephemeral().await.map_err(defer_failed)?;
    let who = actor(ctx).await?;
    let text = actions::done(
        &ctx.data().app,
        &who,
        &action,
        note.as_deref().unwrap_or(""),
    )
    .await?;
    reply(ctx, text).await
}

/// Call off a scheduled action, with the reason (change leads).
#[poise::command(slash_command, guild_only)]
async fn cancel(
    ctx: Ctx<'_>,
    #[description = "The action's number, as /actions list shows it"] action: String,
    #[description = "Why it is called off"] reason: String,
) -> Result<(), AppError> {
    ctx.defer_ephemeral().await.map_err(defer_failed)?;
    let who = actor(ctx).await?;
    let text = actions::cancel(&ctx.data().app, &who, &action, &reason).await?;
    reply(ctx, text).await
}
