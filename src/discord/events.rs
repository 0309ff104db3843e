//! Gateway events Herald keeps track of: guilds and members seen, connection state.

use std::sync::atomic::Ordering;

use poise::serenity_prelude as serenity;
use serenity::all::{ConnectionStage, FullEvent};

use super::Bot;
use crate::domain::ids::{GuildId, MemberId};
use crate::error::AppError;

pub async fn on_event(
    ctx: &serenity::Context,
    event: &FullEvent,
    bot: &Bot,
) -> Result<(), AppError> {
    let app = &bot.app;
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
        }
        _ => {}
    }
    Ok(())
}
