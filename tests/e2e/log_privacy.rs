//! Herald as a real process at `RUST_LOG=trace`: a member's feedback message, pulse
//! answers and comment pass through the gateway and Herald, and none of their text
//! reaches the log, though Herald's own debug lines do.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use herald::sim::client::{button, SimClient};
use herald::sim::{self, SimHandle, WorldSpec};
use serde_json::json;

use crate::helpers::{within, TestDb};

const BIN: &str = env!("CARGO_BIN_EXE_herald");
const FEEDBACK: &str = "canary-fb-8e21 the renewal screen loses my work";
const COMMENT: &str = "canary-cm-4d07 my manager never listens";

/// Herald's stderr as it arrives, bytes and all (colour codes included, if any).
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl Log {
    fn follow(child: &mut Child) -> (Self, std::thread::JoinHandle<()>) {
        let log = Log::default();
        let sink = log.clone();
        let mut stderr = child.stderr.take().expect("stderr is piped");
        let reader = std::thread::spawn(move || {
            let mut chunk = [0u8; 8192];
            while let Ok(n) = stderr.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                if let Ok(mut v) = sink.0.lock() {
                    v.extend_from_slice(&chunk[..n]);
                }
            }
        });
        (log, reader)
    }

    fn text(&self) -> String {
        self.0
            .lock()
            .map(|v| String::from_utf8_lossy(&v).into_owned())
            .unwrap_or_default()
    }

    async fn wait_for(&self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.text().contains(needle) {
            assert!(
                Instant::now() < deadline,
                "`{needle}` never reached the log"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// A plan with the Sales team and the shipped question sets, in `dir`.
fn write_plan(dir: &Path, world: &WorldSpec) {
    let plan = format!(
        "[campaign]\nname = \"Atlas\"\ntimezone = \"UTC\"\nreports_channel = \"change-team\"\n{}",
        world.plan_teams()
    );
    std::fs::write(dir.join("plan.toml"), plan).expect("plan");
    std::fs::create_dir(dir.join("templates")).expect("templates");
    herald::sim::world::copy_shipped_polls(dir).expect("the shipped polls");
}

fn start(sim: &SimHandle, db_url: &str, dir: &Path) -> Child {
    Command::new(BIN)
        .arg("run")
        .current_dir(dir)
        .env_remove("HERALD_LOG_UNSAFE")
        .env_remove("HERALD_CONFIG")
        .env("RUST_LOG", "trace")
        .env("DISCORD_TOKEN", "test")
        .env("HERALD__DISCORD__API_BASE", sim.url())
        .env("HERALD__DATABASE__URL", db_url)
        .env("HERALD__HTTP__LISTEN", "127.0.0.1:0")
        .env("HERALD__MESSAGES__DIR", dir)
        .env("HERALD__PRIVACY__KEY_FILE", dir.join("herald-key"))
        .env("HERALD__SENTIMENT__FEEDBACK_CHANNELS", "feedback")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("herald starts")
}

/// `/pulse start` as the change lead, retried until Herald is up and knows the team.
async fn start_pulse(client: &SimClient, log: &Log) {
    let options = json!({ "set": "adkar", "teams": "all", "closes_in": "48h" });
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let reply = client
            .command("Claire", "change-team", "pulse start", options.clone())
            .await;
        if reply
            .as_ref()
            .is_some_and(|(_, _, text)| text.contains("Pulse #1"))
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the pulse did not start: {reply:?}\n{}",
            log.text()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The pulse message in #sales: (message id, its Answer button).
async fn opening(sim: &SimHandle) -> (String, String) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let found = sim.messages("sales").into_iter().find(|m| {
            m["content"]
                .as_str()
                .is_some_and(|c| c.starts_with("**Pulse:"))
        });
        if let Some(m) = found {
            let answer = button(&m["components"], "Answer").expect("an Answer button");
            return (m["id"].as_str().expect("id").to_string(), answer);
        }
        assert!(Instant::now() < deadline, "no pulse message in #sales");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Answers every question with 4, then "Add a comment and submit" with `comment`;
/// returns the modal's custom_id (which carries the answers) and the closing words.
async fn answer_with_comment(
    client: &SimClient,
    sim: &SimHandle,
    comment: &str,
) -> (String, String) {
    let (msg, answer) = opening(sim).await;
    let (flow, mut components, _) = client
        .click("sales-1", &msg, &answer)
        .await
        .expect("the first question");
    while let Some(four) = button(&components, "4") {
        (_, components, _) = client
            .click("sales-1", &flow, &four)
            .await
            .expect("the next screen");
    }
    let submit = button(&components, "Add a comment and submit").expect("the summary");
    let body = json!({ "member": "sales-1", "message_id": flow, "custom_id": submit });
    let started = client
        .post("/_sim/interactions/component", body)
        .await
        .expect("click");
    let id = started["interaction_id"].as_str().expect("id");
    let (_, modal) = client.settled(id).await.expect("a modal");
    let modal_id = modal["custom_id"].as_str().expect("modal id").to_string();
    let body = json!({ "member": "sales-1", "channel": "sales", "custom_id": modal_id, "fields": { "comment": comment } });
    let (_, _, done) = client
        .answer(client.post("/_sim/interactions/modal", body).await)
        .await
        .expect("the closing words");
    (modal_id, done)
}

/// `text` without ANSI escape sequences (`ESC [ … m`).
fn without_colour(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            chars.by_ref().find(|c| c.is_ascii_alphabetic());
        } else {
            out.push(c);
        }
    }
    out
}

fn stop(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

#[tokio::test]
async fn at_rust_log_trace_no_feedback_text_comment_or_answer_id_reaches_the_log() {
    within(180, async {
        let world = WorldSpec::teams(&[("Sales", 3)], false, &["feedback"]);
        let sim = sim::start("127.0.0.1:0".parse().expect("addr"), &world)
            .await
            .expect("sim");
        let db = TestDb::new().await;
        let dir = tempfile::tempdir().expect("dir");
        write_plan(dir.path(), &world);
        let mut child = start(&sim, &db.url, dir.path());
        let (log, reader) = Log::follow(&mut child);
        let client = SimClient::new(&sim.url());
        start_pulse(&client, &log).await;
        client
            .say("sales-2", "feedback", FEEDBACK)
            .await
            .expect("posted");
        // Herald's own debug line once the feedback is scored: the log is not just quiet.
        log.wait_for("sentiment alert rule").await;
        let (answers_id, done) = answer_with_comment(&client, &sim, COMMENT).await;
        assert!(done.starts_with("Thank you"), "{done}");
        tokio::time::sleep(Duration::from_millis(500)).await;
        stop(&mut child);
        let _ = reader.join();
        let text = log.text();
        for secret in ["canary-fb-8e21", "canary-cm-4d07", answers_id.as_str()] {
            let leak = text.lines().find(|l| l.contains(secret));
            assert!(leak.is_none(), "`{secret}` reached the log: {leak:?}");
        }
        let plain = without_colour(&text);
        assert!(
            plain.lines().count() >= 5 && plain.contains("DEBUG herald::"),
            "Herald's own debug lines are in the log:\n{plain}"
        );
        assert!(
            !text.contains('\u{1b}'),
            "a log written to a pipe has no colour codes"
        );
    })
    .await;
}

/// The one place the cap lifts: HERALD_LOG_UNSAFE=1 says so before anything else.
#[test]
fn herald_log_unsafe_warns_that_personal_text_may_reach_the_log() {
    let dir = tempfile::tempdir().expect("dir");
    let (code, _, stderr) = crate::cli::herald(
        &["migrate"],
        &[("HERALD_LOG_UNSAFE", "1"), ("RUST_LOG", "trace")],
        dir.path(),
    );
    assert_eq!(code, 0, "{stderr}");
    let first = stderr.lines().next().unwrap_or_default();
    assert!(
        first.contains("WARN") && first.contains("personal text"),
        "{stderr}"
    );
    let (_, _, quiet) = crate::cli::herald(&["migrate"], &[("RUST_LOG", "trace")], dir.path());
    assert!(!quiet.contains("HERALD_LOG_UNSAFE"), "{quiet}");
}
