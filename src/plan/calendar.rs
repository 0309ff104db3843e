//! Each team's calendar: its time zone, its working days and its holidays, and where a
//! scheduled item lands in it (on a day off it moves to the next working day at the same
//! local time, is skipped, or is sent anyway, as the item says).
//!
//! A team with neither `working_days` nor `holidays` (its own or the campaign's) has no
//! days off: every firing stays where its schedule puts it, as before calendars existed.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;

use super::{Item, Plan};
use crate::domain::schedule::resolve_local;

/// What happens to a send that falls on a team's holiday or non-working day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnHoliday {
    #[default]
    NextWorkingDay,
    Skip,
    Send,
}

/// A named list of holidays: date → name ("Christmas Day").
pub type HolidayList = BTreeMap<NaiveDate, String>;

/// Monday to Friday.
pub const WEEKDAYS: [Weekday; 5] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
];

/// How far back a firing may have been scheduled and still be moved into a window: a
/// fortnight of days off in a row (Christmas, a long weekend and a plant shutdown).
pub const MOVE_LOOKBACK_DAYS: i64 = 15;

/// The days a team works and the holidays it keeps, in its own time zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar<'p> {
    pub tz: Tz,
    /// `None`: every day is a working day and there are no holidays.
    pub days_off: Option<DaysOff<'p>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaysOff<'p> {
    pub working: Vec<Weekday>,
    pub holidays: Option<&'p HolidayList>,
}

/// Where one scheduled firing lands for a team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Firing {
    /// When the schedule alone puts it.
    pub scheduled: DateTime<Utc>,
    /// When it goes out; `None` when it is skipped.
    pub at: Option<DateTime<Utc>>,
    /// Why it moved or was skipped, in words ("Christmas Day (england)").
    pub why: Option<String>,
}

impl Calendar<'_> {
    /// Why `date` is a day off, or `None` when it is a working day.
    pub fn day_off(&self, date: NaiveDate) -> Option<String> {
        let off = self.days_off.as_ref()?;
        if let Some(name) = off.holidays.and_then(|h| h.get(&date)) {
            return Some(name.clone());
        }
        (!off.working.contains(&date.weekday()))
            .then(|| format!("{}, not a working day", long_day(date.weekday())))
    }

    /// Where a firing the schedule puts at `scheduled` lands under `rule`.
    pub fn place(&self, scheduled: DateTime<Utc>, rule: OnHoliday) -> Firing {
        let local = scheduled.with_timezone(&self.tz).naive_local();
        let Some(reason) = self.day_off(local.date()) else {
            return Firing {
                scheduled,
                at: Some(scheduled),
                why: None,
            };
        };
        let on = local.date().format("%a %-d %b");
        match rule {
            OnHoliday::Send => Firing {
                scheduled,
                at: Some(scheduled),
                why: Some(format!("sent on {on} although it is a day off: {reason}")),
            },
            OnHoliday::Skip => Firing {
                scheduled,
                at: None,
                why: Some(format!("skipped: {on} is a day off ({reason})")),
            },
            OnHoliday::NextWorkingDay => match self.next_working_day(local.date()) {
                Some(day) => Firing {
                    scheduled,
                    at: Some(resolve_local(self.tz, day.and_time(local.time()))),
                    why: Some(format!("moved from {on}: {reason}")),
                },
                None => Firing {
                    scheduled,
                    at: None,
                    why: Some(format!("skipped: no working day within a year of {on}")),
                },
            },
        }
    }

    fn next_working_day(&self, after: NaiveDate) -> Option<NaiveDate> {
        (1..=366)
            .map(|n| after + Duration::days(n))
            .find(|d| self.day_off(*d).is_none())
    }
}

