//! Manager briefings (`brief_managers = "24h"` on an item): each manager of a team gets
//! a direct message that long before the team's send, with the team's message and the
//! template's "what to tell your team".

use chrono::{DateTime, Utc};

use crate::app::jobs::{self, Done};
use crate::app::App;
use crate::chat::{Embed, OutMessage};
use crate::domain::ids::{GuildId, MemberId, RoleId};
use crate::plan::render::message;
use crate::plan::{Item, Plan};
use crate::store::outbox::Queued;

/// What a manager reads when the template gives no talking points.
const NO_TALKING_POINTS: &str = "Read it before your team does, so you can answer their questions; tell them where to find it and what it asks of them.";

pub async fn deliver(
    app: &App,
    plan: Option<&Plan>,
    row: &Queued,
    now: DateTime<Utc>,
) -> anyhow::Result<Done> {
    let Some((plan, item)) = plan.and_then(|p| p.item(&row.item).map(|i| (p, i))) else {
        return Ok(Done::skipped("the item is no longer in the plan"));
    };
    let send_at = row
        .body
        .as_deref()
        .and_then(|b| b.parse::<i64>().ok())
        .and_then(DateTime::from_timestamp_millis);
    let Some(send_at) = send_at.filter(|at| *at > now) else {
        return Ok(Done::skipped("the team's send is already out"));
    };
    let managers = match managers_of(app, row.guild, &row.team).await {
        Ok(m) => m,
        Err(e) => return Ok(jobs::post_failed(row, &e, now, |_| None)),
    };
    if managers.is_empty() {
        return Ok(Done::Skipped {
            reason: "no manager to brief".into(),
            report: Some(format!(
                "No manager in {} was briefed on `{}`: nobody holds both the team's role and the manager role.",
                row.team, item.id
            )),
        });
    }
    let briefing = match briefing(plan, item, &row.team, send_at) {
        Ok(b) => b,
        Err(e) => return Ok(Done::skipped(format!("the briefing cannot render: {e}"))),
    };
    let first = match jobs::dm_each(app, row, &managers, false, |_| briefing.clone()).await? {
        jobs::DmEach::Reached(r) => r.first,
        jobs::DmEach::Failed(e) => return Ok(jobs::post_failed(row, &e, now, |_| None)),
    };
    Ok(first.map_or_else(|| Done::skipped("nobody to brief"), Done::sent))
}

/// Members holding both the team's role and the manager role.
pub(crate) async fn managers_of(
    app: &App,
    guild: GuildId,
    team: &str,
) -> Result<Vec<MemberId>, crate::chat::ChatError> {
    let lost = |m: String| crate::chat::ChatError {
        permanent: false,
        message: m,
    };
    let team = app
        .store
        .team_by_name(guild, team)
        .await
        .map_err(|e| lost(e.to_string()))?
        .ok_or_else(|| lost("the team is gone".into()))?;
    let Some(role) = manager_role(app, guild).await? else {
        return Ok(vec![]);
    };
    let managers = app.chat.role_members(guild, role).await?;
    let members = app.chat.role_members(guild, team.role).await?;
    Ok(members
        .into_iter()
        .filter(|m| managers.contains(m))
        .collect())
}

/// The manager role: the one `/herald roles` set, else the one named in the settings.
async fn manager_role(app: &App, guild: GuildId) -> Result<Option<RoleId>, crate::chat::ChatError> {
    let configured = app
        .store
        .role_config(guild)
        .await
        .ok()
        .and_then(|c| c.manager);
    if configured.is_some() {
        return Ok(configured);
    }
    let roles = app.chat.roles(guild).await?;
    Ok(crate::chat::by_name(&roles, &app.settings.manager_role))
}

/// The direct message: when the team reads it, the team's message itself, and what to
/// tell the team.
pub fn briefing(
    plan: &Plan,
    item: &Item,
    team: &str,
    send_at: DateTime<Utc>,
) -> Result<OutMessage, crate::plan::limits::RenderError> {
    let team_msg = message(plan, item, team, send_at)?;
    let ts = send_at.timestamp();
    let mut embeds = team_msg.embeds.clone();
    if embeds.is_empty() {
        embeds.push(Embed {
            description: Some(team_msg.content.clone()),
            ..Embed::default()
        });
    }
    let points = plan
        .templates
        .get(plan.template_for(&item.template, team))
        .and_then(|t| t.front.brief.clone())
        .unwrap_or_else(|| NO_TALKING_POINTS.to_string());
    embeds.push(Embed {
        title: Some("What to tell your team".into()),
        description: Some(points.trim().to_string()),
        colour: Some(0x27AE60),
        ..Embed::default()
    });
    Ok(OutMessage {
        content: format!(
            "**A briefing for {team}'s managers.** Your team reads the message below <t:{ts}:F> (<t:{ts}:R>). You see it first so you can answer their questions."
        ),
        embeds,
        buttons: team_msg.buttons,
        ..OutMessage::default()
    })
}
