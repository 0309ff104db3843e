//! The communication plan as code: `messages/plan.toml` and `messages/templates/*.md`.
//!
//! [`load`] reads and checks everything in one pass and returns either a [`Plan`] or every
//! [`Problem`] found, each located as `file:line:col` like a compiler's.

pub mod calendar;
mod check;
pub mod limits;
mod markdown;
mod metrics;
mod people;
mod playbook;
pub mod polls;
pub mod preview;
mod raw;
mod recover;
pub mod render;
pub mod template;

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::domain::schedule::Schedule;
pub use template::Templates;

/// One thing wrong with a plan, at a place in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file.display(),
            self.line,
            self.col,
            self.message
        )
    }
}

#[derive(Debug, Clone)]
pub struct Campaign {
    pub name: String,
    pub tz: Tz,
    pub go_live: Option<NaiveDate>,
    /// Where Herald reports failed or skipped sends (a channel name).
    pub reports_channel: String,
    /// How late a send may be and still go out.
    pub grace: Duration,
    /// Every team's working days and holiday list, unless a team sets its own.
    pub working_days: Option<Vec<chrono::Weekday>>,
    pub holidays: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phase {
    pub number: u32,
    pub name: String,
}

/// A team declared in the plan by role and channel name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamDecl {
    pub name: String,
    pub role: String,
    pub channel: String,
    /// The team's own time zone; the campaign's when unset.
    pub timezone: Option<Tz>,
    pub working_days: Option<Vec<chrono::Weekday>>,
    /// The name of a `[holidays.NAME]` list.
    pub holidays: Option<String>,
    /// A language tag such as `de`: templates `NAME.de.md` are used when they exist.
    pub locale: Option<String>,
}

impl TeamDecl {
    /// A team with a name, role and channel and every other setting the campaign's.
    pub fn new(name: &str, role: &str, channel: &str) -> Self {
        Self {
            name: name.into(),
            role: role.into(),
            channel: channel.into(),
            timezone: None,
            working_days: None,
            holidays: None,
            locale: None,
        }
    }
}

/// A leader an item can be sent as: shown as the embed's author.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sponsor {
    pub name: String,
    pub title: Option<String>,
    pub avatar: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    All,
    Teams(Vec<String>),
}

/// What happens to a send that is later than the grace period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Misfire {
    Skip,
    FireOnce,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ping {
    None,
    Team,
}

/// Re-send once to teams still under `below` (a fraction) after `after_hours`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Resend {
    pub after_hours: u32,
    pub below: f64,
}

/// Where an item's keys are in `plan.toml` (line, column), for later checks.
#[derive(Debug, Clone, Copy, Default)]
pub struct ItemPositions {
    pub template: (usize, usize),
    pub audience: (usize, usize),
    pub mirror: (usize, usize),
    pub sponsor: (usize, usize),
}

#[derive(Debug, Clone)]
pub struct Item {
    pub at: ItemPositions,
    pub id: String,
    pub template: String,
    pub audience: Audience,
    pub schedule: Schedule,
    pub schedule_text: String,
    pub phase: Option<u32>,
    pub misfire: Misfire,
    pub ack: bool,
    pub ping: Ping,
    pub mirror: Vec<String>,
    pub resend: Option<Resend>,
    /// Optional bounds for a recurring item: it fires only within `[from, until]`.
    pub from: Option<Schedule>,
    pub until: Option<Schedule>,
    /// What a send on a team's day off does.
    pub on_holiday: calendar::OnHoliday,
    /// The `[sponsors.NAME]` the item is sent as.
    pub sponsor: Option<String>,
    /// How long before each team's send its managers get a briefing.
    pub brief_managers: Option<Duration>,
}

impl Item {
    /// The item's first firing strictly after `after`, within its bounds, in the
    /// campaign's time zone.
    pub fn next_after(&self, after: DateTime<Utc>, campaign: &Campaign) -> Option<DateTime<Utc>> {
        self.next_after_in(after, campaign.tz, campaign.go_live)
    }

