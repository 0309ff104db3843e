//! `summary.md`: what a change lead could forward after the rehearsal. Per team: readiness
//! and its barrier before and after go-live, each week's acknowledgements, champions and
//! recognitions, the sentiment trend week by week and the team's alerts, with its chart
//! linked; every figure from the export's weekly rows, so it is the seed's story alone.

use std::fmt::Write;

use crate::app::pulse::results::signed;
use crate::app::sentiment::export::ExportRow;
use crate::app::sentiment::{headline, TeamView};
use crate::domain::words::count;

/// What the summary is written from.
pub struct Rehearsal<'a> {
    pub views: &'a [TeamView],
    /// Each team's adoption in words (team, words), as `/adoption` says it; empty
    /// without an adoption metric.
    pub adoption: &'a [(String, String)],
    /// Every action Herald proposed, oldest first, with what became of it.
    pub actions: &'a [String],
    /// Every team's calendar weeks of the rehearsal.
    pub rows: &'a [ExportRow],
    /// "Title (Team)", oldest first.
    pub wins: &'a [String],
    pub alerts: &'a [String],
    /// (team, eNPS −100…+100, the day its pulse closed), oldest first.
    pub enps: &'a [(String, f64, String)],
    pub messages: usize,
    pub seed: u64,
    pub go_live: Option<chrono::NaiveDate>,
    pub min_group: u32,
}

/// The whole summary.
pub fn summary(r: &Rehearsal<'_>) -> String {
    let Rehearsal {
        views,
        adoption,
        actions,
        rows,
        wins,
        alerts,
        enps,
        messages,
        seed,
        go_live,
        min_group,
    } = *r;
    let mut s = format!(
        "# Herald rehearsal\n\nSeed {seed}: played {}.{}\n\n![Every team by week](overview.png)\n{}",
        count(messages as i64, "message", "messages"),
        go_live
            .map(|d| format!(" Go-live: {}.", d.format("%-d %B %Y")))
            .unwrap_or_default(),
        if adoption.is_empty() {
            ""
        } else {
            "\n![Adoption of the new tool, every team](adoption.png)\n"
        }
    );
    for v in views {
        let own: Vec<&ExportRow> = rows.iter().filter(|r| r.team == v.team).collect();
        let said: Vec<&String> = alerts
            .iter()
            .filter(|a| {
                a.contains(&format!("**{}**", v.team))
                    || a.contains(&format!(" {}:", v.team))
                    || a.contains(&format!("⚠️ {} ", v.team))
                    || a.contains(&format!("🎉 {} ", v.team))
            })
            .collect();
        let latest = enps.iter().rev().find(|(team, _, _)| *team == v.team);
        let enps_line = match latest {
            Some((_, score, day)) => format!("{} (pulse closed {day})", signed(*score, 0)),
            None => "no eNPS pulse has closed with enough answers".into(),
        };
        let used = adoption
            .iter()
            .find(|(team, _)| *team == v.team)
            .map(|(team, words)| words.trim_start_matches(&format!("{team}: ")));
        s.push_str(&team_section(
            v, &own, &said, &enps_line, used, go_live, min_group,
        ));
    }
    s.push_str("\n## Actions\n\nWhat Herald proposed when it saw a team turning (`messages/playbook.toml`), and what became of it.\n\n");
    for a in actions {
        let _ = writeln!(s, "- {a}");
    }
    if actions.is_empty() {
        s.push_str("- none proposed\n");
    }
    s.push_str("\n## Wins\n\n");
    for w in wins {
        let _ = writeln!(s, "- {w}");
    }
    if wins.is_empty() {
        s.push_str("- none logged\n");
    }
    s.push_str("\n## Alerts\n\n");
    for a in alerts {
        let _ = writeln!(s, "- {a}");
    }
    if alerts.is_empty() {
        s.push_str("- none\n");
    }
    s
}

/// "6 Jan" for "2027-01-06".
fn day(iso: &str) -> String {
    chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d")
        .map(|d| d.format("%-d %b").to_string())
        .unwrap_or_else(|_| iso.to_string())
}

