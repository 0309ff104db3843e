//! Autocomplete as people type, through the simulator: plan items, pulses, question sets,
//! story templates and teams, offered only to those who may act on them.

use serde_json::json;

use crate::helpers::{within, TestApp};

/// What `member` is offered while typing `text` into `focused` of `command`.
async fn offered(
    app: &TestApp,
    member: &str,
    channel: &str,
    command: &str,
    focused: &str,
    text: &str,
) -> Vec<(String, String)> {
    let started = app
        .post("/_sim/interactions/autocomplete", json!({ "member": member, "channel": channel, "command": command, "options": { focused: text }, "focused": focused }))
        .await;
    let id = started["interaction_id"]
        .as_str()
        .unwrap_or_else(|| panic!("not dispatched: {started}"))
        .to_string();
    let got = app
        .get(&format!("/_sim/interactions/{id}?wait_ms=5000"))
        .await;
    let answer = &got["responses"][0];
    assert_eq!(answer["type"], 8, "answered with choices: {got}");
    answer["choices"]
        .as_array()
        .expect("choices")
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap_or("").to_string(),
                c["value"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn values(choices: &[(String, String)]) -> Vec<&str> {
    choices.iter().map(|(_, v)| v.as_str()).collect()
}

#[tokio::test]
async fn items_sets_stories_and_teams_are_offered_to_those_who_may_use_them() {
    within(120, async {
        let app = crate::champions::app(&[]).await;
        let lead = |command: &'static str, focused: &'static str, text: &'static str| {
            let app = &app;
            async move { offered(app, "Claire", "change-team", command, focused, text).await }
        };
        assert_eq!(
            lead("comms send", "item", "kick").await,
            [(
                "kickoff — Atlas is coming, Sales.".to_string(),
                "kickoff".to_string()
            )]
        );
        assert_eq!(
            offered(&app, "Ava", "sales", "comms send", "item", "").await,
            [],
            "an employee is offered no plan items"
        );
        assert_eq!(
            values(&lead("comms pause", "which", "").await),
            ["all", "kickoff", "weekly"]
        );
        assert_eq!(
            lead("story post", "template", "WEE").await,
            [("weekly".to_string(), "weekly".to_string())]
        );
        let sets = lead("pulse start", "set", "").await;
        assert_eq!(values(&sets), ["adkar", "enps"]);
        assert!(sets[0].0.starts_with("adkar — "), "{sets:?}");
        assert_eq!(
            values(&lead("readiness", "team", "").await),
            ["Finance", "Sales", "Support"]
        );
        assert_eq!(
            values(&offered(&app, "Maya", "sales", "readiness", "team", "").await),
            ["Sales"],
            "a manager is offered their own team"
        );
        assert_eq!(
            values(&offered(&app, "Ava", "sales", "champion list", "team", "su").await),
            ["Support"]
        );
        assert_eq!(
            values(&lead("pulse start", "teams", "").await),
            ["all", "Finance", "Sales", "Support"]
        );
        assert_eq!(
            values(&lead("pulse start", "teams", "Sales, su").await),
            ["Sales, Support"],
            "the list so far is kept and its last name completed"
        );
        assert_eq!(
            values(&lead("comms announce", "audience", "Finance,").await),
            ["Finance, Sales", "Finance, Support"]
        );
        assert_eq!(
            offered(&app, "Maya", "sales", "pulse start", "teams", "").await,
            [],
            "a manager is offered no team list for a change lead's command"
        );
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn pulses_are_offered_open_for_closing_and_closed_for_results() {
    within(120, async {
        let app = crate::champions::app(&[]).await;
        let started = app
            .command(
                "Claire",
                "change-team",
                "pulse start",
                json!({ "set": "adkar", "teams": "Sales", "closes_in": "48h" }),
            )
            .await;
        assert!(
            started.content.starts_with("Pulse #1"),
            "{}",
            started.content
        );
        let open = offered(&app, "Claire", "change-team", "pulse close", "pulse", "").await;
        assert_eq!(values(&open), ["1"]);
        assert!(
            open[0].0.starts_with("#1 ") && open[0].0.contains("(adkar) · open until "),
            "{open:?}"
        );
        assert_eq!(
            offered(&app, "Claire", "change-team", "pulse results", "pulse", "").await,
            []
        );
        assert_eq!(
            offered(&app, "Maya", "sales", "pulse close", "pulse", "").await,
            [],
            "only change leads close pulses"
        );
        let closed = app
            .command(
                "Claire",
                "change-team",
                "pulse close",
                json!({ "pulse": "1" }),
            )
            .await;
        assert!(!closed.content.is_empty());
        let results = offered(&app, "Maya", "sales", "pulse results", "pulse", "#1").await;
        assert_eq!(values(&results), ["1"]);
        assert!(
            results[0].0.ends_with("· closing now") || results[0].0.contains("· closed "),
            "{results:?}"
        );
        assert_eq!(
            offered(&app, "Claire", "change-team", "pulse close", "pulse", "").await,
            []
        );
        app.finish().await;
    })
    .await;
}
