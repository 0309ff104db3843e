//! `/healthz`, `/livez`, `/readyz` and `/metrics` as a load balancer and Prometheus see them, and the health
//! server's limits as a slow, idle or greedy client meets them.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use herald::health::{self, Limits};
use herald::metrics::Metrics;
use herald::store::Store;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

use crate::helpers::{spawn_app, within, TestDb};

#[tokio::test]
async fn healthz_reports_database_and_gateway_and_metrics_count_interactions() {
    within(60, async {
        let app = spawn_app().await;
        let base = format!("http://{}", app.herald().health_addr);
        let resp = app
            .http
            .get(format!("{base}/healthz"))
            .send()
            .await
            .expect("healthz answers");
        assert_eq!(resp.status(), 200);
        let body: serde_json::Value = resp.json().await.expect("json");
        assert_eq!(
            (body["db"].clone(), body["gateway"].clone()),
            (json!("ok"), json!("connected"))
        );
        assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
        app.command("Claire", "change-team", "herald status", json!({}))
            .await;
        let text = app
            .http
            .get(format!("{base}/metrics"))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text");
        assert!(text.contains("herald_interactions_total 1\n"), "{text}");
        assert!(text.contains("herald_gateway_connected 1\n"), "{text}");
        app.herald().app.store.close().await;
        // The answer is reused for a second, so the outage shows once that has passed.
        let body = loop {
            let resp = app
                .http
                .get(format!("{base}/healthz"))
                .send()
                .await
                .expect("healthz answers");
            if resp.status() == 503 {
                break resp.json::<serde_json::Value>().await.expect("json");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        assert!(
            body["db"]
                .as_str()
                .is_some_and(|d| d.starts_with("unavailable")),
            "{body}"
        );
        app.finish().await;
    })
    .await;
}

/// A Discord outage: `/readyz` turns 503 (stop sending traffic here) while `/livez` stays
/// 200 (do not restart: the process and scheduler are fine), then both are 200 again.
#[tokio::test]
async fn livez_stays_up_through_a_gateway_outage_while_readyz_turns_503() {
    within(60, async {
        let app = spawn_app().await;
        let base = format!("http://{}", app.herald().health_addr);
        let status = |path: &'static str| {
            let url = format!("{base}{path}");
            let http = app.http.clone();
            async move {
                let resp = http.get(url).send().await.expect("answers");
                let code = resp.status().as_u16();
                (code, resp.json::<serde_json::Value>().await.expect("json"))
            }
        };
        assert_eq!(status("/livez").await.0, 200);
        assert_eq!(status("/readyz").await.0, 200);
        app.post("/_sim/faults", json!({ "gateway_down": true }))
            .await;
        app.post("/_sim/gateway/disconnect", json!({})).await;
        let down = loop {
            let (code, body) = status("/readyz").await;
            if code == 503 {
                break body;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert_eq!(down["gateway"], "disconnected", "{down}");
        assert_eq!(down["db"], "ok", "{down}");
        for _ in 0..5 {
            let (code, body) = status("/livez").await;
            assert_eq!(
                (code, body["scheduler"].clone()),
                (200, json!("alive")),
                "{body}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        app.post("/_sim/faults", json!({ "gateway_down": false }))
            .await;
        app.advance(60);
        while status("/readyz").await.0 != 200 {
            app.advance(5);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        app.finish().await;
    })
    .await;
}

/// Far beyond every shrunk limit below and far short of the production ones, so a close
/// seen within it comes from the limit under test.
const WAIT: Duration = Duration::from_secs(5);
const SHORT: Duration = Duration::from_millis(300);
const LONG: Duration = Duration::from_secs(30);

const REQUEST: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: herald\r\n\r\n";
const HALF_A_REQUEST: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: her";

/// The health server alone, on a fresh database, with `limits`.
struct Server {
    addr: SocketAddr,
    stop: CancellationToken,
    task: tokio::task::JoinHandle<()>,
    store: Arc<dyn Store>,
    _db: TestDb,
}

async fn serve_with(limits: Limits) -> Server {
    let db = TestDb::new().await;
    let store = herald::store::connect(&db.url, 2)
        .await
        .expect("the test database opens");
    let metrics = Arc::new(Metrics::default());
    metrics.gateway_connected.store(true, Ordering::Relaxed);
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let stop = CancellationToken::new();
    let router = health::router(store.clone(), metrics);
    let task = tokio::spawn(health::serve(listener, router, limits, stop.clone()));
    Server {
        addr,
        stop,
        task,
        store,
        _db: db,
    }
}

impl Server {
    async fn finish(self) {
        self.stop.cancel();
        let _ = tokio::time::timeout(WAIT, self.task).await;
        self.store.close().await;
    }
}

/// Sends one `/healthz` and reads the whole answer (head and body).
async fn ask(stream: &mut TcpStream) -> String {
    stream.write_all(REQUEST).await.expect("send");
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        if let Some(answer) = whole_answer(&got) {
            return answer;
        }
        let n = stream.read(&mut buf).await.expect("read");
        assert!(
            n > 0,
            "closed before answering: {:?}",
            String::from_utf8_lossy(&got)
        );
        got.extend_from_slice(&buf[..n]);
    }
}

fn whole_answer(got: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(got).to_string();
    let (head, body) = text.split_once("\r\n\r\n")?;
    let length = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse::<usize>().ok())?
    })?;
    (body.len() >= length).then_some(text)
}

/// Whether the server closed the connection within `WAIT`, and what it sent before.
async fn closed_by_server(stream: &mut TcpStream) -> (bool, String) {
    let mut got = Vec::new();
    let drained = async {
        let mut buf = [0u8; 1024];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    };
    let closed = tokio::time::timeout(WAIT, drained).await.is_ok();
    (closed, String::from_utf8_lossy(&got).to_string())
}

/// A client that sent half a request and waits; checked without blocking.
fn hold(addr: SocketAddr) -> std::net::TcpStream {
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream.write_all(HALF_A_REQUEST).expect("send half");
    stream.set_nonblocking(true).expect("non-blocking");
    stream
}

fn already_closed(stream: &mut std::net::TcpStream) -> bool {
    let mut buf = [0u8; 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return false,
            Err(_) => return true,
        }
    }
}

#[tokio::test]
async fn a_half_sent_request_is_closed_after_the_header_timeout() {
    within(60, async {
        let server = serve_with(Limits {
            header_read: SHORT,
            idle: LONG,
            max_connections: 8,
            shutdown: LONG,
        })
        .await;
        let mut client = TcpStream::connect(server.addr).await.expect("connect");
        client.write_all(HALF_A_REQUEST).await.expect("send half");
        let (closed, sent) = closed_by_server(&mut client).await;
        assert!(
            closed,
            "the half-sent request was still open after {WAIT:?}"
        );
        assert!(!sent.starts_with("HTTP/1.1 200"), "{sent}");
        server.finish().await;
    })
    .await;
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    within(60, async {
        let server = serve_with(Limits {
            header_read: LONG,
            idle: SHORT,
            max_connections: 8,
            shutdown: LONG,
        })
        .await;
        let mut client = TcpStream::connect(server.addr).await.expect("connect");
        let answer = ask(&mut client).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        let (closed, _) = closed_by_server(&mut client).await;
        assert!(closed, "the idle connection was still open after {WAIT:?}");
        server.finish().await;
    })
    .await;
}

#[tokio::test]
async fn with_every_slot_held_a_new_client_is_answered_only_once_one_is_let_go() {
    within(60, async {
        let server = serve_with(Limits {
            header_read: SHORT,
            idle: LONG,
            max_connections: 2,
            shutdown: LONG,
        })
        .await;
        let mut held = [hold(server.addr), hold(server.addr)];
        let mut fresh = TcpStream::connect(server.addr).await.expect("connect");
        let answer = tokio::time::timeout(WAIT, ask(&mut fresh))
            .await
            .expect("the new client was answered once a slot came free");
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(
            held.iter_mut().any(already_closed),
            "the new client was answered while both slots were still held"
        );
        server.finish().await;
    })
    .await;
}

#[tokio::test]
async fn stop_finishes_within_its_bound_while_a_request_is_half_sent() {
    within(60, async {
        let server = serve_with(Limits {
            header_read: LONG,
            idle: LONG,
            max_connections: 8,
            shutdown: SHORT,
        })
        .await;
        let mut held = TcpStream::connect(server.addr).await.expect("connect");
        held.write_all(HALF_A_REQUEST).await.expect("send half");
        // Connections are taken in order, so an answer to a later one means the
        // half-sent one is being served, not waiting in the backlog.
        let mut later = TcpStream::connect(server.addr).await.expect("connect");
        assert!(ask(&mut later).await.starts_with("HTTP/1.1 200"));
        server.stop.cancel();
        tokio::time::timeout(WAIT, server.task)
            .await
            .expect("the server stopped within its shutdown bound")
            .expect("the server task did not panic");
        let (closed, _) = closed_by_server(&mut held).await;
        assert!(closed, "the half-sent request outlived the server");
        server.store.close().await;
    })
    .await;
}

/// `/metrics` as an operator reads it: polled until `line` shows (the scheduler works on
/// its own time), then the whole text.
async fn metrics_once_it_shows(app: &crate::helpers::TestApp, line: &str) -> String {
    let url = format!("http://{}/metrics", app.herald().health_addr);
    let mut text = String::new();
    for _ in 0..200 {
        let answer = app.http.get(&url).send().await.expect("metrics");
        text = answer.text().await.expect("text");
        if text.contains(line) {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no `{}` in 10 s of /metrics:\n{text}", line.trim_end())
}

#[tokio::test]
async fn metrics_show_the_outbox_by_kind_and_status_open_pulses_and_the_gateway_role() {
    within(90, async {
        let app = crate::comms::tick_app().await;
        app.advance(10);
        app.wait_for_messages("sales", 1).await;
        let sent = "herald_outbox_rows{kind=\"plan\",status=\"sent\"} 2\n";
        metrics_once_it_shows(&app, sent).await;
        let paused = app
            .command(
                "Claire",
                "change-team",
                "comms pause",
                json!({ "which": "all" }),
            )
            .await;
        assert!(paused.content.contains("aused"), "{}", paused.content);
        app.advance(10);
        app.command("Claire", "change-team", "comms resume", json!({}))
            .await;
        let skipped = "herald_outbox_rows{kind=\"plan\",status=\"skipped\"} 2\n";
        let text = metrics_once_it_shows(&app, skipped).await;
        assert!(text.contains(sent), "{text}");
        assert!(text.contains("herald_open_pulses 0\n"), "{text}");
        assert!(text.contains("herald_pending_reminders 0\n"), "{text}");
        assert!(
            text.contains("herald_gateway_role{role=\"holder\"} 1\n"),
            "{text}"
        );
        app.finish().await;
    })
    .await;
}
