//! Who is asking: the member, their roles (with names) and whether they administer the
//! guild, read from the interaction itself on every command, button and modal.

use poise::serenity_prelude as serenity;

use crate::app::access::Actor;
use crate::domain::ids::{GuildId, MemberId, RoleId};
use crate::error::AppError;

use super::commands::Ctx;

pub async fn actor(ctx: Ctx<'_>) -> Result<Actor, AppError> {
    let poise::Context::Application(app_ctx) = ctx else {
        return Err(AppError::user("Herald only answers slash commands."));
    };
    let i = app_ctx.interaction;
    from_member(ctx.serenity_context(), i.guild_id, i.member.as_deref())
}

/// An actor from an interaction's guild and member (commands, buttons, modals alike).
pub fn from_member(
    ctx: &serenity::Context,
    guild: Option<serenity::GuildId>,
    member: Option<&serenity::Member>,
) -> Result<Actor, AppError> {
    let guild = guild
        .ok_or_else(|| AppError::user("This works in a server channel, not in direct messages."))?;
    let member = member.ok_or_else(|| {
        AppError::user("Discord did not say who you are in this server; try again.")
    })?;
    let is_admin = member.permissions.is_some_and(|p| p.administrator());
    let names: Vec<String> = {
        let cached = ctx.cache.guild(guild);
        member
            .roles
            .iter()
            .map(|r| {
                cached
                    .as_ref()
                    .and_then(|g| g.roles.get(r))
                    .map(|x| x.name.clone())
                    .unwrap_or_default()
            })
            .collect()
    };
    let roles = member
        .roles
        .iter()
        .zip(names)
        .map(|(id, name)| (RoleId(id.get()), name))
        .collect();
    Ok(Actor {
        guild: GuildId(guild.get()),
        member: MemberId(member.user.id.get()),
        roles,
        is_admin,
    })
}
