//! The story figures in words, for one audience: a team's channel reads its own figures
//! and, where the group rule allows, the organisation's; the change team reads every
//! team's. No item ids, raw scores or pulse numbers; shares as people say them.

use serde_json::{json, Value};

use super::figures::{Figures, Mood, Readers, Readiness};
use crate::app::champions::ranking;
use crate::domain::adkar::{Element, ELEMENTS};
use crate::domain::words::{and_more, count, share};
use crate::plan::render::empty_story;
use crate::store::champions::{Champion, Recognition, Win};

/// At most this many teams (or people) per figure, so a story stays within Discord's limits.
pub const MAX_TEAMS: usize = 8;

/// What the organisation says beside a team's own figure.
const ACROSS: &str = "across the organisation";

/// `text` on one line, cut to `n` characters with an ellipsis.
pub fn clip(text: &str, n: usize) -> String {
    let one_line = text.replace('\n', " ");
    if one_line.chars().count() <= n {
        return one_line;
    }
    let mut s: String = one_line.chars().take(n.saturating_sub(1)).collect();
    s.push('…');
    s
}

/// An ADKAR stage and what it means: "Desire: wanting the change".
pub fn stage(e: Element) -> String {
    let meaning = match e {
        Element::Awareness => "knowing why",
        Element::Desire => "wanting the change",
        Element::Knowledge => "knowing how",
        Element::Ability => "being able to do it",
        Element::Reinforcement => "making it stick",
    };
    format!("{}: {meaning}", e.name())
}

/// How a score from −1 (worst) to +1 (best) feels, in a word or two.
pub fn mood(score: f64) -> &'static str {
    match score {
        s if s >= 0.5 => "very positive",
        s if s >= 0.15 => "mostly positive",
        s if s > -0.15 => "mixed",
        s if s > -0.5 => "mostly negative",
        _ => "very negative",
    }
}

/// Whether an organisation-wide figure may stand beside a team's own: the rest of the
/// organisation (the whole minus that team) must itself be a group of at least `min`,
/// or the two figures together would reveal a smaller group.
pub fn org_allowed(own: usize, total: usize, min: usize) -> bool {
    total.saturating_sub(own) >= min.max(1)
}

