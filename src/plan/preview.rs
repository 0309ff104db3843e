//! The timeline of sends: when (local time), which item, to which team, and its first line.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::render::{first_line, message};
use super::Plan;

#[derive(Debug, Clone, Serialize)]
pub struct PlannedSend {
    pub at: DateTime<Utc>,
    /// In the plan's timezone, e.g. `Mon 2026-03-02 09:00`.
    pub local: String,
    pub item: String,
    pub team: String,
    pub first_line: String,
}

/// Sends in `[from, from + days)`, optionally for one team, in time order.
pub fn timeline(
    plan: &Plan,
    from: DateTime<Utc>,
    days: i64,
    team: Option<&str>,
    all_teams: &[String],
) -> Vec<PlannedSend> {
    let to = from + Duration::days(days);
    let mut out = Vec::new();
    for item in &plan.items {
        let times = item.between(
            from - Duration::seconds(1),
            to - Duration::seconds(1),
            &plan.campaign,
            500,
        );
        for at in times {
            for t in plan.audience_of(item, all_teams) {
                if team.is_some_and(|only| !only.eq_ignore_ascii_case(t)) {
                    continue;
                }
                let first = message(plan, item, t, at)
                    .map(|m| first_line(&m))
                    .unwrap_or_else(|e| format!("(cannot render: {e})"));
                let local = at
                    .with_timezone(&plan.campaign.tz)
                    .format("%a %Y-%m-%d %H:%M")
                    .to_string();
                out.push(PlannedSend {
                    at,
                    local,
                    item: item.id.clone(),
                    team: t.to_string(),
                    first_line: first,
                });
            }
        }
    }
    out.sort_by(|a, b| (a.at, &a.item, &a.team).cmp(&(b.at, &b.item, &b.team)));
    out
}

/// The timeline as aligned text lines.
pub fn render_text(sends: &[PlannedSend]) -> String {
    if sends.is_empty() {
        return "No sends in that window.".into();
    }
    let id_w = sends.iter().map(|s| s.item.len()).max().unwrap_or(0);
    let team_w = sends.iter().map(|s| s.team.len()).max().unwrap_or(0);
    sends
        .iter()
        .map(|s| {
            format!(
                "{}  {:id_w$}  {:team_w$}  {}",
                s.local, s.item, s.team, s.first_line
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}
