//! `[[teams]]`, `[sponsors.NAME]` and `[holidays.NAME]` as written, checked and turned
//! into the plan's teams (with their calendars), sponsors and holiday lists.

use std::collections::{BTreeMap, HashSet};

use chrono::{Duration, NaiveDate, Weekday};
use serde::Deserialize;
use toml::Spanned;

use super::calendar::{parse_working_days, HolidayList};
use super::raw::Ctx;
use super::{Sponsor, TeamDecl};
use crate::domain::schedule::parse_timezone;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTeam {
    name: Spanned<String>,
    role: String,
    channel: String,
    timezone: Option<Spanned<String>>,
    working_days: Option<Spanned<Vec<String>>>,
    holidays: Option<Spanned<String>>,
    locale: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSponsor {
    name: Spanned<String>,
    title: Option<String>,
    avatar: Option<Spanned<String>>,
}

pub(super) fn teams(
    raw: &[RawTeam],
    lists: &BTreeMap<String, HolidayList>,
    cx: &mut Ctx,
) -> Vec<TeamDecl> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for t in raw {
        if !seen.insert(t.name.get_ref().to_lowercase()) {
            cx.at(
                t.name.span(),
                format!("team `{}` is declared twice", t.name.get_ref()),
            );
        }
        if let Err(m) = crate::domain::team::TeamName::parse(t.name.get_ref()) {
            cx.at(t.name.span(), m);
        }
        let mut decl = TeamDecl::new(t.name.get_ref(), &t.role, &t.channel);
        decl.timezone = t.timezone.as_ref().and_then(|z| {
            parse_timezone(z.get_ref())
                .map_err(|m| cx.at(z.span(), format!("team `{}`: {m}", t.name.get_ref())))
                .ok()
        });
        decl.working_days = t.working_days.as_ref().and_then(|w| working_days(w, cx));
        if let Some(h) = &t.holidays {
            known_list(h, lists, cx);
            decl.holidays = Some(h.get_ref().clone());
        }
        decl.locale = t.locale.as_ref().and_then(|l| locale(l, cx));
        out.push(decl);
    }
    out
}

/// Working days at their place in the file, or a problem there.
pub(super) fn working_days(w: &Spanned<Vec<String>>, cx: &mut Ctx) -> Option<Vec<Weekday>> {
    parse_working_days(w.get_ref())
        .map_err(|m| cx.at(w.span(), m))
        .ok()
}

/// Reports a holiday list name that no `[holidays.NAME]` declares.
pub(super) fn known_list(
    name: &Spanned<String>,
    lists: &BTreeMap<String, HolidayList>,
    cx: &mut Ctx,
) {
    if lists.contains_key(name.get_ref()) {
        return;
    }
    let names: Vec<&str> = lists.keys().map(String::as_str).collect();
    let there = if names.is_empty() {
        "none is declared".to_string()
    } else {
        let meant = crate::domain::closest::closest(name.get_ref(), names.iter().copied())
            .map(|c| format!("did you mean `{c}`? "))
            .unwrap_or_default();
        format!("{meant}there are: {}", names.join(", "))
    };
    cx.at(
        name.span(),
        format!("no holiday list `{}`; declare it as [holidays.{}] with one `YYYY-MM-DD = \"name\"` line per holiday ({there})", name.get_ref(), name.get_ref()),
    );
}

fn locale(l: &Spanned<String>, cx: &mut Ctx) -> Option<String> {
    let tag = l.get_ref().trim();
    let ok = !tag.is_empty()
        && tag.len() <= 12
        && tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && tag.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    if ok {
        return Some(tag.to_string());
    }
    cx.at(
        l.span(),
        format!("locale `{tag}` is not a language tag; write one such as `de` or `pt-BR`"),
    );
    None
}

/// `[holidays.NAME]` tables of `YYYY-MM-DD = "name"`.
pub(super) fn holidays(
    raw: &BTreeMap<String, BTreeMap<String, Spanned<String>>>,
    cx: &mut Ctx,
) -> BTreeMap<String, HolidayList> {
    let mut out = BTreeMap::new();
    for (list, days) in raw {
        let mut parsed = HolidayList::new();
        for (date, name) in days {
            match NaiveDate::parse_from_str(date, "%Y-%m-%d") {
                Ok(d) => {
                    parsed.insert(d, name.get_ref().clone());
                }
                Err(_) => cx.at(
                    name.span(),
                    format!("[holidays.{list}]: `{date}` is not a date; write each holiday as `2026-12-25 = \"Christmas Day\"`"),
                ),
            }
        }
        out.insert(list.clone(), parsed);
    }
    out
}

pub(super) fn sponsors(
    raw: &BTreeMap<String, RawSponsor>,
    cx: &mut Ctx,
) -> BTreeMap<String, Sponsor> {
    let mut out = BTreeMap::new();
    for (key, s) in raw {
        if s.name.get_ref().trim().is_empty() {
            cx.at(
                s.name.span(),
                format!(
                    "[sponsors.{key}]: name is empty; write the leader's name as people know it"
                ),
            );
        }
        if let Some(a) = &s.avatar {
            if !a.get_ref().starts_with("https://") {
                cx.at(
                    a.span(),
                    format!("[sponsors.{key}]: avatar must be an https:// address of an image"),
                );
            }
        }
        out.insert(
            key.clone(),
            Sponsor {
                name: s.name.get_ref().trim().to_string(),
                title: s.title.clone(),
                avatar: s.avatar.as_ref().map(|a| a.get_ref().clone()),
            },
        );
    }
    out
}

/// `24h`, `2d` or `90m`: how long before a send something happens.
pub(super) fn lead_time(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let bad = || {
        format!(
            "`{t}` is not a lead time; write hours, days or minutes such as `24h`, `2d` or `90m`"
        )
    };
    let (n, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?);
    let n: i64 = n.parse().map_err(|_| bad())?;
    let d = match unit.trim() {
        "h" => Duration::hours(n),
        "d" => Duration::days(n),
        "m" => Duration::minutes(n),
        _ => return Err(bad()),
    };
    if d <= Duration::zero() || d > Duration::days(14) {
        return Err(format!(
            "`{t}` must be more than nothing and at most 14 days"
        ));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::lead_time;
    use chrono::Duration;

    #[test]
    fn lead_times_read_hours_days_and_minutes_and_refuse_the_rest() {
        assert_eq!(lead_time("24h"), Ok(Duration::hours(24)));
        assert_eq!(lead_time("2d"), Ok(Duration::days(2)));
        assert_eq!(lead_time("90m"), Ok(Duration::minutes(90)));
        assert!(lead_time("tomorrow")
            .unwrap_err()
            .contains("`tomorrow` is not a lead time"));
        assert!(lead_time("0h").is_err());
        assert!(lead_time("30d").is_err());
    }
}
