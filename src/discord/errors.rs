//! What a person sees when a command fails: their own mistake in plain words, or a short
//! apology with an error id that points at the logged cause chain.

use poise::serenity_prelude as serenity;
use poise::{CreateReply, FrameworkError};

use super::commands::Ctx;
use super::Bot;
use crate::error::{new_error_id, AppError};
use crate::metrics::Metrics;

pub async fn on_error(error: FrameworkError<'_, Bot, AppError>) {
    match error {
        FrameworkError::Command { error, ctx, .. } => report(ctx, error).await,
        FrameworkError::CommandCheckFailed {
            error: Some(error),
            ctx,
            ..
        } => report(ctx, error).await,
        // Herald's only check that says "no" without an error: another instance claimed
        // this command and answers it. Nothing to say, nothing to log here.
        FrameworkError::CommandCheckFailed { error: None, .. } => {}
        FrameworkError::GuildOnly { ctx, .. } => {
            say(
                ctx,
                "This command works in a server channel, not in direct messages.".into(),
            )
            .await;
        }
        other => {
            if let Err(e) = poise::builtins::on_error(other).await {
                tracing::error!(error = %e, "could not report a framework error");
            }
        }
    }
}

async fn report(ctx: Ctx<'_>, error: AppError) {
    match error {
        AppError::User(e) => say(ctx, e.0).await,
        AppError::Internal(e) => {
            let id = new_error_id();
            Metrics::bump(&ctx.data().app.metrics.interaction_errors);
            tracing::error!(error_id = %id, command = %ctx.command().qualified_name, error = format!("{e:#}"), "command failed");
            say(ctx, format!("Sorry, something went wrong on Herald's side. Please try again; if it keeps happening, give the team this error id: `{id}`.")).await;
        }
    }
}

async fn say(ctx: Ctx<'_>, text: String) {
    let reply = CreateReply::default()
        .content(text)
        .ephemeral(true)
        .allowed_mentions(serenity::CreateAllowedMentions::new());
    if let Err(e) = ctx.send(reply).await {
        tracing::warn!(error = %e, "could not send an error reply");
    }
}
