//! `/herald roles`: an administrator says which Discord roles mean change lead and manager.

use crate::domain::ids::RoleId;
use crate::error::AppResult;
use crate::store::RoleConfig;

use super::access::{require, Actor, Need};
use super::App;

/// Sets the roles that are given; a role left out keeps its current setting.
pub async fn set_roles(
    app: &App,
    actor: &Actor,
    lead: Option<RoleId>,
    manager: Option<RoleId>,
) -> AppResult<String> {
    require(app, actor, Need::Admin).await?;
    let mut config = app.store.role_config(actor.guild).await?;
    if lead.is_none() && manager.is_none() {
        return Ok(describe(&config, app));
    }
    config.change_lead = lead.or(config.change_lead);
    config.manager = manager.or(config.manager);
    app.store
        .set_role_config(actor.guild, &config, app.now_ms())
        .await?;
    Ok(format!("Saved. {}", describe(&config, app)))
}

fn describe(config: &RoleConfig, app: &App) -> String {
    let show = |id: Option<RoleId>, name: &str| match id {
        Some(id) => format!("<@&{id}>"),
        None => format!("the role named `{name}` (default)"),
    };
    format!(
        "Change leads: {}. Managers: {}.",
        show(config.change_lead, &app.settings.change_lead_role),
        show(config.manager, &app.settings.manager_role)
    )
}
