//! `GET /healthz` (200 when the database answers, the gateway is up and the scheduler
//! finished a pass within 60 s, 503 with the reason otherwise), `GET /livez` (the process
//! and scheduler only), `GET /readyz` (database and gateway) and `GET /metrics`
//! (Prometheus text), on `http.listen`, served by [`serve`] within [`Limits`].

mod idle;
mod server;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::sync::Mutex;
use tokio::time::Instant;

pub use server::{serve, Limits};

use crate::metrics::Metrics;
use crate::store::Store;

/// How long one answer is reused. A load balancer, Docker's HEALTHCHECK and anyone else
/// may ask as often as they like; the database sees one ping per window, not one each.
pub const CACHE_FOR: Duration = Duration::from_secs(1);

/// Longer than this and the database counts as down (the pool's own wait is 2 s too).
const PING_TIMEOUT: Duration = Duration::from_secs(2);

/// What `/healthz` asks the database: the store in production, a counter in tests.
#[async_trait]
pub trait Probe: Send + Sync + 'static {
    async fn ping(&self) -> Result<(), String>;
    fn backend(&self) -> &'static str;
    /// Gauges read from the database for `/metrics` (Prometheus text); empty if none.
    async fn gauges(&self) -> String {
        String::new()
    }
}

struct StoreProbe(Arc<dyn Store>);

#[async_trait]
impl Probe for StoreProbe {
    async fn ping(&self) -> Result<(), String> {
        self.0.ping().await.map_err(|e| e.to_string())
    }

    fn backend(&self) -> &'static str {
        self.0.backend().name()
    }

    async fn gauges(&self) -> String {
        store_gauges(self.0.as_ref()).await.unwrap_or_default()
    }
}

/// The outbox by kind and status (its depth, and the sends skipped and failed), pending
/// pulse reminders and open pulses; None when the database does not answer.
async fn store_gauges(store: &dyn Store) -> Option<String> {
    use std::fmt::Write;
    let depth = store.depth().await.ok()?;
    let open = store.unfinished_pulses().await.ok()?.len();
    let mut out = String::from("# HELP herald_outbox_rows Outbox rows by kind and status (pending and claimed: the queue; skipped and failed: sends that did not go out)\n# TYPE herald_outbox_rows gauge\n");
    for (kind, status, n) in &depth {
        let _ = writeln!(
            out,
            "herald_outbox_rows{{kind=\"{kind}\",status=\"{status}\"}} {n}"
        );
    }
    let reminders: i64 = depth
        .iter()
        .filter(|(k, s, _)| matches!(k.as_str(), "pulse_remind" | "pulse_dm") && s == "pending")
        .map(|(_, _, n)| n)
        .sum();
    let _ = writeln!(out, "# HELP herald_pending_reminders Pulse reminders queued and not yet sent\n# TYPE herald_pending_reminders gauge\nherald_pending_reminders {reminders}");
    let _ = writeln!(out, "# HELP herald_open_pulses Pulses open for answers\n# TYPE herald_open_pulses gauge\nherald_open_pulses {open}");
    Some(out)
}

#[derive(Clone)]
struct Health {
    probe: Arc<dyn Probe>,
    metrics: Arc<Metrics>,
    fresh_for: Duration,
    last: Arc<Mutex<Option<(Instant, Answer)>>>,
}

#[derive(Clone)]
struct Answer {
    status: StatusCode,
    body: Value,
}

pub fn router(store: Arc<dyn Store>, metrics: Arc<Metrics>) -> Router {
    router_with(Arc::new(StoreProbe(store)), metrics, CACHE_FOR)
}

/// As [`router`], asking `probe` and reusing each answer for `fresh_for`.
pub fn router_with(probe: Arc<dyn Probe>, metrics: Arc<Metrics>, fresh_for: Duration) -> Router {
    let health = Health {
        probe,
        metrics,
        fresh_for,
        last: Arc::new(Mutex::new(None)),
    };
    Router::new()
        .route("/healthz", get(healthz))
        .route("/livez", get(livez))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text))
        .with_state(health)
}

async fn healthz(State(h): State<Health>) -> impl IntoResponse {
    let answer = h.answer().await;
    (answer.status, Json(answer.body))
}

/// Liveness: the process answers and its scheduler is not stalled. A Discord or database
/// outage leaves it 200, so a container's health check never restarts Herald for one.
async fn livez(State(h): State<Health>) -> impl IntoResponse {
    let scheduler = scheduler_state(&h.metrics);
    let status = if scheduler == "alive" {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(json!({ "scheduler": scheduler, "version": crate::VERSION })),
    )
}

/// Readiness: the database answers and the gateway is connected (or this instance stands
/// by to take it over): 503 with the reason while either is down.
async fn readyz(State(h): State<Health>) -> impl IntoResponse {
    let answer = h.answer().await;
    let ready = answer.body["db"] == "ok" && answer.body["gateway"] != "disconnected";
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({ "db": answer.body["db"], "gateway": answer.body["gateway"] });
    (status, Json(body))
}

/// "alive" while both scheduler lanes finished a pass (or beat while idle) within 60 s.
fn scheduler_state(metrics: &Metrics) -> &'static str {
    if metrics.scheduler.alive() && metrics.dm_lane.alive() {
        "alive"
    } else {
        "stalled"
    }
}

