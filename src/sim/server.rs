//! The simulator's HTTP server: one accept loop so a handler can drop its own connection
//! after committing (the `drop_after_commit` fault), plus the shared request plumbing.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tower::Service;

use super::messages::Incoming;
use super::payloads::error_body;
use super::ratelimit::{BucketSpec, Verdict};
use super::state::SimState;

/// Put in every request's extensions: notifying it drops the connection unanswered.
#[derive(Clone)]
pub struct ConnKill(pub Arc<Notify>);

pub async fn serve(listener: TcpListener, router: axum::Router) {
    loop {
        let Ok((socket, _)) = listener.accept().await else {
            continue;
        };
        let _ = socket.set_nodelay(true);
        let router = router.clone();
        tokio::spawn(async move {
            let kill = Arc::new(Notify::new());
            let ext = ConnKill(kill.clone());
            let service = hyper::service::service_fn(
                move |mut req: hyper::Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(ext.clone());
                    let mut r = router.clone();
                    async move { r.call(req.map(Body::new)).await }
                },
            );
            let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            let conn = builder.serve_connection_with_upgrades(TokioIo::new(socket), service);
            tokio::select! {
                _ = conn => {}
                _ = kill.notified() => {}
            }
        });
    }
}

/// Counts every API request under its route template, e.g. `POST /channels/{id}/messages`.
pub async fn count_request(
    axum::extract::State(state): axum::extract::State<Arc<SimState>>,
    path: Option<axum::extract::MatchedPath>,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    let template = path
        .map(|p| p.as_str().trim_start_matches("/api/v10").to_string())
        .unwrap_or_default();
    let route = format!(
        "{} {}",
        req.method(),
        template
            .replace(":channel", "{id}")
            .replace(":message", "{id}")
    );
    {
        let mut inner = state.lock();
        inner.stats.requests += 1;
        *inner.stats.by_route.entry(route).or_default() += 1;
    }
    next.run(req).await
}

/// A Discord-style error response.
pub fn discord_error(status: StatusCode, code: u32, message: &str) -> Response {
    (status, Json(error_body(code, message))).into_response()
}

pub fn with_headers(mut resp: Response, headers: &[(String, String)]) -> Response {
    for (k, v) in headers {
        if let (Ok(name), Ok(value)) = (
            axum::http::HeaderName::try_from(k.as_str()),
            HeaderValue::from_str(v),
        ) {
            resp.headers_mut().insert(name, value);
        }
    }
    resp
}

/// Counts the request, applies latency, rate limits and faults. `Err` is the answer to
/// give instead of serving the request.
pub async fn gate(
    state: &SimState,
    route: &str,
    bucket: Option<BucketSpec>,
) -> Result<Vec<(String, String)>, Response> {
    let latency = {
        let faults = &state.lock().limits.faults;
        faults.latency_ms + faults.slow_routes.get(route).copied().unwrap_or(0)
    };
    if latency > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(latency)).await;
    }
    let mut inner = state.lock();
    let inner = &mut *inner;
    let (verdict, early) = inner.limits.check(bucket.as_ref(), &mut inner.rng);
    if let Some(detail) = early {
        inner.stats.violation("early_retry", detail);
    }
    match verdict {
        Verdict::Allow { headers } => Ok(headers),
        Verdict::Limited {
            retry_after,
            global,
            headers,
            odd,
        } => {
            inner.stats.rate_limited += 1;
            let answer = match odd {
                Some(odd) => odd_rate_limited(odd),
                None => {
                    let body = serde_json::json!({ "message": "You are being rate limited.", "retry_after": retry_after, "global": global });
                    (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response()
                }
            };
            Err(with_headers(answer, &headers))
        }
        Verdict::ServerError(code) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            Err(discord_error(
                status,
                0,
                &format!("{code}: simulated server error"),
            ))
        }
    }
}

/// A 429 body with an impossible `retry_after`, written as Python's json writes floats
/// (`Infinity`, `NaN`): not JSON a strict parser takes, so the header is all that is left.
fn odd_rate_limited(odd: &str) -> Response {
    let value = match odd {
        "inf" => "Infinity",
        other => other,
    };
    let body = format!(
        r#"{{"message": "You are being rate limited.", "retry_after": {value}, "global": false}}"#
    );
    (
        StatusCode::TOO_MANY_REQUESTS,
        [("content-type", "application/json")],
        body,
    )
        .into_response()
}

/// Reads a JSON body, or a multipart body with `payload_json` and files.
pub async fn read_incoming(req: Request) -> Result<Incoming, Response> {
    let is_multipart = content_type(req.headers()).starts_with("multipart/");
    if !is_multipart {
        let bytes = axum::body::to_bytes(req.into_body(), 32 << 20)
            .await
            .map_err(bad_body)?;
        let body = if bytes.is_empty() {
            Value::Object(Default::default())
        } else {
            serde_json::from_slice(&bytes).map_err(bad_body)?
        };
        return Ok(Incoming {
            body,
            files: vec![],
        });
    }
    let mut form = Multipart::from_request(req, &()).await.map_err(bad_body)?;
    let mut incoming = Incoming {
        body: Value::Object(Default::default()),
        files: vec![],
    };
    while let Some(field) = form.next_field().await.map_err(bad_body)? {
        let name = field.name().unwrap_or_default().to_string();
        let filename = field.file_name().map(String::from);
        let data = field.bytes().await.map_err(bad_body)?;
        match filename {
            Some(f) => incoming.files.push((f, data.to_vec())),
            None if name == "payload_json" => {
                incoming.body = serde_json::from_slice(&data).map_err(bad_body)?
            }
            None => {}
        }
    }
    Ok(incoming)
}

fn content_type(h: &HeaderMap) -> String {
    h.get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

fn bad_body(e: impl std::fmt::Display) -> Response {
    discord_error(
        StatusCode::BAD_REQUEST,
        50109,
        &format!("The request body contains invalid JSON: {e}"),
    )
}

/// The 400 Discord answers for a body that breaks limits.
pub fn invalid_form(problems: &[String]) -> Response {
    let body = serde_json::json!({ "message": "Invalid Form Body", "code": 50035, "errors": { "_errors": problems } });
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}
