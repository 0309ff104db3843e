//! Fault runs of the job system, at CI size (larger with `HERALD_FAULTS_LARGE=1`): a
//! reminder wave of one row per member beside plan sends that fall due in the middle of
//! it, and instances whose clocks disagree.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use herald::sim::world::WorldSpec;
use serde_json::Value;

use crate::helpers::{
    large_fault_runs, spawn_app_with_dir, spawn_app_with_plan_skewed, within, TestApp,
};
use crate::pulse_flow::{answer, content, start};

/// Herald with one big team `Sales` of `members`, `desks` one-person teams `Desk000`…,
/// and a plan item `desk-note` to every desk at 2026-03-03 09:01 (UTC), a minute after
/// the 24-hours-before-close reminder of a 48 h pulse opened at the test clock's start.
async fn wave_app(members: usize, desks: usize) -> TestApp {
    let mut teams: Vec<(String, usize)> = vec![("Sales".into(), members)];
    teams.extend((0..desks).map(|i| (format!("Desk{i:03}"), 1)));
    let named: Vec<(&str, usize)> = teams.iter().map(|(t, n)| (t.as_str(), *n)).collect();
    let world = WorldSpec::teams(&named, false, &[]);
    let dir = tempfile::tempdir().expect("dir");
    let audience: Vec<String> = (0..desks).map(|i| format!("\"Desk{i:03}\"")).collect();
    let plan = format!(
        "[campaign]\nname = \"Atlas\"\ntimezone = \"UTC\"\nreports_channel = \"change-team\"\n{}\n\
         [[items]]\nid = \"desk-note\"\ntemplate = \"desk.md\"\naudience = [{}]\n\
         schedule = \"2026-03-03 09:01\"\n",
        world.plan_teams(),
        audience.join(", ")
    );
    std::fs::write(dir.path().join("plan.toml"), plan).expect("plan");
    std::fs::create_dir(dir.path().join("templates")).expect("templates");
    std::fs::write(
        dir.path().join("templates/desk.md"),
        "The Atlas desk note for {{ team.name }}",
    )
    .expect("template");
    herald::sim::world::copy_shipped_polls(dir.path()).expect("the shipped polls");
    spawn_app_with_dir(world, dir, vec![]).await
}

/// How many messages in #sales say `text`.
async fn kickoffs(app: &TestApp, text: &str) -> usize {
    app.messages("sales")
        .await
        .iter()
        .filter(|m| {
            m["embeds"][0]["description"]
                .as_str()
                .or(m["content"].as_str())
                .unwrap_or_default()
                .contains(text)
        })
        .count()
}

/// Every direct message the simulator holds, per member name.
async fn reminders_by_member(app: &TestApp, members: usize) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    for i in 1..=members {
        let name = format!("sales-{i}");
        let dms: Vec<Value> = app
            .get(&format!("/_sim/dms/{name}"))
            .await
            .as_array()
            .cloned()
            .unwrap_or_default();
        let reminders = dms
            .iter()
            .filter(|m| content(m).starts_with("Reminder: the pulse"))
            .count();
        out.insert(name, reminders);
    }
    out
}

async fn desks_with_the_note(app: &TestApp, desks: usize) -> usize {
    let mut n = 0;
    for i in 0..desks {
        let msgs = app.messages(&format!("desk{i:03}")).await;
        if msgs.iter().any(|m| {
            m["embeds"][0]["description"]
                .as_str()
                .or(m["content"].as_str())
                .unwrap_or_default()
                .contains("The Atlas desk note")
        }) {
            n += 1;
        }
    }
    n
}

async fn reminders_so_far(app: &TestApp) -> u64 {
    app.stats().await["dms_created"].as_u64().unwrap_or(0)
}

#[tokio::test]
async fn plan_sends_due_during_a_reminder_wave_go_out_within_five_seconds_and_every_non_respondent_is_reminded_once(
) {
    let (members, desks) = if large_fault_runs() {
        (5_000, 200)
    } else {
        (300, 20)
    };
    within(900, async {
        let app = wave_app(members, desks).await;
        let opened = start(&app, "Sales", "48h").await;
        assert!(opened.contains("24 and 4 hours before close"), "{opened}");
        let answered = ["sales-1", "sales-2", "sales-3"];
        for m in answered {
            answer(&app, m, "sales", &[4, 4, 4, 4, 4], None).await;
        }

        // The 24 h reminder falls due: one row per member, sent in its own lane.
        app.advance(24 * 3600);
        let wave = Instant::now();
        while reminders_so_far(&app).await < 10 {
            assert!(wave.elapsed() < Duration::from_secs(30), "the reminder wave did not start");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // A minute later by the plan, while the wave is still going: the desk notes.
        app.advance(60);
        let due = Instant::now();
        while desks_with_the_note(&app, desks).await < desks {
            assert!(
                due.elapsed() < Duration::from_secs(5),
                "only {} of {desks} plan sends went out within 5 s of their time, behind the reminder wave",
                desks_with_the_note(&app, desks).await
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let sent_by_then = reminders_so_far(&app).await;
        let expected = (members - answered.len()) as u64;
        assert!(
            sent_by_then < expected,
            "the wave had finished ({sent_by_then} of {expected}) before the plan sends: nothing overlapped"
        );

        // The whole wave: each non-respondent exactly once, nobody who answered.
        let done = Instant::now();
        while reminders_so_far(&app).await < expected {
            assert!(
                done.elapsed() < Duration::from_secs(600),
                "only {} of {expected} reminders went out",
                reminders_so_far(&app).await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let got = reminders_by_member(&app, members).await;
        for (member, n) in &got {
            let want = usize::from(!answered.contains(&member.as_str()));
            assert_eq!(*n, want, "{member} got {n} reminders");
        }
        app.finish().await;
    })
    .await;
}

/// One instance's clock runs 90 s fast and, on PostgreSQL, a second one's 90 s slow: the
/// send due at 09:05 goes out when the database's clock says so, once.
#[tokio::test]
async fn instances_whose_clocks_are_ninety_seconds_off_send_nothing_early_and_nothing_twice() {
    within(120, async {
        let world = WorldSpec::default_world();
        let plan = format!(
            "[campaign]\nname = \"Atlas\"\ntimezone = \"UTC\"\nreports_channel = \"change-team\"\n{}\n\
             [[items]]\nid = \"kickoff\"\ntemplate = \"kickoff.md\"\naudience = [\"Sales\"]\n\
             schedule = \"2026-03-02 09:05\"\n",
            world.plan_teams()
        );
        let templates = [("kickoff.md", "Atlas starts today, {{ team.name }}")];
        let fast = chrono::Duration::seconds(90);
        let app = spawn_app_with_plan_skewed(world, &plan, &templates, vec![], fast).await;
        let slow = if app.db.is_postgres() {
            Some(app.start_instance_with_skew(-fast).await)
        } else {
            None
        };
        // 09:04: the fast clock reads 09:05:30, but the send is not due.
        app.advance(4 * 60);
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(kickoffs(&app, "Atlas starts today").await, 0, "sent before 09:05 by the database's clock");
        // 09:05 by the database's clock (the slow clock reads 09:03:30).
        app.advance(60);
        app.wait_for_messages("sales", 1).await;
        app.advance(90);
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(kickoffs(&app, "Atlas starts today").await, 1, "the send went out exactly once");
        if let Some(slow) = slow {
            slow.stop().await;
        }
        app.finish().await;
    })
    .await;
}
