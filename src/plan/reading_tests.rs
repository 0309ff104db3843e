//! What people read in the shipped plan: every template for every team, as delivery
//! renders it, read for broken lines, "(s)", stage labels, item ids and other teams.

use std::path::PathBuf;

use chrono::{TimeZone, Utc};

use super::render::{empty_story, message_with, Subject};
use super::{kotter_phases, load, preview, Known, Plan};
use crate::chat::OutMessage;

fn shipped() -> Plan {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("messages");
    load(&dir, &Known::default()).unwrap_or_else(|p| panic!("{p:#?}"))
}

/// Every text block of a message a person reads.
fn texts(msg: &OutMessage) -> Vec<String> {
    let mut out = vec![msg.content.clone()];
    for e in &msg.embeds {
        out.extend(e.title.clone());
        out.extend(e.description.clone());
        out.extend(e.author.as_ref().map(|a| a.name.clone()));
    }
    out
}

/// Line pairs where a sentence breaks in the middle: the first line does not end a
/// sentence or label and the second does not start a block of its own.
fn broken_lines(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    lines
        .windows(2)
        .filter(|w| !w[0].is_empty() && !w[1].is_empty())
        .filter(|w| {
            let ends =
                w[0].ends_with(['.', '!', '?', ':', ')', '*', '”', '"']) || w[0].starts_with('#');
            let starts = ["- ", "* ", "> ", "#", "**", "|"]
                .iter()
                .any(|m| w[1].starts_with(m))
                || w[1]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_digit() && w[1].contains(". "));
            !ends && !starts
        })
        .map(|w| format!("{} ⏎ {}", w[0], w[1]))
        .collect()
}

#[test]
fn every_shipped_template_reads_well_for_every_team() {
    let plan = shipped();
    let teams = plan.team_names();
    let stage_labels: Vec<String> = kotter_phases().into_iter().map(|p| p.name).collect();
    let at = Utc.with_ymd_and_hms(2026, 12, 14, 9, 0, 0).unwrap();
    let mut problems = Vec::new();
    let mut read = 0;
    for item in &plan.items {
        for team in plan.audience_of(item, &teams) {
            let msg = message_with(&plan, &Subject::of(item), team, at, &empty_story())
                .unwrap_or_else(|e| panic!("{} for {team}: {e}", item.id));
            read += 1;
            for text in texts(&msg) {
                let mut say =
                    |what: String| problems.push(format!("{} for {team}: {what}", item.id));
                for b in broken_lines(&text) {
                    say(format!("a line breaks mid-sentence: {b}"));
                }
                if text.contains("(s)") {
                    say("says \"(s)\"".into());
                }
                for label in stage_labels.iter().filter(|l| text.contains(l.as_str())) {
                    say(format!("shows the stage label \"{label}\""));
                }
                if text.contains("Phase ") {
                    say("shows a phase number".into());
                }
                for id in plan.items.iter().map(|i| format!("`{}`", i.id)) {
                    if text.contains(&id) {
                        say(format!("shows the item id {id}"));
                    }
                }
                for other in teams.iter().filter(|o| !o.eq_ignore_ascii_case(team)) {
                    if text.contains(other.as_str()) {
                        say(format!("names another team, {other}"));
                    }
                }
            }
        }
    }
    assert!(read >= plan.items.len(), "every item read for its teams");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_reader_catches_a_broken_line_and_lets_lists_and_labels_be() {
    assert_eq!(
        broken_lines("We lost deals because a\nrenewal date sat in a sheet."),
        ["We lost deals because a ⏎ renewal date sat in a sheet."]
    );
    assert!(broken_lines("**When:**\nMonday.\n- one\n- two\n\nNew paragraph.").is_empty());
}

#[test]
fn the_shipped_plan_warns_about_nothing() {
    let plan = shipped();
    let warnings: Vec<String> = plan.warnings.iter().map(ToString::to_string).collect();
    assert!(warnings.is_empty(), "{}", warnings.join("\n"));
}

#[test]
fn the_shipped_timeline_lists_pulses_beside_sends_and_nothing_on_a_bank_holiday() {
    let plan = shipped();
    let from = Utc.with_ymd_and_hms(2026, 12, 14, 0, 0, 0).unwrap();
    let timeline = preview::timeline(&plan, from, 70, None, &plan.team_names());
    let baseline: Vec<_> = timeline
        .iter()
        .filter(|s| s.item == "readiness-baseline")
        .collect();
    let whats: Vec<preview::What> = baseline.iter().map(|s| s.what).collect();
    assert!(whats.contains(&preview::What::PulseOpens), "{whats:?}");
    assert!(whats.contains(&preview::What::PulseReminder), "{whats:?}");
    assert!(whats.contains(&preview::What::PulseCloses), "{whats:?}");
    for s in &timeline {
        let day = s.local.split(' ').nth(1).unwrap_or_default();
        assert!(
            !["2026-12-25", "2026-12-28", "2027-01-01"].contains(&day),
            "{} to {} lands on a bank holiday: {}",
            s.item,
            s.team,
            s.local
        );
        assert!(
            !s.local.starts_with("Sat") && !s.local.starts_with("Sun"),
            "{s:?}"
        );
    }
}
