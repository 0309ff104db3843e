//! `/pulse start|list|results|close` and `/readiness`.

use super::{autocomplete, defer_failed, reply, Ctx};
use crate::app::pulse::{self, readiness, results, StartRequest};
use crate::discord::actor::actor;
use crate::error::AppError;

/// Pulse polls: readiness, eNPS and custom question sets.
#[poise::command(
    slash_command,
    guild_only,
    subcommands("start", "list", "results", "close", "reply_to"),
    subcommand_required,
    // Change leads (Manage Events) by default; an administrator may add the Manager role.
    default_member_permissions = "MANAGE_EVENTS"
)]
pub async fn pulse(_: Ctx<'_>) -> Result<(), AppError> {
    Ok(())
}

/// Open a pulse now (change leads only).
#[poise::command(slash_command, guild_only)]
async fn start(
    ctx: Ctx<'_>,
    #[autocomplete = "autocomplete::question_set"]
    #[description = "Question set, e.g. adkar or enps"]
    set: String,
    #[autocomplete = "autocomplete::team_list"]
    #[description = "Teams, separated by commas, or `all`"]
    teams: String,
    #[description = "How long it stays open, e.g. 48h or 2d"] closes_in: String,
    #[description = "Store answers without names (default yes)"] anonymous: Option<bool>,
) -> Result<(), AppError> {
    ctx.defer_ephemeral().await.map_err(defer_failed)?;
    let who = actor(ctx).await?;
    let req = StartRequest {
        set: &set,
        teams: &teams,
        closes_in: &closes_in,
        anonymous: anonymous.unwrap_or(true),
    };
    reply(ctx, pulse::start(&ctx.data().app, &who, req).await?).await
}

/// The latest pulses and how many answered.
#[poise::command(slash_command, guild_only)]
async fn list(ctx: Ctx<'_>) -> Result<(), AppError> {
    let who = actor(ctx).await?;
    reply(ctx, pulse::list(&ctx.data().app, &who).await?).await
}

/// A pulse's results, for every team or one.
#[poise::command(slash_command, guild_only)]
async fn results(
    ctx: Ctx<'_>,
    #[autocomplete = "autocomplete::closed_pulse"]
    #[description = "Pulse number, e.g. 3"]
    pulse: String,
    #[autocomplete = "autocomplete::my_team"]
    #[description = "Only this team"]
    team: Option<String>,
) -> Result<(), AppError> {
    ctx.defer_ephemeral().await.map_err(defer_failed)?;
    let who = actor(ctx).await?;
    let text = results::show(&ctx.data().app, &who, &pulse, team.as_deref()).await?;
    reply(ctx, text).await
}

/// Close an open pulse now (change leads only).
#[poise::command(slash_command, guild_only)]
async fn close(
    ctx: Ctx<'_>,
    #[autocomplete = "autocomplete::open_pulse"]
    #[description = "Pulse number, e.g. 3"]
    pulse: String,
) -> Result<(), AppError> {
    let who = actor(ctx).await?;
    reply(ctx, pulse::close(&ctx.data().app, &who, &pulse).await?).await
}

/// Reply to a comment in a closed pulse; its author reads it, neither learns who the other is.
#[poise::command(slash_command, guild_only, rename = "reply")]
async fn reply_to(
    ctx: Ctx<'_>,
    #[autocomplete = "autocomplete::closed_pulse"]
    #[description = "Pulse number, e.g. 3"]
    pulse: String,
    #[autocomplete = "autocomplete::my_team"]
    #[description = "The team whose comment it is"]
    team: String,
    #[description = "The comment's number in /pulse results (from 1)"] comment: i64,
    #[description = "Your reply"] text: String,
) -> Result<(), AppError> {
    ctx.defer_ephemeral().await.map_err(defer_failed)?;
    let who = actor(ctx).await?;
    let app = &ctx.data().app;
    let answer =
        crate::app::pulse::replies::reply(app, &who, &pulse, &team, comment, &text).await?;
    reply(ctx, answer).await
}

/// The latest ADKAR readiness per team, its barrier point and trend.
#[poise::command(slash_command, guild_only)]
pub async fn readiness(
    ctx: Ctx<'_>,
    #[autocomplete = "autocomplete::my_team"]
    #[description = "Only this team"]
    team: Option<String>,
) -> Result<(), AppError> {
    ctx.defer_ephemeral().await.map_err(defer_failed)?;
    let who = actor(ctx).await?;
    let text = readiness::readiness(&ctx.data().app, &who, team.as_deref()).await?;
    reply(ctx, text).await
}
