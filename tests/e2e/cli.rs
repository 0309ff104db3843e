//! The binary as an operator meets it: exit codes, one-line errors, and a token that
//! never shows.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::helpers::{within, TestDb};

const BIN: &str = env!("CARGO_BIN_EXE_herald");

pub(crate) fn herald(
    args: &[&str],
    env: &[(&str, &str)],
    dir: &std::path::Path,
) -> (i32, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env_remove("DISCORD_TOKEN")
        .env_remove("HERALD_CONFIG")
        .env_remove("RUST_LOG")
        .envs(env.iter().copied())
        .output()
        .expect("binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// Bad input: exit 2, exactly one line, no panic and no backtrace.
fn assert_one_clear_line(code: i32, stderr: &str, needle: &str) {
    assert_eq!(code, 2, "exit code for: {stderr}");
    assert_eq!(
        stderr.trim().lines().count(),
        1,
        "one line expected:\n{stderr}"
    );
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains(needle), "expected `{needle}` in: {stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
}

#[test]
fn help_lists_the_subcommands_and_version_prints() {
    let dir = tempfile::tempdir().expect("dir");
    let (code, out, _) = herald(&["--help"], &[], dir.path());
    assert_eq!(code, 0);
    for sub in ["run", "migrate", "sim", "--config"] {
        assert!(out.contains(sub), "--help lacks {sub}:\n{out}");
    }
    let (code, out, _) = herald(&["--version"], &[], dir.path());
    assert_eq!(
        (code, out.trim()),
        (0, format!("herald {}", env!("CARGO_PKG_VERSION")).as_str())
    );
}

#[test]
fn migrate_creates_the_sqlite_file_and_is_idempotent() {
    let dir = tempfile::tempdir().expect("dir");
    let (code, out, err) = herald(&["migrate"], &[], dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("sqlite://herald.db is up to date"), "{out}");
    assert!(
        dir.path().join("herald.db").exists(),
        "herald.db was created"
    );
    let (code, _, err) = herald(&["migrate"], &[], dir.path());
    assert_eq!(code, 0, "second migrate: {err}");
}

#[tokio::test]
async fn migrate_applies_the_postgres_schema_when_the_url_says_so() {
    let db = TestDb::new().await;
    if !db.is_postgres() {
        return; // the PostgreSQL leg of .ci/run covers this
    }
    let dir = tempfile::tempdir().expect("dir");
    let (code, out, err) = herald(
        &["migrate"],
        &[("HERALD__DATABASE__URL", &db.url)],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("(postgres)"), "{out}");
}

#[test]
fn bad_input_exits_2_with_one_clear_line() {
    let dir = tempfile::tempdir().expect("dir");
    let (c, _, e) = herald(
        &["migrate"],
        &[("HERALD__DATABASE__COLOUR", "x")],
        dir.path(),
    );
    assert_one_clear_line(c, &e, "unknown setting `database.colour`");
    std::fs::write(dir.path().join("herald.toml"), "[http]\nlisten = 8080\n").expect("write");
    let (c, _, e) = herald(&["migrate"], &[], dir.path());
    assert_one_clear_line(
        c,
        &e,
        "herald.toml:2:10: http.listen: expected text in quotes, found integer",
    );
    std::fs::remove_file(dir.path().join("herald.toml")).expect("rm");
    let (c, _, e) = herald(
        &["migrate"],
        &[("HERALD__DATABASE__URL", "mysql://db/x")],
        dir.path(),
    );
    assert_one_clear_line(
        c,
        &e,
        "HERALD__DATABASE__URL: database.url: `mysql://db/***` is not a database URL",
    );
    let (c, _, e) = herald(
        &["migrate"],
        &[("HERALD__DATABASE__URL", "postgres://bob:pw@[::1/x")],
        dir.path(),
    );
    assert_one_clear_line(c, &e, "is not a valid URL");
    assert!(
        !e.contains("pw"),
        "a password in a broken URL is not echoed: {e}"
    );
    let (c, _, e) = herald(
        &["migrate"],
        &[("HERALD__DATABASE__URL", "postgres://nobody@127.0.0.1:1/x")],
        dir.path(),
    );
    assert_one_clear_line(
        c,
        &e,
        "cannot reach the database at postgres://nobody@127.0.0.1:1/x",
    );
    let (c, _, e) = herald(&["run"], &[], dir.path());
    assert_one_clear_line(c, &e, "no Discord token");
    assert!(
        e.contains("herald sim"),
        "the message names the simulator: {e}"
    );
    let (c, _, e) = herald(&["run"], &[("DISCORD_TOKEN", "t0ken-unused")], dir.path());
    assert_one_clear_line(c, &e, "discord.guild_id is not set");
    assert!(
        e.contains("HERALD__DISCORD__GUILD_ID"),
        "it says how to set it: {e}"
    );
}

#[test]
fn migrate_never_prints_a_database_password_from_the_user_info_or_the_query() {
    const CANARY: &str = "hunter2canary";
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("postgres://u:{CANARY}@127.0.0.1:1/x?password={CANARY}");
    let (c, out, e) = herald(&["migrate"], &[("HERALD__DATABASE__URL", &url)], dir.path());
    assert_one_clear_line(
        c,
        &e,
        "cannot reach the database at postgres://u:***@127.0.0.1:1/x?password=***",
    );
    assert!(!format!("{out}{e}").contains(CANARY), "{out}{e}");
    let typo = format!("postgre://u:{CANARY}@127.0.0.1:1/x");
    let (c, out, e) = herald(
        &["migrate"],
        &[("HERALD__DATABASE__URL", &typo)],
        dir.path(),
    );
    assert_one_clear_line(c, &e, "is not a database URL");
    assert!(!format!("{out}{e}").contains(CANARY), "{out}{e}");
}

#[tokio::test]
async fn the_token_never_appears_in_any_output_and_sigterm_stops_cleanly() {
    within(60, async {
        const CANARY: &str = "canary-7f3a9";
        let sim = herald::sim::start(
            "127.0.0.1:0".parse().expect("addr"),
            &herald::sim::WorldSpec::default_world(),
        )
        .await
        .expect("sim");
        let dir = tempfile::tempdir().expect("dir");
        let (_, help, help_err) = herald(&["--help"], &[("DISCORD_TOKEN", CANARY)], dir.path());
        assert!(!help.contains(CANARY) && !help_err.contains(CANARY));
        let mut child = Command::new(BIN)
            .arg("run")
            .current_dir(dir.path())
            .env("DISCORD_TOKEN", CANARY)
            // Every crate at trace, the websocket's IDENTIFY included: even then, no token.
            .env("RUST_LOG", "trace")
            .env("HERALD_LOG_UNSAFE", "1")
            .env("HERALD__DISCORD__API_BASE", sim.url())
            .env("HERALD__HTTP__LISTEN", "127.0.0.1:0")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let stderr = child.stderr.take().expect("stderr");
        let reader = std::thread::spawn(move || {
            BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
                .collect::<Vec<String>>()
        });
        let client = reqwest::Client::new();
        for _ in 0..100 {
            let cmds: serde_json::Value = client
                .get(format!("{}/_sim/commands", sim.url()))
                .send()
                .await
                .expect("sim")
                .json()
                .await
                .expect("json");
            if cmds.as_array().is_some_and(|a| !a.is_empty()) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status();
        let status = child.wait().expect("herald exits");
        assert!(
            status.success(),
            "SIGTERM is a clean stop, exit 0: {status}"
        );
        let lines = reader.join().expect("reader thread");
        assert!(
            lines.len() > 20,
            "trace logging produced output ({} lines)",
            lines.len()
        );
        assert!(
            lines.iter().any(|l| l.contains("shutdown requested"))
                && lines.iter().any(|l| l.contains("Herald stopped")),
            "a graceful stop is logged"
        );
        let leaks: Vec<&String> = lines.iter().filter(|l| l.contains(CANARY)).collect();
        assert!(
            leaks.is_empty(),
            "the token leaked into the log: {:?}",
            leaks.first()
        );
    })
    .await;
}

#[test]
fn sim_prints_its_address_as_the_first_line() {
    let mut child = Command::new(BIN)
        .args(["sim", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("a line");
    let _ = child.kill();
    let _ = child.wait();
    let rest = line
        .trim()
        .strip_prefix("herald-sim listening on http://127.0.0.1:")
        .unwrap_or_else(|| panic!("{line}"));
    assert!(rest.parse::<u16>().is_ok_and(|p| p > 0), "{line}");
}

#[test]
fn plan_check_passes_the_shipped_plan_and_fails_a_broken_one_with_file_and_line() {
    let dir = tempfile::tempdir().expect("dir");
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("messages");
    let (code, out, err) = herald(
        &["plan", "check", shipped.to_str().expect("utf8")],
        &[],
        dir.path(),
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.starts_with(
            "plan OK: \"Atlas CRM rollout\" (Europe/London, go-live 2027-01-11): 22 items"
        ),
        "{out}"
    );
    let broken = dir.path().join("broken");
    std::fs::create_dir_all(broken.join("templates")).expect("mkdir");
    std::fs::write(
        broken.join("plan.toml"),
        "[campaign]\nname = \"X\"\ntimezone = \"Mars/Olympus\"\n",
    )
    .expect("write");
    let (code, out, _) = herald(
        &["plan", "check", broken.to_str().expect("utf8")],
        &[],
        dir.path(),
    );
    assert_eq!(code, 1);
    let expected = format!(
        "{}:3:12: `Mars/Olympus` is not an IANA timezone",
        broken.join("plan.toml").display()
    );
    assert!(out.starts_with(&expected), "{out}");
    let (code, out, _) = herald(
        &[
            "plan",
            "preview",
            shipped.to_str().expect("utf8"),
            "--from",
            "2026-12-14",
            "--days",
            "1",
            "--format",
            "json",
        ],
        &[],
        dir.path(),
    );
    assert_eq!(code, 0);
    let sends: serde_json::Value = serde_json::from_str(&out).expect("json");
    let whats: Vec<(String, String, String)> = sends
        .as_array()
        .expect("a list")
        .iter()
        .map(|s| {
            let text = |k: &str| s[k].as_str().unwrap_or_default().to_string();
            (text("local"), text("item"), text("what"))
        })
        .collect();
    let at = |local: &str, item: &str, what: &str| {
        (local.to_string(), item.to_string(), what.to_string())
    };
    assert_eq!(
        whats,
        [
            vec![at("Mon 2026-12-14 09:00", "kickoff", "send"); 3],
            vec![at("Mon 2026-12-14 10:00", "champions-call", "manager_briefing"); 3],
            vec![at("Mon 2026-12-14 13:00", "readiness-baseline", "pulse_opens"); 3],
        ]
        .concat(),
        "the kickoff and the baseline pulse's opening, to three teams each: {out}"
    );
    assert_eq!(sends[0]["team_local"], "Mon 2026-12-14 09:00 GMT");
    let preview = |extra: &[&str]| {
        let mut args = vec!["plan", "preview", shipped.to_str().expect("utf8")];
        args.extend_from_slice(extra);
        herald(&args, &[], dir.path())
    };
    let (code, _, err) = preview(&["--team", "Sale"]);
    assert_one_clear_line(
        code,
        &err,
        "there is no team `Sale` in the plan; known teams: Sales, Support and Finance",
    );
    let (code, out, _) = preview(&["--from", "2026-12-24", "--days", "3"]);
    assert_eq!(code, 0);
    assert_eq!(
        out.trim(),
        "Nothing is planned in that window. The next is `one-week-to-go` to Finance on Mon 2027-01-04 09:00: One week until Atlas",
        "an empty window names the next send"
    );
}

/// A plan of one item whose template is `template`, in a fresh folder under `dir`.
fn plan_with_template(dir: &std::path::Path, template: &str) -> std::path::PathBuf {
    let plan = dir.join("hostile");
    std::fs::create_dir_all(plan.join("templates")).expect("mkdir");
    std::fs::write(
        plan.join("plan.toml"),
        "[campaign]\nname = \"X\"\ntimezone = \"UTC\"\n\n[[teams]]\nname = \"Sales\"\nrole = \"Sales\"\nchannel = \"sales\"\n\n[[items]]\nid = \"loops\"\ntemplate = \"loops.md\"\naudience = \"all\"\nschedule = \"0 9 * * 1\"\n",
    )
    .expect("plan");
    std::fs::write(plan.join("templates/loops.md"), template).expect("template");
    plan
}

#[test]
fn plan_check_fails_a_template_nesting_two_ten_thousand_loops_as_too_much_work() {
    let dir = tempfile::tempdir().expect("dir");
    let plan = plan_with_template(
        dir.path(),
        "**Loops**\n\n{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}\n",
    );
    let (code, out, err) = herald(
        &["plan", "check", plan.to_str().expect("utf8")],
        &[],
        dir.path(),
    );
    assert_eq!(code, 1, "{out}{err}");
    // file:line:col, the line of the loops; the column is where the fuel ran out.
    let at = format!("{}:3:", plan.join("templates/loops.md").display());
    let col = out.strip_prefix(&at).and_then(|rest| rest.split_once(':'));
    assert!(
        col.is_some_and(|(col, _)| col.parse::<usize>().is_ok_and(|c| c >= 1)),
        "{out}"
    );
    assert!(
        out.contains(": item `loops` (team Sales): the template does too much work"),
        "{out}"
    );
    assert!(out.contains("simplify the loops"), "{out}");
    assert!(!out.contains("plan OK"), "{out}");
}

#[test]
fn plan_check_fails_a_template_writing_more_than_64_kib() {
    let dir = tempfile::tempdir().expect("dir");
    let plan = plan_with_template(
        dir.path(),
        "---\ntitle = \"Long\"\n---\n{% for i in range(100) %}{{ 'x' * 1000 }}{% endfor %}\n",
    );
    let (code, out, err) = herald(
        &["plan", "check", plan.to_str().expect("utf8")],
        &[],
        dir.path(),
    );
    assert_eq!(code, 1, "{out}{err}");
    let expected = format!(
        "{}:4:1: item `loops` (team Sales): the template writes more than 64 KiB",
        plan.join("templates/loops.md").display()
    );
    assert!(out.starts_with(&expected), "{out}");
}

/// Herald ran once (Sales and Support got the `tick` item; two of Sales' six said Got it)
/// and stopped; then `herald export` with no token and no Discord address writes a row
/// per team and week, with ack rates over the team sizes the gateway showed, and asks
/// Discord nothing.
#[tokio::test]
async fn export_needs_no_token_and_takes_team_sizes_from_the_stored_members() {
    within(120, async {
        let mut app = crate::comms::tick_app().await;
        app.advance(10);
        let sales = app.wait_for_messages("sales", 1).await;
        let id = sales[0]["id"].as_str().expect("message id").to_string();
        let button = sales[0]["components"][0]["components"][0]["custom_id"]
            .as_str()
            .expect("Got it button")
            .to_string();
        app.wait_for_messages("support", 1).await;
        for who in ["Ava", "Ben"] {
            let reply = app.click(who, &id, &button).await;
            assert!(reply.content.starts_with("Thanks"), "{}", reply.content);
        }
        app.stop_herald().await;
        let asked_before = app.stats().await["requests"].clone();
        let dir = tempfile::tempdir().expect("dir");
        let out = dir.path().join("export.csv");
        let key = crate::helpers::key_file_for(&app.db.url);
        let plan = app
            .plan_dir
            .as_ref()
            .expect("the plan")
            .path()
            .display()
            .to_string();
        let env = [
            ("HERALD__DATABASE__URL", app.db.url.as_str()),
            ("HERALD__PRIVACY__KEY_FILE", key.as_str()),
            ("HERALD__MESSAGES__DIR", plan.as_str()),
        ];
        // The command line runs on the wall clock; the sends were on Monday 2 March 2026
        // by the test's clock: enough weeks back to reach that week.
        let sent_on = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).expect("date");
        let weeks = (chrono::Utc::now().date_naive() - sent_on).num_days() / 7 + 2;
        let weeks = weeks.to_string();
        let args = [
            "export",
            "--format",
            "csv",
            "--out",
            out.to_str().expect("utf-8"),
            "--weeks",
            weeks.as_str(),
        ];
        let (code, stdout, stderr) = herald(&args, &env, dir.path());
        assert_eq!(code, 0, "{stdout}{stderr}");
        let rows_written = 2 * weeks.parse::<usize>().expect("weeks");
        assert!(
            stdout.starts_with(&format!("wrote {rows_written} rows to")),
            "{stdout}"
        );
        let csv = std::fs::read_to_string(&out).expect("the export file");
        let rows: Vec<Vec<&str>> = csv
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect())
            .collect();
        // (week start, updates sent, ack rate) of each week that sent something.
        let ack_rates = |team: &str| -> Vec<(String, String, String)> {
            rows.iter()
                .filter(|r| r[0] == team && r[15] != "0")
                .map(|r| (r[1].to_string(), r[15].to_string(), r[16].to_string()))
                .collect()
        };
        let week = |rate: &str| vec![("2026-03-02".into(), "1".into(), rate.to_string())];
        assert_eq!(ack_rates("Sales"), week("0.3333"), "two of six: {csv}");
        assert_eq!(ack_rates("Support"), week("0.0000"), "{csv}");
        assert_eq!(
            app.stats().await["requests"],
            asked_before,
            "the export asked Discord nothing"
        );
    })
    .await;
}