fn same(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

fn or_empty(lines: Vec<String>, key: &str) -> Value {
    if lines.is_empty() {
        empty_story()[key].clone()
    } else {
        json!(lines.join("\n"))
    }
}

/// Every story variable for these readers.
pub fn words(f: &Figures, readers: &Readers, min: usize) -> Value {
    let mut story = empty_story();
    let (readiness, readiness_team) = readiness(&f.readiness, readers, min);
    story["readiness"] = or_empty(readiness, "readiness");
    if let Some(line) = readiness_team {
        story["readiness_team"] = json!(line);
    }
    let sets: [(&str, Option<String>); 8] = [
        ("ack_rate", acks(&f.acks, readers, min)),
        ("champions", champions(&f.champions, readers)),
        ("champions_of_week", of_the_week(&f.recognitions, readers)),
        ("recognitions", recognitions(&f.recognitions, readers)),
        ("wins", wins(&f.wins, readers)),
        ("sentiment", sentiment(&f.moods, readers, min)),
        ("adoption", adoption(f.adoption.as_ref(), readers)),
        ("you_said_we_did", you_said_we_did(&f.done, readers)),
    ];
    for (key, text) in sets {
        if let Some(text) = text {
            story[key] = json!(text);
        }
    }
    if let Readers::Team(team) = readers {
        if let Some(names) = champion_names(&f.champions, team) {
            story["champion_names"] = json!(names);
        }
    }
    story
}

/// A team's champions as mentions Discord shows as names ("<@1> and <@2>"); messages go
/// out with no allowed mentions, so naming them pings nobody. None before the first.
pub fn champion_names(all: &[Champion], team: &str) -> Option<String> {
    let own: Vec<String> = all
        .iter()
        .filter(|c| same(&c.team, team))
        .map(mention)
        .collect();
    (!own.is_empty()).then(|| and_more(&own, MAX_TEAMS, "other", "others"))
}

/// "readiness is lowest on Desire: wanting the change", or high at every step.
/// The ADKAR element with the lowest mean, unless every mean is 4 or more.
pub fn weakest(means: &[f64; 5]) -> Option<Element> {
    let (i, low) = means
        .iter()
        .copied()
        .enumerate()
        .fold(
            (0, f64::MAX),
            |best, (i, m)| if m < best.1 { (i, m) } else { best },
        );
    (low < 4.0).then(|| ELEMENTS[i])
}

fn adkar_phrase(means: &[f64; 5]) -> String {
    match weakest(means) {
        None => "readiness is high at every step".into(),
        Some(e) => format!("readiness is lowest on {}", stage(e)),
    }
}

/// The means of several groups together, weighted by who answered.
fn weighted(groups: &[&Readiness]) -> Option<[f64; 5]> {
    let n: usize = groups.iter().map(|r| r.answered).sum();
    if n == 0 {
        return None;
    }
    let mut means = [0.0; 5];
    for r in groups {
        for (m, v) in means.iter_mut().zip(r.means) {
            *m += v * r.answered as f64 / n as f64;
        }
    }
    Some(means)
}

fn team_readiness(r: &Readiness, you: bool) -> String {
    let who = if you { " of you" } else { "" };
    format!(
        "In {}, {} ({}{who} answered)",
        r.team,
        adkar_phrase(&r.means),
        r.answered
    )
}

fn org_readiness(all: &[Readiness]) -> Option<String> {
    let means = weighted(&all.iter().collect::<Vec<_>>())?;
    Some(format!("Across the organisation, {}", adkar_phrase(&means)))
}

/// The readiness lines, and the line for the readers' own team.
fn readiness(all: &[Readiness], readers: &Readers, min: usize) -> (Vec<String>, Option<String>) {
    let total: usize = all.iter().map(|r| r.answered).sum();
    match readers {
        Readers::Team(team) => {
            let own = all.iter().find(|r| same(&r.team, team));
            let own_line = own.map(|r| team_readiness(r, true));
            let org = org_allowed(own.map_or(0, |r| r.answered), total, min)
                .then(|| org_readiness(all))
                .flatten();
            let first = own_line.clone().or_else(|| {
                org.is_some()
                    .then(|| format!("No readiness data yet for {team}"))
            });
            (first.into_iter().chain(org).collect(), own_line)
        }
        Readers::ChangeTeam => {
            let mut lines: Vec<String> = all.iter().map(|r| team_readiness(r, false)).collect();
            if lines.len() > MAX_TEAMS {
                let more = lines.len() - MAX_TEAMS;
                lines.truncate(MAX_TEAMS);
                lines.push(format!(
                    "… and {} (see /readiness)",
                    count(more as i64, "more team", "more teams")
                ));
            }
            let org = (all.len() > 1 && total >= min)
                .then(|| org_readiness(all))
                .flatten();
            lines.extend(org.clone());
            (lines, org)
        }
    }
}

/// "3 in 4 of you have acknowledged the latest update; across the organisation, about
/// 1 in 2 of us have" (or, for the change team, each team's count).
fn acks(all: &[(String, usize, usize)], readers: &Readers, min: usize) -> Option<String> {
    let (acked, size) = all.iter().fold((0, 0), |(a, s), (_, x, n)| (a + x, s + n));
    match readers {
        Readers::Team(team) => {
            let own = all.iter().find(|(t, _, n)| same(t, team) && *n > 0);
            let org = org_allowed(own.map_or(0, |o| o.2), size, min)
                .then(|| share(acked as u64, size as u64, "of us"));
            match (own, org) {
                (Some((_, a, n)), Some(org)) => Some(format!(
                    "{} have acknowledged the latest update; {ACROSS}, {org} have",
                    share(*a as u64, *n as u64, "of you")
                )),
                (Some((_, a, n)), None) => Some(format!(
                    "{} have acknowledged the latest update",
                    share(*a as u64, *n as u64, "of you")
                )),
                (None, Some(org)) => Some(format!(
                    "{ACROSS}, {org} have acknowledged the latest update"
                )),
                (None, None) => None,
            }
        }
        Readers::ChangeTeam => {
            let parts: Vec<String> = all
                .iter()
                .map(|(t, a, n)| format!("{a} of {n} in {t}"))
                .collect();
            let org = (all.len() > 1).then(|| format!("; {acked} of {size} {ACROSS}"));
            (!parts.is_empty()).then(|| {
                format!(
                    "{} have acknowledged the latest update{}",
                    and_more(&parts, MAX_TEAMS, "more team", "more teams"),
                    org.unwrap_or_default()
                )
            })
        }
    }
}

fn mention(c: &Champion) -> String {
    format!("<@{}>", c.member.0)
}

/// "2 champions: <@…> and <@…>; 5 across the organisation" (the change team: per team).
fn champions(all: &[Champion], readers: &Readers) -> Option<String> {
    if all.is_empty() {
        return None;
    }
    let total = count(all.len() as i64, "champion", "champions");
    match readers {
        Readers::Team(team) => {
            let own: Vec<String> = all
                .iter()
                .filter(|c| same(&c.team, team))
                .map(mention)
                .collect();
            let others = all.len() - own.len();
            let own_words = if own.is_empty() {
                format!("no champion in {team} yet")
            } else {
                format!(
                    "{}: {}",
                    count(own.len() as i64, "champion", "champions"),
                    and_more(&own, MAX_TEAMS, "more", "more")
                )
            };
            Some(if others == 0 {
                own_words
            } else {
                format!("{own_words}; {total} {ACROSS}")
            })
        }
        Readers::ChangeTeam => {
            let mut per_team: Vec<(String, usize)> = Vec::new();
            for c in all {
                match per_team.iter_mut().find(|(t, _)| *t == c.team) {
                    Some((_, n)) => *n += 1,
                    None => per_team.push((c.team.clone(), 1)),
                }
            }
            let parts: Vec<String> = per_team
                .iter()
                .map(|(t, n)| format!("{n} in {t}"))
                .collect();
            Some(format!(
                "{total}: {}",
                and_more(&parts, MAX_TEAMS, "more team", "more teams")
            ))
        }
    }
}

/// The recognitions the readers may see: their own team's, or everyone's.
fn visible<'a>(recs: &'a [Recognition], readers: &Readers) -> Vec<&'a Recognition> {
    recs.iter()
        .filter(|r| match readers {
            Readers::Team(team) => r.team.as_deref().is_some_and(|t| same(t, team)),
            Readers::ChangeTeam => true,
        })
        .collect()
}

