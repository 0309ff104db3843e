//! Who may do what: every command and button re-checks the member's roles here, on the
//! server side, whatever Discord's default permissions say.

use crate::domain::ids::{GuildId, MemberId, RoleId};
use crate::error::{AppError, AppResult};

use super::App;

/// The person behind a request, as Discord describes them in that very interaction.
#[derive(Debug, Clone)]
pub struct Actor {
    pub guild: GuildId,
    pub member: MemberId,
    /// The member's roles with their names.
    pub roles: Vec<(RoleId, String)>,
    /// Whether the member has the Administrator permission in the guild.
    pub is_admin: bool,
}

/// A capability a command needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    ChangeLead,
    /// Managers; change leads may do what managers do.
    Manager,
    Admin,
}

/// What someone in a server Herald was not configured for is told.
pub const NOT_THIS_SERVER: &str = "Herald is not set up for this server, so it does nothing here. \
If you expected it to work here, ask whoever runs Herald to set `discord.guild_id` to this server.";

/// Whether Herald serves `guild`: the one in `discord.guild_id`, or any guild when none
/// is set (only allowed against the simulator; `herald run` on Discord requires it).
pub fn serves(app: &App, guild: GuildId) -> bool {
    app.settings.discord_guild_id.is_none_or(|g| g == guild.0)
}

/// Refuses an interaction from a server Herald does not serve.
pub fn require_served(app: &App, guild: Option<GuildId>) -> AppResult<()> {
    match guild {
        Some(g) if !serves(app, g) => Err(AppError::user(NOT_THIS_SERVER)),
        _ => Ok(()),
    }
}

/// Refuses with a clear message unless `actor` holds `need`.
pub async fn require(app: &App, actor: &Actor, need: Need) -> AppResult<()> {
    if actor.is_admin && need == Need::Admin {
        return Ok(());
    }
    let config = app.store.role_config(actor.guild).await?;
    let holds = |configured: Option<RoleId>, name: &str| match configured {
        Some(id) => actor.roles.iter().any(|(r, _)| *r == id),
        None => actor
            .roles
            .iter()
            .any(|(_, n)| n.eq_ignore_ascii_case(name)),
    };
    let is_lead = holds(config.change_lead, &app.settings.change_lead_role);
    let allowed = match need {
        Need::Admin => false,
        Need::ChangeLead => is_lead,
        Need::Manager => is_lead || holds(config.manager, &app.settings.manager_role),
    };
    if allowed {
        return Ok(());
    }
    Err(AppError::user(refusal(need)))
}

/// A refusal says what the person can do instead; it never invites them to ask for a role
/// they should not want.
fn refusal(need: Need) -> String {
    match need {
        Need::Admin => "Only a server administrator can do this.".into(),
        Need::ChangeLead => "Only change leads can do this: they run the communication plan. \
Your team's updates and pulses come to your team's channel; `/me updates` shows which \
you have acknowledged and `/me reminders` turns pulse reminders off."
            .into(),
        Need::Manager => "Only managers and change leads can do this. \
Your team's pulse results are posted in your team's channel when each pulse closes."
            .into(),
    }
}
