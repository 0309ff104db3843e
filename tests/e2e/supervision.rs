//! Supervised work: a scheduler that panics is logged, restarted and keeps sending; one
//! that stops finishing passes turns `/healthz` 503; Discord answers with an impossible
//! `retry_after` (infinite, negative, NaN) are waited out safely and nothing is lost.

use std::sync::atomic::Ordering;
use std::time::Duration;

use herald::sim::WorldSpec;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_with_plan, within, TestApp};

const PLAN: &str = r#"
[campaign]
name = "Supervised rollout"
timezone = "UTC"
reports_channel = "change-team"

[[teams]]
name = "Sales"
role = "Sales"
channel = "sales"

[[teams]]
name = "Support"
role = "Support"
channel = "support"

[[teams]]
name = "Finance"
role = "Finance"
channel = "finance"

[[items]]
id = "tick"
template = "tick.md"
audience = ["Sales", "Support", "Finance"]
schedule = "*/10 * * * * *"
"#;

const CHANNELS: [&str; 3] = ["sales", "support", "finance"];

async fn tick_app() -> TestApp {
    spawn_app_with_plan(
        WorldSpec::default_world(),
        PLAN,
        &[("tick.md", "Tick for {{ team.name }}")],
    )
    .await
}

/// `/healthz` as a load balancer sees it: status and body.
async fn healthz(app: &TestApp) -> (u16, Value) {
    let url = format!("http://{}/healthz", app.herald().health_addr);
    let resp = app.http.get(url).send().await.expect("healthz answers");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("json"))
}

/// Asks `/healthz` until it answers `status` (answers are reused for a second).
async fn healthz_until(app: &TestApp, status: u16) -> Value {
    loop {
        let (now, body) = healthz(app).await;
        if now == status {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn metrics(app: &TestApp) -> String {
    let url = format!("http://{}/metrics", app.herald().health_addr);
    let resp = app.http.get(url).send().await.expect("metrics answer");
    resp.text().await.expect("text")
}

#[tokio::test]
async fn retry_after_inf_minus_one_and_nan_panic_nothing_and_every_send_arrives_once() {
    let firings: usize = if crate::helpers::large_fault_runs() {
        20
    } else {
        6
    };
    within(120, async {
        let app = tick_app().await;
        let faults = json!({ "http_429_ratio": 0.5, "odd_retry_after_ratio": 1.0, "enforce_rate_limits": true });
        app.post("/_sim/faults", faults).await;
        for n in 1..=firings {
            app.advance(10);
            for channel in CHANNELS {
                app.wait_for_messages(channel, n).await;
            }
        }
        for channel in CHANNELS {
            let msgs = app.messages(channel).await;
            assert_eq!(msgs.len(), firings, "#{channel}: {msgs:?}");
        }
        let stats = app.stats().await;
        assert_eq!(stats["messages_created"], (firings * CHANNELS.len()) as u64, "{stats}");
        assert!(
            stats["rate_limited"].as_u64().unwrap_or(0) >= 3,
            "odd 429s were answered: {stats}"
        );
        let (status, body) = healthz(&app).await;
        assert_eq!((status, body["scheduler"].clone()), (200, json!("alive")), "{body}");
        let text = metrics(&app).await;
        assert!(text.contains("herald_scheduler_panics_total 0\n"), "{text}");
        app.post("/_sim/faults", json!({})).await;
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn a_panic_in_the_scheduler_is_counted_the_loop_restarts_and_the_due_send_goes_out() {
    within(60, async {
        let app = tick_app().await;
        let beat = &app.herald().app.metrics.scheduler;
        beat.faults.panic_next_pass.store(true, Ordering::SeqCst);
        app.advance(10);
        while !metrics(&app)
            .await
            .contains("herald_scheduler_panics_total 1\n")
        {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        for channel in CHANNELS {
            let msgs = app.wait_for_messages(channel, 1).await;
            assert_eq!(msgs.len(), 1, "#{channel}: {msgs:?}");
        }
        app.advance(10);
        for channel in CHANNELS {
            app.wait_for_messages(channel, 2).await;
        }
        let (status, body) = healthz(&app).await;
        assert_eq!(
            (status, body["scheduler"].clone()),
            (200, json!("alive")),
            "{body}"
        );
        assert!(metrics(&app)
            .await
            .contains("herald_scheduler_panics_total 1\n"));
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn healthz_turns_503_stalled_when_no_pass_finishes_for_a_minute_and_heals_after() {
    within(60, async {
        let app = spawn_app().await;
        let (status, body) = healthz(&app).await;
        assert_eq!(
            (status, body["scheduler"].clone()),
            (200, json!("alive")),
            "{body}"
        );
        let beat = &app.herald().app.metrics.scheduler;
        beat.faults.stall.store(true, Ordering::SeqCst);
        app.herald().app.wake_scheduler();
        while !beat.faults.stalled.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        // The minute without a finished pass, without waiting for it.
        beat.backdate(Duration::from_secs(61));
        let body = healthz_until(&app, 503).await;
        assert_eq!(
            (
                body["scheduler"].clone(),
                body["db"].clone(),
                body["gateway"].clone()
            ),
            (json!("stalled"), json!("ok"), json!("connected")),
            "{body}"
        );
        assert!(metrics(&app).await.contains("herald_scheduler_alive 0\n"));
        beat.faults.stall.store(false, Ordering::SeqCst);
        let body = healthz_until(&app, 200).await;
        assert_eq!(body["scheduler"], "alive", "{body}");
        app.finish().await;
    })
    .await;
}
