//! `/story post template [team]`: a private preview with live figures, then Post or Cancel.

use poise::serenity_prelude as serenity;
use poise::CreateReply;

use super::{autocomplete, defer_failed, Ctx};
use crate::app::action::Action;
use crate::app::stories;
use crate::chat::Button;
use crate::discord::actor::actor;
use crate::error::AppError;

/// Story updates with live figures.
#[poise::command(
    slash_command,
    guild_only,
    subcommands("post"),
    subcommand_required,
    default_member_permissions = "MANAGE_EVENTS"
)]
pub async fn story(_: Ctx<'_>) -> Result<(), AppError> {
    Ok(())
}

/// Preview a story from messages/stories/, then post it to a team or every team.
#[poise::command(slash_command, guild_only)]
async fn post(
    ctx: Ctx<'_>,
    #[autocomplete = "autocomplete::story"]
    #[description = "Story template, e.g. front-lines"]
    template: String,
    #[autocomplete = "autocomplete::any_team"]
    #[description = "Only this team (default: every team)"]
    team: Option<String>,
) -> Result<(), AppError> {
    ctx.defer_ephemeral().await.map_err(defer_failed)?;
    let who = actor(ctx).await?;
    let preview = stories::preview(&ctx.data().app, &who, &template, team.as_deref()).await?;
    let buttons = vec![
        Button::Action {
            custom_id: Action::StoryPost {
                draft: preview.draft.clone(),
            }
            .to_string(),
            label: "Post it".into(),
        },
        Button::Cancel {
            custom_id: Action::StoryCancel {
                draft: Some(preview.draft),
            }
            .to_string(),
            label: "Cancel".into(),
        },
    ];
    let r = CreateReply::default()
        .content(preview.text)
        .ephemeral(true)
        .components(crate::discord::render::rows(&buttons))
        .allowed_mentions(serenity::CreateAllowedMentions::new());
    ctx.send(r)
        .await
        .map_err(|e| anyhow::Error::new(e).context("Failed to send a reply"))?;
    Ok(())
}
