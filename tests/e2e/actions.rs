//! Closing the loop end to end: a readiness barrier becomes a proposal in the change
//! team's channel; bad owners, dates and clicks change nothing; scheduling sends the
//! follow-up to that team only, briefs its manager, tells the owner and reminds them the
//! day before; a second proposal is dismissed with a reason; `/actions` lists and closes.

use serde_json::{json, Value};

use crate::helpers::{within, Reply, TestApp};
use crate::pulse_flow::content;

const PLAYBOOK: &str = r#"
[[plays]]
id = "desire-listening"
trigger = "barrier.desire"
title = "A sponsor listening session"
what = "The sponsor hears what worries the team."
owner = "sponsor"
follow_up = "follow-up.md"
brief_managers = true
repulse_days = 7

[[plays]]
id = "knowledge-training"
trigger = "barrier.knowledge"
title = "An extra training session"
what = "A hands-on session on the screens the team uses most."
owner = "change_lead"

[[plays]]
id = "knowledge-champion"
trigger = "barrier.knowledge"
title = "A champion walks the team through it"
what = "A champion shows the team the screens they use most, at their desks."
owner = "champion"
"#;

const FOLLOW_UP: &str = "---\ntitle = \"We heard you\"\n---\nYou told us, {{ team.name }}, that this does not feel like it is for you yet.";

async fn app() -> TestApp {
    let env = [("HERALD__PRIVACY__MIN_GROUP_SIZE", "3")];
    crate::champions::app_with_files(
        &env,
        "---\ntitle = \"Weekly\"\n---\nYSWD {{ story.you_said_we_did }}",
        "",
        &[
            ("playbook.toml", PLAYBOOK),
            ("templates/follow-up.md", FOLLOW_UP),
        ],
    )
    .await
}

