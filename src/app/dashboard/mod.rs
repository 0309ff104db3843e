//! The leadership view: `/dashboard` answers with a signed link (15 minutes, usable once);
//! opening it starts an 8-hour session whose page shows every team to change leads and
//! sponsors (`roles.sponsor`) and a manager's own teams to a manager, with the group rule
//! applied as in chat. See [`sign`] for what a link's signature covers.

pub mod board;
pub mod changes;
pub mod digest;
pub mod html;
pub mod sign;

use board::Scope;

use crate::app::access::{require, Actor, Need};
use crate::app::App;
use crate::domain::ids::GuildId;
use crate::error::{AppError, AppResult};
use crate::store::dashboard::Session;

/// Why the dashboard refuses: the text of its 403 page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forbidden(pub &'static str);

const GET_A_LINK: &str = "Run /dashboard in Discord for a new link: it works once, for 15 minutes.";

fn is_sponsor(app: &App, actor: &Actor) -> bool {
    actor
        .roles
        .iter()
        .any(|(_, n)| n.eq_ignore_ascii_case(&app.settings.sponsor_role))
}

/// The scope a member's link carries: `all`, or their teams' ids joined by `-`.
async fn scope_of(app: &App, actor: &Actor) -> AppResult<String> {
    if is_sponsor(app, actor) || require(app, actor, Need::ChangeLead).await.is_ok() {
        return Ok("all".into());
    }
    require(app, actor, Need::Manager).await.map_err(|_| {
        AppError::user(
            "The dashboard is for change leads, sponsors and managers. \
Your team's updates and pulse results come to your team's channel.",
        )
    })?;
    let ids: Vec<String> = app
        .store
        .list_teams(actor.guild)
        .await?
        .into_iter()
        .filter(|t| actor.roles.iter().any(|(r, _)| *r == t.role))
        .map(|t| t.id.0.to_string())
        .collect();
    if ids.is_empty() {
        return Err(AppError::user(
            "You hold no team's role, so your dashboard would be empty. \
A manager sees the teams whose role they hold; `/team list` shows them.",
        ));
    }
    Ok(ids.join("-"))
}

/// A signed link to the dashboard for `actor`, valid for `valid_ms` from now.
pub async fn link_for(app: &App, actor: &Actor, valid_ms: i64) -> AppResult<String> {
    let scope = scope_of(app, actor).await?;
    let token = app
        .dashboard_key
        .sign(actor.guild, actor.member, &scope, app.now_ms() + valid_ms);
    Ok(format!(
        "{}/dashboard/open?t={token}",
        app.settings.public_base()
    ))
}

/// `/dashboard`: the reply with the link.
pub async fn command(app: &App, actor: &Actor) -> AppResult<String> {
    let url = link_for(app, actor, sign::LINK_MS).await?;
    Ok(format!(
        "Your dashboard: {url}\nThe link opens once, within 15 minutes, and signs you in on that browser for 8 hours. Do not forward it: it shows what you may see."
    ))
}

/// Opens a link: a new session's cookie, or why not.
pub async fn open(app: &App, token: &str) -> Result<String, Forbidden> {
    let now = app.now_ms();
    let link = app.dashboard_key.verify(token, now).map_err(|r| match r {
        sign::Refused::Expired => {
            Forbidden("This link has expired. Run /dashboard in Discord for a new one.")
        }
        sign::Refused::Tampered => Forbidden(
            "This is not a valid dashboard link. Run /dashboard in Discord for a new one.",
        ),
    })?;
    if !crate::app::access::serves(app, link.guild) {
        return Err(Forbidden(GET_A_LINK));
    }
    let fresh = app
        .store
        .use_link(&link.nonce, now, link.expires_ms)
        .await
        .map_err(|_| {
            Forbidden("Herald cannot reach its database just now. Try the link again in a minute.")
        })?;
    if !fresh {
        return Err(Forbidden(
            "This link was used already. Run /dashboard in Discord for a new one.",
        ));
    }
    let (cookie, hash) = app.dashboard_key.new_session();
    let session = Session {
        guild: link.guild,
        member: link.member,
        scope: link.scope,
        expires_ms: now + sign::SESSION_MS,
    };
    app.store
        .open_session(&hash, &session, now)
        .await
        .map_err(|_| {
            Forbidden("Herald cannot reach its database just now. Try again in a minute.")
        })?;
    Ok(cookie)
}

async fn scope_from(app: &App, guild: GuildId, stored: &str) -> AppResult<Scope> {
    if stored == "all" {
        return Ok(Scope::All);
    }
    let ids: Vec<&str> = stored.split('-').collect();
    let names = app
        .store
        .list_teams(guild)
        .await?
        .into_iter()
        .filter(|t| ids.contains(&t.id.0.to_string().as_str()))
        .map(|t| t.name)
        .collect();
    Ok(Scope::Teams(names))
}

/// The page for the session behind `cookie`.
pub async fn page(app: &App, cookie: Option<&str>) -> Result<String, Forbidden> {
    let Some(cookie) = cookie else {
        return Err(Forbidden(GET_A_LINK));
    };
    let now = app.now_ms();
    let session = app
        .store
        .session(&app.dashboard_key.session_id(cookie), now)
        .await
        .map_err(|_| Forbidden("Herald cannot reach its database just now. Reload in a minute."))?
        .ok_or(Forbidden(
            "Your session has ended. Run /dashboard in Discord for a new link.",
        ))?;
    let built = async {
        let scope = scope_from(app, session.guild, &session.scope).await?;
        board::board(app, session.guild, &scope).await
    };
    let board = built.await.map_err(|e| {
        tracing::warn!(error = %e, "dashboard page failed");
        Forbidden("Herald could not build the page just now. Reload in a minute.")
    })?;
    Ok(html::page(&board, true))
}

/// The dashboard for `scope` as one self-contained HTML file (no sign-out button).
pub async fn report_html(app: &App, guild: GuildId, scope: &Scope) -> AppResult<String> {
    Ok(html::page(&board::board(app, guild, scope).await?, false))
}

/// `/report leadership`: the file for what `actor` may see (every team for change leads
/// and sponsors, their own teams for a manager).
pub async fn report_for(app: &App, actor: &Actor) -> AppResult<String> {
    let scope = scope_from(app, actor.guild, &scope_of(app, actor).await?).await?;
    report_html(app, actor.guild, &scope).await
}

/// Signs out: the session behind `cookie` ends, wherever its cookie is.
pub async fn logout(app: &App, cookie: Option<&str>) {
    if let Some(c) = cookie {
        let _ = app
            .store
            .end_session(&app.dashboard_key.session_id(c), app.now_ms())
            .await;
    }
}
