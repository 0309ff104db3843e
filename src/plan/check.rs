//! Cross-checks once the plan parsed: templates exist, teams and mirrors are known, and
//! every message renders for every team within Discord's limits.

use std::path::Path;

use chrono::{DateTime, Utc};

use super::limits::RenderError;
use super::render::{limit_problems, message};
use super::{Audience, Item, Known, Plan, Problem};
use crate::chat::Button;
use crate::domain::closest::or_list;
use crate::domain::words;

pub(super) fn check(
    plan: &Plan,
    file: &Path,
    _text: &str,
    known: &Known,
    problems: &mut Vec<Problem>,
) {
    let mut teams = plan.team_names();
    teams.extend(known.teams.iter().cloned());
    let team_names: Vec<&str> = teams.iter().map(String::as_str).collect();
    for item in &plan.items {
        let at = |pos: (usize, usize), message: String| Problem {
            file: file.to_path_buf(),
            line: pos.0,
            col: pos.1,
            message,
        };
        if plan.templates.broken.contains(&item.template) {
            continue; // its own problem is reported at the template
        }
        if item.schedule.needs_go_live() && plan.campaign.go_live.is_none() {
            continue; // reported at the schedule
        }
        if plan.templates.get(&item.template).is_none() {
            let names: Vec<&str> = plan.templates.map.keys().map(String::as_str).collect();
            problems.push(at(
                item.at.template,
                format!(
                    "item `{}`: no template `{}` in templates/ or stories/{}",
                    item.id,
                    item.template,
                    or_list(&item.template, &names, "there are")
                ),
            ));
            continue;
        }
        if let Audience::Teams(named) = &item.audience {
            for t in named
                .iter()
                .filter(|t| !teams.iter().any(|k| k.eq_ignore_ascii_case(t)))
            {
                problems.push(at(
                    item.at.audience,
                    format!(
                        "item `{}`: unknown team `{t}`{}",
                        item.id,
                        or_list(t, &team_names, "known teams are")
                    ),
                ));
            }
        }
        for m in item.mirror.iter().filter(|m| !known.mirrors.contains(m)) {
            problems.push(at(item.at.mirror, format!("item `{}`: unknown mirror `{m}`; configure it as [mirrors.{m}] with kind and url", item.id)));
        }
        if item.resend.is_some() && !item.ack {
            problems.push(at(item.at.template, format!("item `{}`: resend needs `ack = true` (it re-sends to teams that did not acknowledge)", item.id)));
        }
        render_for_every_team(plan, item, &teams, problems);
    }
}

/// Renders the item for each of its teams (as delivery would, with a ping and the ack
/// button) and reports the first failure.
fn render_for_every_team(plan: &Plan, item: &Item, teams: &[String], problems: &mut Vec<Problem>) {
    let Some(template) = plan.templates.get(&item.template) else {
        return;
    };
    let audience: Vec<String> = match &item.audience {
        Audience::All if teams.is_empty() => vec!["Team".to_string()],
        Audience::All => teams.to_vec(),
        Audience::Teams(t) => t.clone(),
    };
    let when = first_fire(plan, item);
    for team in &audience {
        let problem_at = |(line, col): (usize, usize), message: String| Problem {
            file: template.file.clone(),
            line,
            col,
            message,
        };
        let problem = |message: String| problem_at((template.body_line, 1), message);
        match message(plan, item, team, when) {
            // A problem minijinja can place (running out of fuel) is shown where it is.
            Err(RenderError {
                at: Some(at),
                message,
                ..
            }) => {
                let message = format!("item `{}` (team {team}): {message}", item.id);
                problems.push(problem_at(at, message));
                return;
            }
            Err(e) => {
                let needs_go_live = ["days_to_go_live", "weeks_to_go_live"]
                    .iter()
                    .any(|v| template.body.contains(v));
                let message = if plan.campaign.go_live.is_none() && needs_go_live {
                    format!(
                        "template `{}` uses days_to_go_live, but [campaign] has no go_live date",
                        item.template
                    )
                } else {
                    format!("item `{}` (team {team}): {e}", item.id)
                };
                problems.push(problem(message));
                return;
            }
            Ok(mut msg) => {
                if item.ping == super::Ping::Team {
                    msg.content = format!("<@&{}> {}", u64::MAX, msg.content);
                }
                if item.ack {
                    msg.buttons.push(Button::Action {
                        custom_id: crate::app::action::Action::Ack { row: i64::MIN }.to_string(),
                        label: "Got it".into(),
                    });
                }
                if let Some(p) = limit_problems(&msg).into_iter().next() {
                    problems.push(problem(format!("item `{}` (team {team}): {p}", item.id)));
                    return;
                }
            }
        }
    }
}

fn first_fire(plan: &Plan, item: &Item) -> DateTime<Utc> {
    let start = DateTime::<Utc>::from_timestamp(1_735_689_600, 0).unwrap_or_default();
    item.next_after(start, &plan.campaign).unwrap_or(start)
}

/// What a reader may miss although the plan works: an item to several teams with no
/// per-team "what's in it for you", a team's language with no translation.
pub(super) fn warnings(plan: &Plan, file: &Path, known: &Known) -> Vec<Problem> {
    let mut teams = plan.team_names();
    teams.extend(known.teams.iter().cloned());
    let mut out = Vec::new();
    for item in &plan.items {
        let at = |message: String| Problem {
            file: file.to_path_buf(),
            line: item.at.template.0,
            col: item.at.template.1,
            message,
        };
        if plan.templates.get(&item.template).is_none() {
            continue;
        }
        let audience = plan.audience_of(item, &teams);
        if audience.len() > 1 && !crate::app::stories::is_story(&item.template) {
            let missing: Vec<&str> = audience
                .iter()
                .copied()
                .filter(|t| !has_own_words(plan, &item.template, t))
                .collect();
            if !missing.is_empty() {
                out.push(at(format!(
                    "warning: item `{}` goes to {} but says nothing to {} in particular; add a [wiifm] table to the front matter of {} (e.g. {} = \"what changes for them\") or write {}",
                    item.id,
                    words::count(audience.len() as i64, "team", "teams"),
                    words::and_list(&missing),
                    item.template,
                    missing[0],
                    variant_name(&item.template, missing[0]),
                )));
            }
        }
        for t in plan
            .teams
            .iter()
            .filter(|t| audience.iter().any(|a| a.eq_ignore_ascii_case(&t.name)))
        {
            let Some(locale) = &t.locale else { continue };
            let translated = plan.templates.variant(&item.template, locale).is_some()
                || plan.templates.variant(&item.template, &t.name).is_some();
            if !translated {
                out.push(at(format!(
                    "warning: item `{}`: team {} reads `{locale}` but there is no {}; it gets {} instead",
                    item.id,
                    t.name,
                    variant_name(&item.template, locale),
                    item.template
                )));
            }
        }
    }
    out
}

/// Whether `team` reads words of its own for the template: a variant file or a [wiifm]
/// line under its name.
fn has_own_words(plan: &Plan, template: &str, team: &str) -> bool {
    if plan.templates.variant(template, team).is_some() {
        return true;
    }
    plan.templates
        .get(plan.template_for(template, team))
        .is_some_and(|t| t.front.wiifm.keys().any(|k| k.eq_ignore_ascii_case(team)))
}

fn variant_name(template: &str, variant: &str) -> String {
    let stem = template.strip_suffix(".md").unwrap_or(template);
    format!("{stem}.{variant}.md")
}
