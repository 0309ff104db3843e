//! Scale-out: two Herald instances on one PostgreSQL database, both holding a gateway
//! session (as during a take-over), so the simulator sends each of them every event. Every
//! reaction and feedback message is one signal, every interaction gets one answer, and the
//! instance that lost the claim says nothing and logs no error. The store's claims are
//! checked on both backends.

use std::sync::Arc;
use std::time::Duration;

use herald::clock::{Clock, ManualClock};
use herald::domain::ids::GuildId;
use herald::domain::record::{Signal, Source};
use herald::sim::WorldSpec;
use herald::startup::{self, Running};
use serde_json::{json, Value};

use crate::helpers::{settings_with_env, spawn_app_with_dir, take_over, within, TestApp, TestDb};

const GOOD: &str = "Atlas is great, really helpful";

/// Herald (the first instance) with a plan: the world's teams, a kickoff to Sales at
/// 09:05 with a Got it button, and `feedback` as a feedback channel.
async fn first_instance() -> TestApp {
    let world = WorldSpec::default_world();
    let dir = tempfile::tempdir().expect("dir");
    let plan = format!(
        "[campaign]\nname = \"Atlas\"\ntimezone = \"UTC\"\nreports_channel = \"change-team\"\n{}\n\
         [[items]]\nid = \"kickoff\"\ntemplate = \"kickoff.md\"\naudience = [\"Sales\"]\n\
         schedule = \"2026-03-02 09:05\"\nack = true\n",
        world.plan_teams()
    );
    std::fs::write(dir.path().join("plan.toml"), plan).expect("plan");
    std::fs::create_dir(dir.path().join("templates")).expect("dir");
    std::fs::write(
        dir.path().join("templates/kickoff.md"),
        "Atlas starts today, {{ team.name }}",
    )
    .expect("template");
    let env = vec![(
        "HERALD__SENTIMENT__FEEDBACK_CHANNELS".to_string(),
        "feedback".to_string(),
    )];
    spawn_app_with_dir(world, dir, env).await
}

