//! Teams' own calendars through the simulator: each team gets a send at its own local
//! time, a send on a team's holiday moves to its next working day, and what a team reads
//! is joined into sentences with its own "what it means for you".

use herald::sim::WorldSpec;
use serde_json::Value;

use crate::helpers::{spawn_app_with_plan, within, TestApp};

const PLAN: &str = r#"
[campaign]
name = "Atlas"
timezone = "Europe/London"
go_live = "2026-03-09"
reports_channel = "change-team"

[holidays.finance-days]
2026-03-04 = "Finance close day"

[[teams]]
name = "Sales"
role = "Sales"
channel = "sales"

[[teams]]
name = "Support"
role = "Support"
channel = "support"
timezone = "America/New_York"

[[teams]]
name = "Finance"
role = "Finance"
channel = "finance"
holidays = "finance-days"

[[items]]
id = "kickoff"
template = "kickoff.md"
audience = "all"
schedule = "go_live - 6d at 09:00"

[[items]]
id = "update"
template = "update.md"
audience = ["Sales", "Finance"]
schedule = "2026-03-04 10:00"
"#;

const KICKOFF: &str = r#"---
[wiifm]
Sales = "Renewals and pipeline in one place."
everyone = "One record per customer."
---
Good morning, {{ team.name }}: it is
{{ today }} where you are, and Atlas
starts today.
"#;

const UPDATE: &str = "The data check is on\n{{ today }}.\n";

/// The test clock starts on Monday 2 March 2026 at 09:00 UTC (09:00 in London, 04:00 in
/// New York).
async fn app() -> TestApp {
    spawn_app_with_plan(
        WorldSpec::default_world(),
        PLAN,
        &[("kickoff.md", KICKOFF), ("update.md", UPDATE)],
    )
    .await
}

