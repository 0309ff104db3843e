//! `/healthz` and `/metrics` as a load balancer and Prometheus see them.

use serde_json::json;

use crate::helpers::{spawn_app, within};

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
        let resp = app
            .http
            .get(format!("{base}/healthz"))
            .send()
            .await
            .expect("healthz answers");
        assert_eq!(resp.status(), 503);
        let body: serde_json::Value = resp.json().await.expect("json");
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
