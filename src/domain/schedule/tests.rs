use std::collections::{BTreeSet, HashSet};

use chrono::{Datelike, Duration, NaiveDate, Offset, Timelike};
use proptest::prelude::*;

use super::*;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("rfc3339")
        .with_timezone(&Utc)
}

const LONDON: Tz = chrono_tz::Europe::London;

#[test]
fn a_cron_with_four_fields_is_rejected_with_the_field_count() {
    let err = Schedule::parse("0 9 * *").unwrap_err();
    assert!(err.contains("has 4 fields"), "{err}");
}

#[test]
fn a_cron_typo_is_rejected() {
    let err = Schedule::parse("0 25 * * *").unwrap_err();
    assert!(
        err.starts_with("`0 25 * * *` is not a valid cron expression"),
        "{err}"
    );
}

#[test]
fn weekday_one_is_monday() {
    let s = Schedule::parse("0 9 * * 1").expect("cron");
    let next = s
        .next_after(utc("2026-03-04T12:00:00Z"), LONDON, None)
        .expect("a Monday");
    assert_eq!(next, utc("2026-03-09T09:00:00Z"));
    assert_eq!(next.with_timezone(&LONDON).weekday(), chrono::Weekday::Mon);
}

#[test]
fn a_relative_time_needs_and_uses_the_go_live_date() {
    let s = Schedule::parse("go_live - 14d at 09:00").expect("relative");
    assert!(s.needs_go_live());
    let go_live = NaiveDate::from_ymd_opt(2026, 4, 13);
    assert_eq!(
        s.next_after(utc("2026-01-01T00:00:00Z"), LONDON, go_live),
        Some(utc("2026-03-30T08:00:00Z"))
    );
    assert_eq!(
        s.next_after(utc("2026-01-01T00:00:00Z"), LONDON, None),
        None
    );
    assert!(Schedule::parse("go_live + 3 days at 9")
        .unwrap_err()
        .contains("go_live - 14d at 09:00"));
}

#[test]
fn a_local_date_time_fires_once() {
    let s = Schedule::parse("2026-03-02 09:00").expect("date-time");
    assert_eq!(
        s.between(
            utc("2026-01-01T00:00:00Z"),
            utc("2027-01-01T00:00:00Z"),
            LONDON,
            None,
            10
        ),
        vec![utc("2026-03-02T09:00:00Z")]
    );
    assert!(Schedule::parse("2026-13-02 09:00")
        .unwrap_err()
        .contains("is not a date-time"));
}

#[test]
fn a_daily_time_in_the_spring_gap_fires_once_at_the_end_of_the_gap() {
    let s = Schedule::parse("30 1 * * *").expect("cron");
    let fires = s.between(
        utc("2026-03-28T12:00:00Z"),
        utc("2026-03-30T12:00:00Z"),
        LONDON,
        None,
        10,
    );
    assert_eq!(
        fires,
        vec![utc("2026-03-29T01:00:00Z"), utc("2026-03-30T00:30:00Z")]
    );
}

#[test]
fn a_daily_time_in_the_repeated_autumn_hour_fires_once() {
    let s = Schedule::parse("30 1 * * *").expect("cron");
    let fires = s.between(
        utc("2026-10-24T12:00:00Z"),
        utc("2026-10-26T12:00:00Z"),
        LONDON,
        None,
        10,
    );
    assert_eq!(
        fires,
        vec![utc("2026-10-25T00:30:00Z"), utc("2026-10-26T01:30:00Z")]
    );
}

#[test]
fn an_unknown_timezone_is_named() {
    assert!(parse_timezone("Europe/Londn")
        .unwrap_err()
        .contains("`Europe/Londn` is not an IANA timezone; did you mean `Europe/London`?"));
    assert!(parse_timezone("Mars/Olympus")
        .unwrap_err()
        .contains("use a name such as `Europe/London`"));
}

// ---- the oracle: an independent minute-by-minute reading of the same rules ----

#[derive(Debug, Clone)]
struct Field {
    any: bool,
    values: BTreeSet<u32>,
}