fn contents(msgs: &[Value]) -> Vec<String> {
    msgs.iter()
        .map(|m| m["content"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Polls a while: `channel` still holds exactly `n` messages.
async fn stays_at(app: &TestApp, channel: &str, n: usize) {
    for _ in 0..30 {
        assert_eq!(app.messages(channel).await.len(), n, "#{channel}");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

const HOUR: i64 = 3600;

#[tokio::test]
async fn two_teams_in_different_zones_each_get_the_kickoff_at_nine_their_time() {
    within(90, async {
        let app = app().await;
        // Tuesday 08:59 in London: nobody yet.
        app.advance(24 * HOUR - 60);
        stays_at(&app, "sales", 0).await;
        app.advance(60);
        let sales = app.wait_for_messages("sales", 1).await;
        assert_eq!(
            contents(&sales),
            ["Good morning, Sales: it is Tuesday 3 March where you are, and Atlas starts today.\n\n**What it means for you:** Renewals and pipeline in one place."]
        );
        app.wait_for_messages("finance", 1).await;
        // 09:00 in London is 04:00 in New York: Support waits until 09:00 there (14:00 UTC).
        app.advance(5 * HOUR - 60);
        stays_at(&app, "support", 0).await;
        app.advance(60);
        let support = app.wait_for_messages("support", 1).await;
        assert_eq!(
            contents(&support),
            ["Good morning, Support: it is Tuesday 3 March where you are, and Atlas starts today.\n\n**What it means for you:** One record per customer."]
        );
    })
    .await;
}

#[tokio::test]
async fn a_send_on_a_team_s_holiday_moves_to_its_next_working_day_at_the_same_time() {
    within(90, async {
        let app = app().await;
        app.advance(24 * HOUR);
        app.wait_for_messages("sales", 1).await;
        app.wait_for_messages("finance", 1).await;
        // Wednesday 4 March 10:00: Sales gets the update; it is Finance's close day.
        app.advance(25 * HOUR);
        app.wait_for_messages("sales", 2).await;
        let sales = app.messages("sales").await;
        assert_eq!(
            contents(&sales)[1],
            "The data check is on Wednesday 4 March."
        );
        stays_at(&app, "finance", 1).await;
        // Thursday 09:59: still not; 10:00: Finance reads it on its next working day.
        app.advance(24 * HOUR - 60);
        stays_at(&app, "finance", 1).await;
        app.advance(60);
        let finance = app.wait_for_messages("finance", 2).await;
        assert_eq!(
            contents(&finance)[1],
            "The data check is on Thursday 5 March."
        );
    })
    .await;
}

const BRIEF_PLAN: &str = r#"
[campaign]
name = "Atlas"
timezone = "UTC"
reports_channel = "change-team"

[sponsors.maria]
name = "Maria Okafor"
title = "Chief Revenue Officer"
avatar = "https://example.com/maria.png"

[[teams]]
name = "Sales"
role = "Sales"
channel = "sales"

[[items]]
id = "vision"
template = "vision.md"
audience = ["Sales"]
schedule = "2026-03-04 09:00"
sponsor = "maria"
brief_managers = "24h"
"#;

const VISION: &str = r#"---
title = "Where Atlas takes us"
brief = "Tell them why: no more renewals lost in spreadsheets."
---
One record per customer,
for all of us.
"#;

async fn dms(app: &TestApp, member: &str) -> Vec<Value> {
    app.get(&format!("/_sim/dms/{member}"))
        .await
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn managers_are_briefed_a_day_before_their_team_and_the_team_hears_the_sponsor() {
    within(90, async {
        let app = spawn_app_with_plan(
            WorldSpec::default_world(),
            BRIEF_PLAN,
            &[("vision.md", VISION)],
        )
        .await;
        // Tuesday 08:59: no briefing yet.
        app.advance(24 * HOUR - 60);
        stays_at(&app, "sales", 0).await;
        assert!(dms(&app, "Maya").await.is_empty());
        app.advance(60);
        let mut briefing = Vec::new();
        for _ in 0..200 {
            briefing = dms(&app, "Maya").await;
            if !briefing.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert_eq!(briefing.len(), 1, "one briefing for Sales's manager");
        let b = &briefing[0];
        let send_ts = 1_772_614_800; // Wed 4 March 2026 09:00 UTC
        assert_eq!(
            b["content"],
            format!("**A briefing for Sales's managers.** Your team reads the message below <t:{send_ts}:F> (<t:{send_ts}:R>). You see it first so you can answer their questions.")
        );
        assert_eq!(b["embeds"][0]["title"], "Where Atlas takes us");
        assert_eq!(b["embeds"][0]["description"], "One record per customer, for all of us.");
        assert_eq!(b["embeds"][1]["title"], "What to tell your team");
        assert_eq!(
            b["embeds"][1]["description"],
            "Tell them why: no more renewals lost in spreadsheets."
        );
        assert!(dms(&app, "Ava").await.is_empty(), "only managers are briefed");
        assert!(dms(&app, "Marco").await.is_empty(), "only Sales's manager");
        stays_at(&app, "sales", 0).await;
        // Wednesday 09:00: the team reads it, in the sponsor's name.
        app.advance(24 * HOUR);
        let sales = app.wait_for_messages("sales", 1).await;
        let embed = &sales[0]["embeds"][0];
        assert_eq!(embed["author"]["name"], "Maria Okafor, Chief Revenue Officer");
        assert_eq!(embed["author"]["icon_url"], "https://example.com/maria.png");
        assert_eq!(embed["description"], "One record per customer, for all of us.");
        assert_eq!(dms(&app, "Maya").await.len(), 1, "briefed once");
    })
    .await;
}

const PULSE_PLAN: &str = r#"
[campaign]
name = "Atlas"
timezone = "UTC"
reports_channel = "change-team"

[[teams]]
name = "Sales"
role = "Sales"
channel = "sales"

[[items]]
id = "kickoff"
template = "kickoff.md"
audience = ["Sales"]
schedule = "2026-03-20 09:00"

[[pulses]]
id = "readiness"
set = "adkar"
audience = ["Sales"]
schedule = "2026-03-03 13:00"
open_hours = 48
"#;

#[tokio::test]
async fn the_change_lead_s_timeline_shows_pulses_and_an_empty_window_names_the_next_send() {
    within(90, async {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::create_dir_all(dir.path().join("templates")).expect("mkdir");
        std::fs::create_dir_all(dir.path().join("polls")).expect("mkdir");
        std::fs::write(dir.path().join("plan.toml"), PULSE_PLAN).expect("plan");
        std::fs::write(dir.path().join("templates/kickoff.md"), "Atlas starts.\n").expect("t");
        let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("messages/polls/adkar.toml");
        std::fs::copy(shipped, dir.path().join("polls/adkar.toml")).expect("poll");
        let app = crate::helpers::spawn_app_with_dir(WorldSpec::default_world(), dir, vec![]).await;
        let opens = 1_772_542_800; // Tue 3 March 2026 13:00 UTC
        let closes = opens + 48 * 3600;
        let listed = app.command("Claire", "change-team", "comms list", serde_json::json!({})).await;
        for line in [
            format!("<t:{opens}:F> pulse opens `readiness` → Sales"),
            format!("<t:{}:F> pulse reminder `readiness` → Sales", closes - 24 * 3600),
            format!("<t:{}:F> pulse reminder `readiness` → Sales", closes - 4 * 3600),
            format!("<t:{closes}:F> pulse closes `readiness` → Sales"),
        ] {
            assert!(listed.content.contains(&line), "missing `{line}` in:\n{}", listed.content);
        }
        let preview = app
            .command("Claire", "change-team", "comms preview", serde_json::json!({ "days": 1 }))
            .await;
        assert_eq!(
            preview.content,
            "Nothing is planned in the next 1 day. The next is `readiness` to Sales on <t:1772542800:F>."
        );
    })
    .await;
}
