//! Stories end to end: live figures equal to what the test computes from what it did, a
//! team channel reading only its own figures in words, a story past its fuel refused and
//! reported, and two Post it clicks posting once.

use herald::app::action::Action;
use serde_json::json;

use crate::champions::{app, app_with_story, recognize};
use crate::helpers::{within, TestApp};
use crate::pulse_flow::{answer, content, start};

/// Jargon a team's channel never reads: ids, pulse numbers, raw scores, "(s)".
fn assert_plain(text: &str) {
    for bad in [
        "(s)",
        "pulse #",
        "`",
        "+0.",
        "−0.",
        "−1 to +1",
        "main barrier",
        " % (",
    ] {
        assert!(!text.contains(bad), "`{bad}` in:\n{text}");
    }
}

#[tokio::test]
async fn a_story_shows_the_readiness_ack_rate_and_champions_the_test_computes() {
    within(120, async {
        let app = app(&[("HERALD__PRIVACY__MIN_GROUP_SIZE", "3")]).await;
        // Readiness: three Sales members answer an ADKAR pulse, which closes. Their means
        // are 4.00, 4.33, 3.33, 3.67 and 4.33: lowest on Knowledge.
        assert!(start(&app, "Sales", "48h").await.contains("Pulse #1"));
        let answers: [[u8; 5]; 3] = [[5, 4, 2, 4, 4], [4, 4, 4, 3, 5], [3, 5, 4, 4, 4]];
        for (who, a) in ["Ava", "Ben", "Chloe"].iter().zip(&answers) {
            answer(&app, who, "sales", a, None).await;
        }
        app.command("Claire", "change-team", "pulse close", json!({ "pulse": "1" })).await;
        app.wait_for_messages("sales", 2).await;
        // Acknowledgements: the kickoff goes out now; four of Sales's six press Got it.
        app.command("Claire", "change-team", "comms send", json!({ "item": "kickoff" })).await;
        let sent = app.wait_for_messages("sales", 3).await;
        let kickoff = sent.iter().find(|m| content(m).starts_with("Atlas is coming")).expect("kickoff").clone();
        let got_it = kickoff["components"][0]["components"][0]["custom_id"].as_str().expect("ack button").to_string();
        for who in ["Maya", "Ava", "Dan", "Ella"] {
            app.click(who, kickoff["id"].as_str().expect("id"), &got_it).await;
        }
        // Recognitions this week: Ava twice, Ben once.
        for who in ["Ava", "Ben", "Ava"] {
            assert!(recognize(&app, "Maya", who, "helped").await.starts_with("Recognised"));
        }
        let (ava, ben) = (app.id_of("members", "Ava").await, app.id_of("members", "Ben").await);
        let readiness = "In Sales, readiness is lowest on Knowledge: knowing how (3 of you answered)";
        // 4 of Sales's 6; 4 of the 18 people the kickoff reached.
        let ack = "2 in 3 of you have acknowledged the latest update; across the organisation, about 1 in 5 of us have";
        let preview = app.command("Claire", "change-team", "story post", json!({ "template": "weekly", "team": "Sales" })).await;
        assert!(preview.content.starts_with("**Preview** for Sales (posting goes to 1 team channel):"), "{}", preview.content);
        for expected in [
            format!("READINESS {readiness}\n"),
            format!("ACK {ack}\n"),
            format!("WEEK <@{ava}> (2 recognitions) and <@{ben}> (1 recognition)"),
            "WINS no wins logged yet".to_string(),
        ] {
            assert!(preview.content.contains(&expected), "missing `{expected}` in:\n{}", preview.content);
        }
        let before = app.messages("sales").await.len();
        let posted = app.click("Claire", &preview.message_id, &crate::pulse_flow::button(&preview.components, "Post it")).await;
        assert_eq!(
            posted.content,
            "Posting the story to Sales now; it appears in the team's channel in a moment."
        );
        let msgs = app.wait_for_messages("sales", before + 1).await;
        let story = msgs.last().expect("story")["embeds"][0]["description"].as_str().unwrap_or_default().to_string();
        assert!(story.contains(&format!("READINESS {readiness}")) && story.contains(ack), "{story}");
        for other in ["Support", "Finance"] {
            assert!(!story.contains(other), "`{other}` in Sales's story:\n{story}");
        }
        assert_plain(&story);
        // The same story scheduled for Finance at 12:00: the organisation's readiness (Sales's
        // three answers are a large enough group), none of Sales's own figures or people.
        app.advance(3 * 3600);
        let scheduled = app.wait_for_messages("finance", 2).await;
        let weekly = scheduled.iter().find(|m| m["embeds"][0]["title"] == "Weekly").expect("the scheduled story");
        let text = weekly["embeds"][0]["description"].as_str().unwrap_or_default().to_string();
        for expected in [
            "READINESS No readiness data yet for Finance\nAcross the organisation, readiness is lowest on Knowledge: knowing how\n",
            "ACK none of you have acknowledged the latest update; across the organisation, about 1 in 5 of us have\n",
            "WEEK no recognitions this week",
        ] {
            assert!(text.contains(expected), "missing `{expected}` in:\n{text}");
        }
        for other in ["Sales", "Support", &ava.to_string(), &ben.to_string()] {
            assert!(!text.contains(other), "`{other}` in Finance's story:\n{text}");
        }
        assert_plain(&text);
        let refused = app.command("Ava", "sales", "story post", json!({ "template": "weekly" })).await.content;
        assert!(refused.contains("Only change leads"), "{refused}");
        let unknown = app.command("Claire", "change-team", "story post", json!({ "template": "weakly" })).await.content;
        assert!(unknown.contains("There is no story `weakly`. Stories: weekly.md."), "{unknown}");
        app.finish().await;
    })
    .await;
}

