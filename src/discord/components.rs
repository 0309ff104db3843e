//! Buttons, selects and modals (poise dispatches only commands): "Got it"
//! acknowledgements, the announcement's modal, Confirm and Cancel, and the pulse answer
//! flow. Every click re-checks who is clicking.

use poise::serenity_prelude as serenity;
use serenity::all::{ComponentInteraction, Interaction, ModalInteraction};

use super::actor::from_member;
use super::Bot;
use crate::app::pulse::flow::{self, Step, COMMENT_MAX};
use crate::app::{acks, announce, stories};
use crate::chat::Button;
use crate::domain::ids::MemberId;
use crate::error::{new_error_id, AppError};

pub async fn on_interaction(ctx: &serenity::Context, bot: &Bot, interaction: &Interaction) {
    let guild = interaction
        .guild_id()
        .map(|g| crate::domain::ids::GuildId(g.get()));
    if let Err(refused) = crate::app::access::require_served(&bot.app, guild) {
        return refuse_foreign(ctx, interaction, refused).await;
    }
    match interaction {
        Interaction::Component(c) => on_component(ctx, bot, c).await,
        Interaction::Modal(m) => on_modal(ctx, bot, m).await,
        _ => {}
    }
}

/// A click or modal from a server Herald does not serve: an ephemeral refusal, nothing else.
async fn refuse_foreign(ctx: &serenity::Context, interaction: &Interaction, refused: AppError) {
    let msg = serenity::CreateInteractionResponse::Message(message(Err(refused)));
    let sent = match interaction {
        Interaction::Component(c) => c.create_response(&ctx.http, msg).await,
        Interaction::Modal(m) => m.create_response(&ctx.http, msg).await,
        _ => return,
    };
    if let Err(e) = sent {
        tracing::warn!(error = %e, "could not refuse an interaction from another server");
    }
}

/// What to answer: a new ephemeral message, or an update of the clicked message.
enum Answer {
    Ephemeral(String, Vec<Button>),
    Update(String),
}

fn ephemeral(text: String) -> Answer {
    Answer::Ephemeral(text, vec![])
}

/// Where a button's action belongs: on a message everyone sees, or on one person's
/// private (ephemeral) screen. Only private screens are ever updated in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Home {
    Public,
    Private,
}

fn home_of(custom_id: &str) -> Option<Home> {
    if custom_id.starts_with("ack:")
        || (custom_id.starts_with("pulse:") && custom_id.ends_with(":open"))
    {
        Some(Home::Public)
    } else if ["pulse:", "story:", "announce:"]
        .iter()
        .any(|p| custom_id.starts_with(p))
    {
        Some(Home::Private)
    } else {
        None
    }
}

fn home_of_message(c: &ComponentInteraction) -> Home {
    let private = c
        .message
        .flags
        .is_some_and(|f| f.contains(serenity::MessageFlags::EPHEMERAL));
    if private {
        Home::Private
    } else {
        Home::Public
    }
}

async fn on_component(ctx: &serenity::Context, bot: &Bot, c: &ComponentInteraction) {
    let id = c.data.custom_id.as_str();
    let app = &bot.app;
    match home_of(id) {
        None => return,
        Some(home) if home != home_of_message(c) => {
            let refused = AppError::user(
                "This button does not belong to this message, so nothing was changed.",
            );
            return respond_component(ctx, c, Err(refused)).await;
        }
        Some(_) => {}
    }
    let answer = if let Some(row) = id.strip_prefix("ack:") {
        match row.parse::<i64>() {
            Ok(row) => acks::acknowledge(app, MemberId(c.user.id.get()), row)
                .await
                .map(ephemeral),
            Err(_) => Err(AppError::user("This button is not one Herald made.")),
        }
    } else if id.starts_with("pulse:") {
        let values = match &c.data.kind {
            serenity::ComponentInteractionDataKind::StringSelect { values } => values.clone(),
            _ => vec![],
        };
        let step = match from_member(ctx, c.guild_id, c.member.as_ref()) {
            Ok(who) => flow::click(app, &who, id, &values).await,
            Err(e) => Err(e),
        };
        return respond_step(ctx, c, step).await;
    } else if let Some(rest) = id.strip_prefix("story:") {
        match (
            rest.strip_prefix("post:"),
            from_member(ctx, c.guild_id, c.member.as_ref()),
        ) {
            (_, Err(e)) => Err(e),
            (None, Ok(_)) => Ok(Answer::Update("Cancelled; nothing was posted.".into())),
            (Some(target), Ok(who)) => return post_story(ctx, app, c, &who, target).await,
        }
    } else if let Some(rest) = id.strip_prefix("announce:") {
        let (action, draft) = rest.split_once(':').unwrap_or((rest, ""));
        match from_member(ctx, c.guild_id, c.member.as_ref()) {
            Ok(who) => announce::decide(app, &who, draft, action == "confirm")
                .await
                .map(Answer::Update),
            Err(e) => Err(e),
        }
    } else {
        return;
    };
    respond_component(ctx, c, answer).await;
}

