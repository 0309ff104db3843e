//! The Discord edge end to end: real serenity and poise against the simulator.

use std::time::Duration;

use herald::domain::ids::GuildId;
use serde_json::json;

use crate::helpers::{spawn_app, within, TestApp};

async fn teams_in_store(app: &TestApp) -> Vec<String> {
    let guild = GuildId(app.guild_id().await);
    app.herald()
        .app
        .store
        .list_teams(guild)
        .await
        .expect("list")
        .into_iter()
        .map(|t| t.name)
        .collect()
}

#[tokio::test]
async fn commands_are_registered_and_status_answers_within_three_seconds() {
    within(60, async {
        let app = spawn_app().await;
        let commands = app.get("/_sim/commands").await;
        let names: Vec<&str> = commands
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|c| c["name"].as_str())
            .collect();
        assert!(
            names.contains(&"herald") && names.contains(&"team"),
            "{names:?}"
        );
        let reply = app
            .command("Claire", "change-team", "herald status", json!({}))
            .await;
        assert!(reply.ack_ms < 3000.0, "answered after {} ms", reply.ack_ms);
        assert!(reply.ephemeral);
        assert!(
            reply
                .content
                .contains(&format!("Herald {}", env!("CARGO_PKG_VERSION"))),
            "{}",
            reply.content
        );
        let backend = if app.db.is_postgres() {
            "Database: postgres"
        } else {
            "Database: sqlite"
        };
        assert!(reply.content.contains(backend), "{}", reply.content);
        assert!(
            reply.content.contains("Teams: no teams yet"),
            "{}",
            reply.content
        );
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn a_member_without_the_change_lead_role_cannot_add_a_team_and_nothing_is_written() {
    within(60, async {
        let app = spawn_app().await;
        let reply = app
            .command(
                "Ava",
                "sales",
                "team add",
                json!({ "name": "Sales", "role": "Sales", "channel": "sales" }),
            )
            .await;
        assert!(reply.ephemeral);
        assert_eq!(
            reply.content,
            "Only change leads can do this: they run the communication plan. Your team's updates and pulses come to your team's channel; `/me updates` shows which you have acknowledged and `/me reminders` turns pulse reminders off.",
            "a refusal says what to do instead, never to ask for a role"
        );
        assert!(
            teams_in_store(&app).await.is_empty(),
            "a refused command wrote a team"
        );
        let reply = app
            .command("Maya", "sales", "team remove", json!({ "name": "Sales" }))
            .await;
        assert!(
            reply.content.starts_with("Only change leads"),
            "a manager is not a change lead: {}",
            reply.content
        );
        assert!(
            app.messages("sales").await.is_empty(),
            "nothing was posted in the channel"
        );
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn a_team_added_and_listed_survives_a_restart() {
    within(90, async {
        let mut app = spawn_app().await;
        let sales_role = app.id_of("roles", "Sales").await;
        let sales_channel = app.id_of("channels", "sales").await;
        let added = app.command("Claire", "change-team", "team add", json!({ "name": "Sales", "role": "Sales", "channel": "sales" })).await;
        assert_eq!(
            added.content,
            format!("Team **Sales** added: members are everyone with <@&{sales_role}>, posts go to <#{sales_channel}>.")
        );
        app.command("Claire", "change-team", "team add", json!({ "name": "Support", "role": "Support", "channel": "support" })).await;
        app.stop_herald().await;
        app.start_herald().await;
        let listed = app.command("Ava", "sales", "team list", json!({})).await;
        assert!(listed.content.starts_with("**Teams (2)**"), "{}", listed.content);
        assert!(listed.content.contains(&format!("**Sales** — role <@&{sales_role}>, channel <#{sales_channel}>")), "{}", listed.content);
        let status = app.command("Claire", "change-team", "herald status", json!({})).await;
        assert!(status.content.contains("Teams: 2 (Sales, Support)"), "{}", status.content);
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn duplicate_and_malformed_team_names_are_refused_clearly() {
    within(60, async {
        let app = spawn_app().await;
        app.command(
            "Claire",
            "change-team",
            "team add",
            json!({ "name": "Sales", "role": "Sales", "channel": "sales" }),
        )
        .await;
        let dup = app
            .command(
                "Claire",
                "change-team",
                "team add",
                json!({ "name": "SALES", "role": "Finance", "channel": "finance" }),
            )
            .await;
        assert!(
            dup.content
                .contains("A team named **SALES** exists already"),
            "{}",
            dup.content
        );
        let bad = app
            .command(
                "Claire",
                "change-team",
                "team add",
                json!({ "name": "<@&1>", "role": "Finance", "channel": "finance" }),
            )
            .await;
        assert!(bad.content.contains("is not allowed"), "{}", bad.content);
        let gone = app
            .command(
                "Claire",
                "change-team",
                "team remove",
                json!({ "name": "Marketing" }),
            )
            .await;
        assert!(
            gone.content
                .contains("There is no team named **Marketing**"),
            "{}",
            gone.content
        );
        assert_eq!(
            teams_in_store(&app).await,
            ["Sales"],
            "only the first team is stored"
        );
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn an_administrator_chooses_the_roles_and_every_command_rechecks_them() {
    within(60, async {
        let app = spawn_app().await;
        let refused = app
            .command(
                "Claire",
                "change-team",
                "herald roles",
                json!({ "change_lead": "Manager" }),
            )
            .await;
        assert_eq!(refused.content, "Only a server administrator can do this.");
        let saved = app
            .command(
                "Olivia",
                "change-team",
                "herald roles",
                json!({ "change_lead": "Manager" }),
            )
            .await;
        assert!(
            saved.content.starts_with("Saved. Change leads: <@&"),
            "{}",
            saved.content
        );
        let by_manager = app
            .command(
                "Maya",
                "sales",
                "team add",
                json!({ "name": "Sales", "role": "Sales", "channel": "sales" }),
            )
            .await;
        assert!(
            by_manager.content.starts_with("Team **Sales** added"),
            "{}",
            by_manager.content
        );
        let by_old_lead = app
            .command(
                "Claire",
                "change-team",
                "team remove",
                json!({ "name": "Sales" }),
            )
            .await;
        assert!(
            by_old_lead.content.starts_with("Only change leads"),
            "{}",
            by_old_lead.content
        );
        assert_eq!(teams_in_store(&app).await, ["Sales"]);
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn after_a_gateway_disconnect_the_next_command_is_answered() {
    within(90, async {
        let app = spawn_app().await;
        let dropped = app.post("/_sim/gateway/disconnect", json!({})).await;
        assert_eq!(dropped["disconnected"], 1);
        let metrics = app.herald().app.metrics.clone();
        let mut back = false;
        for _ in 0..300 {
            tokio::time::sleep(Duration::from_millis(20)).await;
            if app.stats().await["gateway_sessions"] == 1 && metrics.gateway_up() {
                back = true;
                break;
            }
        }
        assert!(back, "Herald did not reconnect within 6 s");
        let reply = app
            .command("Claire", "change-team", "herald status", json!({}))
            .await;
        assert!(reply.content.contains("**Herald"), "{}", reply.content);
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn when_the_database_is_gone_people_are_told_to_try_again_shortly() {
    within(60, async {
        let app = spawn_app().await;
        app.herald().app.store.close().await;
        let reply = app
            .command("Claire", "change-team", "team list", json!({}))
            .await;
        assert!(reply.ephemeral);
        assert_eq!(
            reply.content,
            "Herald cannot reach its database right now; try again in a moment."
        );
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn a_refused_identify_is_retried_after_a_growing_pause_not_at_once() {
    within(60, async {
        let sim = herald::sim::start(
            "127.0.0.1:0".parse().expect("addr"),
            &herald::sim::WorldSpec::default_world(),
        )
        .await
        .expect("sim");
        let http = reqwest::Client::new();
        http.post(format!("{}/_sim/faults", sim.url()))
            .json(&json!({ "reject_identify": true }))
            .send()
            .await
            .expect("faults");
        let db = crate::helpers::TestDb::new().await;
        let clock = std::sync::Arc::new(herald::clock::ManualClock::new(chrono::Utc::now()));
        let settings = crate::helpers::settings_for(&sim.url(), &db.url);
        let running = herald::startup::launch(settings, clock.clone())
            .await
            .expect("launch");
        let identifies = |v: serde_json::Value| v["identifies"].as_u64().unwrap_or(0);
        while identifies(sim.stats()) < 1 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(
            identifies(sim.stats()),
            1,
            "no second IDENTIFY before the pause passes"
        );
        clock.advance(chrono::Duration::seconds(2));
        while identifies(sim.stats()) < 2 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        http.post(format!("{}/_sim/faults", sim.url()))
            .json(&json!({ "reject_identify": false }))
            .send()
            .await
            .expect("faults");
        clock.advance(chrono::Duration::seconds(3));
        while !running.app.metrics.gateway_up() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(identifies(sim.stats()), 3, "one IDENTIFY per pause");
        running.stop().await;
    })
    .await;
}
