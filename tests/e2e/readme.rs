//! The README's quick start as a newcomer follows it: every shell command in it that needs
//! no Discord token runs here, in order, in a fresh folder holding a copy of the shipped
//! plan, and must succeed. `cargo run --release --` and `herald` are the binary under
//! test; a demo runs at `--speed 1000` (the speed changes only the pace). Left to CI or to
//! a person: `cargo test` (what `.ci/run` runs), `cargo install` (a release build) and
//! the commands that need a token.

use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_herald");
const README: &str = include_str!("../../README.md");

/// The commands of every ```sh block in the section that starts with `heading`, with
/// continuation lines joined and comments dropped.
fn commands_in(section_heading: &str) -> Vec<String> {
    let start = README
        .find(&format!("\n{section_heading}\n"))
        .unwrap_or_else(|| panic!("the README has `{section_heading}`"));
    let rest = &README[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 3);
    let mut commands = Vec::new();
    let mut in_sh = false;
    let mut current = String::new();
    for line in rest[..end].lines() {
        match line.trim() {
            "```sh" => in_sh = true,
            "```" => in_sh = false,
            _ if !in_sh => {}
            text if text.starts_with('#') || text.is_empty() => {}
            text => {
                let code = text.split("  #").next().unwrap_or(text).trim_end();
                current.push_str(code.trim_end_matches('\\'));
                if !code.ends_with('\\') {
                    commands.push(std::mem::take(&mut current).trim().to_string());
                } else {
                    current.push(' ');
                }
            }
        }
    }
    commands
}

/// Words as a POSIX shell splits them, for the quoting the README uses.
fn words(command: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut any = false;
    for c in command.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                any = true;
            }
            (None, c) if c.is_whitespace() => {
                if any || !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
                any = false;
            }
            (None, c) => word.push(c),
        }
    }
    if any || !word.is_empty() {
        out.push(word);
    }
    out
}

/// Herald's arguments, when the command runs Herald and needs no token.
fn herald_args(command: &str) -> Option<Vec<String>> {
    let w = words(command);
    let args = match w.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["cargo", "run", "--release", "--", ..] => w[4..].to_vec(),
        ["herald", ..] => w[1..].to_vec(),
        _ => return None,
    };
    let mut args = args;
    if args.first().map(String::as_str) == Some("demo") {
        if let Some(i) = args.iter().position(|a| a == "--speed") {
            args.drain(i..i + 2);
        }
        args.extend(["--speed".to_string(), "1000".to_string()]);
    }
    Some(args)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

#[test]
fn every_quick_start_command_that_needs_no_token_works_as_written() {
    if std::env::var_os("TEST_DATABASE_URL").is_some() {
        return; // touches no shared database: once, on the SQLite pass, is enough
    }
    let here = tempfile::tempdir().expect("dir");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("messages"),
        &here.path().join("messages"),
    );
    let (mut ran, mut left) = (Vec::new(), Vec::new());
    for command in commands_in("## Quick start") {
        let Some(args) = herald_args(&command).filter(|_| !command.contains("DISCORD_TOKEN="))
        else {
            left.push(command);
            continue;
        };
        let out = Command::new(BIN)
            .args(&args)
            .current_dir(here.path())
            .env_remove("DISCORD_TOKEN")
            .env_remove("HERALD_CONFIG")
            .env_remove("RUST_LOG")
            .output()
            .expect("herald runs");
        assert!(
            out.status.success(),
            "`{command}` failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        ran.push(command);
    }
    assert_eq!(
        left,
        [
            "DISCORD_TOKEN=your-bot-token HERALD__DISCORD__GUILD_ID=your-server-id cargo run --release -- run",
            "cargo test",
            "cargo install --path .",
            "DISCORD_TOKEN=your-bot-token HERALD__DISCORD__GUILD_ID=your-server-id HERALD__MESSAGES__DIR=my-campaign herald run",
        ],
        "only these are left to CI or to a person with a token"
    );
    assert_eq!(ran.len(), 6, "{ran:#?}");
    assert!(here.path().join("herald-demo/report/summary.md").is_file());
    assert!(here.path().join("my-campaign/plan.toml").is_file());
    assert!(here.path().join("my-rehearsal/report/summary.md").is_file());
}

#[test]
fn the_first_campaign_guide_shows_what_plan_check_really_says() {
    let root = tempfile::tempdir().expect("dir");
    let dir = root.path().join("my-campaign");
    let init = Command::new(BIN)
        .args([
            "init",
            "my-campaign",
            "--go-live",
            "2027-03-01",
            "--timezone",
            "Europe/London",
        ])
        .current_dir(root.path())
        .output()
        .expect("init");
    assert!(init.status.success());
    let plan = dir.join("plan.toml");
    let text = std::fs::read_to_string(&plan).expect("plan");
    let text = text
        .replacen(
            r#"schedule = "go_live - 7d at 09:00""#,
            r#"schedule = "0 9 * * 8""#,
            1,
        )
        .replacen(
            "template = \"help.md\"\naudience = \"all\"",
            "template = \"help.md\"\naudience = [\"Sales\", \"Suport\"]",
            1,
        );
    std::fs::write(&plan, text).expect("write");
    std::fs::write(
        dir.join("templates/countdown.md"),
        "One week to go.\n\nStarts on **{{ campaign.go_lve }}**.\n",
    )
    .expect("write");
    let out = Command::new(BIN)
        .args(["plan", "check", "my-campaign"])
        .current_dir(root.path())
        .output()
        .expect("check");
    let said = String::from_utf8_lossy(&out.stdout);
    let block = README
        .split("**4. Check it.**")
        .nth(1)
        .and_then(|r| r.split("```text\n").nth(1))
        .and_then(|r| r.split("```").next())
        .expect("the guide's example");
    for line in block.lines() {
        let shown = line.split(" (templates can use: …)").next().unwrap_or(line);
        assert!(
            said.lines().any(|l| l.starts_with(shown)),
            "the README shows `{line}`, plan check says:\n{said}"
        );
    }
}
