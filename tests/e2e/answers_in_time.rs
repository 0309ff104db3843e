//! Every command whose work can pass Discord's 3 seconds answers "thinking…" first, so
//! the person gets their answer however slow the work: here a plan on a slow disk.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use serde_json::json;

use crate::comms::tick_app;
use crate::helpers::within;

/// How long the disk takes to give up plan.toml: past Discord's 3 s deadline.
const SLOW_DISK: Duration = Duration::from_secs(4);

/// Turns `plan.toml` into a pipe that gives its text only after [`SLOW_DISK`], as a
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
        std::thread::sleep(SLOW_DISK);
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
