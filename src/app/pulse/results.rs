//! A closed pulse's results, per team and for the change team, under the group rule:
//! a team's figures appear only when at least `privacy.min_group_size` answered; teams
//! below it are merged into "other teams" when that merged group is large enough; and
//! the all-teams figure is left out when subtracting the shown teams would isolate a
//! smaller group.

use std::fmt::Write;

use super::{load, Pulse};
use crate::app::access::{require, Actor, Need};
use crate::app::App;
use crate::domain::adkar::{TeamAdkar, ELEMENTS};
use crate::domain::enps::enps;
use crate::domain::ids::MemberId;
use crate::domain::poll::{decode, QuestionKind, QuestionSet, SetKind};
use crate::domain::privacy::{visibility, Visibility};
use crate::domain::sentiment;
use crate::error::{AppError, AppResult};
use crate::store::pulses::PulseTeam;

/// The answers of one group (a team, "other teams", or everyone).
#[derive(Debug, Clone, Default)]
pub struct Group {
    pub name: String,
    pub invited: i64,
    pub answers: Vec<Vec<u8>>,
    pub comments: Vec<String>,
    /// The keyed hash of each comment's ballot, in the order of `comments`.
    pub comment_keys: Vec<String>,
    /// The ballots' keyed hashes, in the order of `answers` (counted as contributors).
    pub keys: Vec<String>,
    /// Only for pulses that are not anonymous.
    pub people: Vec<(MemberId, Vec<u8>, Option<String>)>,
}

/// Everything needed to show a pulse's results.
#[derive(Debug, Clone)]
pub struct Results {
    pub pulse: Pulse,
    pub teams: Vec<Group>,
    pub visible: Visibility,
    pub min: usize,
    /// The previous closed pulse of the same set, and its team groups.
    pub previous: Option<(i64, Vec<Group>)>,
    /// Proper names masked before a comment is scored (teams, channels, the product).
    pub names: Vec<String>,
}

async fn groups(app: &App, pulse: &Pulse, teams: &[PulseTeam]) -> AppResult<Vec<Group>> {
    let ballots = app.store.ballots(pulse.id()).await?;
    let mut out: Vec<Group> = teams
        .iter()
        .map(|t| Group {
            name: t.name.clone(),
            invited: t.members_at_open,
            ..Group::default()
        })
        .collect();
    for b in ballots {
        let (Some(g), Some(answers)) = (
            out.iter_mut().find(|g| g.name == b.team),
            decode(&b.answers),
        ) else {
            continue;
        };
        if !pulse.set.valid(&answers) {
            continue;
        }
        if let Some(c) = &b.comment {
            g.comments.push(c.clone());
            g.comment_keys.push(b.ballot_key.clone());
        }
        if let Some(m) = b.member {
            g.people.push((m, answers.clone(), b.comment.clone()));
        }
        g.answers.push(answers);
        g.keys.push(b.ballot_key.clone());
    }
    Ok(out)
}

/// Computes a pulse's results (whether or not it is closed).
pub async fn compute(app: &App, pulse: Pulse) -> AppResult<Results> {
    let teams = app.store.pulse_teams(pulse.id()).await?;
    let groups_now = groups(app, &pulse, &teams).await?;
    let min = app.settings.min_group_size as usize;
    let counts: Vec<(String, usize)> = groups_now
        .iter()
        .map(|g| (g.name.clone(), g.answers.len()))
        .collect();
    let previous = match app
        .store
        .recent_pulses(pulse.row.guild, 50)
        .await?
        .into_iter()
        .find(|p| {
            p.set_id == pulse.row.set_id
                && p.closed_at_ms.is_some()
                && p.opened_at_ms < pulse.row.opened_at_ms
        }) {
        Some(p) => {
            let prev = load(app, p.id).await?;
            let teams = app.store.pulse_teams(p.id).await?;
            Some((p.id, groups(app, &prev, &teams).await?))
        }
        None => None,
    };
    let names = crate::app::sentiment::names::proper_names(app, pulse.row.guild).await?;
    Ok(Results {
        visible: visibility(&counts, min),
        pulse,
        teams: groups_now,
        min,
        previous,
        names,
    })
}

fn pct(n: usize, of: i64) -> String {
    if of <= 0 {
        return "–".into();
    }
    let p = (n as f64 * 100.0 / of as f64).round() as i64;
    let health = if p >= 70 {
        "healthy"
    } else if p >= 50 {
        "fair"
    } else {
        "low: below 50 % needs action"
    };
    format!("{p} %, {health}")
}

