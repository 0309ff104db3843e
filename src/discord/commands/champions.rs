//! `/recognize`, `/champion nominate|list|remove`, `/champions leaderboard` and `/win add|list`.

use poise::serenity_prelude as serenity;

use super::{autocomplete, defer_failed, reply, Ctx};
use crate::app::champions::{self, NewWin, Person, Recognize};
use crate::discord::actor::actor;
use crate::domain::ids::{MemberId, RoleId};
use crate::error::AppError;

fn person(m: &serenity::Member) -> Person {
    Person {
        id: MemberId(m.user.id.get()),
        roles: m.roles.iter().map(|r| RoleId(r.get())).collect(),
        bot: m.user.bot,
    }
}

/// Recognise someone who carries the change (managers and change leads).
#[poise::command(slash_command, guild_only)]
pub async fn recognize(
    ctx: Ctx<'_>,
    #[description = "Who to recognise"] member: serenity::Member,
    #[description = "What they did"] reason: String,
    #[description = "Which value it shows, e.g. Early adopter"] value: Option<String>,
) -> Result<(), AppError> {
    // The card may wait for the channel's rate limit: answer "thinking…" first.
    ctx.defer_ephemeral().await.map_err(defer_failed)?;
    let who = actor(ctx).await?;
    let req = Recognize {
        member: person(&member),
        reason: &reason,
        value: value.as_deref(),
    };
    reply(ctx, champions::recognize(&ctx.data().app, &who, req).await?).await
}

/// The champion roster and its coverage per team.
#[poise::command(
    slash_command,
    guild_only,
    subcommands("nominate", "list", "remove"),
    subcommand_required
)]
pub async fn champion(_: Ctx<'_>) -> Result<(), AppError> {
    Ok(())
}

/// Add a member to the champion roster (managers).
#[poise::command(slash_command, guild_only)]
async fn nominate(
    ctx: Ctx<'_>,
    #[description = "The new champion"] member: serenity::Member,
) -> Result<(), AppError> {
    ctx.defer_ephemeral().await.map_err(defer_failed)?; // the welcome is a direct message
    let who = actor(ctx).await?;
    reply(
        ctx,
        champions::nominate(&ctx.data().app, &who, &person(&member)).await?,
    )
    .await
}

/// Champions per team, with teams that have none or too few flagged.
#[poise::command(slash_command, guild_only)]
async fn list(
    ctx: Ctx<'_>,
    #[autocomplete = "autocomplete::any_team"]
    #[description = "Only this team"]
    team: Option<String>,
) -> Result<(), AppError> {
    ctx.defer_ephemeral().await.map_err(defer_failed)?;
    let who = actor(ctx).await?;
    reply(
        ctx,
        champions::list(&ctx.data().app, &who, team.as_deref()).await?,
    )
    .await
}

/// Take a member off the champion roster (managers).
#[poise::command(slash_command, guild_only)]
async fn remove(
    ctx: Ctx<'_>,
    #[description = "The champion to remove"] member: serenity::User,
) -> Result<(), AppError> {
    let who = actor(ctx).await?;
    reply(
        ctx,
        champions::remove(&ctx.data().app, &who, MemberId(member.id.get())).await?,
    )
    .await
}

/// Who has been recognised most.
#[poise::command(
    slash_command,
    guild_only,
    subcommands("leaderboard"),
    subcommand_required
)]
pub async fn champions(_: Ctx<'_>) -> Result<(), AppError> {
    Ok(())
}

/// The most recognised people of the week, the month or the campaign.
#[poise::command(slash_command, guild_only)]
async fn leaderboard(
    ctx: Ctx<'_>,
    #[description = "week (default), month or campaign"] period: Option<String>,
    #[autocomplete = "autocomplete::any_team"]
    #[description = "Only this team"]
    team: Option<String>,
) -> Result<(), AppError> {
    let who = actor(ctx).await?;
    let text =
        champions::leaderboard(&ctx.data().app, &who, period.as_deref(), team.as_deref()).await?;
    reply(ctx, text).await
}

/// The wins log: short-term wins worth telling.
#[poise::command(
    slash_command,
    guild_only,
    subcommands("add", "wins_list"),
    subcommand_required
)]
pub async fn win(_: Ctx<'_>) -> Result<(), AppError> {
    Ok(())
}

/// Log a win (managers and change leads).
#[poise::command(slash_command, guild_only)]
async fn add(
    ctx: Ctx<'_>,
    #[description = "A short title"] title: String,
    #[description = "What happened"] description: String,
    #[autocomplete = "autocomplete::any_team"]
    #[description = "The team it belongs to"]
    team: Option<String>,
    #[description = "A recognition number it came from"] recognition: Option<i64>,
) -> Result<(), AppError> {
    let who = actor(ctx).await?;
    let w = NewWin {
        title: &title,
        description: &description,
        team: team.as_deref(),
        recognition,
    };
    reply(ctx, champions::add_win(&ctx.data().app, &who, w).await?).await
}

/// The latest wins.
#[poise::command(slash_command, guild_only, rename = "list")]
async fn wins_list(ctx: Ctx<'_>) -> Result<(), AppError> {
    let who = actor(ctx).await?;
    reply(ctx, champions::list_wins(&ctx.data().app, &who).await?).await
}
