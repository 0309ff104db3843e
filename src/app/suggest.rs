//! Autocomplete: what Herald offers while a person types an option (plan items, pulses,
//! question sets, stories, teams), only what they may act on, within Discord's limits.

use super::access::{require, Actor, Need};
use super::App;
use crate::plan::{self, Audience, Plan};
use crate::store::pulses::PulseRow;

/// Discord shows at most 25 choices.
pub const MAX_CHOICES: usize = 25;
/// A choice's name and a string value each take at most 100 characters.
pub const MAX_LEN: usize = 100;

/// One choice: what the person reads, and what Herald receives if they pick it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub name: String,
    pub value: String,
}

impl Choice {
    /// A choice with its name cut to Discord's 100 characters (ending "…").
    fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        let name: String = name.into();
        let name = if name.chars().count() > MAX_LEN {
            let cut: String = name.chars().take(MAX_LEN - 1).collect();
            format!("{}…", cut.trim_end())
        } else {
            name
        };
        Self {
            name,
            value: value.into(),
        }
    }
}

/// The candidates whose name or value contains what was typed (any case), the first 25;
/// values too long for Discord are left out (no id Herald makes is that long).
fn matching(typed: &str, candidates: impl IntoIterator<Item = Choice>) -> Vec<Choice> {
    let typed = typed.trim().to_lowercase();
    candidates
        .into_iter()
        .filter(|c| c.value.chars().count() <= MAX_LEN && !c.value.is_empty())
        .filter(|c| {
            c.name.to_lowercase().contains(&typed) || c.value.to_lowercase().contains(&typed)
        })
        .take(MAX_CHOICES)
        .collect()
}

async fn may(app: &App, actor: &Actor, need: Need) -> bool {
    require(app, actor, need).await.is_ok()
}

/// The running plan, for a change lead (what the plan names is theirs to pick).
async fn lead_plan(app: &App, actor: &Actor) -> Option<std::sync::Arc<Plan>> {
    let plan = app.plan()?;
    may(app, actor, Need::ChangeLead).await.then_some(plan)
}

/// Plan items for a change lead: "kickoff — Atlas goes live on 2 March" (id and first
/// line). `all` adds the word `all` first (pause and resume take it).
pub async fn items(app: &App, actor: &Actor, typed: &str, all: bool) -> Vec<Choice> {
    let Some(plan) = lead_plan(app, actor).await else {
        return vec![];
    };
    let everything = all.then(|| Choice::new("all — every plan send", "all"));
    let typed_lower = typed.trim().to_lowercase();
    let by_id = plan
        .items
        .iter()
        .filter(|i| i.id.to_lowercase().contains(&typed_lower))
        .take(MAX_CHOICES)
        .map(|i| Choice::new(format!("{} — {}", i.id, first_line(&plan, i, app)), &i.id));
    matching(typed, everything.into_iter().chain(by_id))
}

/// An item's first line as its first team reads it now.
fn first_line(plan: &Plan, item: &plan::Item, app: &App) -> String {
    let team = match &item.audience {
        Audience::Teams(t) => t.first().cloned(),
        Audience::All => plan.teams.first().map(|t| t.name.clone()),
    }
    .unwrap_or_default();
    plan::render::message(plan, item, &team, app.shared_now())
        .map(|m| plan::render::first_line(&m))
        .unwrap_or_else(|_| item.template.clone())
}

/// What a pulse is picked for: closing (open ones, change leads) or results (closed ones,
/// managers and change leads).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PulseUse {
    Close,
    Results,
}

/// Pulses: "#3 Atlas readiness check (adkar) · open until Wed 4 Mar 17:00".
pub async fn pulses(app: &App, actor: &Actor, typed: &str, use_: PulseUse) -> Vec<Choice> {
    let need = match use_ {
        PulseUse::Close => Need::ChangeLead,
        PulseUse::Results => Need::Manager,
    };
    if !may(app, actor, need).await {
        return vec![];
    }
    let Ok(rows) = app.store.recent_pulses(actor.guild, 100).await else {
        return vec![];
    };
    let now = app.now_ms();
    let tz = app.plan().map_or(chrono_tz::UTC, |p| p.campaign.tz);
    let wanted = rows.into_iter().filter(|p| {
        let open = p.closed_at_ms.is_none() && p.closes_at_ms > now;
        (use_ == PulseUse::Close) == open
    });
    let typed = typed.trim().trim_start_matches('#');
    matching(typed, wanted.map(|p| pulse_choice(&p, now, tz)))
}

fn pulse_choice(p: &PulseRow, now: i64, tz: chrono_tz::Tz) -> Choice {
    let when = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .unwrap_or_default()
            .with_timezone(&tz)
            .format("%a %-d %b %H:%M")
            .to_string()
    };
    let state = match p.closed_at_ms {
        Some(at) => format!("closed {}", when(at)),
        None if p.closes_at_ms <= now => "closing now".to_string(),
        None => format!("open until {}", when(p.closes_at_ms)),
    };
    let name = format!("#{} {} ({}) · {state}", p.id, p.title, p.set_id);
    Choice::new(name, p.id.to_string())
}

