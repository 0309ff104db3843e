//! Every command whose work can pass Discord's 3 seconds answers "thinking…" first, so
//! the person gets their answer however slow the work: a plan on a slow disk, or Discord
//! slow to list a team or open a direct message.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use serde_json::json;

use crate::comms::tick_app;
use crate::helpers::within;

/// How long the slow part takes: past Discord's 3 s deadline.
const SLOW: Duration = Duration::from_secs(4);

/// Turns `plan.toml` into a pipe that gives its text only after [`SLOW`], as a
/// plan on a slow network share would, then back into a plain file for later reads.
fn put_the_plan_on_a_slow_disk(dir: &Path) -> std::thread::JoinHandle<()> {
    let plan = dir.join("plan.toml");
    let text = std::fs::read_to_string(&plan).expect("plan");
    std::fs::remove_file(&plan).expect("remove");
    let made = std::process::Command::new("mkfifo")
        .arg(&plan)
        .status()
        .expect("mkfifo");
    assert!(made.success(), "mkfifo failed");
    let dir = dir.to_path_buf();
    std::thread::spawn(move || {
        std::thread::sleep(SLOW);
        let mut pipe = std::fs::OpenOptions::new()
            .write(true)
            .open(&plan)
            .expect("open the pipe");
        pipe.write_all(text.as_bytes()).expect("write the plan");
        drop(pipe);
        let file = dir.join("plan.toml.new");
        std::fs::write(&file, &text).expect("plain file");
        std::fs::rename(&file, &plan).expect("rename");
    })
}

#[tokio::test]
async fn a_reload_that_takes_four_seconds_still_gets_its_answer() {
    within(60, async {
        let app = tick_app().await;
        let dir = app
            .plan_dir
            .as_ref()
            .expect("plan dir")
            .path()
            .to_path_buf();
        let disk = put_the_plan_on_a_slow_disk(&dir);
        let reloaded = app
            .command("Claire", "change-team", "comms reload", json!({}))
            .await;
        assert_eq!(
            reloaded.content,
            "Plan reloaded: 1 item, 1 template; 1 warning (`herald plan check` lists them). Upcoming sends now follow it."
        );
        assert!(reloaded.ephemeral, "only the change lead sees it");
        disk.join().expect("the slow disk");
        let stats = app.stats().await;
        assert_eq!(stats["interactions"]["late"], 0, "{stats}");
        app.finish().await;
    })
    .await;
}

/// Commands whose work waits on Discord: listing a team's members or opening a direct
/// message channel, each made to take four seconds.
#[tokio::test]
async fn commands_that_wait_on_a_slow_discord_still_get_their_answers() {
    within(90, async {
        let app = crate::champions::app(&[]).await;
        app.command("Claire", "change-team", "comms send", json!({ "item": "kickoff" }))
            .await;
        for team in ["sales", "support", "finance"] {
            app.wait_for_messages(team, 1).await;
        }
        let ava = app.id_of("members", "Ava").await;
        let ben = app.id_of("members", "Ben").await;
        let slow = SLOW.as_millis() as u64;
        app.post(
            "/_sim/faults",
            json!({ "slow_routes": { "GET /guilds/{id}/members": slow, "POST /users/@me/channels": slow } }),
        )
        .await;
        let (pulse, acks, list, nominated, recognised) = tokio::join!(
            app.command("Claire", "change-team", "pulse start", json!({ "set": "adkar", "teams": "Sales", "closes_in": "48h" })),
            app.command("Claire", "change-team", "comms acks", json!({ "item": "kickoff" })),
            app.command("Ava", "sales", "champion list", json!({ "team": "Support" })),
            app.command("Maya", "sales", "champion nominate", json!({ "member": "Ava" })),
            app.command("Maya", "sales", "recognize", json!({ "member": "Ben", "reason": "Helped", "value": "Early adopter" })),
        );
        assert!(pulse.content.starts_with("Pulse #1 **"), "{}", pulse.content);
        assert!(acks.content.contains("• Sales: 0/6 (0 %)"), "{}", acks.content);
        assert!(
            list.content.contains("• Support: 0 champions for 6 people"),
            "{}",
            list.content
        );
        assert_eq!(
            nominated.content,
            format!("<@{ava}> is now a champion for Sales; they got a direct message explaining the role.")
        );
        assert!(
            recognised.content.starts_with(&format!("Recognised <@{ben}>")),
            "{}",
            recognised.content
        );
        let stats = app.stats().await;
        assert_eq!(stats["interactions"]["late"], 0, "{stats}");
        app.finish().await;
    })
    .await;
}
