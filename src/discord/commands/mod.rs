//! The slash commands and the poise framework that dispatches them.

mod actions;
mod adoption;
mod autocomplete;
mod champions;
mod comms;
mod herald;
mod me;
mod pulse;
mod sentiment;
mod story;
mod team;

use poise::serenity_prelude as serenity;
use poise::CreateReply;

use super::{errors, events, Bot};
use crate::app::App;
use crate::error::AppError;
use crate::metrics::Metrics;

pub type Ctx<'a> = poise::Context<'a, Bot, AppError>;

/// Every command Herald registers.
pub fn all() -> Vec<poise::Command<Bot, AppError>> {
    vec![
        herald::herald(),
        team::team(),
        comms::comms(),
        pulse::pulse(),
        pulse::readiness(),
        me::me(),
        champions::recognize(),
        champions::champion(),
        champions::champions(),
        champions::win(),
        story::story(),
        sentiment::sentiment(),
        sentiment::report(),
        sentiment::dashboard(),
        adoption::adoption(),
        actions::actions(),
    ]
}

pub fn framework(app: App) -> poise::Framework<Bot, AppError> {
    let guild = app.settings.discord_guild_id;
    let options = poise::FrameworkOptions {
        commands: all(),
        on_error: |e| Box::pin(errors::on_error(e)),
        command_check: Some(|ctx| {
            Box::pin(async move {
                if !first_to_handle(ctx).await? {
                    return Ok(false); // another instance answers; see errors::on_error
                }
                let guild = ctx.guild_id().map(|g| crate::domain::ids::GuildId(g.get()));
                crate::app::access::require_served(&ctx.data().app, guild)?;
                Ok(true)
            })
        }),
        pre_command: |ctx| {
            Box::pin(async move { Metrics::bump(&ctx.data().app.metrics.interactions) })
        },
        // poise runs a command, and its errors, before this handler: once it returns, the
        // interaction is finished with.
        event_handler: |fw, event| {
            Box::pin(async move {
                let handled = events::on_event(fw.serenity_context, event, fw.user_data).await;
                if matches!(event, serenity::FullEvent::InteractionCreate { .. }) {
                    Metrics::bump(&fw.user_data.app.metrics.interactions_done);
                }
                handled
            })
        },
        allowed_mentions: Some(serenity::CreateAllowedMentions::new()),
        ..Default::default()
    };
    poise::Framework::builder()
        .options(options)
        .setup(move |ctx, _ready, framework| {
            Box::pin(async move {
                register(ctx, &framework.options().commands, guild).await;
                Ok(Bot { app })
            })
        })
        .build()
}

/// Claims the command's interaction for this instance before it runs. poise runs the
/// check once per level of a subcommand (`/herald status`: twice), so the claim is kept
/// with the invocation and only the first call asks the database.
async fn first_to_handle(ctx: Ctx<'_>) -> Result<bool, AppError> {
    struct Claimed;
    if ctx.invocation_data::<Claimed>().await.is_some() {
        return Ok(true);
    }
    if !crate::app::once::first_to_handle(&ctx.data().app, ctx.id()).await? {
        return Ok(false);
    }
    ctx.set_invocation_data(Claimed).await;
    Ok(true)
}

/// Registers the commands; a failure is logged, never returned (poise would hang).
async fn register(
    ctx: &serenity::Context,
    commands: &[poise::Command<Bot, AppError>],
    guild: Option<u64>,
) {
    let result = match guild {
        Some(g) => {
            // Global commands left by an earlier run would show Herald in every server.
            if let Err(e) = serenity::Command::set_global_commands(ctx, vec![]).await {
                tracing::warn!(error = %e, "could not remove global slash commands");
            }
            poise::builtins::register_in_guild(ctx, commands, serenity::GuildId::new(g)).await
        }
        None => poise::builtins::register_globally(ctx, commands).await,
    };
    match result {
        Ok(()) => {
            tracing::info!(count = commands.len(), guild = ?guild, "slash commands registered")
        }
        Err(e) => tracing::error!(error = %e, "registering slash commands failed"),
    }
}

/// An ephemeral answer that pings nobody.
/// Commands that count members or compute results answer "thinking…" first, so a large
/// guild cannot push the first answer past Discord's 3 seconds.
pub fn defer_failed(e: serenity::Error) -> AppError {
    AppError::Internal(anyhow::Error::new(e).context("Failed to defer the answer"))
}

/// A long answer goes as several messages (Discord takes 2,000 characters each).
pub async fn reply(ctx: Ctx<'_>, text: String) -> Result<(), AppError> {
    let parts = crate::chat::split_message(&text);
    for part in if parts.is_empty() { vec![text] } else { parts } {
        let r = CreateReply::default()
            .content(part)
            .ephemeral(true)
            .allowed_mentions(serenity::CreateAllowedMentions::new());
        ctx.send(r)
            .await
            .map_err(|e| anyhow::Error::new(e).context("Failed to send a reply"))?;
    }
    Ok(())
}
