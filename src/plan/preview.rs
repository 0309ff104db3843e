//! The timeline: every send and every pulse (its opening, reminders and close) in a
//! window, per team, at the campaign's time and at the team's own, with the reason for any
//! send a team's holiday moved or skipped.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::render::{first_line, message};
use super::{Item, Plan, PulseItem};
use crate::domain::words;

/// What happens at a timeline entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum What {
    Send,
    /// The direct message to a team's managers before the send (`brief_managers`).
    ManagerBriefing,
    PulseOpens,
    PulseReminder,
    PulseCloses,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlannedSend {
    pub at: DateTime<Utc>,
    /// In the plan's timezone, e.g. `Mon 2026-03-02 09:00`.
    pub local: String,
    /// In the team's own time zone, with the zone: `Mon 2026-03-02 09:00 EST`.
    pub team_local: String,
    pub what: What,
    pub item: String,
    pub team: String,
    pub first_line: String,
    /// Why a holiday or non-working day moved or skipped it; `null` when it did not.
    pub moved: Option<String>,
    /// True when it does not go out (skipped on a day off).
    pub skipped: bool,
}

/// Timeline entries are looked for this far ahead when a window is empty.
const NEXT_SEND_DAYS: i64 = 400;

/// Sends and pulses in `[from, from + days)`, optionally for one team, in time order.
pub fn timeline(
    plan: &Plan,
    from: DateTime<Utc>,
    days: i64,
    team: Option<&str>,
    all_teams: &[String],
) -> Vec<PlannedSend> {
    let window = Window {
        from: from - Duration::seconds(1),
        to: from + Duration::days(days) - Duration::seconds(1),
        limit: 500,
    };
    let wanted = |t: &str| team.is_none_or(|only| only.eq_ignore_ascii_case(t));
    let mut out = Vec::new();
    for item in &plan.items {
        for t in plan
            .audience_of(item, all_teams)
            .into_iter()
            .filter(|t| wanted(t))
        {
            out.extend(sends_of(plan, item, t, &window));
        }
    }
    for pulse in &plan.pulses {
        out.extend(pulse_entries(plan, pulse, all_teams, &window, &wanted));
    }
    out.sort_by(|a, b| (a.at, &a.item, &a.team).cmp(&(b.at, &b.item, &b.team)));
    out
}

/// The first entry after `to` (within about a year), for an empty window's answer.
pub fn next_after(
    plan: &Plan,
    to: DateTime<Utc>,
    team: Option<&str>,
    all_teams: &[String],
) -> Option<PlannedSend> {
    let mut day = to;
    let end = to + Duration::days(NEXT_SEND_DAYS);
    while day < end {
        if let Some(first) = timeline(plan, day, 30, team, all_teams)
            .into_iter()
            .find(|s| !s.skipped)
        {
            return Some(first);
        }
        day += Duration::days(30);
    }
    None
}

struct Window {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: usize,
}

fn sends_of(plan: &Plan, item: &Item, team: &str, w: &Window) -> Vec<PlannedSend> {
    let calendar = plan.calendar(team);
    let lead = item.brief_managers.unwrap_or_else(Duration::zero);
    let (firings, _) = plan.firings(item, &calendar, w.from, w.to + lead, w.limit);
    let mut out = Vec::new();
    for f in firings {
        let at = f.at.unwrap_or(f.scheduled);
        let first = message(plan, item, team, at)
            .map(|m| first_line(&m))
            .unwrap_or_else(|e| format!("(cannot render: {e})"));
        let briefed = at - lead;
        if item.brief_managers.is_some() && f.at.is_some() && briefed > w.from && briefed <= w.to {
            let line = format!("{team}'s managers are briefed by direct message: {first}");
            let what = What::ManagerBriefing;
            out.push(entry(
                plan, briefed, what, &item.id, team, line, None, false,
            ));
        }
        if at <= w.to {
            let skipped = f.at.is_none();
            out.push(entry(
                plan,
                at,
                What::Send,
                &item.id,
                team,
                first,
                f.why,
                skipped,
            ));
        }
    }
    out
}