fn team_section(
    v: &TeamView,
    rows: &[&ExportRow],
    alerts: &[&String],
    enps: &str,
    adoption: Option<&str>,
    go_live: Option<chrono::NaiveDate>,
    min_group: u32,
) -> String {
    let mut s = format!("\n## {}\n\n", v.team);
    let _ = writeln!(s, "- **Readiness**: {}", readiness(rows, go_live));
    let _ = writeln!(s, "- **Acknowledged**: {}", acks(rows));
    let _ = writeln!(
        s,
        "- **eNPS** (would recommend the change, −100 to +100): {enps}"
    );
    let last = rows.last();
    let _ = writeln!(
        s,
        "- **Champions and recognitions**: {} and {} by {}",
        count(
            last.map_or(0, |r| r.champions) as i64,
            "champion",
            "champions"
        ),
        count(
            last.map_or(0, |r| r.recognitions) as i64,
            "recognition",
            "recognitions"
        ),
        last.map_or("the end".into(), |r| day(&r.week_end))
    );
    if let Some(used) = adoption {
        let _ = writeln!(
            s,
            "- **Adoption** (share of the team active in the new tool in the latest week): {used}"
        );
    }
    let _ = writeln!(s, "- **Sentiment**: {}", headline(v, min_group));
    // A week before any signal, or with too few people, reads "–".
    let weekly: Vec<String> = rows
        .iter()
        .skip_while(|r| r.score.is_none())
        .map(|r| {
            let score = r.score.map(|x| signed(x, 2)).unwrap_or_else(|| "–".into());
            format!("{} {score}", day(&r.week_end))
        })
        .collect();
    if weekly.is_empty() {
        s.push_str("  no weekly figure: too few people, or no signal yet\n");
    } else {
        let _ = writeln!(s, "  at each week's end: {}", weekly.join(" → "));
    }
    if alerts.is_empty() {
        s.push_str("- **Alerts**: none\n");
    } else {
        for a in alerts {
            let _ = writeln!(s, "- **Alert**: {}", a.trim());
        }
    }
    let _ = writeln!(
        s,
        "\n![{} week by week](sentiment-{}.png)",
        v.team,
        v.team.to_lowercase()
    );
    s
}

/// "before go-live −0.81, barrier Desire (readiness pulse closed 6 Jan); after go-live
/// −0.68, barrier Desire (readiness pulse closed 20 Jan)".
fn readiness(rows: &[&ExportRow], go_live: Option<chrono::NaiveDate>) -> String {
    let figure = |r: &ExportRow| {
        format!(
            "{}{} (readiness pulse closed {})",
            r.readiness.map(|x| signed(x, 2)).unwrap_or_default(),
            r.barrier
                .as_deref()
                .map(|b| format!(", barrier {b}"))
                .unwrap_or_default(),
            r.readiness_as_of.as_deref().map(day).unwrap_or_default()
        )
    };
    let with: Vec<&&ExportRow> = rows.iter().filter(|r| r.readiness.is_some()).collect();
    let Some(latest) = with.last() else {
        return "no figure — no readiness pulse closed with enough answers".into();
    };
    let Some(go) = go_live.map(|d| d.format("%Y-%m-%d").to_string()) else {
        return figure(latest);
    };
    let before = with.iter().rev().find(|r| {
        r.readiness_as_of
            .as_deref()
            .is_some_and(|d| d < go.as_str())
    });
    let after = latest
        .readiness_as_of
        .as_deref()
        .is_some_and(|d| d >= go.as_str())
        .then_some(latest);
    match (before, after) {
        (Some(b), Some(a)) => format!("before go-live {}; after go-live {}", figure(b), figure(a)),
        (Some(b), None) => format!(
            "before go-live {}; no pulse closed after go-live yet",
            figure(b)
        ),
        (None, Some(a)) => format!("after go-live {}", figure(a)),
        (None, None) => figure(latest),
    }
}

/// "week of 14 Dec 86 % (2 updates) · week of 21 Dec 52 % (1 update)".
fn acks(rows: &[&ExportRow]) -> String {
    let weeks: Vec<String> = rows
        .iter()
        .filter(|r| r.updates_sent > 0)
        .filter_map(|r| {
            r.ack_rate.map(|rate| {
                format!(
                    "week of {} {:.0} % ({})",
                    day(&r.week_start),
                    rate * 100.0,
                    count(r.updates_sent as i64, "update", "updates")
                )
            })
        })
        .collect();
    if weeks.is_empty() {
        "no update with a Got it button went out".into()
    } else {
        weeks.join(" · ")
    }
}
