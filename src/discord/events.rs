//! Gateway events Herald keeps track of: guilds and members seen, connection state, and
//! the sentiment signals in reactions to Herald's messages and in feedback channels.

use std::sync::atomic::Ordering;

use poise::serenity_prelude as serenity;
use serenity::all::{ConnectionStage, FullEvent};

use super::Bot;
use crate::domain::ids::{ChannelId, GuildId, MemberId, MessageId, RoleId};
use crate::error::AppError;

pub async fn on_event(
    ctx: &serenity::Context,
    event: &FullEvent,
    bot: &Bot,
) -> Result<(), AppError> {
    let app = &bot.app;
    if let Some(guild) = foreign_guild(app, event) {
        return refuse_guild(ctx, event, guild).await;
    }
    let up = |v: bool| app.metrics.gateway_connected.store(v, Ordering::Relaxed);
    match event {
        FullEvent::Ready { .. } | FullEvent::Resume { .. } => up(true),
        FullEvent::ShardStageUpdate { event } => up(event.new == ConnectionStage::Connected),
        FullEvent::GuildCreate { guild, .. } => {
            let gid = GuildId(guild.id.get());
            let now = app.now_ms();
            app.store.upsert_guild(gid, &guild.name, now).await?;
            let members: Vec<(MemberId, String)> = guild
                .members
                .values()
                .map(|m| (MemberId(m.user.id.get()), m.display_name().to_string()))
                .collect();
            app.store.upsert_members(gid, &members, now).await?;
            let roles: Vec<_> = guild.members.values().map(roles_of).collect();
            app.store.set_member_roles(gid, &roles).await?;
            crate::app::comms::on_guild_ready(app, gid).await;
        }
        FullEvent::InteractionCreate { interaction } => {
            super::components::on_interaction(ctx, bot, interaction).await
        }
        FullEvent::GuildMemberAddition { new_member } => {
            let gid = GuildId(new_member.guild_id.get());
            let member = (
                MemberId(new_member.user.id.get()),
                new_member.display_name().to_string(),
            );
            app.store
                .upsert_members(gid, &[member], app.now_ms())
                .await?;
            app.store
                .set_member_roles(gid, &[roles_of(new_member)])
                .await?;
        }
        FullEvent::GuildMemberUpdate { event, .. } => {
            let roles = event.roles.iter().map(|r| RoleId(r.get())).collect();
            let member = (MemberId(event.user.id.get()), roles);
            app.store
                .set_member_roles(GuildId(event.guild_id.get()), &[member])
                .await?;
        }
        FullEvent::GuildMemberRemoval { guild_id, user, .. } => {
            let gone = (MemberId(user.id.get()), Vec::new());
            app.store
                .set_member_roles(GuildId(guild_id.get()), &[gone])
                .await?;
        }
        FullEvent::ReactionAdd { add_reaction } => on_reaction(ctx, bot, add_reaction).await,
        FullEvent::Message { new_message } => on_message(ctx, bot, new_message).await,
        _ => {}
    }
    Ok(())
}

/// A member's roles as stored: team sizes for `herald export`, which has no gateway.
fn roles_of(m: &serenity::Member) -> (MemberId, Vec<RoleId>) {
    let roles = m.roles.iter().map(|r| RoleId(r.get())).collect();
    (MemberId(m.user.id.get()), roles)
}

/// The guild of an event from a server Herald does not serve (None: ours, or no guild).
fn foreign_guild(app: &crate::app::App, event: &FullEvent) -> Option<serenity::GuildId> {
    let guild = match event {
        FullEvent::GuildCreate { guild, .. } => Some(guild.id),
        FullEvent::GuildMemberAddition { new_member } => Some(new_member.guild_id),
        FullEvent::GuildMemberUpdate { event, .. } => Some(event.guild_id),
        FullEvent::GuildMemberRemoval { guild_id, .. } => Some(*guild_id),
        FullEvent::ReactionAdd { add_reaction } => add_reaction.guild_id,
        FullEvent::Message { new_message } => new_message.guild_id,
        // Commands are refused by the framework's check, clicks by the component handler,
        // each with an answer to the person; nothing else is read from other servers.
        _ => None,
    }?;
    (!crate::app::access::serves(app, GuildId(guild.get()))).then_some(guild)
}

/// Writes nothing for another server's event; on joining one, leaves it.
async fn refuse_guild(
    ctx: &serenity::Context,
    event: &FullEvent,
    guild: serenity::GuildId,
) -> Result<(), AppError> {
    if let FullEvent::GuildCreate { .. } = event {
        match guild.leave(&ctx.http).await {
            Ok(()) => tracing::warn!(
                guild = guild.get(),
                "left a server Herald is not set up for (discord.guild_id names another)"
            ),
            Err(e) => {
                tracing::warn!(guild = guild.get(), error = %e, "could not leave a server Herald is not set up for")
            }
        }
    }
    Ok(())
}

/// A reaction to one of Herald's own messages becomes a sentiment signal.
async fn on_reaction(ctx: &serenity::Context, bot: &Bot, r: &serenity::Reaction) {
    let (Some(guild), Some(user)) = (r.guild_id, r.user_id) else {
        return;
    };
    if r.message_author_id != Some(ctx.cache.current_user().id) {
        return;
    }
    let serenity::ReactionType::Unicode(emoji) = &r.emoji else {
        return;
    };
    let done = crate::app::sentiment::reaction(
        &bot.app,
        GuildId(guild.get()),
        ChannelId(r.channel_id.get()),
        MessageId(r.message_id.get()),
        MemberId(user.get()),
        emoji,
    )
    .await;
    if let Err(e) = done {
        tracing::warn!(error = %e, "could not record a reaction");
    }
}

/// A message in an opt-in feedback channel is scored; its text goes no further. Each
/// member's message is counted once Herald is done with it.
async fn on_message(ctx: &serenity::Context, bot: &Bot, m: &serenity::Message) {
    if m.guild_id.is_none() || m.author.bot {
        return;
    }
    score_feedback(ctx, bot, m).await;
    bot.app
        .metrics
        .member_messages
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

async fn score_feedback(ctx: &serenity::Context, bot: &Bot, m: &serenity::Message) {
    let Some(guild) = m.guild_id else { return };
    if bot.app.settings.feedback_channels.is_empty() {
        return;
    }
    let channel = ctx
        .cache
        .guild(guild)
        .and_then(|g| g.channels.get(&m.channel_id).map(|c| c.name.clone()))
        .unwrap_or_default();
    let roles: Vec<RoleId> = m
        .member
        .as_ref()
        .map(|p| p.roles.iter().map(|r| RoleId(r.get())).collect())
        .unwrap_or_default();
    let done = crate::app::sentiment::feedback(
        &bot.app,
        GuildId(guild.get()),
        &channel,
        MessageId(m.id.get()),
        MemberId(m.author.id.get()),
        &roles,
        &m.content,
    )
    .await;
    if let Err(e) = done {
        tracing::warn!(error = %e, "could not score a feedback message");
    }
}

/// Claims a click or modal for this instance (commands are claimed in the framework's
/// check); false when another instance has it. Other interactions are not ours to claim.
pub(super) async fn first_to_handle(
    bot: &Bot,
    interaction: &serenity::Interaction,
) -> Result<bool, AppError> {
    match interaction {
        serenity::Interaction::Component(_) | serenity::Interaction::Modal(_) => {
            crate::app::once::first_to_handle(&bot.app, interaction.id().get()).await
        }
        _ => Ok(true),
    }
}
