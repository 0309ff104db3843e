//! A newcomer's first hour through the binary: `herald init` writes a campaign that
//! checks clean and rehearses, refuses to overwrite, and every typo names what was meant.

use std::path::Path;

use crate::cli::herald;

fn init(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["init", dir.to_str().expect("utf-8 path")];
    all.extend_from_slice(args);
    herald(&all, &[], dir.parent().expect("a parent"))
}

#[test]
fn init_writes_a_campaign_that_checks_clean_and_plays_in_the_demo() {
    let root = tempfile::tempdir().expect("dir");
    let plan = root.path().join("atlas");
    let (code, out, err) = init(
        &plan,
        &[
            "--go-live",
            "2027-03-01",
            "--timezone",
            "Europe/London",
            "--name",
            "Atlas CRM",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let shown = plan.display();
    for next in [
        format!("herald plan check {shown}"),
        format!("herald plan preview {shown} --from 2027-02-01 --days 42"),
        format!("herald demo --messages {shown}"),
    ] {
        assert!(out.contains(&next), "init names `{next}`:\n{out}");
    }

    let (code, out, err) = herald(&["plan", "check", plan.to_str().unwrap()], &[], root.path());
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.starts_with("plan OK: \"Atlas CRM\" (Europe/London, go-live 2027-03-01)"),
        "{out}"
    );
    assert!(
        !format!("{out}{err}").contains("warning"),
        "a fresh campaign warns of nothing:\n{err}"
    );

    let (code, out, _) = herald(
        &[
            "plan",
            "preview",
            plan.to_str().unwrap(),
            "--from",
            "2027-02-01",
            "--days",
            "42",
        ],
        &[],
        root.path(),
    );
    assert_eq!(code, 0);
    assert!(
        out.contains("Mon 2027-02-08 09:00  kickoff") && out.contains("Atlas CRM is coming"),
        "{out}"
    );
    assert!(out.contains("Atlas CRM readiness check opens"), "{out}");

    let report = root.path().join("rehearsal");
    let (code, out, err) = herald(
        &[
            "demo",
            "--messages",
            plan.to_str().unwrap(),
            "--speed",
            "1000",
            "--out",
            report.to_str().unwrap(),
        ],
        &[],
        root.path(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("#sales") && out.contains("Atlas CRM is coming"),
        "{out}"
    );
    assert!(
        out.contains("What you told us: Atlas CRM readiness check"),
        "{out}"
    );
    assert!(
        !err.contains('\r'),
        "no progress bar redraws into a pipe: {err:?}"
    );
    assert!(report.join("report").join("summary.md").is_file());
}

#[test]
fn init_never_writes_into_a_folder_that_holds_something() {
    let root = tempfile::tempdir().expect("dir");
    let plan = root.path().join("taken");
    std::fs::create_dir(&plan).expect("dir");
    std::fs::write(plan.join("plan.toml"), "# mine\n").expect("write");
    let (code, _, err) = init(&plan, &["--go-live", "2027-03-01", "--timezone", "UTC"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("already exists and is not empty; nothing was written"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(plan.join("plan.toml")).unwrap(),
        "# mine\n"
    );
    assert!(!plan.join("templates").exists());
}

#[test]
fn init_names_the_time_zone_or_the_flag_that_was_meant() {
    let root = tempfile::tempdir().expect("dir");
    let plan = root.path().join("new");
    let (code, _, err) = init(
        &plan,
        &["--go-live", "2027-03-01", "--timezone", "Australia/Sydny"],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("`Australia/Sydny` is not an IANA timezone; did you mean `Australia/Sydney`?"),
        "{err}"
    );
    let (code, _, err) = init(&plan, &["--go-live", "1 March", "--timezone", "UTC"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("`1 March` is not a date like 2027-03-01"),
        "{err}"
    );
    // No terminal to ask on (the test's stdin is not one): the flag is named.
    let (code, _, err) = init(&plan, &["--timezone", "UTC"]);
    assert_eq!(code, 2);
    assert!(err.contains("give --go-live"), "{err}");
    assert!(!plan.exists(), "nothing was written");
}

#[test]
fn commands_that_read_no_config_refuse_one_and_the_demo_names_its_missing_plan() {
    let root = tempfile::tempdir().expect("dir");
    for sub in [&["demo"][..], &["sim"], &["init", "x"]] {
        let mut args = vec!["--config", "herald.toml"];
        args.extend_from_slice(sub);
        let (code, _, err) = herald(&args, &[], root.path());
        assert_eq!(code, 2, "{sub:?}: {err}");
        assert!(
            err.contains("reads no configuration file"),
            "{sub:?}: {err}"
        );
    }
    let (code, _, err) = herald(&["demo"], &[], root.path());
    assert_eq!(code, 2);
    assert!(err.contains("messages"), "{err}");
    assert!(
        err.contains("herald init"),
        "the demo says how to get a plan: {err}"
    );
}

/// Replaces `from` (which must be there) by `to` in the file.
fn plant(file: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(file).expect("read");
    assert!(text.contains(from), "{} holds `{from}`", file.display());
    std::fs::write(file, text.replacen(from, to, 1)).expect("write");
}

/// Nine mistakes planted across plan.toml and two templates, all reported in one run: a
/// TOML structure error (an unclosed quote, an unknown key) hides nothing else.
#[test]
fn plan_check_reports_nine_planted_mistakes_in_one_run_each_at_its_place() {
    let root = tempfile::tempdir().expect("dir");
    let dir = root.path().join("plan");
    let (code, _, err) = init(
        &dir,
        &["--go-live", "2027-03-01", "--timezone", "Europe/London"],
    );
    assert_eq!(code, 0, "{err}");
    let plan = dir.join("plan.toml");
    plant(
        &plan,
        r#"timezone = "Europe/London""#,
        r#"timezone = "Australia/Sydny""#,
    );
    plant(
        &plan,
        r#"template = "kickoff.md""#,
        r#"template = "kickof.md""#,
    );
    plant(
        &plan,
        r#"schedule = "go_live - 7d at 09:00""#,
        r#"schedule = "0 9 * * 8""#,
    );
    plant(
        &plan,
        r#"schedule = "go_live at 08:30""#,
        r#"schedule = "go_live at 08:30"#,
    );
    plant(
        &plan,
        "template = \"help.md\"\naudience = \"all\"",
        "template = \"help.md\"\naudience = [\"Sales\", \"Suport\"]",
    );
    plant(&plan, r#"set = "enps""#, r#"set = "enpss""#);
    plant(&plan, "open_hours = 48", "open_hour = 48");
    let countdown = dir.join("templates/countdown.md");
    std::fs::write(
        &countdown,
        "One week to go.\n\nStarts on **{{ campaign.go_lve }}**.\n",
    )
    .expect("write");
    plant(
        &dir.join("templates/go-live.md"),
        "Today is the day",
        "{% if team.name %}Today is the day",
    );

    let (code, out, err) =
        crate::cli::herald(&["plan", "check", dir.to_str().unwrap()], &[], root.path());
    assert_eq!(code, 1, "{out}{err}");
    let text = std::fs::read_to_string(&plan).expect("plan");
    let at = |needle: &str| {
        let (n, line) = text
            .lines()
            .enumerate()
            .find(|(_, l)| l.contains(needle))
            .unwrap_or_else(|| panic!("`{needle}` in the plan"));
        let col = line.find('=').map_or(1, |i| i + 3);
        format!("{}:{}:{col}: ", plan.display(), n + 1)
    };
    let unclosed = format!(
        "{}:{}:{}: ",
        plan.display(),
        text.lines().position(|l| l.ends_with("08:30")).unwrap() + 1,
        r#"schedule = "go_live at 08:30"#.len() + 1
    );
    let expected = [
        format!("{}`Australia/Sydny` is not an IANA timezone; did you mean `Australia/Sydney`?", at("Australia/Sydny")),
        format!("{}item `kickoff`: no template `kickof.md` in templates/ or stories/; did you mean `kickoff.md`?", at("kickof.md")),
        format!("{}item `one-week`: `0 9 * * 8` is not a valid cron expression: day of week 8: use 0–7 or MON–SUN", at("0 9 * * 8")),
        format!("{unclosed}a quoted value is not closed"),
        format!("{}item `help`: unknown team `Suport`; did you mean `Support`?", at("Suport")),
        format!("{}pulse `enps-after`: no question set `enpss` in polls/; did you mean `enps`?", at("enpss")),
        format!("{}:{}:1: unknown key `open_hour`; did you mean `open_hours`?", plan.display(), text.lines().position(|l| l.starts_with("open_hour =")).unwrap() + 1),
        format!("{}:3:16: unknown placeholder `campaign.go_lve`; did you mean `campaign.go_live`?", countdown.display()),
        format!("{}:9:1: template syntax error: `{{% if %}}` is never closed; add `{{% endif %}}`", dir.join("templates/go-live.md").display()),
    ];
    let lines: Vec<&str> = out.lines().collect();
    for want in &expected {
        assert!(
            lines.iter().any(|l| l.starts_with(want.as_str())),
            "missing `{want}` in:\n{out}"
        );
    }
    assert_eq!(lines.len(), expected.len(), "nothing else:\n{out}");
    assert!(
        err.contains(&format!("{} problems in", expected.len())),
        "{err}"
    );
}
