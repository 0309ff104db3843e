//! Buttons, selects and modals (poise dispatches only commands): "Got it"
//! acknowledgements, the announcement's modal, Confirm and Cancel, and the pulse answer
//! flow. Every custom_id is read once into an [`Action`]; a click whose action does not
//! belong on the clicked message is refused, and every click re-checks who is clicking.

use poise::serenity_prelude as serenity;
use serenity::all::{ComponentInteraction, Interaction, ModalInteraction};

use super::actor::from_member;
use super::Bot;
use crate::app::action::{Action, Home, LoopStep};
use crate::app::pulse::flow::{self, Step, COMMENT_MAX};
use crate::app::{acks, actions, announce, stories};
use crate::chat::Button;
use crate::domain::ids::{MemberId, RoleId};
use crate::error::{new_error_id, AppError};

pub async fn on_interaction(ctx: &serenity::Context, bot: &Bot, interaction: &Interaction) {
    // First, before any answer: of several instances that received it, one handles it.
    match super::events::first_to_handle(bot, interaction).await {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => return refuse_foreign(ctx, interaction, e).await,
    }
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

/// The kind of the clicked message: public, or one person's ephemeral screen.
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

fn not_ours() -> AppError {
    AppError::user("This button is not one Herald made.")
}

async fn on_component(ctx: &serenity::Context, bot: &Bot, c: &ComponentInteraction) {
    let Ok(action) = c.data.custom_id.parse::<Action>() else {
        return respond_component(ctx, c, Err(not_ours())).await;
    };
    if action.home() != home_of_message(c) {
        let refused =
            AppError::user("This button does not belong to this message, so nothing was changed.");
        return respond_component(ctx, c, Err(refused)).await;
    }
    let app = &bot.app;
    if let Action::Ack { row } = action {
        // A click in a server carries the member's roles; one in a direct message does not
        // (a direct message reaches only its audience).
        let roles: Option<Vec<RoleId>> = c
            .member
            .as_ref()
            .map(|m| m.roles.iter().map(|r| RoleId(r.get())).collect());
        let answer = acks::acknowledge(app, MemberId(c.user.id.get()), roles.as_deref(), row)
            .await
            .map(ephemeral);
        return respond_component(ctx, c, answer).await;
    }
    if let Action::ReplyAnswer { reply } = action {
        let form =
            crate::app::pulse::replies::answer_form(app, MemberId(c.user.id.get()), reply).await;
        return respond_form(ctx, c, form).await;
    }
    let who = match from_member(ctx, c.guild_id, c.member.as_ref()) {
        Ok(who) => who,
        Err(e) => return respond_component(ctx, c, Err(e)).await,
    };
    let answer = match action {
        Action::PulseOpen { pulse } => {
            return respond_step(ctx, c, flow::open(app, &who, pulse).await).await
        }
        Action::Pulse(step) => {
            let values = match &c.data.kind {
                serenity::ComponentInteractionDataKind::StringSelect { values } => values.clone(),
                _ => vec![],
            };
            return respond_step(ctx, c, flow::click(app, &who, &step, &values).await).await;
        }
        Action::StoryPost { draft } => return post_story(ctx, app, c, &who, &draft).await,
        Action::StoryPostLegacy { .. } => Err(AppError::user(
            "This preview was made by an older Herald and can no longer be posted; run `/story post` again for a fresh preview.",
        )),
        Action::StoryCancel { draft } => stories::cancel(app, &who, draft.as_deref())
            .await
            .map(Answer::Update),
        Action::AnnounceConfirm { draft } => announce::decide(app, &who, &draft, true)
            .await
            .map(Answer::Update),
        Action::AnnounceCancel { draft } => announce::decide(app, &who, &draft, false)
            .await
            .map(Answer::Update),
        Action::Loop { step, action } => {
            let form = match step {
                LoopStep::Schedule => actions::forms::schedule(app, &who, action).await,
                LoopStep::Dismiss => actions::forms::dismiss(app, &who, action).await,
                LoopStep::Choose => {
                    let values = match &c.data.kind {
                        serenity::ComponentInteractionDataKind::StringSelect { values } => {
                            values.clone()
                        }
                        _ => vec![],
                    };
                    let answer = actions::choose(app, &who, action, &values).await.map(ephemeral);
                    return respond_component(ctx, c, answer).await;
                }
                LoopStep::When | LoopStep::Why => Err(not_ours()),
            };
            return respond_form(ctx, c, form).await;
        }
        Action::Ack { .. }
        | Action::AnnounceModal { .. }
        | Action::ReplyAnswer { .. }
        | Action::ReplyWrite { .. } => Err(not_ours()),
    };
    respond_component(ctx, c, answer).await;
}

/// A button that opens a form: the modal, or the refusal as a private message.
async fn respond_form(
    ctx: &serenity::Context,
    c: &ComponentInteraction,
    form: Result<crate::chat::Form, AppError>,
) {
    let response = match form {
        Ok(f) => {
            let rows = f
                .fields
                .iter()
                .map(|x| {
                    let style = if x.paragraph {
                        serenity::InputTextStyle::Paragraph
                    } else {
                        serenity::InputTextStyle::Short
                    };
                    let input = serenity::CreateInputText::new(style, &x.label, &x.id)
                        .placeholder(&x.placeholder)
                        .required(true)
                        .max_length(x.max);
                    serenity::CreateActionRow::InputText(input)
                })
                .collect();
            serenity::CreateInteractionResponse::Modal(
                serenity::CreateModal::new(f.custom_id, f.title).components(rows),
            )
        }
        Err(e) => serenity::CreateInteractionResponse::Message(message(Err(e))),
    };
    if let Err(e) = c.create_response(&ctx.http, response).await {
        tracing::warn!(error = %e, "could not answer a proposal's button");
    }
}

async fn on_modal(ctx: &serenity::Context, bot: &Bot, m: &ModalInteraction) {
    // The author's answer comes from a direct message: who they are is all it needs.
    if let Ok(Action::ReplyWrite { reply }) = m.data.custom_id.parse::<Action>() {
        let member = MemberId(m.user.id.get());
        let text = modal_text(m, "answer");
        let answer = crate::app::pulse::replies::answered(&bot.app, member, reply, &text)
            .await
            .map(ephemeral);
        let msg = serenity::CreateInteractionResponse::Message(message(answer));
        if let Err(e) = m.create_response(&ctx.http, msg).await {
            tracing::warn!(error = %e, "could not answer a modal");
        }
        return;
    }
    let who = from_member(ctx, m.guild_id, m.member.as_ref());
    let answer = match (m.data.custom_id.parse::<Action>(), who) {
        (Err(_), _) => Err(not_ours()),
        (Ok(_), Err(e)) => Err(e),
        (Ok(Action::Pulse(step)), Ok(who)) => {
            flow::comment(&bot.app, &who, &step, &modal_text(m, "comment"))
                .await
                .map(ephemeral)
        }
        (Ok(Action::AnnounceModal { draft }), Ok(who)) => {
            announce::written(&bot.app, &who, &draft, &modal_text(m, "text"))
                .await
                .map(|preview| {
                    let buttons = vec![
                        Button::Action {
                            custom_id: Action::AnnounceConfirm {
                                draft: draft.clone(),
                            }
                            .to_string(),
                            label: "Confirm and send".into(),
                        },
                        Button::Cancel {
                            custom_id: Action::AnnounceCancel { draft }.to_string(),
                            label: "Cancel".into(),
                        },
                    ];
                    Answer::Ephemeral(preview, buttons)
                })
        }
        (Ok(Action::Loop { step, action }), Ok(who)) => match step {
            LoopStep::When => actions::schedule(
                &bot.app,
                &who,
                action,
                &modal_text(m, "owner"),
                &modal_text(m, "date"),
            )
            .await
            .map(ephemeral),
            LoopStep::Why => actions::dismiss(&bot.app, &who, action, &modal_text(m, "reason"))
                .await
                .map(ephemeral),
            LoopStep::Schedule | LoopStep::Dismiss | LoopStep::Choose => Err(not_ours()),
        },
        (Ok(_), Ok(_)) => Err(not_ours()),
    };
    let done = answer.is_ok();
    let msg = message(answer);
    // A modal opened from a message's button (the pulse flow's "Add a comment and
    // submit") answers by replacing that message, so its Submit cannot be pressed again;
    // a refusal leaves the flow in place to try again.
    let response = match (&m.message, m.data.custom_id.parse::<Action>()) {
        (Some(_), Ok(Action::Pulse(_))) if done => {
            serenity::CreateInteractionResponse::UpdateMessage(msg.components(vec![]))
        }
        _ => serenity::CreateInteractionResponse::Message(msg),
    };
    if let Err(e) = m.create_response(&ctx.http, response).await {
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
        Ok(Step::Comment { action, title }) => {
            let input = serenity::CreateInputText::new(
                serenity::InputTextStyle::Paragraph,
                "Anything you want the change team to know?",
                "comment",
            )
            .required(false)
            .max_length(COMMENT_MAX as u16);
            serenity::CreateInteractionResponse::Modal(
                serenity::CreateModal::new(action.to_string(), title)
                    .components(vec![serenity::CreateActionRow::InputText(input)]),
            )
        }
        Err(e) => serenity::CreateInteractionResponse::Message(message(Err(e))),
    };
    if let Err(e) = c.create_response(&ctx.http, response).await {
        tracing::warn!(error = %e, "could not answer a pulse click");
    }
}

/// "Post it" on a story preview. The draft is claimed first (a quick write), so a second
/// click, a replay or another instance gets a private "posted already" and the preview is
/// left to the click that posts; that one acknowledges at once, queues one post per team
/// (the scheduler renders and posts each), then replaces the preview with what it queued.
/// A failure to queue keeps the buttons, so "Post it" again finishes the job.
async fn post_story(
    ctx: &serenity::Context,
    app: &crate::app::App,
    c: &ComponentInteraction,
    who: &crate::app::access::Actor,
    draft: &str,
) {
    let claimed = match stories::claim(app, who, draft).await {
        Ok(d) => d,
        Err(e) => return respond_component(ctx, c, Err(e)).await,
    };
    if let Err(e) = c.defer(&ctx.http).await {
        tracing::warn!(error = %e, "could not acknowledge a story post");
        stories::release(app, &claimed).await;
        return;
    }
    let outcome = stories::post(app, who, &claimed).await;
    let failed = outcome.is_err();
    let text = match text_of(outcome.map(Answer::Update)) {
        Answer::Update(t) | Answer::Ephemeral(t, _) => t,
    };
    let mut edit = serenity::EditInteractionResponse::new().content(text);
    if !failed {
        edit = edit.components(vec![]);
    }
    if let Err(e) = c.edit_response(&ctx.http, edit).await {
        tracing::warn!(error = %e, "could not report a story post");
    }
}
