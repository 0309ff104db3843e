//! `/adoption [team] [weeks]`: each team's share of people active in the new tool week by
//! week, read against the tipping lines, with the old tool's use beside it; in words and
//! as a chart. A team smaller than `privacy.min_group_size` gets no figure.

use std::collections::HashMap;
use std::fmt::Write;

use crate::app::access::{require, Actor, Need};
use crate::app::sentiment::weekly::weeks_until;
use crate::app::App;
use crate::domain::adoption::{Metric, MetricKind};
use crate::domain::ids::GuildId;
use crate::domain::record::day_of;
use crate::error::{AppError, AppResult};
use crate::store::adoption::DayFigure;

/// One team's curve.
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    pub team: String,
    /// Members holding the team's role, as the gateway last showed them.
    pub people: i64,
    /// False when the team is smaller than the minimum group: no figure at all.
    pub shown: bool,
    /// Each week's end (the last: today) and the share active in that week, in per cent.
    pub weekly: Vec<(i64, Option<f64>)>,
    /// The latest week's active people (as [`Curve::latest`]).
    pub active: Option<f64>,
    /// The old tool's use, a day on average over the last seven days (those with a figure).
    pub legacy_per_day: Option<f64>,
}

impl Curve {
    /// The latest week's share: this week's, or last week's until this week has a figure
    /// (a nightly export sends Monday's figures on Tuesday).
    pub fn latest(&self) -> Option<f64> {
        self.weekly.iter().rev().take(2).find_map(|(_, s)| *s)
    }

    /// Since which week's end the share has stayed at or above `line` (the start of the
    /// latest run of weeks at or above it).
    pub fn crossed(&self, line: f64) -> Option<i64> {
        let mut weeks = self.weekly.iter().rev().peekable();
        // This week without a figure yet does not end the run.
        if weeks.peek().is_some_and(|(_, s)| s.is_none()) {
            weeks.next();
        }
        weeks
            .take_while(|(_, s)| s.is_some_and(|s| s >= line))
            .last()
            .map(|(d, _)| *d)
    }
}

/// Every team's curve (or one team's) for the plan's first active-users metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Adoption {
    pub active: Metric,
    pub legacy: Option<Metric>,
    pub curves: Vec<Curve>,
    pub go_live: Option<i64>,
}

/// The curves of the teams named (all when `only` is empty), for the last `weeks` weeks.
pub async fn curves(app: &App, guild: GuildId, weeks: i64, only: &[String]) -> AppResult<Adoption> {
    let plan = app
        .plan()
        .ok_or_else(|| no_metrics("Herald has no plan loaded"))?;
    let active = plan
        .metrics
        .iter()
        .find(|m| m.kind == MetricKind::ActiveUsers)
        .cloned()
        .ok_or_else(|| no_metrics("plan.toml declares no active_users metric"))?;
    let legacy = plan
        .metrics
        .iter()
        .find(|m| m.kind == MetricKind::Legacy)
        .cloned();
    let today = today_of(app);
    let spans = weeks_until(today, weeks);
    let from = spans.first().map_or(today, |w| w.start);
    let weekly = app
        .store
        .adoption_weeks(guild, &active.id, from, true)
        .await?;
    let old = match &legacy {
        Some(m) => {
            app.store
                .adoption_days(guild, &m.id, today - 6, false)
                .await?
        }
        None => vec![],
    };
    let sizes: HashMap<_, _> = app.store.role_sizes(guild).await?.into_iter().collect();
    let min = i64::from(app.settings.min_group_size);
    let mut curves = Vec::new();
    for t in app.store.list_teams(guild).await? {
        if !only.is_empty() && !only.contains(&t.name) {
            continue;
        }
        let people = sizes.get(&t.role).copied().unwrap_or(0);
        let shown = people >= min;
        let value_in = |start: i64| {
            weekly
                .iter()
                .find(|f| f.team == t.name && f.day == start)
                .map(|f| f.value)
        };
        let share = |v: f64| (people > 0).then(|| (100.0 * v / people as f64).min(100.0));
        curves.push(Curve {
            weekly: spans
                .iter()
                .map(|w| (w.end, value_in(w.start).filter(|_| shown).and_then(share)))
                .collect(),
            active: spans
                .iter()
                .rev()
                .take(2)
                .find_map(|w| value_in(w.start))
                .filter(|_| shown),
            legacy_per_day: legacy
                .as_ref()
                .filter(|_| shown)
                .and_then(|_| per_day(&old, &t.name, today - 6, today)),
            team: t.name,
            people,
            shown,
        });
    }
    let epoch = chrono::NaiveDate::default();
    Ok(Adoption {
        active,
        legacy,
        curves,
        go_live: plan.campaign.go_live.map(|d| (d - epoch).num_days()),
    })
}

/// A team's daily average from `from` to `to` (days), over the days that have a figure:
/// a nightly export has not sent today yet, and that is not a day of no use.
pub fn per_day(days: &[DayFigure], team: &str, from: i64, to: i64) -> Option<f64> {
    let mut seen = std::collections::BTreeSet::new();
    let mut sum = 0.0;
    for f in days
        .iter()
        .filter(|f| f.team == team && (from..=to).contains(&f.day))
    {
        seen.insert(f.day);
        sum += f.value;
    }
    (!seen.is_empty()).then(|| sum / seen.len() as f64)
}