/// "<@…> (2 recognitions) and <@…> (1 recognition)": the most recognised this week.
fn of_the_week(recs: &[Recognition], readers: &Readers) -> Option<String> {
    let team = match readers {
        Readers::Team(team) => Some(team.as_str()),
        Readers::ChangeTeam => None,
    };
    let ranked: Vec<String> = ranking(recs, team)
        .iter()
        .take(5)
        .map(|(m, n, t)| {
            let n = count(*n as i64, "recognition", "recognitions");
            match (readers, t) {
                (Readers::ChangeTeam, Some(t)) => format!("<@{}> ({t}, {n})", m.0),
                _ => format!("<@{}> ({n})", m.0),
            }
        })
        .collect();
    (!ranked.is_empty()).then(|| crate::domain::words::and_list(&ranked))
}

/// The latest five recognitions, one a line.
fn recognitions(recs: &[Recognition], readers: &Readers) -> Option<String> {
    let lines: Vec<String> = visible(recs, readers)
        .iter()
        .rev()
        .take(5)
        .map(|r| {
            format!(
                "<@{}> for {}: “{}”",
                r.member.0,
                r.value,
                clip(&r.reason, 160)
            )
        })
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// The latest three wins the readers may see: their team's and the organisation's.
fn wins(all: &[Win], readers: &Readers) -> Option<String> {
    let lines: Vec<String> = all
        .iter()
        .filter(|w| match (readers, &w.team) {
            (Readers::Team(team), Some(t)) => same(t, team),
            _ => true,
        })
        .take(3)
        .map(|w| {
            format!(
                "**{}**{}: {}",
                w.title,
                w.team
                    .as_ref()
                    .map(|t| format!(" ({t})"))
                    .unwrap_or_default(),
                clip(&w.description, 200)
            )
        })
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

fn org_mood(all: &[Mood]) -> Option<&'static str> {
    let n: usize = all.iter().map(|m| m.answered).sum();
    (n > 0).then(|| mood(all.iter().map(|m| m.score * m.answered as f64).sum::<f64>() / n as f64))
}

/// "mostly negative in Support (lowest on Desire: wanting the change)".
fn team_mood(m: &Mood) -> String {
    let barrier = m
        .barrier
        .map(|b| format!(" (lowest on {})", stage(b)))
        .unwrap_or_default();
    format!("{} in {}{barrier}", mood(m.score), m.team)
}

/// "mostly positive in Sales; mixed across the organisation".
/// "43 % of Sales in the latest week (Active in the new CRM)" for a team's own channel; every
/// shown team for the change team. Only teams large enough to show are in `all`.
fn adoption(all: Option<&(String, Vec<(String, f64)>)>, readers: &Readers) -> Option<String> {
    let (label, shares) = all?;
    match readers {
        Readers::Team(team) => {
            let (name, share) = shares.iter().find(|(t, _)| same(t, team))?;
            Some(format!(
                "{share:.0} % of {name} in the latest week ({label})"
            ))
        }
        Readers::ChangeTeam => {
            let parts: Vec<String> = shares
                .iter()
                .map(|(t, s)| format!("{t} {s:.0} %"))
                .collect();
            (!parts.is_empty()).then(|| {
                format!(
                    "{} in the latest week ({label})",
                    and_more(&parts, MAX_TEAMS, "more team", "more teams")
                )
            })
        }
    }
}

fn sentiment(all: &[Mood], readers: &Readers, min: usize) -> Option<String> {
    let total: usize = all.iter().map(|m| m.answered).sum();
    let (own, org) = match readers {
        Readers::Team(team) => {
            let own = all.iter().find(|m| same(&m.team, team));
            let org = org_allowed(own.map_or(0, |m| m.answered), total, min)
                .then(|| org_mood(all))
                .flatten();
            (own.map(team_mood), org)
        }
        Readers::ChangeTeam => {
            let parts: Vec<String> = all.iter().map(team_mood).collect();
            let org = (all.len() > 1 && total >= min)
                .then(|| org_mood(all))
                .flatten();
            (
                (!parts.is_empty()).then(|| and_more(&parts, MAX_TEAMS, "more team", "more teams")),
                org,
            )
        }
    };
    match (own, org) {
        (Some(own), Some(org)) => Some(format!("{own}; {org} {ACROSS}")),
        (Some(own), None) => Some(own),
        (None, Some(org)) => Some(format!("{org} {ACROSS}")),
        (None, None) => None,
    }
}

/// "You said the change did not feel like it was for you yet; we did this: a sponsor
/// listening session (Thu 5 Mar)." — a team's own done actions (the newest three), or
/// every team's for the change team; never a person's words.
fn you_said_we_did(
    done: &[(String, &'static str, String, Option<i64>)],
    readers: &Readers,
) -> Option<String> {
    let line = |heard: &str, title: &str, day: Option<i64>| {
        let mut title = title.to_string();
        if let Some(first) = title.get(..1) {
            title = first.to_lowercase() + &title[1..];
        }
        let when = day
            .map(|d| {
                let date = chrono::NaiveDate::default() + chrono::Duration::days(d);
                format!(" ({})", date.format("%a %-d %b"))
            })
            .unwrap_or_default();
        format!("{heard}; we did this: {title}{when}.")
    };
    let lines: Vec<String> = match readers {
        Readers::Team(team) => done
            .iter()
            .filter(|(t, ..)| same(t, team))
            .take(3)
            .map(|(_, heard, title, day)| line(heard, title, *day))
            .collect(),
        Readers::ChangeTeam => done
            .iter()
            .take(MAX_TEAMS)
            .map(|(t, heard, title, day)| format!("{t}: {}", line(heard, title, *day)))
            .collect(),
    };
    (!lines.is_empty()).then(|| lines.join("\n"))
}