/// A second instance with the same settings and database, on a clock of its own set to
/// the first one's time, connected to the gateway while the first still is: a take-over
/// overlap. Where a gateway lease lets one instance connect at a time, the lease is taken
/// from the first instance the way it lapses when that instance stalls: its row is gone
/// and the second instance's next look (its clock moved on) takes it, while the first,
/// whose clock stands still, has not looked again and keeps its session.
async fn second_instance(app: &TestApp) -> (Running, Arc<ManualClock>) {
    let dir = app.plan_dir.as_ref().expect("plan dir").path();
    let settings = settings_with_env(&app.sim.url(), &app.db.url, dir, &app.env);
    let clock = Arc::new(ManualClock::new(Clock::now(&*app.clock)));
    let running = startup::launch(settings, clock.clone())
        .await
        .unwrap_or_else(|e| panic!("the second instance starts: {e:?}"));
    let pool = sqlx::PgPool::connect(&app.db.url).await.expect("db");
    for _ in 0..500 {
        if running.app.metrics.gateway_up() && app.stats().await["gateway_sessions"] == 2 {
            pool.close().await;
            return (running, clock);
        }
        if sqlx::query("DELETE FROM gateway_lease")
            .execute(&pool)
            .await
            .is_ok()
        {
            clock.advance(chrono::Duration::seconds(5));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the second instance did not connect beside the first within 5 s");
}

/// A counter as `/metrics` shows it (0 when the instance does not have it).
fn counter(running: &Running, name: &str) -> u64 {
    running
        .app
        .metrics
        .render()
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// Events left to the other instance, over both.
fn left_to_the_other(both: &[&Running]) -> u64 {
    both.iter()
        .map(|r| counter(r, "herald_duplicate_events_total"))
        .sum()
}

/// Signals per source in the sentiment record.
async fn signals(app: &TestApp, source: Source) -> u64 {
    let a = &app.herald().app;
    let guild = a.primary_guild().await.ok().flatten().expect("guild");
    let record = a.store.cells(guild, None, 0).await.expect("cells");
    record
        .cells
        .iter()
        .filter(|((_, _, s), _)| *s == source)
        .map(|(_, c)| c.n)
        .sum()
}

/// Raw signal rows of one source, as an auditor reading the table would count them.
async fn signal_rows(app: &TestApp, source: Source) -> i64 {
    let pool = sqlx::PgPool::connect(&app.db.url).await.expect("db");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sentiment_signals WHERE source = $1")
        .bind(source.name())
        .fetch_one(&pool)
        .await
        .expect("count");
    pool.close().await;
    n
}

async fn dispatch(app: &TestApp, route: &str, body: Value) -> String {
    let started = app.post(route, body).await;
    started["interaction_id"]
        .as_str()
        .unwrap_or_else(|| panic!("not dispatched: {started}"))
        .to_string()
}

/// Every answer the simulator recorded for an interaction.
async fn answers(app: &TestApp, interaction: &str) -> Vec<Value> {
    app.get(&format!("/_sim/interactions/{interaction}?wait_ms=5000"))
        .await["responses"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn postgres_configured() -> bool {
    std::env::var("TEST_DATABASE_URL").is_ok_and(|v| !v.is_empty())
}

#[tokio::test]
async fn two_instances_receiving_every_event_count_each_once_and_answer_each_once() {
    if !postgres_configured() {
        println!("skipped: two instances share a PostgreSQL database; set TEST_DATABASE_URL");
        return;
    }
    within(120, async {
        let app = first_instance().await;
        // The kickoff with its Got it button, before the overlap.
        app.advance(300);
        let kickoff = app.wait_for_messages("sales", 1).await[0].clone();
        let (second, _clock) = second_instance(&app).await;
        let both = [app.herald(), &second];
        let message = kickoff["id"].as_str().expect("id").to_string();
        let got_it = kickoff["components"][0]["components"][0]["custom_id"]
            .as_str()
            .expect("a Got it button")
            .to_string();

        app.post(
            "/_sim/reactions",
            json!({ "member": "Ben", "channel": "sales", "message_id": message, "emoji": "👍" }),
        )
        .await;
        app.post(
            "/_sim/messages",
            json!({ "member": "Gia", "channel": "feedback", "content": GOOD }),
        )
        .await;
        let status = dispatch(
            &app,
            "/_sim/interactions/command",
            json!({ "member": "Claire", "channel": "change-team", "command": "herald status" }),
        )
        .await;
        let click = dispatch(
            &app,
            "/_sim/interactions/component",
            json!({ "member": "Ava", "message_id": message, "custom_id": got_it }),
        )
        .await;

        // Each of the four events reached both instances; the one that lost each claim
        // counts it and stops. (Polled, bounded: without claims nobody counts, and the
        // assertions below show what both instances did.)
        for _ in 0..300 {
            if left_to_the_other(&both) >= 4 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let status_answers = answers(&app, &status).await;
        let click_answers = answers(&app, &click).await;
        assert_eq!(
            status_answers.len(),
            1,
            "one answer to /herald status: {status_answers:?}"
        );
        assert!(
            status_answers[0]["content"]
                .as_str()
                .is_some_and(|c| c.contains("Herald")),
            "{status_answers:?}"
        );
        assert_eq!(
            click_answers.len(),
            1,
            "one answer to Got it: {click_answers:?}"
        );
        assert_eq!(
            click_answers[0]["content"], "Thanks, noted: you have acknowledged this update.",
            "the first and only answer is the acknowledgement"
        );
        assert_eq!(
            app.stats().await["interactions"]["double_acks"],
            0,
            "no instance answered an interaction the other had answered"
        );
        assert_eq!(
            signals(&app, Source::Reaction).await,
            1,
            "one 👍, one signal"
        );
        assert_eq!(
            signals(&app, Source::Feedback).await,
            1,
            "one message, one signal"
        );
        assert_eq!(signal_rows(&app, Source::Reaction).await, 1);
        assert_eq!(signal_rows(&app, Source::Feedback).await, 1);
        for (i, r) in both.iter().enumerate() {
            assert_eq!(
                counter(r, "herald_interaction_errors_total"),
                0,
                "instance {i} logged no failed command (no error id for an answer it lost)"
            );
        }
        assert_eq!(
            left_to_the_other(&both),
            4,
            "both instances received every event, and each was left once"
        );

        // The acknowledgement counted once (Ava of Sales's six).
        let acks = app
            .command(
                "Claire",
                "change-team",
                "comms acks",
                json!({ "item": "kickoff" }),
            )
            .await;
        assert!(acks.content.contains("• Sales: 1/6"), "{}", acks.content);

        // A member who joins is one row, though both instances store the arrival.
        let a = &app.herald().app;
        let guild = a.primary_guild().await.ok().flatten().expect("guild");
        let before = a.store.count_members(guild).await.expect("count");
        app.post(
            "/_sim/members",
            json!({ "name": "Nadia", "roles": ["Sales"] }),
        )
        .await;
        for _ in 0..300 {
            if a.store.count_members(guild).await.expect("count") > before {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(
            a.store.count_members(guild).await.expect("count"),
            before + 1
        );

        second.stop().await;
        app.finish().await;
    })
    .await;
}

const G: GuildId = GuildId(1_000);

#[tokio::test]
async fn an_event_claimed_by_many_at_once_is_won_by_one_and_forgotten_after_the_day() {
    within(60, async {
        let db = TestDb::new().await;
        let store = herald::store::connect(&db.url, 8).await.expect("store");
        let claims = (0..8).map(|_| store.claim_event("interaction", "k1", 20_000));
        let won = futures::future::join_all(claims).await;
        let winners = won.iter().filter(|w| matches!(w, Ok(true))).count();
        assert_eq!(winners, 1, "{won:?}");
        assert!(won.iter().all(Result::is_ok), "losing is no error: {won:?}");
        assert!(
            store
                .claim_event("interaction", "k2", 20_000)
                .await
                .expect("claim"),
            "another key is another event"
        );
        assert!(
            store
                .claim_event("reaction", "k1", 20_000)
                .await
                .expect("claim"),
            "another kind is another event"
        );
        assert_eq!(
            store.prune_events(20_000).await.expect("prune"),
            0,
            "kept on its day"
        );
        assert_eq!(store.prune_events(20_001).await.expect("prune"), 3);
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn one_event_signal_stored_by_many_at_once_is_one_signal_in_the_record() {
    within(60, async {
        let db = TestDb::new().await;
        let store = herald::store::connect(&db.url, 8).await.expect("store");
        let signal = Signal {
            team: "Sales".into(),
            source: Source::Reaction,
            score: 1.0,
            contributor: "c1".into(),
            at_ms: 1_772_442_000_000,
        };
        let adds = (0..8).map(|_| store.add_event_signal(G, &signal, "r1"));
        let stored = futures::future::join_all(adds).await;
        let firsts = stored.iter().filter(|s| matches!(s, Ok(true))).count();
        assert_eq!(firsts, 1, "{stored:?}");
        assert!(store
            .add_event_signal(G, &signal, "r2")
            .await
            .expect("another event"));
        let record = store.cells(G, None, 0).await.expect("cells");
        let n: u64 = record.cells.values().map(|c| c.n).sum();
        assert_eq!(n, 2, "two events, two signals");
        assert_eq!(store.rebuild_sentiment(G).await.expect("rebuild"), 2);
        store.close().await;
    })
    .await;
}

/// Three instances; people use Herald throughout; the gateway holder dies without giving
/// anything up (its tasks stop where they are, as under SIGKILL) twice. Every interaction
/// is answered once, every reaction and feedback message is one signal, the kickoff went
/// out once, and each take-over took under 15 s.
#[tokio::test]
async fn three_instances_lose_their_gateway_holder_twice_and_handle_every_event_once() {
    if !postgres_configured() {
        println!("skipped: three instances share a PostgreSQL database; set TEST_DATABASE_URL");
        return;
    }
    within(300, async {
        let mut app = first_instance().await;
        app.advance(300);
        let kickoff = app.wait_for_messages("sales", 1).await[0].clone();
        let message = kickoff["id"].as_str().expect("id").to_string();
        let got_it = kickoff["components"][0]["components"][0]["custom_id"]
            .as_str()
            .expect("a Got it button")
            .to_string();
        let mut standbys = vec![
            app.start_instance_with_skew(chrono::Duration::zero()).await,
            app.start_instance_with_skew(chrono::Duration::zero()).await,
        ];
        let mut errors = 0;
        let mut interactions = Vec::new();
        let people = ["Ava", "Ben", "Chloe"];
        for (round, who) in people.iter().enumerate() {
            interactions.push(
                dispatch(
                    &app,
                    "/_sim/interactions/command",
                    json!({ "member": "Claire", "channel": "change-team", "command": "herald status" }),
                )
                .await,
            );
            interactions.push(
                dispatch(
                    &app,
                    "/_sim/interactions/component",
                    json!({ "member": who, "message_id": message, "custom_id": got_it }),
                )
                .await,
            );
            app.post(
                "/_sim/reactions",
                json!({ "member": who, "channel": "sales", "message_id": message, "emoji": "👍" }),
            )
            .await;
            app.post(
                "/_sim/messages",
                json!({ "member": who, "channel": "feedback", "content": format!("{GOOD} ({round})") }),
            )
            .await;
            for id in &interactions {
                assert_eq!(answers(&app, id).await.len(), 1, "round {round}: one answer to {id}");
            }
            for _ in 0..300 {
                if signals(&app, Source::Feedback).await > round as u64 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            if round == people.len() - 1 {
                break;
            }
            let holder = app.herald.take().expect("the holder");
            errors += counter(&holder, "herald_interaction_errors_total");
            holder.crash().await;
            let (i, waited) = take_over(&app, &standbys.iter().collect::<Vec<_>>()).await;
            assert!(waited <= 15, "round {round}: the take-over took {waited} s");
            app.herald = Some(standbys.remove(i));
        }
        for r in standbys.iter().chain(app.herald.iter()) {
            errors += counter(r, "herald_interaction_errors_total");
        }
        assert_eq!(errors, 0, "no instance logged a failed command");
        for id in &interactions {
            let said = answers(&app, id).await;
            assert_eq!(said.len(), 1, "one answer to {id}: {said:?}");
        }
        assert_eq!(app.stats().await["interactions"]["double_acks"], 0);
        assert_eq!(signals(&app, Source::Reaction).await, 3, "three 👍, three signals");
        assert_eq!(signal_rows(&app, Source::Reaction).await, 3);
        assert_eq!(signals(&app, Source::Feedback).await, 3, "three messages, three signals");
        assert_eq!(signal_rows(&app, Source::Feedback).await, 3);
        let acks = app
            .command("Claire", "change-team", "comms acks", json!({ "item": "kickoff" }))
            .await;
        assert!(acks.content.contains("• Sales: 3/6"), "{}", acks.content);
        let kickoffs = app
            .messages("sales")
            .await
            .iter()
            .filter(|m| m["id"] == kickoff["id"] || m["content"] == kickoff["content"])
            .count();
        assert_eq!(kickoffs, 1, "the kickoff went out once");
        for s in standbys {
            s.stop().await;
        }
        app.finish().await;
    })
    .await;
}