/// Today in the campaign's time zone, as adoption rows are dated (UTC without a plan).
pub fn today_of(app: &App) -> i64 {
    match app.plan() {
        Some(p) => super::today(app, p.campaign.tz),
        None => day_of(app.now_ms()),
    }
}

/// [`curves`] for every team, or None when the plan declares no active-users metric
/// (what the dashboard, stories and alerts read: no metric, no adoption figure).
pub async fn curves_if_declared(
    app: &App,
    guild: GuildId,
    weeks: i64,
) -> AppResult<Option<Adoption>> {
    match curves(app, guild, weeks, &[]).await {
        Ok(a) => Ok(Some(a)),
        Err(AppError::User(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

fn no_metrics(why: &str) -> AppError {
    AppError::user(format!(
        "{why}, so there is no adoption figure yet. Declare [[metrics]] in plan.toml (see the README's Adoption figures) and send figures to /api/v1/adoption."
    ))
}

/// `/adoption [team] [weeks]`: a manager's own team, or every team for change leads.
pub async fn show(
    app: &App,
    actor: &Actor,
    team: Option<&str>,
    weeks: i64,
) -> AppResult<(String, Adoption)> {
    let only = match team {
        Some(t) => {
            require(app, actor, Need::Manager).await?;
            vec![crate::app::sentiment::allowed_team(app, actor, t, "adoption").await?]
        }
        None => {
            require(app, actor, Need::ChangeLead).await?;
            vec![]
        }
    };
    let a = curves(app, actor.guild, weeks, &only).await?;
    let min = app.settings.min_group_size;
    let people = match (only.first(), a.curves.first()) {
        (Some(team), Some(c)) if only.len() == 1 && c.shown => {
            let spans = app
                .store
                .adoption_person_spans(actor.guild, &a.active.id, team)
                .await?;
            let today = today_of(app);
            crate::domain::adoption::people(&spans, today - (today + 3).rem_euclid(7))
        }
        _ => None,
    };
    let mut text = format!(
        "**Adoption — {}** (share of each team, week by week)\n",
        a.active.label
    );
    if team.is_none() {
        if let Some(line) = overall(&a) {
            let _ = writeln!(text, "{line}");
        }
    }
    for c in &a.curves {
        let _ = writeln!(text, "• {}", words(c, &a, min));
    }
    if let Some(p) = people {
        let _ = writeln!(text, "  {}", people_words(&p));
    }
    Ok((text, a))
}

/// Every shown team together in the latest week, against the licences bought when the metric says
/// how many (`licensed`), else against the shown teams' people. Teams too small to show
/// are left out of both, so no difference can isolate them.
fn overall(a: &Adoption) -> Option<String> {
    let shown: Vec<&Curve> = a.curves.iter().filter(|c| c.shown).collect();
    let active: f64 = shown.iter().filter_map(|c| c.active).sum();
    let people: i64 = shown.iter().map(|c| c.people).sum();
    if shown.len() < 2 || people == 0 {
        return None;
    }
    Some(match a.active.licensed {
        Some(l) => format!(
            "Overall: {:.0} % of the {l} licences ({:.0} people active in the latest week in the teams shown)",
            (100.0 * active / l as f64).min(100.0),
            active
        ),
        None => format!(
            "Overall: {:.0} % ({:.0} of {people} people in the teams shown)",
            100.0 * active / people as f64,
            active
        ),
    })
}

/// "Of the 9 people seen using it, half had started by the week of 16 Feb; 2 have lapsed
/// (active before, not in the last two weeks)."
fn people_words(p: &crate::domain::adoption::People) -> String {
    let lapsed = match p.lapsed {
        0 => "none has lapsed".to_string(),
        1 => "1 has lapsed (active before, not in the last two weeks)".to_string(),
        n => format!("{n} have lapsed (active before, not in the last two weeks)"),
    };
    format!(
        "Of the {} seen using it, half had started by the week of {}; {lapsed}.",
        crate::domain::words::count(p.seen as i64, "person", "people"),
        crate::chart::short_date(p.half_started_by)
    )
}

/// "Sales: 42 % (5 of 12), past 40 % (organisation-wide) since the week to 18 Jan; Old
/// reports opened: 30 a day over the last week", or why there is no figure.
pub fn words(c: &Curve, a: &Adoption, min: u32) -> String {
    if !c.shown {
        return format!(
            "{}: not shown — {} people in the team, fewer than {min}",
            c.team, c.people
        );
    }
    let Some(share) = c.latest() else {
        return format!("{}: no figure in the last two weeks", c.team);
    };
    let mut s = format!(
        "{}: {:.0} % ({} of {})",
        c.team,
        share,
        c.active.map_or(0.0, |v| v.round()),
        c.people
    );
    let lines = a.active.tipping_lines();
    match lines.iter().rev().find(|(line, _)| share >= *line) {
        Some((line, name)) => {
            if let Some(day) = c.crossed(*line) {
                let _ = write!(
                    s,
                    ", past {line:.0} % ({name}) since the week to {}",
                    crate::chart::short_date(day)
                );
            }
        }
        None => {
            let _ = write!(
                s,
                ", below the {:.0} % where early adopters are crossed",
                lines[0].0
            );
        }
    }
    if let (Some(m), Some(per_day)) = (&a.legacy, c.legacy_per_day) {
        if per_day > 0.0 {
            let _ = write!(s, "; {}: {:.0} a day over the last week", m.label, per_day);
        }
    }
    s
}