fn field(spec: &str, lo: u32, hi: u32) -> Field {
    if spec == "*" {
        return Field {
            any: true,
            values: (lo..=hi).collect(),
        };
    }
    let mut values = BTreeSet::new();
    for part in spec.split(',') {
        if let Some(step) = part.strip_prefix("*/") {
            let step: u32 = step.parse().expect("step");
            values.extend((lo..=hi).step_by(step as usize));
        } else if let Some((a, b)) = part.split_once('-') {
            values.extend(a.parse::<u32>().expect("a")..=b.parse::<u32>().expect("b"));
        } else {
            values.insert(part.parse().expect("n"));
        }
    }
    Field { any: false, values }
}

struct Oracle {
    minute: Field,
    hour: Field,
    dom: Field,
    month: Field,
    dow: Field,
}

impl Oracle {
    fn new(expr: &str) -> Self {
        let f: Vec<&str> = expr.split_whitespace().collect();
        let mut dow = field(f[4], 0, 7);
        if dow.values.remove(&7) {
            dow.values.insert(0);
        }
        Self {
            minute: field(f[0], 0, 59),
            hour: field(f[1], 0, 23),
            dom: field(f[2], 1, 31),
            month: field(f[3], 1, 12),
            dow,
        }
    }

    fn matches(&self, t: NaiveDateTime) -> bool {
        let dom = self.dom.values.contains(&t.day());
        let dow = self
            .dow
            .values
            .contains(&t.weekday().num_days_from_sunday());
        let day = match (self.dom.any, self.dow.any) {
            (true, true) => true,
            (true, false) => dow,
            (false, true) => dom,
            (false, false) => dom || dow,
        };
        day && self.minute.values.contains(&t.minute())
            && self.hour.values.contains(&t.hour())
            && self.month.values.contains(&t.month())
    }

    /// Firings in `(from, to]`, checking every UTC minute.
    fn fires(&self, tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        let mut out = Vec::new();
        let mut m = from + Duration::minutes(1);
        while m <= to {
            let local = m.with_timezone(&tz).naive_local();
            let prev = (m - Duration::minutes(1)).with_timezone(&tz).naive_local();
            let first_instant = match tz.from_local_datetime(&local) {
                LocalResult::Single(d) | LocalResult::Ambiguous(d, _) => d.with_timezone(&Utc) == m,
                LocalResult::None => false,
            };
            let mut fires = first_instant && self.matches(local);
            let mut skipped = prev + Duration::minutes(1);
            while !fires && skipped < local {
                fires = self.matches(skipped);
                skipped += Duration::minutes(1);
            }
            if fires {
                out.push(m);
            }
            m += Duration::minutes(1);
        }
        out
    }
}

const ZONES: &[Tz] = &[
    chrono_tz::Europe::London,
    chrono_tz::America::New_York,
    chrono_tz::Europe::Berlin,
    chrono_tz::Australia::Sydney,
    chrono_tz::Australia::Lord_Howe,
    chrono_tz::Pacific::Auckland,
    chrono_tz::America::Santiago,
    chrono_tz::Asia::Kolkata,
    chrono_tz::America::St_Johns,
    chrono_tz::Africa::Cairo,
    chrono_tz::Pacific::Chatham,
    chrono_tz::America::Sao_Paulo,
    chrono_tz::Asia::Tokyo,
];

/// The instants in a year where a zone's UTC offset changes (found day by day).
fn transitions(tz: Tz, year: i32) -> Vec<DateTime<Utc>> {
    let offset = |t: DateTime<Utc>| t.with_timezone(&tz).offset().fix().local_minus_utc();
    let mut out = Vec::new();
    let mut day = utc(&format!("{year}-01-01T00:00:00Z"));
    while day.year() == year {
        let next = day + Duration::days(1);
        if offset(day) != offset(next) {
            let mut t = day;
            while offset(t) == offset(day) {
                t += Duration::minutes(30);
            }
            out.push(t);
        }
        day = next;
    }
    out
}

