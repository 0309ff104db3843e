//! The pulse answer flow as a person goes through it in the simulator: a plan with the
//! shipped question sets, the pulse message, the private screens, Submit and the modal.
//! Shared by the pulse, anonymity, champions and sentiment tests.

use herald::sim::world::WorldSpec;
use serde_json::{json, Value};

use crate::helpers::{spawn_app_with_dir, TestApp};

/// Herald in a guild with these teams (see `WorldSpec::teams`), a plan declaring them
/// plus `extra`, and the shipped question sets.
pub(crate) async fn pulse_app(
    teams: &[(&str, usize)],
    extra: &str,
    env: &[(&str, &str)],
) -> TestApp {
    pulse_app_with_sets(teams, extra, env, &[]).await
}

/// As `pulse_app`, with more question sets: (file name, TOML).
pub(crate) async fn pulse_app_with_sets(
    teams: &[(&str, usize)],
    extra: &str,
    env: &[(&str, &str)],
    sets: &[(&str, &str)],
) -> TestApp {
    let w = WorldSpec::teams(teams, false, &[]);
    let dir = tempfile::tempdir().expect("dir");
    let plan = format!(
        "[campaign]\nname = \"Atlas\"\ntimezone = \"UTC\"\nreports_channel = \"change-team\"\n{}\n{extra}",
        w.plan_teams()
    );
    std::fs::write(dir.path().join("plan.toml"), plan).expect("plan");
    std::fs::create_dir(dir.path().join("templates")).expect("templates");
    herald::sim::world::copy_shipped_polls(dir.path()).expect("the shipped polls");
    for (name, text) in sets {
        std::fs::write(dir.path().join("polls").join(name), text).expect("set");
    }
    let env = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    spawn_app_with_dir(w, dir, env).await
}

pub(crate) fn buttons(components: &Value) -> Vec<(String, String, bool)> {
    components
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .map(|b| {
            (
                b["label"].as_str().unwrap_or_default().to_string(),
                b["custom_id"].as_str().unwrap_or_default().to_string(),
                b["disabled"].as_bool().unwrap_or(false),
            )
        })
        .collect()
}

pub(crate) fn button(components: &Value, label: &str) -> String {
    buttons(components)
        .into_iter()
        .find(|(l, _, _)| l == label)
        .map(|(_, id, _)| id)
        .unwrap_or_else(|| panic!("no button `{label}` in {components}"))
}

/// The pulse message in a team channel: (message id, the Answer button's custom_id).
/// Waits for it: in a channel that already holds other messages it may come a moment later.
pub(crate) async fn opening(app: &TestApp, channel: &str) -> (String, String) {
    let is_pulse = |m: &Value| {
        m["content"]
            .as_str()
            .unwrap_or_default()
            .starts_with("**Pulse:")
    };
    let mut msgs = app.wait_for_messages(channel, 1).await;
    for _ in 0..500 {
        if msgs.iter().any(is_pulse) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        msgs = app.messages(channel).await;
    }
    let m = msgs
        .iter()
        .find(|m| is_pulse(m))
        .unwrap_or_else(|| panic!("no pulse message in #{channel}: {msgs:?}"));
    (
        m["id"].as_str().expect("id").to_string(),
        button(&m["components"], "Answer"),
    )
}

/// A member's flow up to the summary: (flow message id, the summary's components).
pub(crate) async fn fill(
    app: &TestApp,
    member: &str,
    channel: &str,
    answers: &[u8],
) -> (String, Value) {
    let (msg, open) = opening(app, channel).await;
    let mut r = app.click(member, &msg, &open).await;
    assert!(r.ephemeral, "the flow is private: {r:?}");
    assert!(r.content.contains("question 1 of"), "{}", r.content);
    let flow = r.message_id.clone();
    for a in answers {
        r = app
            .click(member, &flow, &button(&r.components, &a.to_string()))
            .await;
        assert_eq!(r.kind, 7, "answers update the same private message");
    }
    assert!(r.content.contains("your answers"), "{}", r.content);
    (flow, r.components)
}

/// Answers and submits; returns what the member reads at the end.
pub(crate) async fn answer(
    app: &TestApp,
    member: &str,
    channel: &str,
    answers: &[u8],
    comment: Option<&str>,
) -> String {
    let (flow, summary) = fill(app, member, channel, answers).await;
    match comment {
        None => {
            app.click(member, &flow, &button(&summary, "Submit"))
                .await
                .content
        }
        Some(text) => {
            let m = app
                .click(member, &flow, &button(&summary, "Add a comment and submit"))
                .await;
            assert_eq!(m.kind, 9, "a modal asks for the comment");
            let started = app
                .post(
                    "/_sim/interactions/modal",
                    json!({ "member": member, "channel": channel, "custom_id": m.custom_id, "message_id": flow, "fields": { "comment": text } }),
                )
                .await;
            let answered = app
                .reply(started["interaction_id"].as_str().expect("id"))
                .await;
            if answered.content.contains("your answers are in") {
                assert_eq!(answered.kind, 7, "the comment's answer replaces the flow");
                let flow_now = app
                    .get(&format!("/api/v10/channels/0/messages/{flow}"))
                    .await;
                assert_eq!(
                    flow_now["content"].as_str(),
                    Some(answered.content.as_str())
                );
                assert_eq!(
                    flow_now["components"],
                    json!([]),
                    "no stale Submit: {flow_now}"
                );
            }
            answered.content
        }
    }
}

pub(crate) async fn start(app: &TestApp, teams: &str, closes_in: &str) -> String {
    app.command(
        "Claire",
        "change-team",
        "pulse start",
        json!({ "set": "adkar", "teams": teams, "closes_in": closes_in }),
    )
    .await
    .content
}

pub(crate) fn content(m: &Value) -> String {
    m["content"].as_str().unwrap_or_default().to_string()
}

/// The line of `text` that starts with `prefix`.
pub(crate) fn line<'a>(text: &'a str, prefix: &str) -> &'a str {
    text.lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting `{prefix}` in:\n{text}"))
}
