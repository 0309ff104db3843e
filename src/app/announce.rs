//! `/comms announce`: an ad-hoc message written in a modal, previewed privately, then
//! confirmed or cancelled. Drafts move open → sent | cancelled exactly once, so a
//! replayed click changes nothing.

use super::access::{require, Actor, Need};
use super::App;
use crate::domain::team::Team;
use crate::domain::words::{and_list, count};
use crate::error::{AppError, AppResult};
use crate::store::comms_state::Draft;
use crate::store::outbox::{kind, NewSend};

/// The longest announcement, leaving room for the preview's header.
pub const MAX_LEN: usize = 1800;

async fn audience(app: &App, actor: &Actor, raw: &str) -> AppResult<Vec<Team>> {
    let teams = app.store.list_teams(actor.guild).await?;
    if teams.is_empty() {
        return Err(AppError::user(
            "There are no teams yet; add them with `/team add` first.",
        ));
    }
    if raw.trim().is_empty() || raw.trim().eq_ignore_ascii_case("all") {
        return Ok(teams);
    }
    let mut chosen = Vec::new();
    for name in raw.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let team = teams
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                let names: Vec<&str> = teams.iter().map(|t| t.name.as_str()).collect();
                AppError::user(format!(
                    "There is no team `{name}`. Teams: {}. Use `all` or names separated by commas.",
                    names.join(", ")
                ))
            })?;
        chosen.push(team.clone());
    }
    Ok(chosen)
}

/// Starts a draft for `audience`; returns its id (the modal carries it).
pub async fn open(app: &App, actor: &Actor, raw_audience: &str) -> AppResult<String> {
    require(app, actor, Need::ChangeLead).await?;
    let teams = audience(app, actor, raw_audience).await?;
    let id = uuid::Uuid::new_v4().simple().to_string()[..12].to_string();
    let names: Vec<String> = teams.into_iter().map(|t| t.name).collect();
    let draft = Draft {
        id: id.clone(),
        guild: actor.guild,
        author: actor.member,
        audience: names.join(","),
        content: String::new(),
        status: "open".into(),
    };
    app.store.create_draft(&draft, app.now_ms()).await?;
    Ok(id)
}

async fn own_draft(app: &App, actor: &Actor, id: &str) -> AppResult<Draft> {
    let d = app.store.draft(id).await?.ok_or_else(|| {
        AppError::user(
            "That announcement draft no longer exists; start again with `/comms announce`.",
        )
    })?;
    if d.author != actor.member || d.guild != actor.guild {
        return Err(AppError::user(
            "Only the person who wrote this announcement can send or cancel it.",
        ));
    }
    Ok(d)
}

/// The modal's text arrived: stores it and returns the preview to show with buttons.
pub async fn written(app: &App, actor: &Actor, id: &str, text: &str) -> AppResult<String> {
    require(app, actor, Need::ChangeLead).await?;
    let d = own_draft(app, actor, id).await?;
    let text = text.trim();
    if text.is_empty() {
        return Err(AppError::user(
            "The announcement is empty; nothing was saved. Run `/comms announce` again.",
        ));
    }
    if text.chars().count() > MAX_LEN {
        return Err(AppError::user(format!(
            "The announcement is {} characters; keep it to {MAX_LEN}.",
            text.chars().count()
        )));
    }
    if d.status != "open" {
        return Err(AppError::user(
            "This announcement was already sent or cancelled.",
        ));
    }
    app.store.set_draft_content(id, text).await?;
    Ok(format!(
        "**Preview**: to {}\n\n{text}",
        d.audience.replace(',', ", ")
    ))
}

/// Confirm or Cancel.
pub async fn decide(app: &App, actor: &Actor, id: &str, confirm: bool) -> AppResult<String> {
    require(app, actor, Need::ChangeLead).await?;
    let d = own_draft(app, actor, id).await?;
    let to = if confirm { "sent" } else { "cancelled" };
    if !app.store.move_draft(id, "open", to).await? {
        // Read again: a click racing this one (a double click, another instance) may have
        // moved the draft after it was read above.
        let status = app
            .store
            .draft(id)
            .await?
            .map_or(d.status, |now| now.status);
        return Ok(format!(
            "This announcement was already {status}; nothing changed."
        ));
    }
    if !confirm {
        return Ok("Cancelled; nothing was sent.".into());
    }
    let teams = app.store.list_teams(actor.guild).await?;
    let now = app.now_ms();
    let to: Vec<&Team> = d
        .audience
        .split(',')
        .filter_map(|n| teams.iter().find(|t| t.name.eq_ignore_ascii_case(n)))
        .collect();
    let rows: Vec<NewSend> = to
        .iter()
        .map(|t| NewSend {
            body: Some(d.content.clone()),
            ..NewSend::to_team(kind::ANNOUNCE, &d.id, t, now)
        })
        .collect();
    if let Err(e) = app.store.enqueue(&rows).await {
        // Nothing was queued (one transaction): give the draft back, so Confirm again
        // sends it instead of saying it was sent.
        if let Err(back) = app.store.move_draft(id, "sent", "open").await {
            tracing::warn!(error = %back, "could not reopen an announcement draft");
        }
        return Err(e.into());
    }
    app.wake_scheduler();
    let names: Vec<&str> = to.iter().map(|t| t.name.as_str()).collect();
    Ok(format!(
        "Sent to {}: {}.",
        count(rows.len() as i64, "team", "teams"),
        and_list(&names)
    ))
}