impl Health {
    /// The last answer while it is fresh, else a new one. The lock is held across the
    /// check on purpose: whoever arrives meanwhile waits for that one ping and shares it.
    async fn answer(&self) -> Answer {
        let mut last = self.last.lock().await;
        if let Some((at, answer)) = last.as_ref() {
            if at.elapsed() < self.fresh_for {
                return answer.clone();
            }
        }
        let answer = self.check().await;
        *last = Some((Instant::now(), answer.clone()));
        answer
    }

    async fn check(&self) -> Answer {
        let db = match tokio::time::timeout(PING_TIMEOUT, self.probe.ping()).await {
            Ok(Ok(())) => "ok".to_string(),
            Ok(Err(e)) => format!("unavailable: {e}"),
            Err(_) => "unavailable: no answer within 2 s".to_string(),
        };
        // A standby is healthy: it runs the scheduler and HTTP, and takes the gateway over
        // when the holder dies.
        let gateway = if self.metrics.gateway_up() {
            "connected"
        } else if self
            .metrics
            .gateway_standby
            .load(std::sync::atomic::Ordering::Relaxed)
        {
            "standby"
        } else {
            "disconnected"
        };
        // A scheduler that has not finished a pass (nor beat while idle) for 60 s sends
        // nothing, however healthy the rest looks.
        let scheduler = scheduler_state(&self.metrics);
        let status = if db == "ok" && gateway != "disconnected" && scheduler == "alive" {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        };
        let body = json!({ "db": db, "gateway": gateway, "scheduler": scheduler, "version": crate::VERSION, "backend": self.probe.backend() });
        Answer { status, body }
    }
}

async fn metrics_text(State(h): State<Health>) -> impl IntoResponse {
    let mut text = h.metrics.render();
    if let Ok(gauges) = tokio::time::timeout(PING_TIMEOUT, h.probe.gauges()).await {
        text.push_str(&gauges);
    }
    ([("content-type", "text/plain; version=0.0.4")], text)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    use super::*;

    /// A database that answers after `delay` and counts how often it was asked.
    #[derive(Default)]
    struct CountingProbe {
        pings: AtomicUsize,
        delay: Duration,
    }

    #[async_trait]
    impl Probe for CountingProbe {
        async fn ping(&self) -> Result<(), String> {
            self.pings.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(self.delay).await;
            Ok(())
        }

        fn backend(&self) -> &'static str {
            "counting"
        }
    }

    fn connected() -> Arc<Metrics> {
        let metrics = Metrics::default();
        metrics.gateway_connected.store(true, Ordering::Relaxed);
        Arc::new(metrics)
    }

    async fn status_of(app: &Router) -> StatusCode {
        let request = Request::get("/healthz").body(Body::empty());
        let response = app
            .clone()
            .oneshot(request.expect("a valid request"))
            .await
            .expect("the router never fails");
        response.status()
    }

    #[tokio::test]
    async fn two_checks_within_the_window_ping_the_database_once() {
        let probe = Arc::new(CountingProbe::default());
        let app = router_with(probe.clone(), connected(), Duration::from_secs(60));
        assert_eq!(status_of(&app).await, StatusCode::OK);
        assert_eq!(status_of(&app).await, StatusCode::OK);
        assert_eq!(probe.pings.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn many_clients_at_once_share_one_ping() {
        let probe = Arc::new(CountingProbe {
            delay: Duration::from_millis(100),
            ..CountingProbe::default()
        });
        let app = router_with(probe.clone(), connected(), Duration::from_secs(60));
        let statuses = futures::future::join_all((0..20).map(|_| status_of(&app))).await;
        assert!(
            statuses.iter().all(|s| *s == StatusCode::OK),
            "{statuses:?}"
        );
        assert_eq!(probe.pings.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_scheduler_without_a_pass_for_a_minute_turns_healthz_503_and_says_stalled() {
        let metrics = connected();
        let app = router_with(
            Arc::new(CountingProbe::default()),
            metrics.clone(),
            Duration::ZERO,
        );
        let (status, body) = answer_of(&app).await;
        assert_eq!(
            (status, body["scheduler"].clone()),
            (StatusCode::OK, json!("alive"))
        );
        metrics.scheduler.backdate(Duration::from_secs(61));
        let (status, body) = answer_of(&app).await;
        assert_eq!(
            (status, body["scheduler"].clone()),
            (StatusCode::SERVICE_UNAVAILABLE, json!("stalled"))
        );
        metrics.scheduler.beat();
        assert_eq!(answer_of(&app).await.0, StatusCode::OK);
    }

    async fn answer_of(app: &Router) -> (StatusCode, Value) {
        let request = Request::get("/healthz").body(Body::empty());
        let response = app
            .clone()
            .oneshot(request.expect("a valid request"))
            .await
            .expect("the router never fails");
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .expect("a body");
        (status, serde_json::from_slice(&bytes).expect("json"))
    }

    #[tokio::test]
    async fn a_check_after_the_window_asks_the_database_again() {
        let probe = Arc::new(CountingProbe::default());
        let app = router_with(probe.clone(), connected(), Duration::from_millis(50));
        status_of(&app).await;
        tokio::time::sleep(Duration::from_millis(60)).await;
        status_of(&app).await;
        assert_eq!(probe.pings.load(Ordering::SeqCst), 2);
    }
}