/// The change team's proposal for `team`, waiting for it.
async fn proposal(app: &TestApp, team: &str) -> Value {
    let start = format!("📋 **Proposed for {team}:");
    for _ in 0..1000 {
        let found = app
            .messages("change-team")
            .await
            .into_iter()
            .find(|m| content(m).starts_with(&start));
        if let Some(m) = found {
            return m;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("no proposal for {team}");
}

fn button(m: &Value, label: &str) -> String {
    m["components"][0]["components"]
        .as_array()
        .and_then(|b| b.iter().find(|b| b["label"] == label))
        .and_then(|b| b["custom_id"].as_str())
        .unwrap_or_else(|| panic!("no `{label}` on {m}"))
        .to_string()
}

/// Submits the modal `form` opened from message `on` with `fields`.
async fn submit(app: &TestApp, who: &str, on: &str, form: &Reply, fields: Value) -> String {
    assert_eq!(form.kind, 9, "a form opens: {}", form.content);
    let started = app
        .post(
            "/_sim/interactions/modal",
            json!({ "member": who, "channel": "change-team", "custom_id": form.custom_id, "message_id": on, "fields": fields }),
        )
        .await;
    app.reply(started["interaction_id"].as_str().expect("id"))
        .await
        .content
}

/// Answers the open pulse in `channel` (the latest pulse message with an Answer button).
async fn answer_open(app: &TestApp, who: &str, channel: &str, answers: &[u8]) {
    let m = open_pulse(app, channel).await;
    let id = m["id"].as_str().expect("id");
    let mut r = app
        .click(
            who,
            id,
            &crate::pulse_flow::button(&m["components"], "Answer"),
        )
        .await;
    let flow = r.message_id.clone();
    for a in answers {
        r = app
            .click(
                who,
                &flow,
                &crate::pulse_flow::button(&r.components, &a.to_string()),
            )
            .await;
    }
    let done = app
        .click(
            who,
            &flow,
            &crate::pulse_flow::button(&r.components, "Submit"),
        )
        .await;
    assert!(
        done.content.contains("your answers are in"),
        "{}",
        done.content
    );
}

/// Waits until pulse `id` has closed (results out, then marked closed).
async fn pulse_closed(app: &TestApp, id: i64) {
    let store = app.herald().app.store.clone();
    for _ in 0..1000 {
        if store
            .pulse(id)
            .await
            .expect("pulse")
            .is_some_and(|p| p.closed_at_ms.is_some())
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("pulse #{id} did not close");
}

/// The latest pulse message in `channel` that can still be answered, waiting for it.
async fn open_pulse(app: &TestApp, channel: &str) -> Value {
    let mut open = None;
    for _ in 0..1000 {
        open = app.messages(channel).await.into_iter().rev().find(|m| {
            content(m).starts_with("**Pulse:")
                && m["components"].as_array().is_some_and(|c| !c.is_empty())
        });
        if open.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    open.unwrap_or_else(|| panic!("no open pulse in #{channel}"))
}

async fn dms(app: &TestApp, who: &str, containing: &str) -> Vec<String> {
    let all = app.get(&format!("/_sim/dms/{who}")).await;
    all.as_array()
        .map(|d| {
            d.iter()
                .filter_map(|m| m["content"].as_str())
                .filter(|c| c.contains(containing))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

async fn wait_dm(app: &TestApp, who: &str, containing: &str) -> String {
    for _ in 0..1000 {
        if let Some(m) = dms(app, who, containing).await.pop() {
            return m;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("{who} never read `{containing}`");
}

#[tokio::test]
async fn a_barrier_becomes_a_proposal_that_is_scheduled_followed_up_for_that_team_only_reminded_and_done(
) {
    within(180, async {
        let app = app().await;
        // Sales is lowest on Awareness (no play for it: no proposal), Desire 4.0; then
        // Support is lowest on Desire (1.7 of 5).
        crate::stories::readiness_pulse(&app, "Sales", "1", &["Ava", "Ben", "Chloe"], &[[2, 4, 4, 4, 4], [2, 4, 4, 4, 4], [3, 4, 4, 4, 4]]).await;
        crate::stories::readiness_pulse(&app, "Support", "2", &["Finn", "Gia", "Hugo"], &[[4, 2, 4, 4, 4], [4, 1, 3, 4, 4], [5, 2, 4, 4, 4]]).await;
        let p = proposal(&app, "Support").await;
        let marco = app.id_of("members", "Marco").await;
        let claire = app.id_of("members", "Claire").await;
        assert_eq!(
            content(&p),
            "📋 **Proposed for Support: A sponsor listening session**\nSeen: Desire holds most people back — mean 1.7 of 5 (3 answered pulse #2).\nWhat to do: The sponsor hears what worries the team.\nBest owned by a sponsor. Once scheduled: a follow-up to Support's channel only; a briefing for its managers; a direct message to the owner (and a reminder the day before, when there is time); Support's readiness pulse again 7 days after the date, to measure the effect.\n**Schedule it** to choose the owner and the date, or **Dismiss** with a reason."
        );
        let id = p["id"].as_str().expect("id").to_string();
        let schedule = button(&p, "Schedule it");

        // Someone who is not a change lead, a forged id, bad owners and dates: nothing changes.
        let refused = app.click("Ava", &id, &schedule).await;
        assert!(refused.content.contains("change lead"), "{}", refused.content);
        let forged = app.click("Claire", &id, "loop:schedule:999").await;
        assert!(forged.content.contains("There is no action #999 in this server"), "{}", forged.content);
        for (owner, date, said) in [
            ("Nobody Here", "2026-03-05", "`Nobody Here` is not a member of this server Herald knows"),
            ("Marco", "2026-02-01", "Sun 1 Feb 2026 is in the past; choose today or a later day. Nothing was scheduled."),
            ("Marco", "next Thursday", "`next Thursday` is not a date Herald reads: write it as 2027-01-25. Nothing was scheduled."),
        ] {
            let form = app.click("Claire", &id, &schedule).await;
            let answer = submit(&app, "Claire", &id, &form, json!({ "owner": owner, "date": date })).await;
            assert!(answer.contains(said), "{owner}, {date}: {answer}");
        }
        let listed = app.command("Claire", "change-team", "actions list", json!({})).await.content;
        assert!(listed.contains("• #1 Support — A sponsor listening session · proposed · seen: Desire holds most people back"), "{listed}");
        assert!(app.messages("support").await.iter().all(|m| m["embeds"][0]["title"] != "We heard you"));

        // Scheduled: Marco owns it, for Thursday.
        let form = app.click("Claire", &id, &schedule).await;
        let answer = submit(&app, "Claire", &id, &form, json!({ "owner": "marco", "date": "2026-03-05" })).await;
        assert_eq!(
            answer,
            format!("Scheduled action #1 for Support: A sponsor listening session, owned by <@{marco}>, for Thu 5 Mar 2026. Support's follow-up goes to its channel now; its managers are briefed; the owner gets a direct message now, with a reminder the day before; Support is asked again 7 days after the date. `/actions list` shows where it stands.")
        );
        let follow_up = loop {
            let found = app.messages("support").await.into_iter().find(|m| m["embeds"][0]["title"] == "We heard you");
            if let Some(m) = found {
                break m;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        };
        assert_eq!(
            follow_up["embeds"][0]["description"].as_str().unwrap_or_default(),
            format!("You told us, Support, that this does not feel like it is for you yet.\n\n**What happens next:** A sponsor listening session, Thu 5 Mar 2026, with <@{marco}>.")
        );
        for other in ["sales", "finance"] {
            assert!(app.messages(other).await.iter().all(|m| m["embeds"][0]["title"] != "We heard you"), "#{other} got Support's follow-up");
        }
        let owned = wait_dm(&app, "Marco", "You own action #1").await;
        assert!(owned.contains("**A sponsor listening session**, for Thu 5 Mar 2026") && owned.contains("/actions done action:1"), "{owned}");
        let brief = wait_dm(&app, "Marco", "Heads-up for Support").await;
        assert!(brief.contains("Why: Desire holds most people back — mean 1.7 of 5"), "{brief}");
        assert!(dms(&app, "Maya", "Heads-up").await.is_empty(), "Sales's manager is not briefed");
        let settled = app.get(&format!("/api/v10/channels/0/messages/{id}")).await;
        assert!(content(&settled).ends_with(&format!("✅ Scheduled by <@{claire}>: owned by <@{marco}>, for Thu 5 Mar 2026.")), "{settled}");
        assert_eq!(settled["components"], json!([]), "no buttons left: {settled}");

        // /comms list shows what the action still has to send.
        let upcoming = app.command("Claire", "change-team", "comms list", json!({})).await.content;
        for what in ["action #1's reminder to its owner → Support", "action #1's overdue check → Support", "action #1's readiness pulse, asked again → Support"] {
            assert!(upcoming.contains(what), "`{what}` missing:\n{upcoming}");
        }
        // A stale click (a button still on someone's screen) changes nothing.
        let again = app.click("Claire", &id, &schedule).await;
        assert_eq!(again.content, "Action #1 is already scheduled, so nothing changed. `/actions list` shows where it stands.");

        // The reminder, at 09:00 the day before.
        assert!(dms(&app, "Marco", "Reminder").await.is_empty());
        app.advance(2 * 86_400);
        let reminder = wait_dm(&app, "Marco", "Reminder").await;
        assert_eq!(reminder, "⏰ Reminder: action #1 for Support, **A sponsor listening session**, is due tomorrow (Thu 5 Mar 2026). When it is done: `/actions done action:1 note:…`.");

        // Not done the day after its date: the change team reads it once at 09:00, without
        // the owner's name.
        app.advance(2 * 86_400);
        let overdue = "⏰ Overdue: action #1 for Support, **A sponsor listening session**, was for Thu 5 Mar 2026 (1 day ago) and is not marked done. Its owner can close it with `/actions done action:1`; `/actions list status:scheduled` shows who owns it.";
        let mut told = 0;
        for _ in 0..1000 {
            told = app.messages("change-team").await.iter().filter(|m| content(m) == overdue).count();
            if told > 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(told, 1, "{overdue}");

        // Done: only by its owner or a change lead.
        let not_yours = app.command("Ava", "sales", "actions done", json!({ "action": "1" })).await.content;
        assert_eq!(not_yours, "Only the action's owner or a change lead can mark it done.");
        let closed = app.command("Marco", "support", "actions done", json!({ "action": "#1", "note": "Maria met the team" })).await.content;
        assert_eq!(closed, "Action #1 for Support is done. Thank you.");
        // Support's own "you said, we did", in words, never a quotation.
        let story = crate::stories::post_story(&app, "Support", "support").await;
        assert_eq!(story, "YSWD You said the change did not feel like it was for you yet; we did this: a sponsor listening session (Thu 5 Mar).");
        let listed = app.command("Claire", "change-team", "actions list", json!({ "status": "done" })).await.content;
        assert!(listed.contains(&format!("• #1 Support — A sponsor listening session · done, owned by <@{marco}>, for Thu 5 Mar 2026 · “Maria met the team”")), "{listed}");
        let typo = app.command("Claire", "change-team", "actions list", json!({ "status": "schedueld" })).await.content;
        assert!(typo.contains("`schedueld` is not a status; did you mean `scheduled`?"), "{typo}");

        // Seven days after the date (12 Mar, 10:00) Support is asked again (pulse #3).
        // Meanwhile Sales, with no action, answers again too (pulse #4): Desire 4.0 → 4.7.
        app.advance(6 * 86_400 + 3_600);
        open_pulse(&app, "support").await;
        let started = crate::pulse_flow::start(&app, "Sales", "48h").await;
        assert!(started.contains("Pulse #4"), "the re-pulse is #3: {started}");
        for (who, a) in ["Ava", "Ben", "Chloe"].iter().zip([[2, 5, 4, 4, 4], [2, 4, 4, 4, 4], [3, 5, 4, 4, 4]]) {
            answer_open(&app, who, "sales", &a).await;
        }
        app.command("Claire", "change-team", "pulse close", json!({ "pulse": "4" })).await;
        pulse_closed(&app, 4).await;
        for (who, a) in ["Finn", "Gia", "Hugo"].iter().zip([[4, 4, 4, 4, 4], [4, 3, 4, 4, 4], [5, 4, 4, 4, 4]]) {
            answer_open(&app, who, "support", &a).await;
        }
        app.command("Claire", "change-team", "pulse close", json!({ "pulse": "3" })).await;
        let effect = "📈 **Effect of action #1 for Support** (A sponsor listening session): Desire 1.7 → 3.7 of 5 (3 answered before, 3 after); over the same span, 1 team with no action moved +0.7 on average (a simple comparison, not a controlled test).";
        let mut seen = false;
        for _ in 0..1000 {
            seen = app.messages("change-team").await.iter().any(|m| content(m) == effect);
            if seen {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert!(seen, "no `{effect}` in {:#?}", app.messages("change-team").await.iter().map(content).collect::<Vec<_>>());
        let overdue_days = app.messages("change-team").await.iter().filter(|m| content(m).starts_with("⏰ Overdue")).count();
        assert_eq!(overdue_days, 1, "a done action is not listed as overdue again");
        let listed = app.command("Claire", "change-team", "actions list", json!({ "team": "Support" })).await.content;
        assert!(listed.contains(" · effect: Desire 1.7 → 3.7 of 5 (3 answered before, 3 after)"), "{listed}");
        // The leadership view shows what was done and its effect.
        let a = &app.herald().app;
        let guild = a.primary_guild().await.ok().flatten().expect("guild");
        let page = herald::app::dashboard::report_html(a, guild, &herald::app::dashboard::board::Scope::All).await.expect("report");
        assert!(
            page.contains("<h2 id=\"actions\">What we did about what teams told us</h2><ul><li>Support: A sponsor listening session — done, for Thu 5 Mar 2026. Effect: Desire 1.7 → 3.7 of 5 (3 answered before, 3 after); over the same span, 1 team with no action moved +0.7 on average (a simple comparison, not a controlled test).</li></ul>"),
            "{page}"
        );
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn a_proposal_dismissed_with_a_reason_sends_nothing_and_its_buttons_go() {
    within(180, async {
        let app = app().await;
        crate::stories::readiness_pulse(&app, "Sales", "1", &["Ava", "Ben", "Chloe"], &[[5, 4, 2, 4, 4], [4, 4, 2, 3, 5], [4, 5, 3, 4, 4]]).await;
        let p = proposal(&app, "Sales").await;
        assert!(content(&p).starts_with("📋 **Proposed for Sales: An extra training session**\nSeen: Knowledge holds most people back"), "{}", content(&p));
        let id = p["id"].as_str().expect("id").to_string();
        // Choose another: the select offers the trigger's other play.
        let menu = &p["components"][1]["components"][0];
        assert_eq!(menu["options"][0]["label"], "A champion walks the team through it", "{p}");
        let choose = menu["custom_id"].as_str().expect("select").to_string();
        let pick = |who: &'static str, value: &'static str| {
            let app = &app;
            let (id, choose) = (id.clone(), choose.clone());
            async move {
                let started = app
                    .post("/_sim/interactions/component", json!({ "member": who, "message_id": id, "custom_id": choose, "values": [value] }))
                    .await;
                app.reply(started["interaction_id"].as_str().expect("id")).await.content
            }
        };
        assert!(pick("Ava", "knowledge-champion").await.contains("change lead"));
        assert_eq!(pick("Claire", "nope").await, "`nope` is not a play for this proposal; choose one from the list. Nothing changed.");
        assert_eq!(
            pick("Claire", "knowledge-champion").await,
            "Action #1 for Sales now proposes A champion walks the team through it. Schedule it or dismiss it as before."
        );
        let now = app.get(&format!("/api/v10/channels/0/messages/{id}")).await;
        assert!(content(&now).starts_with("📋 **Proposed for Sales: A champion walks the team through it**\nSeen: Knowledge holds most people back"), "{now}");
        assert_eq!(now["components"][1]["components"][0]["options"][0]["label"], "An extra training session", "{now}");
        let dismiss = button(&p, "Dismiss");
        let form = app.click("Claire", &id, &dismiss).await;
        let blank = submit(&app, "Claire", &id, &form, json!({ "reason": "   " })).await;
        assert!(blank.starts_with("Say in a few words"), "{blank}");
        let form = app.click("Claire", &id, &dismiss).await;
        let answer = submit(&app, "Claire", &id, &form, json!({ "reason": "Covered by Tuesday's session" })).await;
        assert_eq!(answer, "Dismissed action #1 for Sales; nothing goes out.");
        let settled = app.get(&format!("/api/v10/channels/0/messages/{id}")).await;
        let claire = app.id_of("members", "Claire").await;
        assert!(content(&settled).ends_with(&format!("✖️ Dismissed by <@{claire}>: Covered by Tuesday's session")), "{settled}");
        assert_eq!(settled["components"], json!([]));
        let cancel = app.command("Claire", "change-team", "actions cancel", json!({ "action": "1", "reason": "x" })).await.content;
        assert_eq!(cancel, "Action #1 is already dismissed, so nothing changed. `/actions list` shows where it stands.");
        let stale = app.click("Claire", &id, &button(&p, "Schedule it")).await;
        assert_eq!(stale.content, "Action #1 is already dismissed, so nothing changed. `/actions list` shows where it stands.");
        // A manager reads their own team's actions; another team's is refused.
        let own = app.command("Maya", "sales", "actions list", json!({ "team": "Sales" })).await.content;
        assert!(own.contains("• #1 Sales — A champion walks the team through it · dismissed · “Covered by Tuesday's session”"), "{own}");
        let other = app.command("Maya", "sales", "actions list", json!({ "team": "Support" })).await.content;
        assert!(!other.contains("#1"), "{other}");
        let employee = app.command("Ava", "sales", "actions list", json!({ "team": "Sales" })).await.content;
        assert!(employee.starts_with("Only managers and change leads"), "an employee reads no actions: {employee}");
        app.finish().await;
    })
    .await;
}
