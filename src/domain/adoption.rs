//! Adoption figures: the metrics a plan declares and the rules an incoming row must pass
//! before anything is stored. The edges (HTTP, CSV) turn what arrives into [`Incoming`]
//! rows of text; [`check`] turns a whole batch into [`Checked`] rows or names every bad
//! cell as `row:column: message`, so a batch is taken whole or not at all.

use std::collections::HashMap;
use std::fmt;

use chrono::{DateTime, NaiveDate};
use chrono_tz::Tz;

use super::closest::or_list;
use super::ids::MemberId;

/// How a metric is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricKind {
    /// People using the new tool: a team's count, or one row per person (value above 0:
    /// active that day), counted against the team's size or the `licensed` figure.
    ActiveUsers,
    /// Something done in the new tool (records created, calls logged): summed.
    Count,
    /// Use of the old tool (old reports opened): summed, and read as a warning.
    Legacy,
}

impl MetricKind {
    pub fn name(self) -> &'static str {
        match self {
            MetricKind::ActiveUsers => "active_users",
            MetricKind::Count => "count",
            MetricKind::Legacy => "legacy",
        }
    }
}

/// `[[metrics]]` in plan.toml.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    pub id: String,
    pub kind: MetricKind,
    pub label: String,
    /// For active users, a share of the team in per cent; else a number.
    pub target: Option<f64>,
    /// For active users: the licences bought, counted against instead of the team's size.
    pub licensed: Option<i64>,
    /// For active users: the tipping lines in per cent, ascending — early adopters
    /// crossed, the committed minority, organisation-wide ([`DEFAULT_TIPPING`] unless the
    /// plan says otherwise).
    pub tipping: [f64; 3],
}

/// About 16 % crosses from the early adopters to the majority, about 25 % committed can
/// tip a group, and 40–50 % is change that holds organisation-wide (its lower edge).
pub const DEFAULT_TIPPING: [f64; 3] = [16.0, 25.0, 40.0];

/// What each tipping line means, in the order of [`Metric::tipping`].
pub const TIPPING_NAMES: [&str; 3] = [
    "early adopters crossed",
    "committed minority",
    "organisation-wide",
];

impl Metric {
    /// The tipping lines with their names, lowest first.
    pub fn tipping_lines(&self) -> [(f64, &'static str); 3] {
        [0, 1, 2].map(|i| (self.tipping[i], TIPPING_NAMES[i]))
    }

    /// The organisation-wide line: the tipping point alert's.
    pub fn organisation_wide(&self) -> f64 {
        self.tipping[2]
    }
}

/// One row as it arrived: each field as text, `None` when missing. `row` is where the
/// sender will look for it: the CSV file's line, or the JSON batch's position from 1.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Incoming {
    pub row: usize,
    pub source: Option<String>,
    pub metric: Option<String>,
    pub team: Option<String>,
    pub member: Option<String>,
    pub value: Option<String>,
    pub at: Option<String>,
}

/// Who a row is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Subject {
    /// A team by the name Herald knows it by.
    Team(String),
    /// One person; the store keeps only a keyed hash of them, within each of their teams.
    Member(MemberId),
}

/// A row that passed: one value for one day.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub source: String,
    pub metric: String,
    pub subject: Subject,
    pub value: f64,
    /// Days since 1970-01-01, in the campaign's time zone.
    pub day: i64,
}

/// A bad cell: `row:column: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub row: usize,
    pub column: &'static str,
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.row, self.column, self.message)
    }
}

/// What a batch is checked against.
pub struct Rules<'a> {
    pub metrics: &'a [Metric],
    pub teams: &'a [String],
    pub tz: Tz,
    /// Today in the campaign's zone (days since 1970-01-01): no row may be later.
    pub today: i64,
}

/// Rows longer than this are refused: a source names a system, not a sentence.
const MAX_SOURCE: usize = 64;
/// No figure is larger: a day's count of anything in one team stays far below it, and
/// sums of it stay exact.
pub const MAX_VALUE: f64 = 1e9;
/// No figure is older (2000-01-01, in days since 1970-01-01).
const FIRST_DAY: i64 = 10_957;

