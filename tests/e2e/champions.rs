//! Champions end to end: recognitions (who may, the daily cap, the card and its single
//! ping), nominations, the roster's coverage, leaderboards and wins. The campaign here is
//! shared with the story tests (`stories.rs`) and autocomplete.

use std::collections::HashMap;

use herald::sim::world::WorldSpec;
use serde_json::json;

use crate::helpers::{spawn_app_with_dir, within, TestApp};
use crate::pulse_flow::content;

const STORY: &str = "---\ntitle = \"Weekly\"\n---\nREADINESS {{ story.readiness }}\n\nACK {{ story.ack_rate }}\n\nWEEK {{ story.champions_of_week }}\n\nWINS {{ story.wins }}\n";

/// The default world (Maya manages Sales) with a plan: one acknowledged item, the
/// shipped question sets and a story.
pub(crate) async fn app(env: &[(&str, &str)]) -> TestApp {
    app_with_story(env, STORY).await
}

/// As [`app`], with `story` as `stories/weekly.md` (sent to Finance at 12:00).
pub(crate) async fn app_with_story(env: &[(&str, &str)], story: &str) -> TestApp {
    app_with_plan(env, story, "").await
}

/// As [`app_with_story`], with `more` (such as `[[metrics]]`) added to the plan.
pub(crate) async fn app_with_plan(env: &[(&str, &str)], story: &str, more: &str) -> TestApp {
    app_with_files(env, story, more, &[]).await
}

/// As [`app_with_plan`], with more files (path in the messages folder, text).
pub(crate) async fn app_with_files(
    env: &[(&str, &str)],
    story: &str,
    more: &str,
    files: &[(&str, &str)],
) -> TestApp {
    let world = WorldSpec::default_world();
    let dir = tempfile::tempdir().expect("dir");
    let plan = format!(
        "[campaign]\nname = \"Atlas\"\ntimezone = \"UTC\"\nreports_channel = \"change-team\"\n{more}\n{}\n[[items]]\nid = \"kickoff\"\ntemplate = \"kickoff.md\"\naudience = \"all\"\nschedule = \"2030-01-01 09:00\"\nack = true\n\n[[items]]\nid = \"weekly\"\ntemplate = \"stories/weekly.md\"\naudience = [\"Finance\"]\nschedule = \"2026-03-02 12:00\"\n",
        world.plan_teams()
    );
    std::fs::write(dir.path().join("plan.toml"), plan).expect("plan");
    for sub in ["templates", "polls", "stories"] {
        std::fs::create_dir(dir.path().join(sub)).expect("dir");
    }
    std::fs::write(
        dir.path().join("templates/kickoff.md"),
        "Atlas is coming, {{ team.name }}.\n\nYour champions: {{ team.champions }}.",
    )
    .expect("template");
    std::fs::write(dir.path().join("stories/weekly.md"), story).expect("story");
    herald::sim::world::copy_shipped_polls(dir.path()).expect("the shipped polls");
    for (path, text) in files {
        std::fs::write(dir.path().join(path), text).expect("a file");
    }
    let env = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    spawn_app_with_dir(world, dir, env).await
}

pub(crate) async fn recognize(app: &TestApp, giver: &str, member: &str, reason: &str) -> String {
    app.command(
        giver,
        "sales",
        "recognize",
        json!({ "member": member, "reason": reason, "value": "Early adopter" }),
    )
    .await
    .content
}

