//! When a plan item fires: a cron expression in the plan's timezone, a local date-time,
//! or a time relative to go-live — and how each maps to instants across DST.
//!
//! DST rules (the same for every kind): a local time that happens twice (autumn) fires
//! once, at its first instant; a local time that does not exist (spring) fires once, at
//! the first instant after the gap. A cron with a fixed hour and minute fires at most
//! once per local date.

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// A parsed schedule.
#[derive(Debug, Clone)]
pub enum Schedule {
    Cron {
        expr: String,
        cron: Box<croner::Cron>,
    },
    /// A one-off local date-time.
    At(NaiveDateTime),
    /// `go_live ± N d at HH:MM`.
    GoLive { offset_days: i64, time: NaiveTime },
}

impl Schedule {
    /// Parses `go_live - 14d at 09:00`, `2026-03-02 09:00` or a 5- or 6-field cron.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let s = raw.trim();
        if s.is_empty() {
            return Err("the schedule is empty; use a cron such as `0 9 * * 1`, a date-time such as `2026-03-02 09:00`, or `go_live - 14d at 09:00`".into());
        }
        if let Some(rest) = s.strip_prefix("go_live") {
            return parse_relative(rest.trim());
        }
        if looks_like_date(s.split_whitespace().next().unwrap_or_default()) {
            return NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
                .map(Schedule::At)
                .map_err(|_| format!("`{s}` is not a date-time; write it as `2026-03-02 09:00` (local to the plan's timezone)"));
        }
        parse_cron(s)
    }

    /// Whether the schedule needs the campaign's go-live date.
    pub fn needs_go_live(&self) -> bool {
        matches!(self, Schedule::GoLive { .. })
    }

    /// The first firing strictly after `after`, if any.
    pub fn next_after(
        &self,
        after: DateTime<Utc>,
        tz: Tz,
        go_live: Option<NaiveDate>,
    ) -> Option<DateTime<Utc>> {
        match self {
            Schedule::Cron { cron, .. } => cron_next(cron, after, tz),
            Schedule::At(local) => Some(resolve_local(tz, *local)).filter(|t| *t > after),
            Schedule::GoLive { offset_days, time } => {
                let date = go_live? + Duration::days(*offset_days);
                Some(resolve_local(tz, date.and_time(*time))).filter(|t| *t > after)
            }
        }
    }

    /// Every firing in `(from, to]`, at most `limit`.
    pub fn between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        tz: Tz,
        go_live: Option<NaiveDate>,
        limit: usize,
    ) -> Vec<DateTime<Utc>> {
        let mut out = Vec::new();
        let mut cursor = from;
        while out.len() < limit {
            match self.next_after(cursor, tz, go_live) {
                Some(t) if t <= to => {
                    out.push(t);
                    cursor = t;
                }
                _ => break,
            }
        }
        out
    }
}

/// `YYYY-MM-DD` (digits in place), as opposed to a cron's first field.
fn looks_like_date(token: &str) -> bool {
    let b = token.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

fn parse_relative(rest: &str) -> Result<Schedule, String> {
    let help =
        "write it as `go_live - 14d at 09:00`, `go_live + 3d at 10:30` or `go_live at 09:00`";
    let (offset_part, time_part) = rest
        .split_once("at")
        .ok_or_else(|| format!("missing `at HH:MM`; {help}"))?;
    let time = NaiveTime::parse_from_str(time_part.trim(), "%H:%M")
        .map_err(|_| format!("`{}` is not a time; {help}", time_part.trim()))?;
    let offset = offset_part.replace(' ', "");
    let offset_days = if offset.is_empty() {
        0
    } else {
        let (sign, num) = offset.split_at(1);
        let days: i64 = num
            .strip_suffix('d')
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| format!("`{offset}` is not an offset in days; {help}"))?;
        match sign {
            "+" => days,
            "-" => -days,
            _ => return Err(format!("`{offset}` is not an offset in days; {help}")),
        }
    };
    Ok(Schedule::GoLive { offset_days, time })
}

fn parse_cron(s: &str) -> Result<Schedule, String> {
    let fields: Vec<&str> = s.split_whitespace().collect();
    if !(5..=6).contains(&fields.len()) {
        return Err(format!("`{s}` has {} fields; a cron has 5 (minute hour day month weekday) or 6 (with seconds first)", fields.len()));
    }
    if let Some(field) = cron_words::first_bad_field(&fields) {
        return Err(format!("`{s}` is not a valid cron expression: {field}"));
    }
    let cron = croner::Cron::new(s)
        .with_seconds_optional()
        .parse()
        .map_err(|e| format!("`{s}` is not a valid cron expression: {e}"))?;
    Ok(Schedule::Cron {
        expr: s.to_string(),
        cron: Box::new(cron),
    })
}

/// A local time as an instant: the first of two ambiguous instants, or the end of a gap.
pub fn resolve_local(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let mut t = local;
    for _ in 0..(24 * 60) {
        match tz.from_local_datetime(&t) {
            LocalResult::Single(d) | LocalResult::Ambiguous(d, _) => return d.with_timezone(&Utc),
            LocalResult::None => t += Duration::minutes(1),
        }
    }
    Utc.from_utc_datetime(&local)
}

fn cron_next(cron: &croner::Cron, after: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
    let mut from = after.with_timezone(&tz);
    // croner walks local wall-clock time and answers the first instant of a repeated
    // local time; from inside the second pass that instant lies behind us, so skip
    // forward until the candidate is strictly after `after`.
    for _ in 0..1_000 {
        let next = cron.find_next_occurrence(&from, false).ok()?;
        if next.with_timezone(&Utc) > after {
            return Some(next.with_timezone(&Utc));
        }
        from = next;
    }
    None
}

/// Parses an IANA timezone name, with a hint when it is close to one.
pub fn parse_timezone(name: &str) -> Result<Tz, String> {
    name.trim().parse::<Tz>().map_err(|_| {
        let zones = chrono_tz::TZ_VARIANTS.iter().map(|t| t.name());
        match crate::domain::closest::closest(name.trim(), zones) {
            Some(zone) => format!("`{name}` is not an IANA timezone; did you mean `{zone}`?"),
            None => format!("`{name}` is not an IANA timezone; use a name such as `Europe/London` or `America/New_York`"),
        }
    })
}

mod cron_words;

#[cfg(test)]
mod tests;