    /// As [`Item::next_after`], in the time zone `tz` (a team's own).
    pub fn next_after_in(
        &self,
        after: DateTime<Utc>,
        tz: Tz,
        go_live: Option<NaiveDate>,
    ) -> Option<DateTime<Utc>> {
        let bound = |s: &Option<Schedule>| {
            s.as_ref()
                .and_then(|s| s.next_after(DateTime::<Utc>::MIN_UTC, tz, go_live))
        };
        let start = bound(&self.from).map_or(after, |f| after.max(f - Duration::seconds(1)));
        let next = self.schedule.next_after(start, tz, go_live)?;
        match bound(&self.until) {
            Some(until) if next > until => None,
            _ => Some(next),
        }
    }

    /// Every firing in `(from, to]`, at most `limit`, in the campaign's time zone.
    pub fn between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        campaign: &Campaign,
        limit: usize,
    ) -> Vec<DateTime<Utc>> {
        self.between_in(from, to, campaign.tz, campaign.go_live, limit)
    }

    /// As [`Item::between`], in the time zone `tz`.
    pub fn between_in(
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
            match self.next_after_in(cursor, tz, go_live) {
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

/// A recurring pulse: a question set sent to teams on a schedule, open for some hours.
#[derive(Debug, Clone)]
pub struct PulseItem {
    pub id: String,
    pub set: String,
    pub audience: Audience,
    pub schedule: Schedule,
    pub open_hours: u32,
    pub anonymous: bool,
    /// Hours before close at which non-respondents are reminded.
    pub reminders: Vec<u32>,
}

/// Who the weekly leadership digest goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestReader {
    /// Members holding the sponsor role (`roles.sponsor`).
    Sponsors,
    /// Members holding the change lead role.
    ChangeLeads,
}

/// `[digest]`: the weekly leadership digest, a direct message to each reader.
#[derive(Debug, Clone)]
pub struct Digest {
    pub schedule: Schedule,
    pub schedule_text: String,
    pub readers: Vec<DigestReader>,
}

impl Digest {
    /// The digest's firings in `(from, to]`, at most `limit`, in the campaign's zone.
    pub fn between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        campaign: &Campaign,
        limit: usize,
    ) -> Vec<DateTime<Utc>> {
        let mut out = Vec::new();
        let mut cursor = from;
        while out.len() < limit {
            match self
                .schedule
                .next_after(cursor, campaign.tz, campaign.go_live)
            {
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

/// Reminders before a pulse closes, in hours, unless the plan says otherwise.
pub const DEFAULT_REMINDERS: [u32; 2] = [24, 4];

#[derive(Debug, Clone)]
pub struct Plan {
    pub dir: PathBuf,
    pub polls: std::collections::BTreeMap<String, crate::domain::poll::QuestionSet>,
    pub pulses: Vec<PulseItem>,
    pub campaign: Campaign,
    pub phases: Vec<Phase>,
    pub teams: Vec<TeamDecl>,
    pub items: Vec<Item>,
    pub templates: Templates,
    /// `[holidays.NAME]` lists.
    pub holidays: std::collections::BTreeMap<String, calendar::HolidayList>,
    /// `[sponsors.NAME]`.
    pub sponsors: std::collections::BTreeMap<String, Sponsor>,
    /// What `plan check` warns about: the plan works, but a reader may miss something.
    pub warnings: Vec<Problem>,
    /// `[digest]`, when the plan has one.
    pub digest: Option<Digest>,
    /// `[[metrics]]`: the adoption figures Herald takes in.
    pub metrics: Vec<crate::domain::adoption::Metric>,
    /// `playbook.toml`: what Herald proposes when it sees a team turning.
    pub playbook: crate::domain::playbook::Playbook,
    /// Item id → its place in `items` (the first, if an id is repeated).
    pub item_index: std::collections::HashMap<String, usize>,
}

impl Plan {
    /// The item with `id`, by its index (a render asks for its item: a plan of 100,000
    /// items is checked by rendering each).
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.item_index
            .get(id)
            .and_then(|i| self.items.get(*i))
            .filter(|i| i.id == id)
    }

    pub fn phase(&self, number: u32) -> Option<&Phase> {
        self.phases.iter().find(|p| p.number == number)
    }

    /// The team names an item goes to, given every team Herald knows.
    pub fn audience_of<'a>(&self, item: &'a Item, all_teams: &'a [String]) -> Vec<&'a str> {
        match &item.audience {
            Audience::All => all_teams.iter().map(String::as_str).collect(),
            Audience::Teams(t) => t.iter().map(String::as_str).collect(),
        }
    }

    /// The template `team` reads for `name`: `NAME.TEAM.md`, else `NAME.LOCALE.md` for
    /// the team's locale, else `name` itself.
    pub fn template_for<'a>(&'a self, name: &'a str, team: &str) -> &'a str {
        let locale = self
            .teams
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(team))
            .and_then(|t| t.locale.as_deref());
        self.templates
            .variant(name, team)
            .or_else(|| locale.and_then(|l| self.templates.variant(name, l)))
            .unwrap_or(name)
    }

    /// The declared teams' names, in plan order.
    pub fn team_names(&self) -> Vec<String> {
        self.teams.iter().map(|t| t.name.clone()).collect()
    }
}

/// Kotter's eight stages: the default campaign phases.
pub fn kotter_phases() -> Vec<Phase> {
    [
        "Create urgency",
        "Build a guiding coalition",
        "Form a strategic vision",
        "Communicate the vision",
        "Remove obstacles",
        "Generate short-term wins",
        "Consolidate gains",
        "Anchor in the culture",
    ]
    .iter()
    .enumerate()
    .map(|(i, n)| Phase {
        number: i as u32 + 1,
        name: n.to_string(),
    })
    .collect()
}

/// What the surroundings know that a plan may refer to.
#[derive(Debug, Clone, Default)]
pub struct Known {
    /// Mirror names configured in `mirrors.*`.
    pub mirrors: Vec<String>,
    /// Teams that exist besides those the plan declares (added with `/team add`).
    pub teams: Vec<String>,
}

/// Reads and checks the plan in `dir`; every problem at once, or the plan.
pub fn load(dir: &Path, known: &Known) -> Result<Plan, Vec<Problem>> {
    let plan_file = dir.join("plan.toml");
    let text = std::fs::read_to_string(&plan_file).map_err(|e| {
        vec![Problem {
            file: plan_file.clone(),
            line: 1,
            col: 1,
            message: format!("cannot read the plan: {e}"),
        }]
    })?;
    let (templates, mut problems) =
        template::load_with_stories(&dir.join("templates"), Some(&dir.join("stories")));
    let (polls, poll_problems) = polls::load(&dir.join("polls"));
    problems.extend(poll_problems);
    let mut plan = raw::parse(&plan_file, &text, dir, templates, polls, &mut problems);
    if let Some(plan) = &mut plan {
        plan.playbook = playbook::load(dir, &plan.templates, &mut problems);
        check::check(plan, &plan_file, &text, known, &mut problems);
        plan.warnings = check::warnings(plan, &plan_file, known);
    }
    match plan {
        Some(p) if problems.is_empty() => Ok(p),
        _ => {
            problems.sort_by(|a, b| (&a.file, a.line, a.col).cmp(&(&b.file, b.line, b.col)));
            Err(problems)
        }
    }
}

/// `line:col` (1-based) of a byte offset.
/// Where each line of a text starts, for many 1-based (line, column) look-ups in one
/// pass: a plan of 100,000 items asks for three positions per item.
pub(crate) struct LineIndex {
    starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    pub(crate) fn new(text: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self {
            starts,
            len: text.len(),
        }
    }

    /// The same answer as [`line_col`], in O(log lines).
    pub(crate) fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.len);
        let line = self.starts.partition_point(|&s| s <= offset);
        (line, offset - self.starts[line - 1] + 1)
    }
}

pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map(|i| i + 1).unwrap_or(0) + 1;
    (line, col)
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod reading_tests;

#[cfg(test)]
mod beside_tests;
