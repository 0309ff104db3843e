//! A week's own figures, computed from what was stored during it: calendar weeks
//! (Monday to Sunday, UTC days), the people in the four weeks up to a week's end, the
//! readiness in force at its end, and the acknowledgements of what it sent.

use std::collections::{BTreeMap, BTreeSet};

use super::WINDOW_DAYS;
use crate::app::pulse::readiness::TeamScore;
use crate::domain::people::{distinct_people, People};
use crate::domain::record::{day_of, Signal};

/// A calendar week: its Monday and its last day (the Sunday, or today while it runs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Week {
    pub start: i64,
    pub end: i64,
}

pub use crate::domain::record::monday_of;

/// The last `weeks` calendar weeks up to today, oldest first; the last one is this week.
pub fn weeks_until(today: i64, weeks: i64) -> Vec<Week> {
    let this = monday_of(today);
    (0..weeks.clamp(1, 52))
        .rev()
        .map(|w| {
            let start = this - 7 * w;
            Week {
                start,
                end: (start + 6).min(today),
            }
        })
        .collect()
}

/// The people behind a team's signals in the four weeks up to `end`: each group of keys
/// (person keys, each pulse's ballots) counted on its own, as the live views do.
pub fn people_until(
    signals: &[(Signal, String)],
    team: &str,
    end: i64,
    team_size: Option<i64>,
) -> People {
    let mut groups: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (s, scope) in signals {
        let day = day_of(s.at_ms);
        if s.team == team && day > end - WINDOW_DAYS && day <= end {
            groups.entry(scope).or_default().insert(&s.contributor);
        }
    }
    distinct_people(groups.values().map(|g| g.len() as i64), team_size)
}

/// The team's latest ADKAR score from a pulse closed on or before `end`.
pub fn readiness_as_of<'a>(scores: &'a [TeamScore], team: &str, end: i64) -> Option<&'a TeamScore> {
    scores
        .iter()
        .filter(|s| s.team == team && s.adkar.is_some() && day_of(s.closed_at_ms) <= end)
        .max_by_key(|s| (s.closed_at_ms, s.pulse))
}

/// Updates sent in a week and the share acknowledged so far: `sends` are (sent at,
/// members of the team who acknowledged it); `size` the team's members.
pub fn ack_share(sends: &[(i64, usize)], week: Week, size: usize) -> (usize, Option<f64>) {
    let in_week: Vec<usize> = sends
        .iter()
        .filter(|(at, _)| (week.start..=week.end).contains(&day_of(*at)))
        .map(|(_, acked)| *acked)
        .collect();
    let possible = in_week.len() * size;
    let rate = (possible > 0).then(|| in_week.iter().sum::<usize>() as f64 / possible as f64);
    (in_week.len(), rate)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::record::Source;

    const DAY: i64 = 86_400_000;

    #[test]
    fn weeks_run_monday_to_sunday_and_this_week_ends_today() {
        // 2026-01-01 is day 20454, a Thursday.
        let thursday = 20_454;
        assert_eq!(monday_of(thursday), thursday - 3);
        let w = weeks_until(thursday, 2);
        assert_eq!(
            w,
            [
                Week {
                    start: thursday - 10,
                    end: thursday - 4
                },
                Week {
                    start: thursday - 3,
                    end: thursday
                },
            ]
        );
        assert_eq!(monday_of(thursday - 3), thursday - 3, "a Monday is its own");
    }

    #[test]
    fn a_week_counts_the_people_of_the_four_weeks_before_its_end() {
        let s = |who: &str, day: i64, scope: &str| {
            (
                Signal {
                    team: "Sales".into(),
                    source: Source::Reaction,
                    score: 0.0,
                    contributor: who.into(),
                    at_ms: day * DAY,
                },
                scope.to_string(),
            )
        };
        let signals = [
            s("a", 0, ""),
            s("b", 10, ""),
            s("a", 20, ""),
            s("x", 20, "pulse:1"),
            s("y", 20, "pulse:1"),
            s("z", 20, "pulse:1"),
        ];
        assert_eq!(
            people_until(&signals, "Sales", 27, None).n,
            3,
            "the pulse's three"
        );
        assert_eq!(
            people_until(&signals, "Sales", 19, None),
            People { n: 2, exact: true }
        );
        assert_eq!(people_until(&signals, "Sales", 40, None).n, 3);
        assert_eq!(
            people_until(&signals, "Sales", 48, None).n,
            0,
            "all older than 4 weeks"
        );
        assert_eq!(people_until(&signals, "Sales", 27, Some(2)).n, 2);
    }

    #[test]
    fn a_weeks_ack_rate_counts_only_what_it_sent() {
        let week = Week { start: 7, end: 13 };
        let sends = [(6 * DAY, 6), (7 * DAY, 3), (13 * DAY + 5, 1), (14 * DAY, 6)];
        assert_eq!(ack_share(&sends, week, 6), (2, Some(4.0 / 12.0)));
        assert_eq!(ack_share(&[], week, 6), (0, None));
    }
}