/// "+0.40" or "−0.20" (a true minus sign), with `decimals` places.
pub(crate) fn signed(v: f64, decimals: usize) -> String {
    format!("{:+.*}", decimals, v).replace('-', "−")
}

fn distribution(counts: &[(u8, usize)], label: impl Fn(u8) -> String) -> String {
    counts
        .iter()
        .map(|(v, n)| format!("{}:{n}", label(*v)))
        .collect::<Vec<_>>()
        .join(" ")
}

pub(super) fn column(answers: &[Vec<u8>], i: usize) -> Vec<u8> {
    answers.iter().filter_map(|a| a.get(i).copied()).collect()
}

pub(super) fn adkar_of(answers: &[Vec<u8>]) -> TeamAdkar {
    let ratings: Vec<[u8; 5]> = answers
        .iter()
        .filter_map(|a| <[u8; 5]>::try_from(a.as_slice()).ok())
        .collect();
    TeamAdkar::of(&ratings)
}

/// The figures of one group, without its heading.
pub fn figures(set: &QuestionSet, g: &Group) -> String {
    let mut text = String::new();
    for (i, q) in set.questions.iter().enumerate() {
        let stats = q.stats(&column(&g.answers, i));
        let name = match q.element {
            Some(e) => e.name().to_string(),
            None => format!("Q{} {}", i + 1, q.text.chars().take(60).collect::<String>()),
        };
        match &q.kind {
            QuestionKind::Nps => {
                if let Some(e) = enps(&column(&g.answers, i)) {
                    let _ = writeln!(
                        text,
                        "{name}: eNPS {} ({} promoters · {} passives · {} detractors), mean {:.2}",
                        signed(e.score, 0),
                        e.promoters,
                        e.passives,
                        e.detractors,
                        stats.mean.unwrap_or(0.0)
                    );
                }
                let _ = writeln!(text, "  {}", distribution(&stats.counts, |v| v.to_string()));
            }
            QuestionKind::Likert => {
                let _ = writeln!(
                    text,
                    "{name}: mean {:.2} · {}",
                    stats.mean.unwrap_or(0.0),
                    distribution(&stats.counts, |v| v.to_string())
                );
            }
            QuestionKind::Choice(_) | QuestionKind::YesNo => {
                let _ = writeln!(
                    text,
                    "{name}: {}",
                    distribution(&stats.counts, |v| q.label(v))
                );
            }
        }
    }
    if set.kind == SetKind::Adkar {
        let a = adkar_of(&g.answers);
        let parts: Vec<String> = ELEMENTS
            .iter()
            .zip(a.barriers)
            .map(|(e, n)| format!("{} {n}", e.name()))
            .chain([format!("none {}", a.no_barrier)])
            .collect();
        let _ = writeln!(text, "Barrier points: {}", parts.join(" · "));
        if let Some(b) = a.team_barrier() {
            let _ = writeln!(text, "Main barrier: {}", b.name());
        }
    }
    text
}

/// "Since pulse #2: …" for scales, when the earlier group was shown too.
fn change(set: &QuestionSet, now: &Group, before: &Group, before_id: i64) -> Option<String> {
    let mut parts = Vec::new();
    for (i, q) in set.questions.iter().enumerate() {
        let (a, b) = (column(&now.answers, i), column(&before.answers, i));
        let name = q
            .element
            .map(|e| e.name().to_string())
            .unwrap_or_else(|| format!("Q{}", i + 1));
        match q.kind {
            QuestionKind::Nps => {
                if let (Some(x), Some(y)) = (enps(&a), enps(&b)) {
                    parts.push(format!("eNPS {}", signed(x.score - y.score, 0)));
                }
            }
            QuestionKind::Likert => {
                if let (Some(x), Some(y)) = (q.stats(&a).mean, q.stats(&b).mean) {
                    parts.push(format!("{name} {}", signed(x - y, 2)));
                }
            }
            _ => {}
        }
    }
    (!parts.is_empty()).then(|| format!("Since pulse #{before_id}: {}", parts.join(" · ")))
}

/// A shown team's comments, ordered by their ballots' keyed hashes: random for each
/// pulse (nothing to do with who answered when) and the same on every retry of a post.
pub(super) fn comments(g: &Group, names: &[String]) -> String {
    let mut ordered: Vec<(&String, &String)> = g.comment_keys.iter().zip(&g.comments).collect();
    ordered.sort();
    let mut text = String::new();
    if !ordered.is_empty() {
        text.push_str("Comments (in random order):\n");
    }
    for (_, c) in ordered {
        let one_line = c.replace('\n', " ");
        let _ = writeln!(
            text,
            "> {one_line} — _{}_",
            sentiment::label_masked(c, names).name()
        );
    }
    text
}

