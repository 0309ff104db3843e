//! Adoption figures arriving from outside, an edge beside `discord/` and the pages:
//! `POST /api/v1/adoption` (a JSON batch behind a bearer token, `adoption.token`) and the
//! rows of a CSV file for `herald adoption import`. Both turn what arrived into rows of
//! text and hand the whole batch to [`crate::app::adoption::ingest`], which takes it
//! whole or not at all.

pub mod csv;
pub mod json;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::app::adoption::{ingest, Refused};
use crate::app::App;
use crate::domain::adoption::RowError;

/// A batch of 10,000 rows is about 1 MB; this leaves room and stops a flood. The token
/// is checked before any of the body is read.
const MAX_BODY: usize = 4 * 1024 * 1024;
/// Bad cells listed in one answer; the rest are counted.
const MAX_LISTED: usize = 100;

pub fn router(app: App) -> Router {
    Router::new()
        .route("/api/v1/adoption", post(adoption))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .route_layer(axum::middleware::from_fn_with_state(
            app.clone(),
            token_first,
        ))
        .with_state(app)
}

/// Refuses a request without the token before its body is read.
async fn token_first(
    State(app): State<App>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if !authorised(&app, request.headers()) {
        return answer(
            StatusCode::UNAUTHORIZED,
            json!({ "written": 0, "message": "Send the adoption token as `Authorization: Bearer <token>` (the value of adoption.token)." }),
        );
    }
    next.run(request).await
}

async fn adoption(State(app): State<App>, body: Bytes) -> Response {
    let parsed: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return answer(
                StatusCode::BAD_REQUEST,
                json!({ "written": 0, "message": format!("The body is not JSON ({e}); nothing was written.") }),
            )
        }
    };
    let rows = match json::rows(&parsed) {
        Ok(r) => r,
        Err(errors) => return refused_rows(&errors),
    };
    match ingest(&app, &rows).await {
        Ok(done) => answer(
            StatusCode::OK,
            json!({
                "rows": done.rows,
                "written": done.written,
                "outside_teams": done.outside_teams,
                "message": done.summary(),
            }),
        ),
        Err(Refused::Rows(errors)) => refused_rows(&errors),
        Err(Refused::NotReady(why)) => answer(
            StatusCode::CONFLICT,
            json!({ "written": 0, "message": format!("{why}; nothing was written.") }),
        ),
        Err(Refused::Store(e)) => {
            tracing::warn!(error = %e, "adoption batch not stored");
            answer(
                StatusCode::SERVICE_UNAVAILABLE,
                json!({ "written": 0, "message": "Herald cannot reach its database just now; nothing was written. Send the batch again in a minute." }),
            )
        }
    }
}

/// Whether the request carries the configured token; no token configured: nobody is.
fn authorised(app: &App, headers: &HeaderMap) -> bool {
    let Some(expected) = app.settings.adoption_token.as_ref() else {
        return false;
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    same_secret(given.trim(), expected.expose())
}

/// Compares digests in constant time, so the answer's timing says nothing of the token.
fn same_secret(given: &str, expected: &str) -> bool {
    let (a, b) = (Sha256::digest(given), Sha256::digest(expected));
    let diff = a.iter().zip(b.iter()).fold(0u8, |d, (x, y)| d | (x ^ y));
    diff == 0 && !expected.is_empty()
}

fn refused_rows(errors: &[RowError]) -> Response {
    let listed: Vec<String> = errors
        .iter()
        .take(MAX_LISTED)
        .map(ToString::to_string)
        .collect();
    answer(
        StatusCode::UNPROCESSABLE_ENTITY,
        json!({
            "written": 0,
            "errors": listed,
            "more_errors": errors.len().saturating_sub(MAX_LISTED),
            "message": "Nothing of this batch was written: fix the rows named (row:column) and send the whole batch again.",
        }),
    )
}

fn answer(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::same_secret;

    #[test]
    fn only_the_exact_token_passes() {
        assert!(same_secret("s3cret", "s3cret"));
        assert!(!same_secret("s3cre", "s3cret"));
        assert!(!same_secret("", ""), "an empty token opens nothing");
    }
}
