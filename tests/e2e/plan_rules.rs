//! The plan's rules through the simulator: misfires, re-sends to teams that did not
//! acknowledge, team pings, webhook mirrors to a real HTTP server, and a 429 storm.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use herald::sim::WorldSpec;
use serde_json::{json, Value};

use crate::helpers::{
    busy_teams, busy_world, spawn_app_with_plan, spawn_app_with_plan_env, within,
};

fn plan(items: &str) -> String {
    let teams = WorldSpec::default_world().plan_teams();
    format!("[campaign]\nname = \"Test rollout\"\ntimezone = \"UTC\"\nreports_channel = \"change-team\"\n{teams}\n{items}")
}

fn text(msgs: &[Value]) -> Vec<String> {
    msgs.iter()
        .map(|m| m["content"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn late_sends_are_skipped_and_reported_or_sent_once_never_in_a_burst() {
    within(90, async {
        let items = r#"
[[items]]
id = "skip-me"
template = "t.md"
audience = ["Sales"]
schedule = "2026-03-02 09:10"

[[items]]
id = "once"
template = "t.md"
audience = ["Support"]
schedule = "*/20 9 * * *"
misfire = "fire_once"

[[items]]
id = "in-grace"
template = "t.md"
audience = ["Finance"]
schedule = "2026-03-02 10:00"
"#;
        let mut app = spawn_app_with_plan(WorldSpec::default_world(), &plan(items), &[("t.md", "{{ item.id }} for {{ team.name }}")]).await;
        app.stop_herald().await;
        app.advance(70 * 60);
        app.start_herald().await;
        let report = app.wait_for_messages("change-team", 1).await;
        let report = report[0]["content"].as_str().unwrap_or_default().to_string();
        assert!(report.starts_with("**Herald delivery report**"), "{report}");
        assert!(report.contains("• Skipped `skip-me` for Sales: due Mon 2026-03-02 09:10, Herald was 1h 0m late (grace 15m 0s)."), "{report}");
        assert!(report.contains("• Skipped `once` for Support: due Mon 2026-03-02 09:20, Herald was 50m 0s late (grace 15m 0s); a later send of it went instead."), "{report}");
        assert_eq!(text(&app.wait_for_messages("support", 1).await), ["once for Support"], "fire_once sends the latest missed firing, once");
        assert_eq!(text(&app.wait_for_messages("finance", 1).await), ["in-grace for Finance"], "10 minutes late is within the grace");
        app.advance(1);
        assert!(app.messages("sales").await.is_empty(), "beyond the grace is not sent");
        assert_eq!(app.messages("support").await.len(), 1, "no burst of catch-up sends");
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn a_resend_goes_only_to_teams_still_under_the_threshold() {
    within(90, async {
        let items = r#"
[[items]]
id = "kickoff"
template = "t.md"
audience = ["Sales", "Support"]
schedule = "2026-03-02 09:05"
ack = true
resend = { after_hours = 1, below = 0.5 }
"#;
        // Too few acknowledgements propose the playbook's play for them.
        let playbook = "[[plays]]\nid = \"low-acks-meeting\"\ntrigger = \"low_acks\"\ntitle = \"Go through the update in the team meeting\"\nwhat = \"The manager goes through it.\"\nowner = \"manager\"\n";
        let app = crate::helpers::spawn_app_with_plan_files(
            WorldSpec::default_world(),
            &plan(items),
            &[("t.md", "Kick-off for {{ team.name }}")],
            &[("playbook.toml", playbook)],
        )
        .await;
        app.advance(5 * 60);
        let sales = app.wait_for_messages("sales", 1).await;
        app.wait_for_messages("support", 1).await;
        let (msg, button) = (
            sales[0]["id"].as_str().expect("id").to_string(),
            sales[0]["components"][0]["components"][0]["custom_id"]
                .as_str()
                .expect("button")
                .to_string(),
        );
        for who in ["Ava", "Ben", "Chloe", "Dan"] {
            app.click(who, &msg, &button).await;
        }
        app.advance(60 * 60);
        let support = app.wait_for_messages("support", 2).await;
        assert_eq!(
            text(&support),
            ["Kick-off for Support", "**Reminder**: Kick-off for Support"]
        );
        let reminder_button = support[1]["components"][0]["components"][0]["custom_id"]
            .as_str()
            .expect("button")
            .to_string();
        app.click(
            "Finn",
            support[1]["id"].as_str().expect("id"),
            &reminder_button,
        )
        .await;
        app.advance(60);
        assert_eq!(
            app.messages("sales").await.len(),
            1,
            "Sales acknowledged 4 of 6, above the threshold: no re-send"
        );
        let acks = app
            .command(
                "Claire",
                "change-team",
                "comms acks",
                json!({ "item": "kickoff" }),
            )
            .await;
        assert!(
            acks.content.contains("• Sales: 4/6 (66 %)")
                && acks.content.contains("• Support: 1/6 (16 %)"),
            "{}",
            acks.content
        );
        let mut proposals: Vec<String> = vec![];
        for _ in 0..1000 {
            proposals = app
                .messages("change-team")
                .await
                .iter()
                .filter_map(|m| m["content"].as_str())
                .filter(|c| c.starts_with("📋"))
                .map(str::to_string)
                .collect();
            if !proposals.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(proposals.len(), 1, "Support only: {proposals:#?}");
        assert!(
            proposals[0].starts_with("📋 **Proposed for Support: Go through the update in the team meeting**\nSeen: 0 of 6 acknowledged `kickoff` within 1 hour, under the 50 % the plan asks.\n"),
            "{}",
            proposals[0]
        );
        app.finish().await;
    })
    .await;
}

type Seen = Arc<Mutex<Vec<(String, Value)>>>;

/// A webhook receiver: records every POST; `ops` answers 503 the first time.
async fn webhook_server() -> (String, Seen) {
    let seen: Seen = Arc::default();
    async fn hook(
        State(seen): State<Seen>,
        Path(name): Path<String>,
        Json(body): Json<Value>,
    ) -> StatusCode {
        let mut s = seen.lock().expect("lock");
        let first_ops = name == "ops" && !s.iter().any(|(n, _)| n == "ops");
        s.push((name, body));
        if first_ops {
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            StatusCode::OK
        }
    }
    let router = axum::Router::new()
        .route("/hook/:name", axum::routing::post(hook))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    (url, seen)
}

#[tokio::test]
async fn a_team_ping_names_only_that_role_and_mirrors_reach_slack_and_json_webhooks() {
    within(90, async {
        let (hooks, seen) = webhook_server().await;
        let env = vec![
            (
                "HERALD__MIRRORS__SLACK__KIND".to_string(),
                "slack".to_string(),
            ),
            (
                "HERALD__MIRRORS__SLACK__URL".to_string(),
                format!("{hooks}/hook/slack"),
            ),
            ("HERALD__MIRRORS__OPS__KIND".to_string(), "json".to_string()),
            (
                "HERALD__MIRRORS__OPS__URL".to_string(),
                format!("{hooks}/hook/ops"),
            ),
        ];
        let items = r#"
[[items]]
id = "golive"
template = "t.md"
audience = ["Sales"]
schedule = "2026-03-02 09:05"
ping = "team"
mirror = ["slack", "ops"]

[[items]]
id = "quiet"
template = "t.md"
audience = ["Support"]
schedule = "2026-03-02 09:05"
"#;
        let app = spawn_app_with_plan_env(
            WorldSpec::default_world(),
            &plan(items),
            &[("t.md", "Go live for {{ team.name }}")],
            env,
        )
        .await;
        let sales_role = app.id_of("roles", "Sales").await.to_string();
        app.advance(5 * 60);
        let sales = app.wait_for_messages("sales", 1).await;
        assert_eq!(
            sales[0]["content"],
            format!("<@&{sales_role}> Go live for Sales")
        );
        assert_eq!(
            sales[0]["allowed_mentions"]["roles"],
            json!([sales_role]),
            "{}",
            sales[0]["allowed_mentions"]
        );
        assert_eq!(
            sales[0]["allowed_mentions"]["parse"],
            json!([]),
            "no @everyone, @here or other roles"
        );
        let quiet = app.wait_for_messages("support", 1).await;
        assert_eq!(
            quiet[0]["allowed_mentions"]["roles"]
                .as_array()
                .map_or(0, Vec::len),
            0,
            "an item without ping pings nobody"
        );
        for _ in 0..500 {
            if seen.lock().expect("lock").len() >= 3 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        let got = seen.lock().expect("lock").clone();
        let slack: Vec<&Value> = got
            .iter()
            .filter(|(n, _)| n == "slack")
            .map(|(_, b)| b)
            .collect();
        assert_eq!(
            slack,
            [&json!({ "text": "*Test rollout* · Sales\nGo live for Sales" })]
        );
        let ops: Vec<&Value> = got
            .iter()
            .filter(|(n, _)| n == "ops")
            .map(|(_, b)| b)
            .collect();
        assert_eq!(
            ops.len(),
            2,
            "the JSON webhook answered 503 once and was retried"
        );
        assert_eq!(
            (
                ops[1]["item"].clone(),
                ops[1]["team"].clone(),
                ops[1]["text"].clone()
            ),
            (json!("golive"), json!("Sales"), json!("Go live for Sales"))
        );
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn a_429_storm_delivers_every_message_once_and_never_retries_early() {
    within(120, async {
        let n = 30;
        let items = r#"
[[items]]
id = "first"
template = "t.md"
audience = "all"
schedule = "2026-03-02 09:01"

[[items]]
id = "second"
template = "t.md"
audience = "all"
schedule = "2026-03-02 09:01"
"#;
        let plan = format!(
            "[campaign]\nname = \"Storm\"\ntimezone = \"UTC\"\n{}\n{items}",
            busy_teams(n)
        );
        let app = spawn_app_with_plan(
            busy_world(n),
            &plan,
            &[("t.md", "{{ item.id }} for {{ team.name }}")],
        )
        .await;
        app.post(
            "/_sim/faults",
            json!({ "http_429_ratio": 0.3, "enforce_rate_limits": true }),
        )
        .await;
        app.advance(60);
        let mut seen = HashSet::new();
        for c in 0..n {
            for m in app.wait_for_messages(&format!("team-{c:02}"), 2).await {
                assert!(
                    seen.insert(m["content"].as_str().unwrap_or_default().to_string()),
                    "posted twice: {m}"
                );
            }
        }
        assert_eq!(seen.len(), 2 * n);
        let stats = app.stats().await;
        assert_eq!(stats["messages_created"], 2 * n as u64);
        assert!(
            stats["rate_limited"].as_u64().unwrap_or(0) >= 5,
            "the storm happened: {stats}"
        );
        app.finish().await;
    })
    .await;
}
