//! `GET /healthz` (200 when the database answers and the gateway is up, 503 with the
//! reason otherwise) and `GET /metrics` (Prometheus text), on `http.listen`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::metrics::Metrics;
use crate::store::Store;

#[derive(Clone)]
struct Health {
    store: Arc<dyn Store>,
    metrics: Arc<Metrics>,
}

pub fn router(store: Arc<dyn Store>, metrics: Arc<Metrics>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_text))
        .with_state(Health { store, metrics })
}

async fn healthz(State(h): State<Health>) -> impl IntoResponse {
    let db = match tokio::time::timeout(std::time::Duration::from_secs(2), h.store.ping()).await {
        Ok(Ok(())) => "ok".to_string(),
        Ok(Err(e)) => format!("unavailable: {e}"),
        Err(_) => "unavailable: no answer within 2 s".to_string(),
    };
    let gateway = if h.metrics.gateway_up() {
        "connected"
    } else {
        "disconnected"
    };
    let healthy = db == "ok" && gateway == "connected";
    let status = if healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({ "db": db, "gateway": gateway, "version": crate::VERSION, "backend": h.store.backend().name() });
    (status, Json(body))
}

async fn metrics_text(State(h): State<Health>) -> impl IntoResponse {
    (
        [("content-type", "text/plain; version=0.0.4")],
        h.metrics.render(),
    )
}
