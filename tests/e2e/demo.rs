//! `herald demo`: the rehearsal plays the shipped plan with a resisting team, writes a
//! report, tells the same story for the same seed at any speed (each line at its
//! message's send time, with names for mentions), and refuses a broken plan.

use std::path::{Path, PathBuf};

use herald::demo::{run, DemoError, DemoOptions, Outcome};
use herald::plan::preview::{self, What};
use herald::plan::Known;

use crate::helpers::within;

fn shipped_plan() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("messages")
}

/// The shipped plan plus one plain message that pings each team at 09:15 (off the demo's
/// three-hour grid), so the transcript has a mention to show as a name.
fn plan_with_a_ping(dir: &Path) -> PathBuf {
    let plan = dir.join("messages");
    copy_dir(&shipped_plan(), &plan);
    let mut toml = std::fs::read_to_string(plan.join("plan.toml")).expect("plan.toml");
    toml.push_str(
        "\n[[items]]\nid = \"e2e-ping\"\ntemplate = \"e2e-ping.md\"\naudience = \"all\"\n\
         schedule = \"go_live - 20d at 09:15\"\nphase = 4\nping = \"team\"\n",
    );
    std::fs::write(plan.join("plan.toml"), toml).expect("plan.toml");
    std::fs::write(
        plan.join("templates").join("e2e-ping.md"),
        "A quick word for {{ team.name }} before the break.\n",
    )
    .expect("template");
    plan
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("dir");
    for entry in std::fs::read_dir(from).expect("dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// One full run of a plan, and its summary and export as written.
struct Played {
    outcome: Outcome,
    summary: String,
    csv: String,
    _out: tempfile::TempDir,
}

async fn play(messages: &Path, seed: u64, speed: u32) -> Played {
    let out = tempfile::tempdir().expect("dir");
    let opts = DemoOptions {
        messages: messages.to_path_buf(),
        seed,
        speed,
        out: out.path().to_path_buf(),
    };
    let outcome = run(&opts, false)
        .await
        .unwrap_or_else(|e| panic!("the demo failed: {e:?}"));
    let read = |name: &str| std::fs::read_to_string(outcome.report.join(name)).expect(name);
    Played {
        summary: read("summary.md"),
        csv: read("export.csv"),
        outcome,
        _out: out,
    }
}

#[tokio::test]
async fn the_demo_plays_the_campaign_raises_supports_alert_and_writes_a_report() {
    within(300, async {
        let played = play(&shipped_plan(), herald::demo::DEFAULT_SEED, 50).await;
        let outcome = &played.outcome;
        // The CRM feed: Sales tips in its second week after go-live (18 Jan); Support,
        // still opening its old reports two weeks after go-live, is told it works twice
        // (then lets them go); then Support's sentiment, sour since go-live.
        let said: Vec<&str> = outcome
            .alerts
            .iter()
            .map(|a| a.split("#change-team  ").nth(1).unwrap_or(a))
            .collect();
        assert_eq!(said.len(), 3, "{said:#?}");
        for (i, start) in [
            "🎉 Sales crossed 40 %: 45 % of the team in the latest week (Active in the new CRM)",
            "⚠️ Support is doing the work twice: Old reports opened is still 30 a day, 2 weeks after go",
            "⚠️ Support: sentiment needs attention",
        ]
        .iter()
        .enumerate()
        {
            assert!(said[i].starts_with(start), "{i}: {said:#?}");
        }
        assert!(outcome.alerts[0].starts_with("Tue 19 Jan"), "{:?}", outcome.alerts);
        // The loop: Support's Desire barrier is proposed, scheduled, followed up in
        // Support's channel only, asked again, and its effect recorded.
        for line in [
            "Wed 16 Dec 13:00  #change-team  📋 Proposed for Support: A sponsor listening session",
            "Wed 16 Dec 13:00  #support      We heard you",
            "Mon 28 Dec 10:00  #support      Pulse: Atlas readiness check (asked again) — 5 questions, about a minute.",
            "Tue 05 Jan 11:00  #support      What we did about what you told us",
        ] {
            assert!(outcome.transcript.iter().any(|l| l == line), "no `{line}`");
        }
        assert!(
            !outcome.transcript.iter().any(|l| l.contains("We heard you") && !l.contains("#support")),
            "the follow-up reached Support only"
        );
        assert!(
            outcome.transcript.iter().any(|l| l.starts_with("Wed 30 Dec 10:00  #change-team  📈 Effect of action #2 for Support (A sponsor listening session): Desire 1.5 → 4.6 of 5")),
            "no effect line"
        );
        let lines = &outcome.transcript;
        assert!(
            lines
                .iter()
                .any(|l| l.contains("#support") && l.contains("What you told us")),
            "{lines:#?}"
        );
        assert!(lines.iter().any(|l| l.contains("Recognition")));
        for png_name in [
            "overview.png",
            "sentiment-support.png",
            "sentiment-sales.png",
            "adoption.png",
        ] {
            let bytes = std::fs::read(outcome.report.join(png_name)).expect("chart");
            let info = png::Decoder::new(bytes.as_slice())
                .read_info()
                .expect("a PNG that decodes");
            assert!(
                info.info().width >= 300 && info.info().height >= 100,
                "{png_name}"
            );
        }
        // The README shows these two charts as this rehearsal draws them.
        for png_name in ["overview.png", "sentiment-support.png"] {
            let fresh = std::fs::read(outcome.report.join(png_name)).expect("chart");
            let shown =
                std::fs::read(format!("tests/fixtures/charts/{png_name}")).expect("README chart");
            assert!(
                fresh == shown,
                "tests/fixtures/charts/{png_name} is not what the demo draws now: copy it from {}",
                outcome.report.display()
            );
        }
        assert!(played
            .csv
            .starts_with("team,week_start,week_end,score,contributors"));
        assert_eq!(
            played
                .csv
                .lines()
                .filter(|l| l.starts_with("Support,"))
                .count(),
            6
        );
        let summary = &played.summary;
        assert!(
            summary.contains("## Alerts") && summary.contains("Support"),
            "{summary}"
        );
        // What a change lead forwards: per team readiness before and after go-live with
        // its barrier, each week's acknowledgements, champions, recognitions, the trend,
        // the alerts and the charts; then the wins.
        let support = &summary[summary.find("## Support").expect("Support's section")..];
        for part in [
            // Heard, Support is no longer held back by Desire before go-live.
            "- **Readiness**: before go-live +",
            "; after go-live ",
            "- **Acknowledged**: week of 14 Dec ",
            "- **eNPS** (would recommend the change, −100 to +100): ",
            " (pulse closed ",
            "- **Champions and recognitions**: 1 champion and ",
            "- **Sentiment**: Support: ",
            "at each week's end: ",
            "- **Alert**: ",
            "- **Adoption** (share of the team active in the new tool in the latest week): 35 % (7 of 20), past 25 % (committed minority) since the week to 31 Jan; Old reports opened: 1 a day over the last week",
            "⚠️ Support is doing the work twice",
            "![Support week by week](sentiment-support.png)",
        ] {
            assert!(support.contains(part), "`{part}` missing:\n{summary}");
        }
        assert!(
            summary.contains("![Every team by week](overview.png)")
                && summary.contains("![Adoption of the new tool, every team](adoption.png)"),
            "{summary}"
        );
        let sales = &summary[summary.find("## Sales").expect("Sales's section")..];
        assert!(
            sales.contains("- **Adoption** (share of the team active in the new tool in the latest week): 65 % (13 of 20), past 40 % (organisation-wide) since the week to 24 Jan")
                && sales.contains("🎉 Sales crossed 40 %"),
            "{summary}"
        );
        let actions = &summary[summary.find("## Actions").expect("actions")..];
        assert!(
            actions.contains("- #2 Support — A sponsor listening session (seen: Desire holds most people back — mean 1.5 of 5 (14 answered pulse #1)): done, for Fri 18 Dec 2026; effect: Desire 1.5 → 4.6 of 5 (14 answered before, 16 after)"),
            "{summary}"
        );
        let wins = &summary[summary.find("## Wins").expect("wins")..];
        assert!(
            wins.lines()
                .nth(2)
                .is_some_and(|l| l.starts_with("- ") && l != "- none logged"),
            "the rehearsal logs wins after go-live:\n{summary}"
        );
        assert!(
            summary.contains("Seed 1: played ") && !summary.contains(" s of real time"),
            "{summary}"
        );
    })
    .await;
}

/// Every send of the plan inside the demo's window has its line at its send time (in the
/// campaign's time zone) in its team's channel, and so has every pulse's opening and
/// results: `herald plan preview`'s timeline is the oracle.
fn every_planned_send_is_at_its_time(messages: &Path, lines: &[String]) {
    let plan = herald::plan::load(messages, &Known::default()).expect("the plan");
    let (start, end) = herald::demo::window(&plan);
    let names = plan.team_names();
    let days = (end - start).num_days() + 1;
    let mut checked = 0;
    for s in preview::timeline(&plan, start, days, None, &names) {
        let inside = s.at >= start && s.at < end - chrono::Duration::minutes(1);
        let team = plan.teams.iter().find(|t| t.name == s.team);
        let (Some(team), true, false) = (team, inside, s.skipped) else {
            continue;
        };
        let local = s.at.with_timezone(&plan.campaign.tz);
        let at = format!("{}  #{:<12} ", local.format("%a %d %b %H:%M"), team.channel);
        let text = s.first_line.trim();
        let found = match s.what {
            What::Send => lines.iter().any(|l| l.starts_with(&at) && l.contains(text)),
            What::PulseOpens | What::PulseCloses => lines.iter().any(|l| l.starts_with(&at)),
            What::PulseReminder | What::ManagerBriefing => continue,
        };
        assert!(found, "no line `{at}{text}` for {}: {lines:#?}", s.item);
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} planned sends checked");
}

/// Fails at the first line two transcripts differ, with the lines around it.
fn same_story(one: &[String], other: &[String], what: &str, late: (u64, u64)) {
    let Some(at) = (0..one.len().max(other.len())).find(|&i| one.get(i) != other.get(i)) else {
        return;
    };
    let around = |t: &[String]| t[at.saturating_sub(3)..(at + 3).min(t.len())].join("\n");
    panic!(
        "{what}: they part at line {at}\n--- one\n{}\n--- other\n{}\n(late answers: {late:?})",
        around(one),
        around(other)
    );
}

#[tokio::test]
async fn the_same_seed_tells_the_same_story_at_any_speed_at_each_message_send_time() {
    within(400, async {
        let dir = tempfile::tempdir().expect("dir");
        let plan = plan_with_a_ping(dir.path());
        let (first, again, faster, other) = tokio::join!(
            play(&plan, 1, 1),
            play(&plan, 1, 1),
            play(&plan, 1, 40),
            play(&plan, 2, 40)
        );
        let lines = &first.outcome.transcript;
        assert!(lines.len() > 80, "{lines:#?}");
        let late = |o: &Played| (first.outcome.late_answers, o.outcome.late_answers);
        same_story(
            lines,
            &again.outcome.transcript,
            "same seed, same transcript",
            late(&again),
        );
        assert_eq!(first.summary, again.summary);
        assert_eq!(first.csv, again.csv);
        same_story(
            lines,
            &faster.outcome.transcript,
            "another speed, same story",
            late(&faster),
        );
        assert_eq!(first.summary, faster.summary);
        assert_eq!(first.csv, faster.csv);
        assert_ne!(first.csv, other.csv, "another seed, other answers");
        assert!(
            lines.iter().all(|l| !l.contains("<@") && !l.contains("<#")),
            "{lines:#?}"
        );
        let ping = "Tue 22 Dec 09:15  #support      @Support A quick word for Support";
        assert!(lines.iter().any(|l| l.starts_with(ping)), "{lines:#?}");
        every_planned_send_is_at_its_time(&plan, lines);
        for shown in readme_picture() {
            assert!(
                lines.iter().any(|l| l == shown),
                "the README shows `{shown}`: {lines:#?}"
            );
        }
    })
    .await;
}

/// The transcript lines the README opens with, as what a rehearsal looks like.
fn readme_picture() -> Vec<&'static str> {
    let readme = include_str!("../../README.md");
    let block = readme
        .split("tests/e2e/demo.rs checks each one. -->\n```text\n")
        .nth(1)
        .and_then(|r| r.split("```").next())
        .expect("the README's picture of a rehearsal");
    let lines: Vec<&str> = block.lines().collect();
    assert!(lines.len() >= 5, "{lines:?}");
    lines
}

#[tokio::test]
async fn a_broken_plan_is_refused_with_its_problems() {
    within(60, async {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(
            dir.path().join("plan.toml"),
            "[campaign]\nname = \"X\"\ntimezone = \"Mars/Olympus\"\n",
        )
        .expect("plan");
        let opts = DemoOptions {
            messages: dir.path().to_path_buf(),
            seed: 1,
            speed: 1,
            out: dir.path().join("out"),
        };
        let problems = match run(&opts, false).await {
            Err(DemoError::Plan(problems)) => problems,
            other => panic!("expected the plan's problems, got {other:?}"),
        };
        assert!(
            problems.iter().any(|p| p.contains("Mars/Olympus")),
            "{problems:?}"
        );
        let (code, _, stderr) = crate::cli::herald(
            &["demo", "--messages", dir.path().to_str().expect("utf-8")],
            &[],
            dir.path(),
        );
        assert_eq!(code, 1, "{stderr}");
        let told = match problems.len() {
            1 => "the plan has 1 problem; fix it and run the demo again".to_string(),
            n => format!("the plan has {n} problems; fix them and run the demo again"),
        };
        assert!(
            stderr.contains("Mars/Olympus") && stderr.contains(&told),
            "{stderr}"
        );
        let (code, help, _) = crate::cli::herald(&["demo", "--help"], &[], dir.path());
        assert_eq!(code, 0);
        assert!(
            help.contains("--seed <SEED>") && help.contains("the same seed gives the same"),
            "{help}"
        );
    })
    .await;
}