fn cron_field(max: u32, step_max: u32) -> impl Strategy<Value = String> {
    prop_oneof![
        Just("*".to_string()),
        (2..=step_max).prop_map(|s| format!("*/{s}")),
        (0..=max).prop_map(|n| n.to_string()),
        (0..max)
            .prop_flat_map(move |a| (Just(a), a..=max))
            .prop_map(|(a, b)| format!("{a}-{b}")),
        (0..=max, 0..=max)
            .prop_filter("distinct", |(a, b)| a != b)
            .prop_map(|(a, b)| format!("{a},{b}")),
    ]
}

fn cron_expr() -> impl Strategy<Value = String> {
    let dom = prop_oneof![6 => Just("*".to_string()), 1 => (1u32..=28).prop_map(|d| d.to_string()), 1 => Just("1-15".to_string())];
    let month =
        prop_oneof![8 => Just("*".to_string()), 1 => (1u32..=12).prop_map(|m| m.to_string())];
    let dow = prop_oneof![5 => Just("*".to_string()), 1 => Just("1-5".to_string()), 1 => (0u32..=7).prop_map(|d| d.to_string())];
    (cron_field(59, 30), cron_field(23, 12), dom, month, dow)
        .prop_map(|(m, h, d, mo, w)| format!("{m} {h} {d} {mo} {w}"))
}

/// A two-day window: half the time starting from half an hour before to an hour and a half after one of the zone's DST
/// transitions (so it may start inside a repeated or skipped hour).
fn window(
    tz: Tz,
    year: i32,
    pick: usize,
    around_transition: bool,
    day_of_year: i64,
    shift: i64,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let t = transitions(tz, year);
    let centre = if around_transition && !t.is_empty() {
        t[pick % t.len()]
    } else {
        utc(&format!("{year}-01-01T00:00:00Z")) + Duration::days(day_of_year)
    };
    let start = centre + Duration::minutes(shift);
    (start, start + Duration::hours(48))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn cron_firings_match_a_minute_by_minute_oracle(
        expr in cron_expr(), zone in 0..ZONES.len(), year in 2025i32..=2030, pick in 0usize..4,
        around in proptest::bool::ANY, day in 0i64..364, shift in -30i64..90,
    ) {
        let tz = ZONES[zone];
        let (from, to) = window(tz, year, pick, around, day, shift);
        let schedule = Schedule::parse(&expr).expect("generated crons are valid");
        let got = schedule.between(from, to, tz, None, 10_000);
        let want = Oracle::new(&expr).fires(tz, from, to);
        prop_assert_eq!(got, want, "cron `{}` in {} from {}", expr, tz, from);
    }

    #[test]
    fn a_daily_schedule_fires_at_most_once_per_local_date(
        minute in 0u32..60, hour in 0u32..24, zone in 0..ZONES.len(), year in 2025i32..=2030,
    ) {
        let tz = ZONES[zone];
        let expr = format!("{minute} {hour} * * *");
        let from = utc(&format!("{year}-01-01T00:00:00Z"));
        let fires = Schedule::parse(&expr).expect("cron").between(from, from + Duration::days(365), tz, None, 1000);
        let dates: HashSet<NaiveDate> = fires.iter().map(|t| t.with_timezone(&tz).date_naive()).collect();
        prop_assert_eq!(dates.len(), fires.len(), "`{}` in {} fired twice on a date", expr, tz);
        prop_assert!(fires.len() >= 364, "`{}` in {} skipped days: {}", expr, tz, fires.len());
    }
}

#[test]
fn starting_inside_the_repeated_hour_does_not_fire_its_times_again() {
    let s = Schedule::parse("*/15 * * * *").expect("cron");
    let from = utc("2026-10-25T01:10:00Z");
    let fires = s.between(from, from + Duration::hours(1), LONDON, None, 10);
    assert_eq!(
        fires,
        Oracle::new("*/15 * * * *").fires(LONDON, from, from + Duration::hours(1))
    );
    assert_eq!(
        fires[0],
        utc("2026-10-25T02:00:00Z"),
        "01:15–01:45 already happened in the first pass"
    );
}

#[test]
fn a_yearly_cron_at_one_second_finds_its_next_firing() {
    let s = Schedule::parse("25 48 18 18 09 *").expect("cron");
    let next = s.next_after(utc("2026-11-22T18:25:00Z"), LONDON, None);
    assert_eq!(next, Some(utc("2027-09-18T17:48:25Z")));
}
