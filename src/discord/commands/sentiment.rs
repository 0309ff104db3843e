//! `/sentiment [team] [weeks]`, `/report export`, `/report leadership` and `/dashboard`.

use poise::serenity_prelude as serenity;
use poise::CreateReply;

use super::{autocomplete, defer_failed, reply, Ctx};
use crate::app::sentiment;
use crate::discord::actor::actor;
use crate::error::AppError;

/// A team's sentiment over time, or (without a team) every team.
#[poise::command(slash_command, guild_only)]
pub async fn sentiment(
    ctx: Ctx<'_>,
    #[autocomplete = "autocomplete::my_team"]
    #[description = "The team (leave out for every team)"]
    team: Option<String>,
    #[description = "How many weeks back (default 6)"] weeks: Option<i64>,
) -> Result<(), AppError> {
    ctx.defer_ephemeral().await.map_err(defer_failed)?;
    let who = actor(ctx).await?;
    let app = &ctx.data().app;
    let weeks = weeks.unwrap_or(6);
    let (text, png) = match team
        .as_deref()
        .filter(|t| !t.trim().eq_ignore_ascii_case("overview"))
    {
        Some(t) => {
            let (text, view) = sentiment::show(app, &who, t, weeks).await?;
            (
                text,
                view.shown.then(|| {
                    let marks = sentiment::chart_marks(app);
                    ("sentiment.png", crate::chart::team_chart(&view, &marks))
                }),
            )
        }
        None => {
            let (text, views) = sentiment::overview(app, &who, weeks).await?;
            (text, Some(("overview.png", crate::chart::heat_map(&views))))
        }
    };
    let mut r = CreateReply::default()
        .content(text)
        .ephemeral(true)
        .allowed_mentions(serenity::CreateAllowedMentions::new());
    if let Some((name, Ok(bytes))) = png {
        r = r.attachment(serenity::CreateAttachment::bytes(bytes, name));
    }
    ctx.send(r)
        .await
        .map_err(|e| anyhow::Error::new(e).context("Failed to send a reply"))?;
    Ok(())
}

// Offered to everyone in the picker (sponsors and managers have no Manage Events, as for
// `/dashboard`); each subcommand checks who may run it.
/// Reports: the leadership file (leads, sponsors, managers) and the export (change leads).
#[poise::command(
    slash_command,
    guild_only,
    subcommands("export", "leadership"),
    subcommand_required
)]
pub async fn report(_: Ctx<'_>) -> Result<(), AppError> {
    Ok(())
}

/// A CSV of every team's weeks: sentiment by source, readiness, ack rate, champions.
#[poise::command(slash_command, guild_only)]
async fn export(ctx: Ctx<'_>) -> Result<(), AppError> {
    ctx.defer_ephemeral().await.map_err(defer_failed)?;
    let who = actor(ctx).await?;
    let csv = sentiment::export::export(&ctx.data().app, &who).await?;
    let r = CreateReply::default()
        .content("The export: one line per team and week.")
        .ephemeral(true)
        .attachment(serenity::CreateAttachment::bytes(
            csv.into_bytes(),
            "herald-export.csv",
        ))
        .allowed_mentions(serenity::CreateAllowedMentions::new());
    if ctx.send(r).await.is_err() {
        return reply(
            ctx,
            "Sorry, the export could not be attached; try again.".into(),
        )
        .await;
    }
    Ok(())
}

/// The leadership dashboard as one HTML file, to forward or print.
#[poise::command(slash_command, guild_only)]
async fn leadership(ctx: Ctx<'_>) -> Result<(), AppError> {
    ctx.defer_ephemeral().await.map_err(defer_failed)?;
    let who = actor(ctx).await?;
    let html = crate::app::dashboard::report_for(&ctx.data().app, &who).await?;
    let r = CreateReply::default()
        .content("The leadership report: the dashboard as one file, as of now. It opens in any browser and prints to PDF; it holds what you may see, so forward it with care.")
        .ephemeral(true)
        .attachment(serenity::CreateAttachment::bytes(
            html.into_bytes(),
            "herald-leadership.html",
        ))
        .allowed_mentions(serenity::CreateAllowedMentions::new());
    if ctx.send(r).await.is_err() {
        return reply(
            ctx,
            "Sorry, the report could not be attached; try again.".into(),
        )
        .await;
    }
    Ok(())
}

/// A link to the leadership dashboard (opens once, within 15 minutes).
#[poise::command(slash_command, guild_only)]
pub async fn dashboard(ctx: Ctx<'_>) -> Result<(), AppError> {
    ctx.defer_ephemeral().await.map_err(defer_failed)?;
    let who = actor(ctx).await?;
    let text = crate::app::dashboard::command(&ctx.data().app, &who).await?;
    reply(ctx, text).await
}
