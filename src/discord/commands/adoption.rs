//! `/adoption [team] [weeks]`: adoption curves against the tipping lines, in words and as
//! a PNG.

use poise::serenity_prelude as serenity;
use poise::CreateReply;

use super::{autocomplete, defer_failed, Ctx};
use crate::discord::actor::actor;
use crate::error::AppError;

/// Who uses the new tool, per team, against the tipping points.
#[poise::command(slash_command, guild_only)]
pub async fn adoption(
    ctx: Ctx<'_>,
    #[autocomplete = "autocomplete::my_team"]
    #[description = "The team (leave out for every team)"]
    team: Option<String>,
    #[description = "How many weeks back (default 8)"] weeks: Option<i64>,
) -> Result<(), AppError> {
    ctx.defer_ephemeral().await.map_err(defer_failed)?;
    let who = actor(ctx).await?;
    let app = &ctx.data().app;
    let (text, curves) =
        crate::app::adoption::view::show(app, &who, team.as_deref(), weeks.unwrap_or(8)).await?;
    // Two hundred teams do not fit one message: every part but the last alone, the
    // chart with the last.
    let mut parts = crate::chat::split_message(&text);
    let last = parts.pop().unwrap_or_default();
    for part in parts {
        send(ctx, CreateReply::default().content(part)).await?;
    }
    let mut r = CreateReply::default().content(last);
    if curves.curves.iter().any(|c| c.shown) {
        if let Ok(png) = crate::chart::adoption_chart(&curves) {
            r = r.attachment(serenity::CreateAttachment::bytes(png, "adoption.png"));
        }
    }
    send(ctx, r).await?;
    Ok(())
}

async fn send(ctx: Ctx<'_>, r: CreateReply) -> Result<(), AppError> {
    let r = r
        .ephemeral(true)
        .allowed_mentions(serenity::CreateAllowedMentions::new());
    ctx.send(r)
        .await
        .map_err(|e| anyhow::Error::new(e).context("Failed to send a reply"))?;
    Ok(())
}
