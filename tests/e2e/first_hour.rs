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
        err.contains("`Australia/Sydny` is not a time zone"),
        "{err}"
    );
    assert!(err.contains("Did you mean `Australia/Sydney`?"), "{err}");
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