/// Comments of withheld teams are never quoted, even merged: their words can name their
/// team ("invoices" points at Finance), and that team is below the minimum. Only how many
/// there were, and their tone, is told.
fn withheld_comments(g: &Group, names: &[String]) -> String {
    if g.comments.is_empty() {
        return String::new();
    }
    let (mut pos, mut neg) = (0, 0);
    for c in &g.comments {
        match sentiment::label_masked(c, names) {
            sentiment::Label::Positive => pos += 1,
            sentiment::Label::Negative => neg += 1,
            sentiment::Label::Neutral => {}
        }
    }
    let n = g.comments.len();
    let noun = if n == 1 { "comment" } else { "comments" };
    format!(
        "{n} {noun} from these teams ({pos} positive, {neg} negative, {} neutral) not quoted: their words could point to a team below the minimum.\n",
        n - pos - neg
    )
}

impl Results {
    pub fn shown(&self, team: &str) -> bool {
        self.visible.shown.iter().any(|t| t == team)
    }

    /// Each shown team's ADKAR barrier point (an ADKAR set only): the team, the element,
    /// its mean and how many answered.
    pub fn barriers(&self) -> Vec<(String, crate::domain::adkar::Element, f64, usize)> {
        if self.pulse.set.kind != crate::domain::poll::SetKind::Adkar {
            return vec![];
        }
        self.teams
            .iter()
            .filter(|g| self.shown(&g.name))
            .filter_map(|g| {
                let a = adkar_of(&g.answers);
                let e = a.team_barrier()?;
                let i = crate::domain::adkar::ELEMENTS
                    .iter()
                    .position(|x| *x == e)?;
                Some((g.name.clone(), e, a.means[i], a.respondents))
            })
            .collect()
    }

    fn section(&self, g: &Group) -> String {
        let mut text = format!(
            "**{}** — {} of {} answered ({})\n",
            g.name,
            g.answers.len(),
            g.invited,
            pct(g.answers.len(), g.invited)
        );
        text.push_str(&figures(&self.pulse.set, g));
        let earlier = self.previous.as_ref().and_then(|(id, groups)| {
            groups
                .iter()
                .find(|p| p.name == g.name && p.answers.len() >= self.min)
                .map(|p| (*id, p))
        });
        if let Some(line) = earlier.and_then(|(id, p)| change(&self.pulse.set, g, p, id)) {
            let _ = writeln!(text, "{line}");
        }
        text.push_str(&comments(g, &self.names));
        text
    }

    /// The withheld teams as one group: figures, and of its comments only their count.
    fn merged_section(&self, hidden: &[&Group]) -> String {
        let mut merged = merge("Other teams combined", hidden);
        let told = withheld_comments(&merged, &self.names);
        merged.comments.clear();
        merged.comment_keys.clear();
        format!("{}{told}", self.section(&merged))
    }

    fn withheld_line(&self, g: &Group) -> String {
        format!(
            "**{}** — {} of {} answered ({}). Results withheld: fewer than {} answers could not stay anonymous.\n",
            g.name,
            g.answers.len(),
            g.invited,
            pct(g.answers.len(), g.invited),
            self.min
        )
    }

    fn header(&self) -> String {
        format!("**Results of pulse {}**\n", self.pulse.label())
    }

    /// What a team's channel gets.
    pub fn for_team(&self, team: &str) -> String {
        let Some(g) = self.teams.iter().find(|g| g.name == team) else {
            return String::new();
        };
        let body = if self.shown(team) {
            self.section(g)
        } else {
            self.withheld_line(g)
        };
        format!("{}{body}", self.header())
    }

    /// What the change team's channel gets: every team, merged small teams, everyone.
    pub fn for_change_team(&self) -> String {
        let answered: usize = self.teams.iter().map(|g| g.answers.len()).sum();
        let invited: i64 = self.teams.iter().map(|g| g.invited).sum();
        let mut text = format!(
            "{}Answered: {answered} of {invited} ({})\n\n",
            self.header(),
            pct(answered, invited)
        );
        for g in &self.teams {
            if self.shown(&g.name) {
                text.push_str(&self.section(g));
            } else {
                text.push_str(&self.withheld_line(g));
            }
            text.push('\n');
        }
        let hidden: Vec<&Group> = self.teams.iter().filter(|g| !self.shown(&g.name)).collect();
        if self.visible.others_combined {
            text.push_str(&self.merged_section(&hidden));
            text.push('\n');
        }
        if self.visible.overall && self.teams.len() > 1 {
            let all: Vec<&Group> = self.teams.iter().collect();
            let mut merged = merge("All teams", &all);
            merged.comments.clear();
            merged.comment_keys.clear();
            text.push_str(&self.section(&merged));
        } else if self.teams.len() > 1 {
            text.push_str("No all-teams figure: with the teams shown above it would reveal the answers of a group smaller than the minimum.\n");
        }
        text
    }

