//! `/comms`: the communication plan at run time, for change leads.

use poise::serenity_prelude as serenity;

use super::{autocomplete, defer_failed, reply, Ctx};
use crate::app::{acks, announce, comms};
use crate::discord::actor::actor;
use crate::error::AppError;

/// Communications: upcoming sends, sending now, pausing, reloading the plan.
#[poise::command(
    slash_command,
    guild_only,
    subcommands(
        "list", "preview", "send", "pause", "resume", "reload", "acks", "announce"
    ),
    subcommand_required,
    // Hidden from employees' command picker; roles are still checked on every use.
    default_member_permissions = "MANAGE_EVENTS"
)]
pub async fn comms(_: Ctx<'_>) -> Result<(), AppError> {
    Ok(())
}

/// Upcoming sends in the next 14 days.
#[poise::command(slash_command, guild_only)]
async fn list(ctx: Ctx<'_>) -> Result<(), AppError> {
    let who = actor(ctx).await?;
    reply(ctx, comms::list(&ctx.data().app, &who).await?).await
}

/// The timeline of sends with each message's first line.
#[poise::command(slash_command, guild_only)]
async fn preview(
    ctx: Ctx<'_>,
    #[description = "How many days ahead (default 7)"] days: Option<i64>,
) -> Result<(), AppError> {
    ctx.defer_ephemeral().await.map_err(defer_failed)?;
    let who = actor(ctx).await?;
    reply(
        ctx,
        comms::preview(&ctx.data().app, &who, days.unwrap_or(7)).await?,
    )
    .await
}

/// Send a plan item now, to its whole audience.
#[poise::command(slash_command, guild_only)]
async fn send(
    ctx: Ctx<'_>,
    #[autocomplete = "autocomplete::item"]
    #[description = "The item id in plan.toml"]
    item: String,
) -> Result<(), AppError> {
    ctx.defer_ephemeral().await.map_err(defer_failed)?;
    let who = actor(ctx).await?;
    reply(ctx, comms::send_now(&ctx.data().app, &who, &item).await?).await
}

/// Pause one item, or all plan sends.
#[poise::command(slash_command, guild_only)]
async fn pause(
    ctx: Ctx<'_>,
    #[autocomplete = "autocomplete::item_or_all"]
    #[description = "An item id, or `all`"]
    which: String,
) -> Result<(), AppError> {
    let who = actor(ctx).await?;
    reply(ctx, comms::pause(&ctx.data().app, &who, &which).await?).await
}

/// Resume one item, or everything.
#[poise::command(slash_command, guild_only)]
async fn resume(
    ctx: Ctx<'_>,
    #[autocomplete = "autocomplete::item_or_all"]
    #[description = "An item id, or `all` (default)"]
    which: Option<String>,
) -> Result<(), AppError> {
    let who = actor(ctx).await?;
    let which = which.unwrap_or_else(|| "all".into());
    reply(ctx, comms::resume(&ctx.data().app, &who, &which).await?).await
}

// Reading and rendering a whole plan can pass Discord's 3 seconds: it answers "thinking…"
// first, as do the other commands here that render or count.
/// Reload plan.toml and the templates; a broken plan is refused and the old one stays.
#[poise::command(slash_command, guild_only)]
async fn reload(ctx: Ctx<'_>) -> Result<(), AppError> {
    ctx.defer_ephemeral().await.map_err(defer_failed)?;
    let who = actor(ctx).await?;
    reply(ctx, comms::reload(&ctx.data().app, &who).await?).await
}

/// Who acknowledged an item, per team.
#[poise::command(slash_command, guild_only)]
async fn acks(
    ctx: Ctx<'_>,
    #[autocomplete = "autocomplete::item"]
    #[description = "The item id"]
    item: String,
) -> Result<(), AppError> {
    ctx.defer_ephemeral().await.map_err(defer_failed)?;
    let who = actor(ctx).await?;
    reply(ctx, acks::report(&ctx.data().app, &who, &item).await?).await
}

/// Write an ad-hoc announcement, preview it, then confirm or cancel.
#[poise::command(slash_command, guild_only)]
async fn announce(
    ctx: Ctx<'_>,
    #[autocomplete = "autocomplete::team_list"]
    #[description = "`all` (default) or team names separated by commas"]
    audience: Option<String>,
) -> Result<(), AppError> {
    let who = actor(ctx).await?;
    let draft = announce::open(&ctx.data().app, &who, audience.as_deref().unwrap_or("all")).await?;
    let poise::Context::Application(a) = ctx else {
        return Ok(());
    };
    let input =
        serenity::CreateInputText::new(serenity::InputTextStyle::Paragraph, "Announcement", "text")
            .max_length(announce::MAX_LEN as u16)
            .placeholder("What should the teams hear?");
    let modal = serenity::CreateModal::new(
        crate::app::action::Action::AnnounceModal { draft }.to_string(),
        "New announcement",
    )
    .components(vec![serenity::CreateActionRow::InputText(input)]);
    a.interaction
        .create_response(
            ctx.http(),
            serenity::CreateInteractionResponse::Modal(modal),
        )
        .await
        .map_err(|e| anyhow::Error::new(e).context("Failed to open the announcement modal"))?;
    a.has_sent_initial_response
        .store(true, std::sync::atomic::Ordering::SeqCst);
    Ok(())
}