#[tokio::test]
async fn managers_recognise_within_a_daily_cap_and_the_card_pings_only_the_member() {
    within(120, async {
        let app = app(&[]).await;
        let ava = app.id_of("members", "Ava").await;
        let done = recognize(&app, "Maya", "Ava", "Showed Ben the renewal view").await;
        assert!(
            done.starts_with(&format!("Recognised <@{ava}> for **Early adopter**")),
            "{done}"
        );
        let card = app.wait_for_messages("sales", 1).await[0].clone();
        assert_eq!(content(&card), format!("<@{ava}>"));
        assert_eq!(card["embeds"][0]["title"], "🌟 Recognition: Early adopter");
        assert!(card["embeds"][0]["description"]
            .as_str()
            .unwrap_or_default()
            .contains("Showed Ben the renewal view"));
        assert_eq!(
            card["allowed_mentions"]["users"],
            json!([ava.to_string()]),
            "only the member is pinged"
        );
        assert_eq!(card["allowed_mentions"]["roles"], json!([]));
        let dm = app.get("/_sim/dms/Ava").await;
        assert!(content(&dm[0]).starts_with("Thank you!"), "{dm}");
        // Refusals store nothing and post nothing.
        let employee = recognize(&app, "Ben", "Ava", "Nice").await;
        assert!(
            employee.contains("Only managers and change leads"),
            "{employee}"
        );
        let own = recognize(&app, "Maya", "Maya", "Me").await;
        assert!(own.contains("cannot recognise yourself"), "{own}");
        let bad_value = app
            .command(
                "Maya",
                "sales",
                "recognize",
                json!({ "member": "Ben", "reason": "x", "value": "Fastest typist" }),
            )
            .await
            .content;
        assert!(
            bad_value.contains(
                "is not one of the values: Helped a colleague, Early adopter, Great feedback"
            ),
            "{bad_value}"
        );
        // Nine more make ten today; the eleventh is refused and names the cap.
        let mut expected: HashMap<&str, usize> = HashMap::from([("Ava", 1)]);
        for (i, who) in [
            "Ben", "Chloe", "Ben", "Dan", "Ben", "Ella", "Chloe", "Ava", "Ben",
        ]
        .iter()
        .enumerate()
        {
            let r = recognize(&app, "Maya", who, &format!("help #{i}")).await;
            assert!(r.starts_with("Recognised"), "{r}");
            *expected.entry(who).or_default() += 1;
        }
        let capped = recognize(&app, "Maya", "Dan", "one too many").await;
        assert!(
            capped.contains("given 10 recognitions today, the daily cap (champions.daily_cap)"),
            "{capped}"
        );
        assert_eq!(app.messages("sales").await.len(), 10, "ten cards, no more");
        let board = app
            .command("Claire", "change-team", "champions leaderboard", json!({}))
            .await
            .content;
        for (name, n) in &expected {
            let id = app.id_of("members", name).await;
            assert!(
                board.contains(&format!(
                    "<@{id}> — {n} {} (Sales)",
                    if *n == 1 {
                        "recognition"
                    } else {
                        "recognitions"
                    }
                )),
                "{name} {n}:\n{board}"
            );
        }
        assert!(
            board.contains(&format!(
                "1. <@{}> — 4 recognitions",
                app.id_of("members", "Ben").await
            )),
            "{board}"
        );
        // A new day, a new allowance.
        app.advance(24 * 3600);
        assert!(recognize(&app, "Maya", "Dan", "next day")
            .await
            .starts_with("Recognised"));
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn the_roster_flags_teams_without_champions_and_wins_are_logged() {
    within(120, async {
        let app = app(&[]).await;
        let ava = app.id_of("members", "Ava").await;
        let n = app.command("Maya", "sales", "champion nominate", json!({ "member": "Ava" })).await.content;
        assert_eq!(n, format!("<@{ava}> is now a champion for Sales; they got a direct message explaining the role."));
        let maya = app.id_of("members", "Maya").await;
        let told = app.get("/_sim/dms/Ava").await;
        let told = told.as_array().expect("dms").last().expect("a direct message")["content"].as_str().expect("text").to_string();
        assert!(told.starts_with(&format!("You are now a change champion for **Sales**, nominated by <@{maya}>.")), "{told}");
        assert!(told.contains("• helping colleagues who are stuck"), "{told}");
        let elsewhere = app.command("Maya", "sales", "champion nominate", json!({ "member": "Finn" })).await.content;
        let finn = app.id_of("members", "Finn").await;
        assert_eq!(elsewhere, format!("<@{finn}> is in Support, not one of your teams, so nothing changed. You can nominate champions in your own team; Support's manager or a change lead nominates there."));
        let by_lead = app.command("Claire", "change-team", "champion nominate", json!({ "member": "Finn" })).await.content;
        assert!(by_lead.starts_with(&format!("<@{finn}> is now a champion for Support")), "{by_lead}");
        app.command("Claire", "change-team", "champion remove", json!({ "member": "Finn" })).await;
        let again = app.command("Maya", "sales", "champion nominate", json!({ "member": "Ava" })).await.content;
        assert!(again.contains("already a champion"), "{again}");
        let refused = app.command("Ben", "sales", "champion nominate", json!({ "member": "Ben" })).await.content;
        assert!(refused.contains("Only managers"), "{refused}");
        let list = app.command("Ben", "sales", "champion list", json!({})).await.content;
        assert!(list.contains(&format!("• Sales: 1 champion for 6 people (<@{ava}>)")), "{list}");
        assert!(list.contains("• Support: 0 champions for 6 people — ⚠ no champion"), "{list}");
        assert!(list.contains("• Finance: 0 champions for 6 people — ⚠ no champion"), "{list}");
        let removed = app.command("Maya", "sales", "champion remove", json!({ "member": "Ava" })).await.content;
        assert!(removed.contains("no longer on the champion roster"), "{removed}");
        let win = app
            .command("Claire", "change-team", "win add", json!({ "title": "First renewal in Atlas", "description": "Sales closed a renewal from one record.", "team": "sales" }))
            .await
            .content;
        assert_eq!(win, "Win #1 logged: **First renewal in Atlas**.");
        let unknown = app.command("Claire", "change-team", "win add", json!({ "title": "x", "description": "y", "team": "Legal" })).await.content;
        assert!(unknown.contains("There is no team `Legal`"), "{unknown}");
        let wins = app.command("Ava", "sales", "win list", json!({})).await.content;
        assert!(wins.contains("• #1 **First renewal in Atlas** (Sales) — Sales closed a renewal from one record."), "{wins}");
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn a_plan_message_names_the_teams_champions_without_pinging_them() {
    within(120, async {
        let app = app(&[]).await;
        let ava = app.id_of("members", "Ava").await;
        let ben = app.id_of("members", "Ben").await;
        for who in ["Ava", "Ben"] {
            app.command(
                "Maya",
                "sales",
                "champion nominate",
                json!({ "member": who }),
            )
            .await;
        }
        let sent = app
            .command(
                "Claire",
                "change-team",
                "comms send",
                json!({ "item": "kickoff" }),
            )
            .await
            .content;
        assert!(sent.contains("kickoff"), "{sent}");
        let sales = app.wait_for_messages("sales", 1).await;
        let support = app.wait_for_messages("support", 1).await;
        let last = |msgs: &[serde_json::Value]| msgs.last().cloned().expect("a message");
        assert_eq!(
            content(&last(&sales)),
            format!("Atlas is coming, Sales.\n\nYour champions: <@{ava}> and <@{ben}>."),
            "Sales reads its champions by name"
        );
        let allowed = last(&sales)["allowed_mentions"].to_string();
        assert!(
            !allowed.contains(&ava.to_string())
                && !allowed.contains("\"users\"]")
                && !allowed.contains("\"users\","),
            "no champion is pinged: {allowed}"
        );
        assert_eq!(
            content(&last(&support)),
            "Atlas is coming, Support.\n\nYour champions: none named yet.",
            "a team without champions is told so, not given Sales' names"
        );
        app.finish().await;
    })
    .await;
}