    /// Who answered what (pulses that are not anonymous; change leads only).
    pub fn people(&self) -> String {
        let mut text = String::from("**Who answered what**\n");
        for g in &self.teams {
            for (m, answers, comment) in &g.people {
                let labels: Vec<String> = self
                    .pulse
                    .set
                    .questions
                    .iter()
                    .zip(answers)
                    .map(|(q, a)| q.label(*a))
                    .collect();
                let _ = writeln!(
                    text,
                    "• <@{}> ({}): {}{}",
                    m.0,
                    g.name,
                    labels.join(", "),
                    comment
                        .as_ref()
                        .map(|c| format!(" — “{c}”"))
                        .unwrap_or_default()
                );
            }
        }
        text
    }
}

fn merge(name: &str, groups: &[&Group]) -> Group {
    Group {
        name: name.into(),
        invited: groups.iter().map(|g| g.invited).sum(),
        answers: groups.iter().flat_map(|g| g.answers.clone()).collect(),
        comments: groups.iter().flat_map(|g| g.comments.clone()).collect(),
        comment_keys: groups.iter().flat_map(|g| g.comment_keys.clone()).collect(),
        keys: groups.iter().flat_map(|g| g.keys.clone()).collect(),
        people: vec![],
    }
}

/// `/pulse results pulse [team]`.
pub async fn show(app: &App, actor: &Actor, pulse: &str, team: Option<&str>) -> AppResult<String> {
    require(app, actor, Need::Manager).await?;
    let pulse = load(app, super::parse_id(pulse)?).await?;
    if pulse.row.guild != actor.guild {
        return Err(AppError::user(format!(
            "There is no pulse #{} in this server.",
            pulse.id()
        )));
    }
    let lead = require(app, actor, Need::ChangeLead).await.is_ok();
    if pulse.is_open(app.now_ms()) && (pulse.row.anonymous || !lead) {
        return Err(AppError::user(format!(
            "Pulse {} is still open; its results come after it closes <t:{}:R>.",
            pulse.label(),
            pulse.row.closes_at_ms / 1000
        )));
    }
    let teams = app.store.pulse_teams(pulse.id()).await?;
    let mine: Vec<&PulseTeam> = teams
        .iter()
        .filter(|t| lead || actor.roles.iter().any(|(r, _)| *r == t.role))
        .collect();
    let results = compute(app, pulse).await?;
    match team {
        Some(name) => {
            let t = teams
                .iter()
                .find(|t| t.name.eq_ignore_ascii_case(name.trim()))
                .ok_or_else(|| {
                    AppError::user(format!(
                        "Pulse {} did not go to a team `{}`.",
                        results.pulse.label(),
                        name.trim()
                    ))
                })?;
            if !mine.iter().any(|m| m.name == t.name) {
                return Err(AppError::user(format!(
                    "Managers see the results of their own teams; you are not in {}.",
                    t.name
                )));
            }
            Ok(with_reply_hint(
                results.for_team(&t.name),
                results.pulse.id(),
            ))
        }
        None if lead => {
            let mut text = results.for_change_team();
            if !results.pulse.row.anonymous {
                text.push('\n');
                text.push_str(&results.people());
            }
            Ok(with_reply_hint(text, results.pulse.id()))
        }
        None => {
            if mine.is_empty() {
                return Err(AppError::user(
                    "This pulse did not go to any of your teams.",
                ));
            }
            let text = mine
                .iter()
                .map(|t| results.for_team(&t.name))
                .collect::<Vec<_>>()
                .join("\n");
            Ok(with_reply_hint(text, results.pulse.id()))
        }
    }
}

/// Under results that quote comments: how to reply to one.
fn with_reply_hint(text: String, pulse: i64) -> String {
    if !text.contains("Comments (in random order):") {
        return text;
    }
    format!(
        "{text}\nTo reply to a comment: `/pulse reply pulse:{pulse} team:TEAM comment:N text:…`, N counting that team's comments from 1 in the order above. Its author reads your reply by direct message and may answer once; Herald never tells either of you who the other is."
    )
}

#[cfg(test)]
#[path = "results_tests.rs"]
pub(super) mod tests;