/// Question sets for `/pulse start`: "adkar — ADKAR readiness check".
pub async fn sets(app: &App, actor: &Actor, typed: &str) -> Vec<Choice> {
    let Some(plan) = lead_plan(app, actor).await else {
        return vec![];
    };
    let all = plan
        .polls
        .values()
        .map(|s| Choice::new(format!("{} — {}", s.id, s.name), &s.id));
    matching(typed, all)
}

/// Story templates for `/story post`: the file names in `messages/stories/`.
pub async fn stories(app: &App, actor: &Actor, typed: &str) -> Vec<Choice> {
    let Some(plan) = lead_plan(app, actor).await else {
        return vec![];
    };
    let all = plan
        .templates
        .map
        .keys()
        .filter_map(|k| k.strip_prefix("stories/"))
        .map(|f| f.trim_end_matches(".md").to_string())
        .map(|f| Choice::new(f.clone(), f));
    matching(typed, all)
}

/// Which teams an option offers: every team, or those the person leads (a change lead:
/// all; a manager: their own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TeamScope {
    Any,
    Mine,
}

/// Teams by name.
pub async fn teams(app: &App, actor: &Actor, typed: &str, scope: TeamScope) -> Vec<Choice> {
    let Ok(teams) = app.store.list_teams(actor.guild).await else {
        return vec![];
    };
    let lead = scope == TeamScope::Any || may(app, actor, Need::ChangeLead).await;
    let mine = teams
        .into_iter()
        .filter(|t| lead || actor.roles.iter().any(|(r, _)| *r == t.role))
        .map(|t| Choice::new(t.name.clone(), t.name));
    matching(typed, mine)
}

/// A comma-separated list of teams, for a change lead: the names before the last comma are
/// kept and the one being typed is completed (`all` is offered while the list is empty).
pub async fn team_list(app: &App, actor: &Actor, typed: &str) -> Vec<Choice> {
    if !may(app, actor, Need::ChangeLead).await {
        return vec![];
    }
    let Ok(teams) = app.store.list_teams(actor.guild).await else {
        return vec![];
    };
    let names: Vec<String> = teams.into_iter().map(|t| t.name).collect();
    matching("", listed(typed, &names))
}

/// The completions of `typed`'s last name among `names`, each the whole list so far.
fn listed(typed: &str, names: &[String]) -> Vec<Choice> {
    let (kept, current) = match typed.rsplit_once(',') {
        Some((before, last)) => (before, last),
        None => ("", typed),
    };
    let kept: Vec<&str> = kept
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .collect();
    let current = current.trim().to_lowercase();
    let taken = |n: &str| kept.iter().any(|k| k.eq_ignore_ascii_case(n));
    let all = kept.is_empty().then(|| "all".to_string());
    all.into_iter()
        .chain(names.iter().filter(|n| !taken(n)).cloned())
        .filter(|n| n.to_lowercase().contains(&current))
        .map(|n| {
            let list = kept
                .iter()
                .copied()
                .chain([n.as_str()])
                .collect::<Vec<_>>()
                .join(", ");
            Choice::new(list.clone(), list)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_team_list_completes_its_last_name_and_keeps_the_others() {
        let names: Vec<String> = ["Sales", "Support", "Finance"].map(String::from).into();
        let values = |typed: &str| -> Vec<String> {
            listed(typed, &names).into_iter().map(|c| c.value).collect()
        };
        assert_eq!(values(""), ["all", "Sales", "Support", "Finance"]);
        assert_eq!(values("s"), ["Sales", "Support"]);
        assert_eq!(values("Sales, su"), ["Sales, Support"]);
        assert_eq!(values("sales,"), ["sales, Support", "sales, Finance"]);
        assert!(
            values("Sales, Support, Finance, ").is_empty(),
            "nothing left to add"
        );
    }

    #[test]
    fn a_long_name_is_cut_to_a_hundred_characters_with_an_ellipsis() {
        let c = Choice::new("x".repeat(150), "id");
        assert_eq!(c.name.chars().count(), 100);
        assert!(c.name.ends_with('…'));
    }

    #[test]
    fn typing_filters_by_name_or_value_in_any_case_and_keeps_twenty_five() {
        let many = (0..40).map(|i| Choice::new(format!("Item {i}"), format!("item-{i}")));
        assert_eq!(matching("", many.clone()).len(), 25);
        let got = matching("ITEM-3", many);
        let values: Vec<&str> = got.iter().map(|c| c.value.as_str()).collect();
        assert_eq!(
            values,
            [
                "item-3", "item-30", "item-31", "item-32", "item-33", "item-34", "item-35",
                "item-36", "item-37", "item-38", "item-39"
            ]
        );
    }

    #[test]
    fn a_value_longer_than_discord_takes_is_never_offered() {
        let c = vec![Choice::new("long", "v".repeat(101)), Choice::new("ok", "v")];
        assert_eq!(matching("", c), vec![Choice::new("ok", "v")]);
    }
}