fn pulse_entries(
    plan: &Plan,
    pulse: &PulseItem,
    all_teams: &[String],
    w: &Window,
    wanted: &dyn Fn(&str) -> bool,
) -> Vec<PlannedSend> {
    let tz = plan.campaign.tz;
    let name = plan
        .polls
        .get(&pulse.set)
        .map_or(pulse.set.as_str(), |s| s.name.as_str());
    let questions = plan.polls.get(&pulse.set).map_or(0, |s| s.questions.len());
    let teams: Vec<&str> = match &pulse.audience {
        super::Audience::All => all_teams.iter().map(String::as_str).collect(),
        super::Audience::Teams(t) => t.iter().map(String::as_str).collect(),
    };
    let look_from = w.from - Duration::hours(i64::from(pulse.open_hours));
    let mut out = Vec::new();
    for opens in pulse
        .schedule
        .between(look_from, w.to, tz, plan.campaign.go_live, w.limit)
    {
        let closes = opens + Duration::hours(i64::from(pulse.open_hours));
        let mut moments = vec![(
            opens,
            What::PulseOpens,
            format!(
                "{name} opens: {}, open {}",
                words::count(questions as i64, "question", "questions"),
                words::count(i64::from(pulse.open_hours), "hour", "hours")
            ),
        )];
        for h in &pulse.reminders {
            let at = closes - Duration::hours(i64::from(*h));
            if at > opens {
                moments.push((at, What::PulseReminder, format!("{name}: a direct message to those who have not answered, {} before it closes", words::count(i64::from(*h), "hour", "hours"))));
            }
        }
        moments.push((
            closes,
            What::PulseCloses,
            format!("{name} closes; results go to the change team"),
        ));
        for (at, what, line) in moments
            .into_iter()
            .filter(|(at, ..)| *at > w.from && *at <= w.to)
        {
            for t in teams.iter().filter(|t| wanted(t)) {
                out.push(entry(
                    plan,
                    at,
                    what,
                    &pulse.id,
                    t,
                    line.clone(),
                    None,
                    false,
                ));
            }
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn entry(
    plan: &Plan,
    at: DateTime<Utc>,
    what: What,
    item: &str,
    team: &str,
    first_line: String,
    moved: Option<String>,
    skipped: bool,
) -> PlannedSend {
    let team_tz = plan.calendar(team).tz;
    PlannedSend {
        at,
        local: at
            .with_timezone(&plan.campaign.tz)
            .format("%a %Y-%m-%d %H:%M")
            .to_string(),
        team_local: at
            .with_timezone(&team_tz)
            .format("%a %Y-%m-%d %H:%M %Z")
            .to_string(),
        what,
        item: item.to_string(),
        team: team.to_string(),
        first_line,
        moved,
        skipped,
    }
}

/// The timeline as aligned text lines; a team's own time is shown where it differs, and
/// an empty window names the next entry after it.
pub fn render_text(sends: &[PlannedSend], next: Option<&PlannedSend>) -> String {
    if sends.is_empty() {
        return match next {
            Some(n) => format!(
                "Nothing is planned in that window. The next is `{}` to {} on {}: {}",
                n.item, n.team, n.local, n.first_line
            ),
            None => "Nothing is planned in that window, nor in the year after it.".into(),
        };
    }
    let id_w = sends.iter().map(|s| s.item.len()).max().unwrap_or(0);
    let team_w = sends.iter().map(|s| s.team.len()).max().unwrap_or(0);
    sends
        .iter()
        .map(|s| {
            let mut line = format!(
                "{}  {:id_w$}  {:team_w$}  {}",
                s.local, s.item, s.team, s.first_line
            );
            if !s.team_local.starts_with(&s.local) {
                line.push_str(&format!("  [{} local]", s.team_local));
            }
            if let Some(why) = &s.moved {
                line.push_str(&format!("  ({why})"));
            }
            line
        })
        .collect::<Vec<_>>()
        .join("\n")
}