/// Every row checked; any bad cell refuses the whole batch, with every bad cell named.
pub fn check(rows: &[Incoming], rules: &Rules) -> Result<Vec<Checked>, Vec<RowError>> {
    let mut out = Vec::with_capacity(rows.len());
    let mut errors = Vec::new();
    let mut seen: HashMap<(String, String, Subject, i64), usize> = HashMap::new();
    for r in rows {
        match check_row(r, rules) {
            Ok(c) => {
                let key = (c.source.clone(), c.metric.clone(), c.subject.clone(), c.day);
                if let Some(first) = seen.insert(key, r.row) {
                    errors.push(RowError {
                        row: r.row,
                        column: "at",
                        message: format!(
                            "repeats row {first} (same source, metric, {} and day); send one value per day",
                            match c.subject {
                                Subject::Team(_) => "team",
                                Subject::Member(_) => "member",
                            }
                        ),
                    });
                }
                out.push(c);
            }
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn check_row(r: &Incoming, rules: &Rules) -> Result<Checked, Vec<RowError>> {
    let mut errors = Vec::new();
    let mut bad = |column: &'static str, message: String| {
        errors.push(RowError {
            row: r.row,
            column,
            message,
        })
    };
    let source = match given(&r.source) {
        None => {
            bad(
                "source",
                "missing: name the system the figure comes from, such as \"crm\"".into(),
            );
            None
        }
        Some(s) if s.chars().count() > MAX_SOURCE => {
            bad("source", format!("longer than {MAX_SOURCE} characters"));
            None
        }
        Some(s) => Some(s.to_string()),
    };
    let metric = match given(&r.metric) {
        None => {
            bad(
                "metric",
                "missing: name one of the plan's [[metrics]]".into(),
            );
            None
        }
        Some(m) => match rules.metrics.iter().find(|x| x.id == m) {
            Some(x) => Some(x),
            None => {
                let ids: Vec<&str> = rules.metrics.iter().map(|x| x.id.as_str()).collect();
                bad(
                    "metric",
                    format!(
                        "`{m}` is not declared in plan.toml{}",
                        or_list(m, &ids, "its metrics")
                    ),
                );
                None
            }
        },
    };
    let subject = match (given(&r.team), given(&r.member)) {
        (Some(_), Some(_)) => {
            bad("team", "give a team or a member, not both".into());
            None
        }
        (None, None) => {
            bad(
                "team",
                "missing: give the team's name, or a member's Discord id in `member`".into(),
            );
            None
        }
        (Some(t), None) => match rules.teams.iter().find(|x| x.eq_ignore_ascii_case(t)) {
            Some(name) => Some(Subject::Team(name.clone())),
            None => {
                let names: Vec<&str> = rules.teams.iter().map(String::as_str).collect();
                bad(
                    "team",
                    format!("there is no team `{t}`{}", or_list(t, &names, "teams")),
                );
                None
            }
        },
        (None, Some(m)) => match m.parse::<u64>() {
            Ok(id) if id > 0 => Some(Subject::Member(MemberId(id))),
            _ => {
                bad("member", format!("`{m}` is not a Discord member id (digits only, as Discord's Copy User ID gives it)"));
                None
            }
        },
    };
    let value = match given(&r.value).map(|v| (v, v.parse::<f64>())) {
        None => {
            bad("value", "missing: a number of 0 or more".into());
            None
        }
        Some((_, Ok(v))) if v.is_finite() && (0.0..=MAX_VALUE).contains(&v) => Some(v),
        Some((v, Ok(x))) if x.is_finite() && x > MAX_VALUE => {
            bad(
                "value",
                format!("`{v}` is larger than any figure Herald takes (at most 1,000,000,000)"),
            );
            None
        }
        Some((v, _)) => {
            bad("value", format!("`{v}` is not a number of 0 or more"));
            None
        }
    };
    let day = match given(&r.at) {
        None => {
            bad(
                "at",
                "missing: the day the figure is for, as 2026-03-09 or 2026-03-09T17:00:00Z".into(),
            );
            None
        }
        Some(at) => match day_of(at, rules.tz) {
            None => {
                bad(
                    "at",
                    format!("`{at}` is not a date (2026-03-09) or a time (2026-03-09T17:00:00Z)"),
                );
                None
            }
            Some(d) if d > rules.today => {
                bad("at", format!("`{at}` is in the future"));
                None
            }
            Some(d) if d < FIRST_DAY => {
                bad("at", format!("`{at}` is before 2000; check the year"));
                None
            }
            Some(d) => Some(d),
        },
    };
    match (source, metric, subject, value, day) {
        (Some(source), Some(metric), Some(subject), Some(value), Some(day))
            if errors.is_empty() =>
        {
            Ok(Checked {
                source,
                metric: metric.id.clone(),
                subject,
                value,
                day,
            })
        }
        _ => Err(errors),
    }
}

fn given(field: &Option<String>) -> Option<&str> {
    field.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A date, or a time with its offset read in the campaign's zone, as days since 1970-01-01.
pub fn day_of(at: &str, tz: Tz) -> Option<i64> {
    let epoch = NaiveDate::default();
    if let Ok(d) = NaiveDate::parse_from_str(at, "%Y-%m-%d") {
        return Some((d - epoch).num_days());
    }
    let t = DateTime::parse_from_rfc3339(at).ok()?;
    Some((t.with_timezone(&tz).date_naive() - epoch).num_days())
}

/// What per-person rows say of a team's people, beyond this week's share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct People {
    /// People ever seen active.
    pub seen: usize,
    /// The Monday by which half of them had first been active (the median first week).
    pub half_started_by: i64,
    /// Active before, but neither this week nor last.
    pub lapsed: usize,
}

/// From each person's (first, last) active week and this week's Monday; None with no one.
pub fn people(spans: &[(i64, i64)], this_week: i64) -> Option<People> {
    let mut firsts: Vec<i64> = spans.iter().map(|(f, _)| *f).collect();
    firsts.sort_unstable();
    let half = *firsts.get(firsts.len().checked_sub(1)? / 2)?;
    Some(People {
        seen: spans.len(),
        half_started_by: half,
        lapsed: spans.iter().filter(|(_, l)| *l < this_week - 7).count(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_the_people_started_by_the_median_first_week_and_the_lapsed_are_not_seen_lately() {
        let (w1, w2, w3, w4) = (20_496, 20_503, 20_510, 20_517);
        let spans = [(w1, w4), (w2, w2), (w2, w4), (w3, w3), (w4, w4)];
        assert_eq!(
            people(&spans, w4),
            Some(People {
                seen: 5,
                half_started_by: w2,
                lapsed: 1,
            }),
            "the one last seen three weeks ago has lapsed; last week's is not"
        );
        assert_eq!(people(&[], w4), None);
    }

    fn metrics() -> Vec<Metric> {
        vec![Metric {
            id: "crm_active".into(),
            kind: MetricKind::ActiveUsers,
            label: "Active in the new CRM".into(),
            target: Some(60.0),
            licensed: None,
            tipping: DEFAULT_TIPPING,
        }]
    }

    fn row(n: usize, team: &str, value: &str, at: &str) -> Incoming {
        Incoming {
            row: n,
            source: Some("crm".into()),
            metric: Some("crm_active".into()),
            team: Some(team.into()),
            member: None,
            value: Some(value.into()),
            at: Some(at.into()),
        }
    }

    fn rules<'a>(m: &'a [Metric], teams: &'a [String]) -> Rules<'a> {
        Rules {
            metrics: m,
            teams,
            tz: chrono_tz::Europe::London,
            today: day_of("2026-03-20", chrono_tz::UTC).expect("day"),
        }
    }

    #[test]
    fn a_good_batch_passes_with_team_names_as_herald_knows_them() {
        let (m, t) = (metrics(), vec!["Sales".to_string()]);
        let rows = check(&[row(2, "sales", "12", "2026-03-09")], &rules(&m, &t)).expect("ok");
        assert_eq!(rows[0].subject, Subject::Team("Sales".into()));
        assert_eq!(
            rows[0].day,
            day_of("2026-03-09", chrono_tz::UTC).expect("day")
        );
    }

    #[test]
    fn every_bad_cell_is_named_by_row_and_column() {
        let (m, t) = (metrics(), vec!["Sales".to_string(), "Support".to_string()]);
        let mut typo = row(3, "Supprot", "-1", "2026-02-30");
        typo.metric = Some("crm_activ".into());
        let errors = check(&[row(2, "Sales", "4", "2026-03-09"), typo], &rules(&m, &t))
            .expect_err("refused");
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "3:metric: `crm_activ` is not declared in plan.toml; did you mean `crm_active`? (its metrics: crm_active)",
                "3:team: there is no team `Supprot`; did you mean `Support`? (teams: Sales, Support)",
                "3:value: `-1` is not a number of 0 or more",
                "3:at: `2026-02-30` is not a date (2026-03-09) or a time (2026-03-09T17:00:00Z)",
            ]
        );
    }

    #[test]
    fn a_row_twice_in_one_batch_or_in_the_future_is_refused() {
        let (m, t) = (metrics(), vec!["Sales".to_string()]);
        let errors = check(
            &[
                row(2, "Sales", "4", "2026-03-09"),
                row(3, "Sales", "5", "2026-03-09"),
                row(4, "Sales", "5", "2026-03-21"),
                row(5, "Sales", "1e12", "2026-03-09"),
                row(6, "Sales", "5", "0226-03-09"),
            ],
            &rules(&m, &t),
        )
        .expect_err("refused");
        assert_eq!(
            errors[0].to_string(),
            "3:at: repeats row 2 (same source, metric, team and day); send one value per day"
        );
        assert_eq!(errors[1].to_string(), "4:at: `2026-03-21` is in the future");
        assert_eq!(
            errors[2].to_string(),
            "5:value: `1e12` is larger than any figure Herald takes (at most 1,000,000,000)"
        );
        assert_eq!(
            errors[3].to_string(),
            "6:at: `0226-03-09` is before 2000; check the year"
        );
    }

    #[test]
    fn a_time_counts_for_its_day_in_the_campaigns_zone() {
        let tz: Tz = chrono_tz::America::New_York;
        // 02:00 UTC on 10 March is still 9 March in New York.
        assert_eq!(day_of("2026-03-10T02:00:00Z", tz), day_of("2026-03-09", tz));
    }
}
