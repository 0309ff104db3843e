//! Pulse polls end to end: members answer through the private flow with real serenity
//! against the simulator; results, refusals and reminders are checked as a person sees them.

use serde_json::json;

use crate::helpers::within;
use crate::pulse_flow::{
    answer, button, content, fill, opening, pulse_app, pulse_app_with_sets, start,
};

use crate::pulse_results::{expected_lines, section};

#[tokio::test]
async fn one_vote_per_member_replaced_on_change_and_refused_when_closed_outside_or_replayed() {
    within(120, async {
        let app = pulse_app(
            &[("Sales", 6), ("Support", 3)],
            "",
            &[("HERALD__PRIVACY__MIN_GROUP_SIZE", "3")],
        )
        .await;
        // Bad input changes nothing and says what to do.
        let refused = app
            .command(
                "sales-5",
                "sales",
                "pulse start",
                json!({ "set": "adkar", "teams": "Sales", "closes_in": "48h" }),
            )
            .await;
        assert!(
            refused.content.contains("Only change leads"),
            "{}",
            refused.content
        );
        let unknown = start(&app, "Sales, Marketing", "48h").await;
        assert!(
            unknown.contains("There is no team `Marketing`"),
            "{unknown}"
        );
        let forever = start(&app, "Sales", "forever").await;
        assert!(forever.contains("like `48h`"), "{forever}");
        let none = app
            .command("Claire", "change-team", "pulse list", json!({}))
            .await
            .content;
        assert!(none.starts_with("No pulses yet"), "{none}");

        assert!(start(&app, "Sales", "48h").await.contains("Pulse #1"));
        // A double click on Submit counts once.
        let (flow, summary) = fill(&app, "sales-1", "sales", &[4, 4, 4, 4, 4]).await;
        let submit = button(&summary, "Submit");
        assert!(app
            .click("sales-1", &flow, &submit)
            .await
            .content
            .contains("your answers are in"));
        let again = app.click("sales-1", &flow, &submit).await.content;
        assert!(
            again.contains("submitted already; nothing changed"),
            "{again}"
        );
        // A changed answer replaces the first; replaying the first Submit changes nothing.
        let (first_flow, first) = fill(&app, "sales-2", "sales", &[5, 5, 5, 5, 5]).await;
        let first_submit = button(&first, "Submit");
        assert!(app
            .click("sales-2", &first_flow, &first_submit)
            .await
            .content
            .contains("your answers are in"));
        let replaced = answer(&app, "sales-2", "sales", &[1, 1, 1, 1, 1], None).await;
        assert!(replaced.contains("replace your earlier ones"), "{replaced}");
        let replay = app
            .click("sales-2", &first_flow, &first_submit)
            .await
            .content;
        assert!(replay.contains("nothing changed"), "{replay}");
        answer(&app, "sales-3", "sales", &[3, 3, 3, 3, 3], None).await;
        // Someone outside the pulse's teams is turned away politely.
        let (msg, open) = opening(&app, "sales").await;
        let outsider = app.click("support-1", &msg, &open).await;
        assert!(
            outsider.ephemeral && outsider.content.contains("You are not in those teams"),
            "{outsider:?}"
        );
        let listed = app
            .command("Claire", "change-team", "pulse list", json!({}))
            .await
            .content;
        assert!(
            listed.contains("#1 Atlas readiness check")
                && listed.contains("· 3 of 6 answered (50 %) ·"),
            "{listed}"
        );
        let early = app
            .command(
                "Claire",
                "change-team",
                "pulse results",
                json!({ "pulse": "1" }),
            )
            .await
            .content;
        assert!(
            early.contains("still open"),
            "anonymous results wait for the close: {early}"
        );

        let closing = app
            .command(
                "Claire",
                "change-team",
                "pulse close",
                json!({ "pulse": "#1" }),
            )
            .await
            .content;
        assert!(closing.contains("Closing pulse #1"), "{closing}");
        let told = content(&app.wait_for_messages("sales", 2).await[1]);
        assert!(
            told.contains("3 of 6 people answered. Thank you."),
            "{told}"
        );
        let change: String = app
            .wait_for_messages("change-team", 1)
            .await
            .iter()
            .map(content)
            .collect();
        let sales = section(&change, "Sales");
        assert!(
            sales.contains("**Sales** — 3 of 6 answered (50 %, fair)"),
            "{sales}"
        );
        for expected in expected_lines(&[[4, 4, 4, 4, 4], [1, 1, 1, 1, 1], [3, 3, 3, 3, 3]]) {
            assert!(
                sales.contains(&expected),
                "missing `{expected}` in:\n{sales}"
            );
        }
        let late = app.click("sales-4", &msg, &open).await.content;
        assert!(late.contains("This pulse has closed"), "{late}");
        let late_submit = app.click("sales-1", &flow, &submit).await.content;
        assert!(
            late_submit.contains("This pulse has closed"),
            "{late_submit}"
        );
        let results = app
            .command(
                "Claire",
                "change-team",
                "pulse results",
                json!({ "pulse": "1", "team": "Sales" }),
            )
            .await
            .content;
        assert!(results.contains("3 of 6 answered"), "{results}");
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn reminders_reach_exactly_the_non_respondents_at_the_configured_times_and_name_nobody() {
    within(120, async {
        let app = pulse_app(&[("Sales", 6)], "", &[]).await;
        assert!(start(&app, "Sales", "48h")
            .await
            .contains("24 and 4 hours before close"));
        answer(&app, "sales-1", "sales", &[4, 4, 4, 4, 4], None).await;
        let muted = app
            .command("sales-2", "sales", "me reminders", json!({}))
            .await
            .content;
        assert!(muted.contains("reminders are off"), "{muted}");
        let dms = |m: &'static str| {
            let app = &app;
            async move {
                app.get(&format!("/_sim/dms/{m}"))
                    .await
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            }
        };
        let wait_dms = |m: &'static str, n: usize| {
            let app = &app;
            async move {
                for _ in 0..500 {
                    let got = app
                        .get(&format!("/_sim/dms/{m}"))
                        .await
                        .as_array()
                        .cloned()
                        .unwrap_or_default();
                    if got.len() >= n {
                        return got;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
                panic!("{m} did not get {n} reminders");
            }
        };
        app.advance(24 * 3600 - 60);
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        assert!(
            dms("sales-3").await.is_empty(),
            "no reminder before 24 h to close"
        );
        app.advance(61);
        let first = wait_dms("sales-6", 1).await;
        assert!(
            content(&first[0]).contains("Reminder: the pulse **Atlas readiness check**")
                && content(&first[0]).contains("/me reminders")
        );
        app.advance(20 * 3600);
        for m in ["sales-3", "sales-4", "sales-5", "sales-6"] {
            wait_dms(m, 2).await;
        }
        app.advance(4 * 3600);
        app.wait_for_messages("sales", 2).await;
        for m in ["sales-3", "sales-4", "sales-5", "sales-6"] {
            assert_eq!(
                dms(m).await.len(),
                2,
                "{m}: exactly the 24 h and 4 h reminders"
            );
        }
        assert!(
            dms("sales-1").await.is_empty(),
            "who answered gets no reminder"
        );
        assert!(
            dms("sales-2").await.is_empty(),
            "who muted gets no reminder"
        );
        let unmuted = app
            .command("sales-2", "sales", "me reminders", json!({}))
            .await
            .content;
        assert!(
            unmuted.contains("on again"),
            "a second /me reminders turns reminders back on: {unmuted}"
        );
        for channel in ["sales", "change-team"] {
            for m in app.messages(channel).await {
                let text = content(&m);
                assert!(
                    !text.contains("<@") && !text.contains("sales-"),
                    "#{channel} names someone: {text}"
                );
            }
        }
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn a_recurring_plan_pulse_opens_on_schedule_and_closes_after_its_open_hours() {
    within(120, async {
        // The test clock starts on Monday 2026-03-02 at 09:00 UTC.
        let plan = "[[pulses]]\nid = \"monday-enps\"\nset = \"enps\"\naudience = [\"Sales\"]\nschedule = \"0 10 * * MON\"\nopen_hours = 24\n";
        let app = pulse_app(&[("Sales", 5)], plan, &[]).await;
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        assert!(app.messages("sales").await.is_empty(), "not before 10:00");
        app.advance(3600);
        let (msg, open) = opening(&app, "sales").await;
        for (i, score) in [10u8, 9, 8, 3, 10].iter().enumerate() {
            let member = format!("sales-{}", i + 1);
            let r = app.click(&member, &msg, &open).await;
            let r = app.click(&member, &r.message_id, &button(&r.components, &score.to_string())).await;
            let done = app.click(&member, &r.message_id, &button(&r.components, "Submit")).await;
            assert!(done.content.contains("your answers are in"), "{}", done.content);
        }
        app.advance(24 * 3600);
        let told = content(&app.wait_for_messages("sales", 2).await[1]);
        assert!(
            told.contains("colleague in another team”: 3 would, 1 is not sure and 1 would not."),
            "the team reads its answers in words: {told}"
        );
        assert!(!told.contains("eNPS"), "{told}");
        let results: String = app.wait_for_messages("change-team", 1).await.iter().map(content).collect();
        assert!(results.contains("eNPS +40 (3 promoters · 1 passives · 1 detractors)"), "{results}");
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn a_named_pulse_shows_change_leads_who_answered_what_while_open_and_refuses_employees() {
    within(120, async {
        let app = pulse_app(
            &[("Sales", 3), ("Support", 3)],
            "",
            &[("HERALD__PRIVACY__MIN_GROUP_SIZE", "3")],
        )
        .await;
        let started = app
            .command(
                "Claire",
                "change-team",
                "pulse start",
                json!({ "set": "adkar", "teams": "Sales", "closes_in": "1d", "anonymous": false }),
            )
            .await
            .content;
        assert!(started.contains("**not** anonymous"), "{started}");
        let (_, summary) = fill(&app, "sales-1", "sales", &[4, 4, 4, 4, 2]).await;
        assert!(summary.to_string().contains("Submit"));
        let (flow, summary) = fill(&app, "sales-2", "sales", &[5, 5, 5, 5, 5]).await;
        app.click("sales-2", &flow, &button(&summary, "Submit"))
            .await;
        let interim = app
            .command(
                "Claire",
                "change-team",
                "pulse results",
                json!({ "pulse": "1" }),
            )
            .await
            .content;
        let id = app.id_of("members", "sales-2").await;
        assert!(
            interim.contains(&format!("<@{id}> (Sales): 5, 5, 5, 5, 5")),
            "{interim}"
        );
        assert!(
            !interim.contains("4, 4, 4, 4, 2"),
            "only submitted answers count: {interim}"
        );
        // A team the pulse did not go to, and an employee asking, are refused.
        let admin = app
            .command(
                "Claire",
                "change-team",
                "pulse results",
                json!({ "pulse": "1", "team": "Marketing" }),
            )
            .await
            .content;
        assert!(
            admin.contains("did not go to a team `Marketing`"),
            "{admin}"
        );
        let employee = app
            .command("sales-3", "sales", "pulse results", json!({ "pulse": "1" }))
            .await
            .content;
        assert_eq!(
            employee,
            "Only managers and change leads can do this. Your team's pulse results are posted in your team's channel when each pulse closes."
        );
        app.finish().await;
    })
    .await;
}

const TOOLS: &str = r#"
name = "Tools check"
kind = "custom"
comment = false

[[questions]]
id = "tool"
type = "choice"
text = "Which tool do you use most for customer notes?"
options = ["Atlas", "Spreadsheet", "Paper"]

[[questions]]
id = "trained"
type = "yes_no"
text = "Did you go to the Atlas training?"
"#;

#[tokio::test]
async fn a_custom_set_is_answered_with_a_select_and_yes_no_buttons() {
    within(120, async {
        let app = pulse_app_with_sets(&[("Sales", 3)], "", &[("HERALD__PRIVACY__MIN_GROUP_SIZE", "3")], &[("tools.toml", TOOLS)]).await;
        let started = app
            .command("Claire", "change-team", "pulse start", json!({ "set": "tools", "teams": "Sales", "closes_in": "2h" }))
            .await
            .content;
        assert!(started.contains("**Tools check**"), "{started}");
        let (msg, open) = opening(&app, "sales").await;
        for (i, (tool, trained)) in [("1", "Yes"), ("0", "Yes"), ("1", "No")].iter().enumerate() {
            let member = format!("sales-{}", i + 1);
            let r = app.click(&member, &msg, &open).await;
            let select = r.components[0]["components"][0].clone();
            assert_eq!(select["type"], 3, "a choice question is a select: {select}");
            assert_eq!(select["options"].as_array().map(Vec::len), Some(3));
            let started = app
                .post(
                    "/_sim/interactions/component",
                    json!({ "member": member, "message_id": r.message_id, "custom_id": select["custom_id"], "values": [tool] }),
                )
                .await;
            let r = app.reply(started["interaction_id"].as_str().expect("id")).await;
            assert!(r.content.contains("question 2 of 2"), "{}", r.content);
            let r = app.click(&member, &r.message_id, &button(&r.components, trained)).await;
            let done = app.click(&member, &r.message_id, &button(&r.components, "Submit")).await;
            assert!(done.content.contains("your answers are in"), "{}", done.content);
        }
        app.advance(2 * 3600);
        let told = content(&app.wait_for_messages("sales", 2).await[1]);
        assert!(told.contains("On “Which tool do you use most for customer notes”: most of you said “Spreadsheet”."), "{told}");
        assert!(told.contains("On “Did you go to the Atlas training”: most of you said “Yes”."), "{told}");
        let results: String = app.wait_for_messages("change-team", 1).await.iter().map(content).collect();
        assert!(results.contains("Q1 Which tool do you use most for customer notes?: Atlas:1 Spreadsheet:2 Paper:0"), "{results}");
        assert!(results.contains("Q2 Did you go to the Atlas training?: No:1 Yes:2"), "{results}");
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn two_submit_clicks_at_once_record_the_answers_once() {
    within(90, async {
        let app = pulse_app(&[("Sales", 3)], "", &[]).await;
        assert!(start(&app, "Sales", "48h").await.contains("Pulse #1"));
        let (flow, summary) = fill(&app, "sales-1", "sales", &[4, 4, 4, 4, 4]).await;
        let submit = button(&summary, "Submit");
        let dispatch = || {
            app.post(
                "/_sim/interactions/component",
                json!({ "member": "sales-1", "message_id": flow, "custom_id": submit }),
            )
        };
        let (first, second) = (dispatch().await, dispatch().await);
        let mut said = Vec::new();
        for started in [first, second] {
            let id = started["interaction_id"].as_str().expect("dispatched");
            said.push(app.reply(id).await.content);
        }
        said.sort();
        assert!(said[0].contains("your answers are in"), "{said:?}");
        assert!(
            said[1].contains("submitted already; nothing changed"),
            "{said:?}"
        );
        let listed = app
            .command("Claire", "change-team", "pulse list", json!({}))
            .await
            .content;
        assert!(listed.contains("· 1 of 3 answered (33 %) ·"), "{listed}");
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn a_pulse_that_cannot_reach_a_team_s_channel_is_reported_and_the_other_team_still_gets_it() {
    within(90, async {
        let app = pulse_app(&[("Sales", 5), ("Support", 5)], "", &[]).await;
        let store = &app.herald().app.store;
        let guild = herald::domain::ids::GuildId(app.guild_id().await);
        let support = store
            .team_by_name(guild, "Support")
            .await
            .expect("read")
            .expect("team");
        store.remove_team(guild, "Support").await.expect("remove");
        let name = herald::domain::team::TeamName::parse("Support").expect("name");
        store
            .add_team(guild, &name, support.role, herald::domain::ids::ChannelId(42), 0)
            .await
            .expect("re-add with a gone channel");
        let opened = start(&app, "Sales, Support", "48h").await;
        assert!(opened.contains("is open for Sales, Support"), "{opened}");
        opening(&app, "sales").await;
        let report = app.wait_for_messages("change-team", 1).await;
        assert_eq!(
            content(&report[0]),
            "**Herald delivery report**\n• Could not post pulse #1 Atlas readiness check to Support (<#42>): Discord answered 404 Not Found: Unknown Channel. That team cannot answer it; let Herald post in the channel, then start a pulse for that team with `/pulse start`.\n"
        );
        app.finish().await;
    })
    .await;
}