fn long_day(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

/// Parses `["Mon", "Tue", …]` (or full names, any case) into weekdays.
pub fn parse_working_days(days: &[String]) -> Result<Vec<Weekday>, String> {
    if days.is_empty() {
        return Err("working_days is empty; list the days the team works, e.g. [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\"]".into());
    }
    days.iter()
        .map(|d| {
            d.trim().parse::<Weekday>().map_err(|_| {
                format!("`{d}` is not a day of the week; write Mon, Tue, Wed, Thu, Fri, Sat or Sun")
            })
        })
        .collect()
}

impl Plan {
    /// The calendar of a team by name: its own settings, else the campaign's. A team the
    /// plan does not declare (added with `/team add`) keeps the campaign's.
    pub fn calendar(&self, team: &str) -> Calendar<'_> {
        let decl = self
            .teams
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(team));
        let tz = decl.and_then(|d| d.timezone).unwrap_or(self.campaign.tz);
        let working = decl
            .and_then(|d| d.working_days.clone())
            .or_else(|| self.campaign.working_days.clone());
        let list = decl
            .and_then(|d| d.holidays.clone())
            .or_else(|| self.campaign.holidays.clone());
        let days_off = (working.is_some() || list.is_some()).then(|| DaysOff {
            working: working.unwrap_or_else(|| WEEKDAYS.to_vec()),
            holidays: list.and_then(|l| self.holidays.get(&l)),
        });
        Calendar { tz, days_off }
    }

    /// The firings of `item` for a team with `calendar` that go out in `(from, to]` (or
    /// are skipped there), with at most `limit` scheduled firings looked at in the window.
    /// Firings scheduled up to [`MOVE_LOOKBACK_DAYS`] before `from` that move into the
    /// window are included. The second value is how many were looked at in the window.
    pub fn firings(
        &self,
        item: &Item,
        calendar: &Calendar<'_>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    ) -> (Vec<Firing>, usize) {
        let go_live = self.campaign.go_live;
        let scheduled = item.between_in(from, to, calendar.tz, go_live, limit);
        let looked = scheduled.len();
        let mut out: Vec<Firing> = Vec::new();
        if calendar.days_off.is_some() {
            let back = from - Duration::days(MOVE_LOOKBACK_DAYS);
            out.extend(
                item.between_in(back, from, calendar.tz, go_live, limit)
                    .into_iter()
                    .map(|s| calendar.place(s, item.on_holiday))
                    .filter(|f| f.why.is_some() && f.at.is_some_and(|a| a > from)),
            );
        }
        out.extend(
            scheduled
                .into_iter()
                .map(|s| calendar.place(s, item.on_holiday)),
        );
        (out, looked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn list() -> HolidayList {
        [(
            NaiveDate::from_ymd_opt(2026, 12, 28).unwrap(),
            "Boxing Day (substitute)".to_string(),
        )]
        .into_iter()
        .collect()
    }

    fn london(holidays: &HolidayList) -> Calendar<'_> {
        Calendar {
            tz: chrono_tz::Europe::London,
            days_off: Some(DaysOff {
                working: WEEKDAYS.to_vec(),
                holidays: Some(holidays),
            }),
        }
    }

    #[test]
    fn a_send_on_a_holiday_moves_to_the_next_working_day_at_the_same_local_time() {
        let h = list();
        let cal = london(&h);
        let mon = Utc.with_ymd_and_hms(2026, 12, 28, 9, 0, 0).unwrap();
        let f = cal.place(mon, OnHoliday::NextWorkingDay);
        assert_eq!(
            f.at,
            Some(Utc.with_ymd_and_hms(2026, 12, 29, 9, 0, 0).unwrap())
        );
        assert_eq!(
            f.why.as_deref(),
            Some("moved from Mon 28 Dec: Boxing Day (substitute)")
        );
        assert_eq!(cal.place(mon, OnHoliday::Skip).at, None);
        assert_eq!(cal.place(mon, OnHoliday::Send).at, Some(mon));
    }

    #[test]
    fn a_saturday_send_moves_to_monday_and_a_weekday_one_stays() {
        let h = HolidayList::new();
        let cal = london(&h);
        let sat = Utc.with_ymd_and_hms(2027, 1, 2, 10, 0, 0).unwrap();
        let f = cal.place(sat, OnHoliday::NextWorkingDay);
        assert_eq!(
            f.at,
            Some(Utc.with_ymd_and_hms(2027, 1, 4, 10, 0, 0).unwrap())
        );
        assert_eq!(
            f.why.as_deref(),
            Some("moved from Sat 2 Jan: Saturday, not a working day")
        );
        let tue = Utc.with_ymd_and_hms(2027, 1, 5, 10, 0, 0).unwrap();
        assert_eq!(
            cal.place(tue, OnHoliday::NextWorkingDay),
            Firing {
                scheduled: tue,
                at: Some(tue),
                why: None
            }
        );
    }

    #[test]
    fn a_move_keeps_the_local_time_across_a_dst_change() {
        let h = HolidayList::new();
        let cal = london(&h);
        // Sat 27 Mar 2027 09:00 GMT; the clocks go forward on Sun 28 Mar.
        let sat = Utc.with_ymd_and_hms(2027, 3, 27, 9, 0, 0).unwrap();
        let moved = cal.place(sat, OnHoliday::NextWorkingDay).at.unwrap();
        assert_eq!(
            moved,
            Utc.with_ymd_and_hms(2027, 3, 29, 8, 0, 0).unwrap(),
            "09:00 BST"
        );
    }

    #[test]
    fn working_days_parse_short_and_long_names_and_refuse_a_typo() {
        let days = parse_working_days(&["sun".into(), "Monday".into(), "Thu".into()]).unwrap();
        assert_eq!(days, vec![Weekday::Sun, Weekday::Mon, Weekday::Thu]);
        let e = parse_working_days(&["Mun".into()]).unwrap_err();
        assert!(e.contains("`Mun` is not a day of the week"), "{e}");
        assert!(parse_working_days(&[]).is_err());
    }
}