async fn on_modal(ctx: &serenity::Context, bot: &Bot, m: &ModalInteraction) {
    if m.data.custom_id.starts_with("pulse:") {
        let text = modal_text(m, "comment");
        let answer = match from_member(ctx, m.guild_id, m.member.as_ref()) {
            Ok(who) => flow::comment(&bot.app, &who, &m.data.custom_id, &text)
                .await
                .map(ephemeral),
            Err(e) => Err(e),
        };
        let msg = serenity::CreateInteractionResponse::Message(message(answer));
        if let Err(e) = m.create_response(&ctx.http, msg).await {
            tracing::warn!(error = %e, "could not answer a pulse comment");
        }
        return;
    }
    let Some(draft) = m.data.custom_id.strip_prefix("announce:modal:") else {
        return;
    };
    let text = modal_text(m, "text");
    let answer = match from_member(ctx, m.guild_id, m.member.as_ref()) {
        Ok(who) => announce::written(&bot.app, &who, draft, &text)
            .await
            .map(|preview| {
                let buttons = vec![
                    Button::Action {
                        custom_id: format!("announce:confirm:{draft}"),
                        label: "Confirm and send".into(),
                    },
                    Button::Action {
                        custom_id: format!("announce:cancel:{draft}"),
                        label: "Cancel".into(),
                    },
                ];
                Answer::Ephemeral(preview, buttons)
            }),
        Err(e) => Err(e),
    };
    let msg = message(answer);
    if let Err(e) = m
        .create_response(&ctx.http, serenity::CreateInteractionResponse::Message(msg))
        .await
    {
        tracing::warn!(error = %e, "could not answer a modal");
    }
}

fn modal_text(m: &ModalInteraction, field: &str) -> String {
    m.data
        .components
        .iter()
        .flat_map(|row| row.components.iter())
        .find_map(|c| match c {
            serenity::ActionRowComponent::InputText(t) if t.custom_id == field => t.value.clone(),
            _ => None,
        })
        .unwrap_or_default()
}

fn text_of(answer: Result<Answer, AppError>) -> Answer {
    match answer {
        Ok(a) => a,
        Err(AppError::User(e)) => ephemeral(e.0),
        Err(AppError::Internal(e)) => {
            let id = new_error_id();
            tracing::error!(error_id = %id, error = format!("{e:#}"), "a button or modal failed");
            ephemeral(format!(
                "Sorry, something went wrong on Herald's side. Please try again; error id `{id}`."
            ))
        }
    }
}

fn message(answer: Result<Answer, AppError>) -> serenity::CreateInteractionResponseMessage {
    let (text, buttons) = match text_of(answer) {
        Answer::Ephemeral(t, b) => (t, b),
        Answer::Update(t) => (t, vec![]),
    };
    serenity::CreateInteractionResponseMessage::new()
        .content(text)
        .ephemeral(true)
        .components(super::render::rows(&buttons))
        .allowed_mentions(serenity::CreateAllowedMentions::new())
}

async fn respond_component(
    ctx: &serenity::Context,
    c: &ComponentInteraction,
    answer: Result<Answer, AppError>,
) {
    let response = match text_of(answer) {
        Answer::Update(text) => serenity::CreateInteractionResponse::UpdateMessage(
            serenity::CreateInteractionResponseMessage::new()
                .content(text)
                .components(vec![])
                .allowed_mentions(serenity::CreateAllowedMentions::new()),
        ),
        other => serenity::CreateInteractionResponse::Message(message(Ok(other))),
    };
    if let Err(e) = c.create_response(&ctx.http, response).await {
        tracing::warn!(error = %e, "could not answer a button");
    }
}

/// Answers a pulse click: a new private screen, an updated one, or the comment modal.
async fn respond_step(
    ctx: &serenity::Context,
    c: &ComponentInteraction,
    step: Result<Step, AppError>,
) {
    let response = match step {
        Ok(Step::Open(screen)) => serenity::CreateInteractionResponse::Message(
            serenity::CreateInteractionResponseMessage::new()
                .content(&screen.text)
                .ephemeral(true)
                .components(super::render::screen_rows(&screen))
                .allowed_mentions(serenity::CreateAllowedMentions::new()),
        ),
        Ok(Step::Update(screen)) => serenity::CreateInteractionResponse::UpdateMessage(
            serenity::CreateInteractionResponseMessage::new()
                .content(&screen.text)
                .components(super::render::screen_rows(&screen))
                .allowed_mentions(serenity::CreateAllowedMentions::new()),
        ),
        Ok(Step::Comment { custom_id, title }) => {
            let input = serenity::CreateInputText::new(
                serenity::InputTextStyle::Paragraph,
                "Anything you want the change team to know?",
                "comment",
            )
            .required(false)
            .max_length(COMMENT_MAX as u16);
            serenity::CreateInteractionResponse::Modal(
                serenity::CreateModal::new(custom_id, title)
                    .components(vec![serenity::CreateActionRow::InputText(input)]),
            )
        }
        Err(e) => serenity::CreateInteractionResponse::Message(message(Err(e))),
    };
    if let Err(e) = c.create_response(&ctx.http, response).await {
        tracing::warn!(error = %e, "could not answer a pulse click");
    }
}

/// "Post it" on a story preview: acknowledge at once (posting to many channels can take
/// longer than Discord's 3 seconds), post, then replace the preview with the outcome.
async fn post_story(
    ctx: &serenity::Context,
    app: &crate::app::App,
    c: &ComponentInteraction,
    who: &crate::app::access::Actor,
    target: &str,
) {
    if let Err(e) = c.defer(&ctx.http).await {
        tracing::warn!(error = %e, "could not acknowledge a story post");
        return;
    }
    let (template, team) = target.split_once(':').unwrap_or((target, "*"));
    let team = (team != "*").then_some(team);
    let text = match text_of(
        stories::post(app, who, template, team)
            .await
            .map(Answer::Update),
    ) {
        Answer::Update(t) | Answer::Ephemeral(t, _) => t,
    };
    let edit = serenity::EditInteractionResponse::new()
        .content(text)
        .components(vec![]);
    if let Err(e) = c.edit_response(&ctx.http, edit).await {
        tracing::warn!(error = %e, "could not report a story post");
    }
}