/// Every story figure, one a line.
const FULL_STORY: &str = "---\ntitle = \"Weekly\"\n---\nREADINESS {{ story.readiness }}\n\nTEAM {{ story.readiness_team }}\n\nACK {{ story.ack_rate }}\n\nCHAMPIONS {{ story.champions }}\n\nWEEK {{ story.champions_of_week }}\n\nRECOGNISED {{ story.recognitions }}\n\nWINS {{ story.wins }}\n\nFEEL {{ story.sentiment }}\n";

/// A closed ADKAR pulse for `team`, answered by `who`.
pub(crate) async fn readiness_pulse(
    app: &TestApp,
    team: &str,
    id: &str,
    who: &[&str],
    answers: &[[u8; 5]],
) {
    let channel = team.to_lowercase();
    let started = start(app, team, "48h").await;
    assert!(started.contains(&format!("Pulse #{id}")), "{started}");
    for (who, a) in who.iter().zip(answers) {
        answer(app, who, &channel, a, None).await;
    }
    app.command(
        "Claire",
        "change-team",
        "pulse close",
        json!({ "pulse": id }),
    )
    .await;
    // A pulse started at the same instant as another would be taken for it.
    app.advance(60);
}

/// Presses Got it on the kickoff in `channel` for each of `who`.
async fn acknowledge(app: &TestApp, channel: &str, who: &[&str]) {
    let mut kickoff = None;
    for _ in 0..500 {
        let msgs = app.messages(channel).await;
        kickoff = msgs
            .into_iter()
            .find(|m| content(m).starts_with("Atlas is coming"));
        if kickoff.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let kickoff = kickoff.unwrap_or_else(|| panic!("no kickoff in #{channel}"));
    let got_it = kickoff["components"][0]["components"][0]["custom_id"]
        .as_str()
        .expect("ack button");
    for w in who {
        app.click(w, kickoff["id"].as_str().expect("id"), got_it)
            .await;
    }
}

/// Posts the story to `team` and returns its text as read in `channel`.
pub(crate) async fn post_story(app: &TestApp, team: &str, channel: &str) -> String {
    let preview = app
        .command(
            "Claire",
            "change-team",
            "story post",
            json!({ "template": "weekly", "team": team }),
        )
        .await;
    let before = weekly_stories(app, channel).await;
    app.click(
        "Claire",
        &preview.message_id,
        &crate::pulse_flow::button(&preview.components, "Post it"),
    )
    .await;
    for _ in 0..500 {
        let msgs = app.messages(channel).await;
        let stories: Vec<_> = msgs
            .iter()
            .filter(|m| m["embeds"][0]["title"] == "Weekly")
            .collect();
        if stories.len() > before {
            return stories.last().expect("story")["embeds"][0]["description"]
                .as_str()
                .unwrap_or_default()
                .to_string();
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("no story reached #{channel}");
}

#[tokio::test]
async fn a_teams_channel_reads_its_own_figures_in_words_and_no_other_teams_and_the_change_team_reads_all(
) {
    within(180, async {
        let app = app_with_story(&[("HERALD__PRIVACY__MIN_GROUP_SIZE", "3")], FULL_STORY).await;
        // Sales is lowest on Knowledge and feels fairly good; Support is low everywhere,
        // lowest on Desire. Together: lowest on Knowledge, mixed.
        readiness_pulse(&app, "Sales", "1", &["Ava", "Ben", "Chloe"], &[[5, 4, 2, 4, 4], [4, 4, 4, 3, 5], [3, 5, 4, 4, 4]]).await;
        readiness_pulse(&app, "Support", "2", &["Finn", "Gia", "Hugo"], &[[2, 2, 2, 2, 2], [3, 2, 1, 2, 2], [2, 1, 2, 2, 1]]).await;
        // The kickoff: 4 of Sales's 6, all 6 of Support, none of Finance: 10 of 18.
        app.command("Claire", "change-team", "comms send", json!({ "item": "kickoff" })).await;
        acknowledge(&app, "sales", &["Maya", "Ava", "Dan", "Ella"]).await;
        acknowledge(&app, "support", &["Marco", "Finn", "Gia", "Hugo", "Iris", "Jack"]).await;
        let (ava, ben) = (app.id_of("members", "Ava").await, app.id_of("members", "Ben").await);
        let (finn, gia) = (app.id_of("members", "Finn").await, app.id_of("members", "Gia").await);
        app.command("Maya", "sales", "champion nominate", json!({ "member": "Ava" })).await;
        app.command("Marco", "support", "champion nominate", json!({ "member": "Finn" })).await;
        assert!(recognize(&app, "Maya", "Ben", "Showed Chloe the renewal view").await.starts_with("Recognised"));
        for _ in 0..2 {
            let r = app.command("Marco", "support", "recognize", json!({ "member": "Gia", "reason": "Cleared the refund queue", "value": "Early adopter" })).await.content;
            assert!(r.starts_with("Recognised"), "{r}");
        }
        for (title, team) in [("First renewal in Atlas", Some("sales")), ("Refunds in one day", Some("support")), ("One record per customer", None)] {
            let mut w = json!({ "title": title, "description": "Done from one record." });
            if let Some(t) = team {
                w["team"] = json!(t);
            }
            assert!(app.command("Claire", "change-team", "win add", w).await.content.starts_with("Win #"));
        }

        let sales = post_story(&app, "Sales", "sales").await;
        for expected in [
            "READINESS In Sales, readiness is lowest on Knowledge: knowing how (3 of you answered)\nAcross the organisation, readiness is lowest on Knowledge: knowing how\n".to_string(),
            "TEAM In Sales, readiness is lowest on Knowledge: knowing how (3 of you answered)\n".to_string(),
            "ACK 2 in 3 of you have acknowledged the latest update; across the organisation, about 3 in 5 of us have\n".to_string(),
            format!("CHAMPIONS 1 champion: <@{ava}>; 2 champions across the organisation\n"),
            format!("WEEK <@{ben}> (1 recognition)\n"),
            format!("RECOGNISED <@{ben}> for Early adopter: “Showed Chloe the renewal view”\n"),
            "**First renewal in Atlas** (Sales): Done from one record.".to_string(),
            "**One record per customer**: Done from one record.".to_string(),
            "FEEL mostly positive in Sales (lowest on Knowledge: knowing how); mixed across the organisation".to_string(),
        ] {
            assert!(sales.contains(&expected), "missing `{expected}` in Sales's story:\n{sales}");
        }
        for other in ["Support", "Finance", "Refunds", "refund", "Desire", "very negative", "all of you", &finn.to_string(), &gia.to_string()] {
            assert!(!sales.contains(other), "`{other}` in Sales's story:\n{sales}");
        }
        assert_plain(&sales);

        // A team whose channel is the reports channel is the change team: every team.
        let added = app.command("Claire", "change-team", "team add", json!({ "name": "Change", "role": "Change Lead", "channel": "change-team" })).await.content;
        assert!(added.starts_with("Team **Change** added"), "{added}");
        let change = post_story(&app, "Change", "change-team").await;
        for expected in [
            "In Sales, readiness is lowest on Knowledge: knowing how (3 answered)\nIn Support, readiness is lowest on Desire: wanting the change (3 answered)\nAcross the organisation",
            "4 of 6 in Sales",
            "6 of 6 in Support",
            "2 champions: 1 in Sales and 1 in Support",
            "Refunds in one day",
            "mostly positive in Sales",
            "very negative in Support",
        ] {
            assert!(change.contains(expected), "missing `{expected}` in the change team's story:\n{change}");
        }
        assert!(!change.contains("(s)"), "{change}");
        app.finish().await;
    })
    .await;
}

/// Two loops over the wins figure's characters: a few hundred steps over "no wins logged
/// yet" when the plan is checked, tens of thousands once a long win is logged.
const HEAVY_STORY: &str = "---\ntitle = \"Weekly\"\n---\n{% for a in story.wins %}{% for b in story.wins %}{% endfor %}{% endfor %}WINS {{ story.wins }}\n";

#[tokio::test]
async fn a_story_past_its_fuel_with_live_figures_is_refused_and_its_send_reported() {
    within(120, async {
        let app = app_with_story(&[], HEAVY_STORY).await;
        let win = app
            .command("Claire", "change-team", "win add", json!({ "title": "First renewal in Atlas", "description": "Finance closed a renewal from one record. ".repeat(5), "team": "finance" }))
            .await
            .content;
        assert!(win.starts_with("Win #1 logged"), "{win}");
        let preview = app.command("Claire", "change-team", "story post", json!({ "template": "weekly", "team": "Finance" })).await.content;
        assert!(preview.contains("does not render: the template does too much work"), "{preview}");
        assert!(preview.contains("simplify the loops"), "{preview}");
        // The same story scheduled at 12:00 does not go out, and the change team is told.
        app.advance(3 * 3600);
        let report = app.wait_for_messages("change-team", 1).await;
        let report = content(&report[0]);
        assert!(report.starts_with("**Herald delivery report**"), "{report}");
        assert!(report.contains("• Could not render `weekly` for Finance: the template does too much work"), "{report}");
        assert!(report.contains("It will not be retried"), "{report}");
        assert!(app.messages("finance").await.is_empty(), "the story did not go out");
        app.finish().await;
    })
    .await;
}

/// Dispatches a click without waiting for its answer; returns the interaction id.
async fn dispatch_click(app: &TestApp, member: &str, message: &str, custom_id: &str) -> String {
    let started = app
        .post(
            "/_sim/interactions/component",
            json!({ "member": member, "message_id": message, "custom_id": custom_id }),
        )
        .await;
    started["interaction_id"]
        .as_str()
        .expect("dispatched")
        .to_string()
}

/// The messages of a channel that are the story called "Weekly".
async fn weekly_stories(app: &TestApp, channel: &str) -> usize {
    app.messages(channel)
        .await
        .iter()
        .filter(|m| m["embeds"][0]["title"] == "Weekly")
        .count()
}

/// The stories in `channel` once at least one arrived (they are posted by the scheduler).
async fn weekly_stories_once_posted(app: &TestApp, channel: &str) -> usize {
    for _ in 0..500 {
        let n = weekly_stories(app, channel).await;
        if n > 0 {
            return n;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    0
}

#[tokio::test]
async fn two_post_it_clicks_at_once_post_the_story_once_to_every_team() {
    within(120, async {
        let app = app(&[]).await;
        let preview = app
            .command(
                "Claire",
                "change-team",
                "story post",
                json!({ "template": "weekly" }),
            )
            .await;
        assert!(
            preview
                .content
                .contains("posting goes to 3 team channels"),
            "{}",
            preview.content
        );
        let post = crate::pulse_flow::button(&preview.components, "Post it");
        assert!(
            matches!(post.parse::<Action>(), Ok(Action::StoryPost { .. })),
            "Post it carries a story draft: {post}"
        );
        // Both clicks are on their way before either is answered.
        let first = dispatch_click(&app, "Claire", &preview.message_id, &post).await;
        let second = dispatch_click(&app, "Claire", &preview.message_id, &post).await;
        let mut said = vec![
            app.reply(&first).await.content,
            app.reply(&second).await.content,
        ];
        said.sort();
        assert_eq!(
            said[0], "Posting the story to Finance, Sales, Support now; it appears in each team's channel in a moment.",
            "{said:?}"
        );
        assert!(
            said[1] == "This story was posted already; nothing changed."
                || said[1] == "This story is being posted; the preview says when it is done.",
            "the other click: {said:?}"
        );
        for channel in ["sales", "support", "finance"] {
            assert_eq!(
                weekly_stories_once_posted(&app, channel).await,
                1,
                "#{channel} holds the story once"
            );
        }
        let replay = app.click("Claire", &preview.message_id, &post).await;
        assert!(replay.ephemeral, "{replay:?}");
        assert_eq!(
            replay.content,
            "This story was posted already; nothing changed."
        );

        // A cancelled preview posts nothing, and neither does a preview from before drafts.
        let preview = app
            .command(
                "Claire",
                "change-team",
                "story post",
                json!({ "template": "weekly", "team": "Sales" }),
            )
            .await;
        let cancel = crate::pulse_flow::button(&preview.components, "Cancel");
        let cancelled = app.click("Claire", &preview.message_id, &cancel).await;
        assert_eq!(cancelled.content, "Cancelled; nothing was posted.");
        let post = crate::pulse_flow::button(&preview.components, "Post it");
        let late = app.click("Claire", &preview.message_id, &post).await;
        assert_eq!(
            late.content,
            "This story was cancelled, so nothing was posted."
        );
        let legacy = Action::StoryPostLegacy {
            template: "weekly".into(),
            team: "Sales".into(),
        }
        .to_string();
        let old = app.click("Claire", &preview.message_id, &legacy).await;
        assert!(
            old.content.contains("run `/story post` again"),
            "{}",
            old.content
        );
        let outsider = app.click("Maya", &preview.message_id, &post).await;
        assert!(
            outsider.content.starts_with("Only change leads"),
            "{}",
            outsider.content
        );
        assert_eq!(
            weekly_stories(&app, "sales").await,
            1,
            "nothing more reached Sales"
        );
        app.finish().await;
    })
    .await;
}
