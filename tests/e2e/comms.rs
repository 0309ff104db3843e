//! Communication plans end to end: the scheduler on the manual clock, posts in the
//! simulator, acknowledgements, pause and resume, announcements.

use herald::app::action::Action;
use herald::sim::WorldSpec;
use serde_json::{json, Value};

use crate::helpers::{spawn_app_with_plan, within, TestApp};

const TICK_PLAN: &str = r#"
[campaign]
name = "Test rollout"
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

[[items]]
id = "tick"
template = "tick.md"
audience = ["Sales", "Support"]
schedule = "*/10 * * * * *"
ack = true
"#;

const TICK: &str = "Tick for {{ team.name }} on {{ today }}";

/// Herald with a plan whose `tick` item (Got it button) reaches Sales and Support every
/// ten seconds; also the outage fault run's plan.
pub(crate) async fn tick_app() -> TestApp {
    spawn_app_with_plan(WorldSpec::default_world(), TICK_PLAN, &[("tick.md", TICK)]).await
}

fn contents(msgs: &[Value]) -> Vec<String> {
    msgs.iter()
        .map(|m| m["content"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn an_item_every_ten_seconds_reaches_both_teams_and_got_it_counts_each_member_once() {
    within(90, async {
        let app = tick_app().await;
        assert!(
            app.messages("sales").await.is_empty(),
            "nothing before the first firing"
        );
        app.advance(10);
        let sales = app.wait_for_messages("sales", 1).await;
        let support = app.wait_for_messages("support", 1).await;
        assert_eq!(contents(&sales), ["Tick for Sales on Monday 2 March"]);
        assert_eq!(contents(&support), ["Tick for Support on Monday 2 March"]);
        app.advance(10);
        let sales = app.wait_for_messages("sales", 2).await;
        assert_eq!(sales.len(), 2);
        let latest = sales[1]["id"].as_str().expect("id").to_string();
        let button = sales[1]["components"][0]["components"][0]["custom_id"]
            .as_str()
            .expect("Got it button")
            .to_string();
        assert_eq!(
            sales[1]["components"][0]["components"][0]["label"],
            "Got it"
        );
        let first = app.click("Ava", &latest, &button).await;
        assert!(first.ephemeral);
        assert_eq!(
            first.content,
            "Thanks, noted: you have acknowledged this update."
        );
        let again = app.click("Ava", &latest, &button).await;
        assert_eq!(again.content, "You have already acknowledged this update.");
        app.click("Ben", &latest, &button).await;
        let outsider = app.click("Finn", &latest, &button).await;
        assert_eq!(
            (outsider.ephemeral, outsider.content.as_str()),
            (true, "This update was for the Sales team, so nothing was recorded. Updates for your own team come to your team's channel.")
        );
        let Ok(Action::Ack { row }) = button.parse::<Action>() else {
            panic!("not a Got it button: {button}")
        };
        let acked = app.herald().app.store.acked_by(row).await.expect("acks");
        assert_eq!(acked.len(), 2, "Ava and Ben, not Finn: {acked:?}");
        let acks = app
            .command(
                "Claire",
                "change-team",
                "comms acks",
                json!({ "item": "tick" }),
            )
            .await;
        assert!(
            acks.content.contains("• Sales: 2/6 (33 %)"),
            "{}",
            acks.content
        );
        assert!(
            acks.content.contains("• Support: 0/6 (0 %)"),
            "{}",
            acks.content
        );
        assert_eq!(
            app.messages("sales").await.len(),
            2,
            "clicks post nothing in the channel"
        );
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn me_updates_shows_each_member_what_they_acknowledged_and_links_the_rest() {
    within(90, async {
        let app = tick_app().await;
        let nothing = app.command("Ava", "sales", "me updates", json!({})).await;
        assert_eq!(nothing.content, "**Your updates**\nSales:\n• Nothing to acknowledge yet.");
        app.advance(10);
        app.wait_for_messages("sales", 1).await;
        app.advance(10);
        let sales = app.wait_for_messages("sales", 2).await;
        let latest = sales[1]["id"].as_str().expect("id").to_string();
        let button = sales[1]["components"][0]["components"][0]["custom_id"]
            .as_str()
            .expect("Got it button")
            .to_string();
        app.click("Ava", &latest, &button).await;
        let mine = app.command("Ava", "sales", "me updates", json!({})).await;
        assert!(mine.ephemeral, "only Ava sees her updates");
        let lines: Vec<&str> = mine.content.lines().collect();
        assert_eq!(lines[..2], ["**Your updates**", "Sales:"], "{}", mine.content);
        assert_eq!(lines.len(), 4, "two ticks went out: {}", mine.content);
        assert!(
            lines[2].starts_with("• ✅ Tick for Sales on Monday 2 March — sent <t:")
                && lines[2].contains("you acknowledged it <t:"),
            "the newest, acknowledged: {}",
            lines[2]
        );
        let (guild, channel, first) = (
            app.guild_id().await,
            app.id_of("channels", "sales").await,
            sales[0]["id"].as_str().expect("id"),
        );
        assert!(
            lines[3].ends_with(&format!(
                "not acknowledged yet: [open it](https://discord.com/channels/{guild}/{channel}/{first}) and press Got it"
            )),
            "the first, with a link to it: {}",
            lines[3]
        );
        let ben = app.command("Ben", "sales", "me updates", json!({})).await.content;
        assert_eq!(ben.matches("• ⬜").count(), 2, "Ben acknowledged neither: {ben}");
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn pause_stops_sends_and_resume_restarts_them_without_a_burst() {
    within(90, async {
        let app = tick_app().await;
        app.advance(10);
        app.wait_for_messages("sales", 1).await;
        let paused = app
            .command(
                "Claire",
                "change-team",
                "comms pause",
                json!({ "which": "tick" }),
            )
            .await;
        assert_eq!(paused.content, "Paused `tick` until `/comms resume tick`.");
        app.advance(10);
        app.advance(10);
        let status = app
            .command("Claire", "change-team", "herald status", json!({}))
            .await;
        assert!(
            status.content.contains("Herald"),
            "Herald is alive while paused"
        );
        assert_eq!(
            app.messages("sales").await.len(),
            1,
            "nothing is sent while paused"
        );
        let listed = app
            .command("Claire", "change-team", "comms list", json!({}))
            .await;
        assert!(
            listed
                .content
                .contains("send `tick` → Sales and Support — paused"),
            "{}",
            listed.content
        );
        let resumed = app
            .command(
                "Claire",
                "change-team",
                "comms resume",
                json!({ "which": "tick" }),
            )
            .await;
        assert_eq!(resumed.content, "Resumed `tick`.");
        app.advance(10);
        let sales = app.wait_for_messages("sales", 2).await;
        assert_eq!(
            sales.len(),
            2,
            "one new send, not the ones that fell due while paused"
        );
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn an_announcement_previews_then_posts_once_on_confirm_and_nothing_on_cancel() {
    within(90, async {
        let app = tick_app().await;
        let modal = app.command("Claire", "change-team", "comms announce", json!({ "audience": "Sales" })).await;
        assert_eq!(modal.kind, 9, "a modal opens: {}", modal.content);
        let draft = modal.custom_id.clone();
        let submitted = app.post("/_sim/interactions/modal", json!({ "member": "Claire", "channel": "change-team", "custom_id": draft, "fields": { "text": "Town hall at 15:00 in the atrium." } })).await;
        let preview = app.reply(submitted["interaction_id"].as_str().expect("id")).await;
        assert!(preview.ephemeral);
        assert_eq!(preview.content, "**Preview**: to Sales\n\nTown hall at 15:00 in the atrium.");
        let buttons = &preview.components[0]["components"];
        let confirm = buttons[0]["custom_id"].as_str().expect("confirm").to_string();
        let looks: Vec<(&str, u64)> = (0..2).map(|i| (buttons[i]["label"].as_str().unwrap_or(""), buttons[i]["style"].as_u64().unwrap_or(0))).collect();
        assert_eq!(looks, [("Confirm and send", 1), ("Cancel", 2)], "Cancel is the quiet secondary button");
        assert!(app.messages("sales").await.is_empty(), "nothing before Confirm");
        let sent = app.click("Claire", &preview.message_id, &confirm).await;
        assert_eq!(sent.content, "Sent to 1 team: Sales.");
        let posted = app.wait_for_messages("sales", 1).await;
        assert_eq!(contents(&posted), ["Town hall at 15:00 in the atrium."]);
        let replay = app.click("Claire", &preview.message_id, &confirm).await;
        assert_eq!(replay.content, "This announcement was already sent; nothing changed.");
        let modal = app.command("Claire", "change-team", "comms announce", json!({})).await;
        let submitted = app.post("/_sim/interactions/modal", json!({ "member": "Claire", "channel": "change-team", "custom_id": modal.custom_id, "fields": { "text": "Never mind." } })).await;
        let preview = app.reply(submitted["interaction_id"].as_str().expect("id")).await;
        let cancel = preview.components[0]["components"][1]["custom_id"].as_str().expect("cancel").to_string();
        let cancelled = app.click("Claire", &preview.message_id, &cancel).await;
        assert_eq!(cancelled.content, "Cancelled; nothing was sent.");
        let outsider = app.click("Ava", &preview.message_id, &confirm).await;
        assert!(outsider.content.starts_with("Only change leads"), "{}", outsider.content);
        app.advance(1);
        assert_eq!(app.messages("sales").await.len(), 1, "cancel and replays post nothing");
        assert!(app.messages("support").await.iter().all(|m| m["content"] != "Never mind."));
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn change_lead_commands_refuse_others_and_a_broken_reload_keeps_the_plan() {
    within(90, async {
        let app = tick_app().await;
        let refused = app
            .command("Ava", "sales", "comms send", json!({ "item": "tick" }))
            .await;
        assert!(
            refused.content.starts_with("Only change leads"),
            "{}",
            refused.content
        );
        let preview = app.command("Claire", "change-team", "comms preview", json!({ "days": 1 })).await;
        assert!(preview.content.starts_with("**Timeline, next 1 day** (UTC)\n```\nMon 2026-03-02 09:00  tick  Sales    Tick for Sales on Monday 2 March\nMon 2026-03-02 09:00  tick  Support  Tick for Support on Monday 2 March\n"), "{}", preview.content);
        let unknown = app
            .command(
                "Claire",
                "change-team",
                "comms send",
                json!({ "item": "tock" }),
            )
            .await;
        assert_eq!(
            unknown.content,
            "There is no item `tock` in the plan. Items: tick."
        );
        let dir = app
            .plan_dir
            .as_ref()
            .expect("plan dir")
            .path()
            .to_path_buf();
        std::fs::write(
            dir.join("plan.toml"),
            TICK_PLAN.replace("*/10 * * * * *", "*/10 * * *"),
        )
        .expect("break the plan");
        let reload = app
            .command("Claire", "change-team", "comms reload", json!({}))
            .await;
        assert!(
            reload
                .content
                .starts_with("The plan has 1 problem; the running plan stays in force:"),
            "{}",
            reload.content
        );
        assert!(
            reload
                .content
                .contains("plan.toml:21:12: item `tick`: `*/10 * * *` has 4 fields"),
            "{}",
            reload.content
        );
        let now = app
            .command(
                "Claire",
                "change-team",
                "comms send",
                json!({ "item": "tick" }),
            )
            .await;
        assert_eq!(
            now.content,
            "Sending `tick` now to 2 teams: Sales and Support."
        );
        let sales = app.wait_for_messages("sales", 1).await;
        assert_eq!(contents(&sales), ["Tick for Sales on Monday 2 March"]);
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn a_send_that_cannot_be_delivered_is_reported_to_the_change_team_not_retried() {
    within(90, async {
        let app = tick_app().await;
        let store = &app.herald().app.store;
        let guild = herald::domain::ids::GuildId(app.guild_id().await);
        let support = store.team_by_name(guild, "Support").await.expect("read").expect("team");
        store.remove_team(guild, "Support").await.expect("remove");
        let name = herald::domain::team::TeamName::parse("Support").expect("name");
        store.add_team(guild, &name, support.role, herald::domain::ids::ChannelId(42), 0).await.expect("re-add with a gone channel");
        let reloaded = app.command("Claire", "change-team", "comms reload", json!({})).await;
        assert!(reloaded.content.starts_with("Plan reloaded"), "{}", reloaded.content);
        app.advance(10);
        let report = app.wait_for_messages("change-team", 1).await;
        assert_eq!(
            report[0]["content"],
            "**Herald delivery report**\n• Could not deliver `tick` to Support (<#42>): Discord answered 404 Not Found: Unknown Channel. It will not be retried; `/comms send tick` tries again.\n"
        );
        assert_eq!(app.wait_for_messages("sales", 1).await.len(), 1, "the other team still gets its message");
        let by_route = app.stats().await["by_route"].clone();
        let posts = by_route["POST /channels/{id}/messages"].as_u64().unwrap_or(0);
        assert!(posts <= 3, "one post each to sales and #42, one report; no retries of a 404: {by_route}");
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

/// Polls a while longer: nothing more arrives in `channel` than `n` messages.
async fn stays_at(app: &TestApp, channel: &str, n: usize) -> Vec<Value> {
    for _ in 0..30 {
        assert_eq!(app.messages(channel).await.len(), n, "#{channel}");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    app.messages(channel).await
}

#[tokio::test]
async fn two_got_it_clicks_at_once_count_the_member_once() {
    within(90, async {
        let app = tick_app().await;
        app.advance(10);
        let sales = app.wait_for_messages("sales", 1).await;
        let message = sales[0]["id"].as_str().expect("id").to_string();
        let got_it = sales[0]["components"][0]["components"][0]["custom_id"]
            .as_str()
            .expect("Got it button")
            .to_string();
        assert!(
            matches!(got_it.parse::<Action>(), Ok(Action::Ack { .. })),
            "{got_it}"
        );
        let first = dispatch_click(&app, "Ava", &message, &got_it).await;
        let second = dispatch_click(&app, "Ava", &message, &got_it).await;
        let mut said = vec![
            app.reply(&first).await.content,
            app.reply(&second).await.content,
        ];
        said.sort();
        assert_eq!(
            said,
            [
                "Thanks, noted: you have acknowledged this update.",
                "You have already acknowledged this update."
            ]
        );
        let acks = app
            .command(
                "Claire",
                "change-team",
                "comms acks",
                json!({ "item": "tick" }),
            )
            .await;
        assert!(
            acks.content.contains("• Sales: 1/6 (16 %)"),
            "{}",
            acks.content
        );
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn a_double_confirm_and_a_replayed_confirm_send_the_announcement_once() {
    within(90, async {
        let app = tick_app().await;
        let modal = app
            .command(
                "Claire",
                "change-team",
                "comms announce",
                json!({ "audience": "Sales, Support" }),
            )
            .await;
        let written = json!({ "member": "Claire", "channel": "change-team", "custom_id": modal.custom_id, "fields": { "text": "Town hall at 15:00." } });
        let submitted = app.post("/_sim/interactions/modal", written.clone()).await;
        let preview = app
            .reply(submitted["interaction_id"].as_str().expect("id"))
            .await;
        let confirm = crate::pulse_flow::button(&preview.components, "Confirm and send");
        assert!(
            matches!(confirm.parse::<Action>(), Ok(Action::AnnounceConfirm { .. })),
            "{confirm}"
        );
        let first = dispatch_click(&app, "Claire", &preview.message_id, &confirm).await;
        let second = dispatch_click(&app, "Claire", &preview.message_id, &confirm).await;
        let mut said = vec![
            app.reply(&first).await.content,
            app.reply(&second).await.content,
        ];
        said.sort();
        assert_eq!(
            said,
            [
                "Sent to 2 teams: Sales and Support.",
                "This announcement was already sent; nothing changed."
            ]
        );
        let replay = app.click("Claire", &preview.message_id, &confirm).await;
        assert_eq!(
            replay.content,
            "This announcement was already sent; nothing changed."
        );
        let resubmitted = app.post("/_sim/interactions/modal", written).await;
        let again = app
            .reply(resubmitted["interaction_id"].as_str().expect("id"))
            .await;
        assert_eq!(
            again.content,
            "This announcement was already sent or cancelled."
        );
        for channel in ["sales", "support"] {
            app.wait_for_messages(channel, 1).await;
            let posted = stays_at(&app, channel, 1).await;
            assert_eq!(contents(&posted), ["Town hall at 15:00."], "#{channel}");
        }
        app.finish().await;
    })
    .await;
}
