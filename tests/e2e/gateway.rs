//! One gateway holder among several instances on one PostgreSQL database: the others
//! stand by, and one takes over when the holder dies.

use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::json;

use crate::helpers::{
    settings_for, spawn_app, spawn_app_with_plan_skewed, take_over, within, TestApp,
};

async fn identifies(app: &TestApp) -> u64 {
    app.stats().await["identifies"].as_u64().unwrap_or(0)
}

async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..500 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{what} did not happen within 5 s");
}

#[tokio::test]
async fn one_instance_holds_the_gateway_and_a_standby_takes_over_within_fifteen_seconds() {
    within(120, async {
        let mut app = spawn_app().await;
        if !app.db.is_postgres() {
            eprintln!("one gateway holder: PostgreSQL only (set TEST_DATABASE_URL)");
            return;
        }
        let second =
            herald::startup::launch(settings_for(&app.sim.url(), &app.db.url), app.clock.clone())
                .await
                .expect("a second instance starts");
        let standby = second.app.metrics.clone();
        wait_for("the second instance standing by", || {
            standby.gateway_standby.load(Ordering::Relaxed)
        })
        .await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(
            identifies(&app).await,
            1,
            "only the holder connected to the gateway"
        );
        let health: serde_json::Value = app
            .http
            .get(format!("http://{}/healthz", second.health_addr))
            .send()
            .await
            .expect("healthz")
            .json()
            .await
            .expect("json");
        assert_eq!(health["gateway"], "standby", "{health}");

        app.herald.take().expect("the first instance").crash().await;
        let (_, waited) = take_over(&app, &[&second]).await;
        assert!(
            waited <= 15,
            "the take-over took {waited} s of the holder's death"
        );
        assert_eq!(identifies(&app).await, 2);
        let reply = app
            .command("Claire", "change-team", "herald status", json!({}))
            .await;
        assert!(
            reply.content.contains("Herald"),
            "the new holder answers: {}",
            reply.content
        );
        app.herald = Some(second);
        app.finish().await;
    })
    .await;
}

/// Instance clocks 90 s slow and 90 s fast: lease expiry is judged on the database's clock,
/// so the fast standby never takes the slow holder's live lease (on its own clock that
/// lease lapsed long ago), and still takes over within 15 s once the holder dies.
#[tokio::test]
async fn a_standby_with_a_fast_clock_never_takes_a_live_lease_from_a_holder_with_a_slow_one() {
    within(120, async {
        let world = herald::sim::WorldSpec::default_world();
        let plan = format!(
            "[campaign]\nname = \"Atlas\"\ntimezone = \"UTC\"\nreports_channel = \"change-team\"\n{}\n\
             [[items]]\nid = \"kickoff\"\ntemplate = \"kickoff.md\"\naudience = \"all\"\n\
             schedule = \"2030-01-01 09:00\"\n",
            world.plan_teams()
        );
        let mut app = spawn_app_with_plan_skewed(
            world,
            &plan,
            &[("kickoff.md", "Atlas starts today")],
            vec![],
            chrono::Duration::seconds(-90),
        )
        .await;
        if !app.db.is_postgres() {
            eprintln!("skewed gateway holders: PostgreSQL only (set TEST_DATABASE_URL)");
            return;
        }
        let second = app
            .start_instance_with_skew(chrono::Duration::seconds(90))
            .await;
        let standby = second.app.metrics.clone();
        for _ in 0..4 {
            tokio::time::sleep(Duration::from_millis(300)).await;
            assert!(!standby.gateway_up(), "the fast standby took a live lease");
            assert_eq!(identifies(&app).await, 1, "only the holder connected");
            app.advance(3);
        }

        app.herald.take().expect("the first instance").crash().await;
        let (_, waited) = take_over(&app, &[&second]).await;
        assert!(waited <= 15, "the take-over took {waited} s of the holder's death");
        assert_eq!(identifies(&app).await, 2);
        app.herald = Some(second);
        app.finish().await;
    })
    .await;
}
