//! Herald's web pages on `http.listen`: `GET /dashboard/open?t=…` (a signed link: sets the
//! session cookie and moves the browser on to the page), `GET /dashboard` (the page, only with a live
//! session) and `POST /dashboard/logout`. Every refusal is a plain 403 page that says what
//! to do; no figure is served without a valid session.

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::app::dashboard::{self, html, Forbidden};
use crate::app::App;

const COOKIE: &str = "herald_dashboard";

pub fn router(app: App) -> Router {
    Router::new()
        .route("/dashboard", get(show))
        .route("/dashboard/open", get(open))
        .route("/dashboard/logout", post(logout))
        .with_state(app)
}

/// Headers every page carries: nothing cached, no script, no framing, no referrer (a
/// link's token must not leak to another site).
fn with_headers(
    status: StatusCode,
    body: String,
    extra: &[(header::HeaderName, String)],
) -> Response {
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    let fixed = [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (header::CACHE_CONTROL, "no-store"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
        ),
    ];
    for (k, v) in fixed {
        h.insert(k, HeaderValue::from_static(v));
    }
    for (k, v) in extra {
        if let Ok(v) = HeaderValue::from_str(v) {
            h.append(k.clone(), v);
        }
    }
    r
}

fn forbidden(f: Forbidden) -> Response {
    with_headers(
        StatusCode::FORBIDDEN,
        html::notice("Herald — no access", f.0),
        &[],
    )
}

fn cookie_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
}

fn secure(app: &App) -> &'static str {
    if app.settings.public_base().starts_with("https://") {
        "; Secure"
    } else {
        ""
    }
}

#[derive(serde::Deserialize)]
struct Token {
    t: Option<String>,
}

async fn open(State(app): State<App>, Query(q): Query<Token>) -> Response {
    let token = q.t.unwrap_or_default();
    match dashboard::open(&app, &token).await {
        Ok(cookie) => {
            let set = format!(
                "{COOKIE}={cookie}; Path=/dashboard; Max-Age={}; HttpOnly; SameSite=Strict{}",
                dashboard::sign::SESSION_MS / 1000,
                secure(&app)
            );
            // A page that moves on rather than a redirect: after a click in Discord (another
            // site) a browser would not send the Strict cookie on the redirected request.
            with_headers(
                StatusCode::OK,
                html::moving_on("Herald", "Signed in.", "/dashboard"),
                &[(header::SET_COOKIE, set)],
            )
        }
        Err(f) => forbidden(f),
    }
}

async fn show(State(app): State<App>, headers: HeaderMap) -> Response {
    match dashboard::page(&app, cookie_of(&headers).as_deref()).await {
        Ok(page) => with_headers(StatusCode::OK, page, &[]),
        Err(f) => forbidden(f),
    }
}

async fn logout(State(app): State<App>, headers: HeaderMap) -> Response {
    dashboard::logout(&app, cookie_of(&headers).as_deref()).await;
    let clear = format!(
        "{COOKIE}=; Path=/dashboard; Max-Age=0; HttpOnly; SameSite=Strict{}",
        secure(&app)
    );
    with_headers(
        StatusCode::OK,
        html::notice(
            "Signed out",
            "You are signed out of the dashboard. Run /dashboard in Discord to sign in again.",
        ),
        &[(header::SET_COOKIE, clear)],
    )
}
