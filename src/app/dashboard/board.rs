//! The dashboard's figures for the teams a reader may see, from the same `app::`
//! functions as chat: the sentiment views (with their group rule and past-week gate),
//! the readiness scores of shown pulse results, acknowledgements, champions and wins.

use std::collections::{HashMap, HashSet};

use crate::app::champions::PEOPLE_PER_CHAMPION;
use crate::app::pulse::readiness::{team_scores, TeamScore};
use crate::app::sentiment::{self, TeamView};
use crate::app::App;
use crate::domain::ids::{GuildId, MemberId, RoleId};
use crate::domain::record::day_of;
use crate::error::AppResult;

/// Weeks of trend the page shows.
pub const WEEKS: i64 = 8;
const DAY_MS: i64 = 86_400_000;

/// Which teams a reader may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    Teams(Vec<String>),
}

impl Scope {
    pub fn holds(&self, team: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Teams(t) => t.iter().any(|n| n == team),
        }
    }
}

/// A readiness pulse's result for a team: the five ADKAR means and the barrier.
#[derive(Debug, Clone, PartialEq)]
pub struct Readiness {
    pub means: [f64; 5],
    pub barrier: Option<String>,
    pub respondents: usize,
    pub day: i64,
}

/// One team's row.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    pub view: TeamView,
    pub people: usize,
    pub before: Option<Readiness>,
    pub latest: Option<Readiness>,
    /// The latest acknowledged update the team got: (item, acknowledged, team size).
    pub ack: Option<(String, usize, usize)>,
    pub champions: usize,
    pub champions_needed: usize,
    pub recognitions: usize,
    pub alert: bool,
    /// The share of the team active in the new tool in the latest week (per cent), when the plan
    /// has an active-users metric and the team is large enough to show.
    pub adoption: Option<f64>,
}

/// What the page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Board {
    pub campaign: String,
    pub today: i64,
    pub go_live: Option<i64>,
    pub floor: f64,
    pub min_group: u32,
    pub panels: Vec<Panel>,
    /// Wins of the teams in scope (or of everyone), newest first: (day, title, team).
    pub wins: Vec<(i64, String, Option<String>)>,
    pub changes: Vec<String>,
    /// The active-users metric's label and its organisation-wide line (per cent), when
    /// the plan has one (the adoption column).
    pub adoption: Option<(String, f64)>,
    /// Actions scheduled or done for the teams in scope, newest first.
    pub actions: Vec<ActionLine>,
}

/// An action as the leadership view lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionLine {
    pub team: String,
    pub title: String,
    pub status: String,
    pub due: Option<i64>,
    pub effect: Option<String>,
}

fn readiness(s: &TeamScore) -> Option<Readiness> {
    let (means, barrier) = s.adkar?;
    Some(Readiness {
        means,
        barrier: barrier.map(|b| b.name().to_string()),
        respondents: s.respondents,
        day: day_of(s.closed_at_ms),
    })
}

/// The board for `scope` as of now.
pub async fn board(app: &App, guild: GuildId, scope: &Scope) -> AppResult<Board> {
    let today = day_of(app.now_ms());
    let marks = sentiment::chart_marks(app);
    let views: Vec<TeamView> = sentiment::views(app, guild, WEEKS)
        .await?
        .into_iter()
        .filter(|v| scope.holds(&v.team))
        .collect();
    let scores = team_scores(app, guild).await?;
    let champions = app.store.champions(guild).await?;
    let recognitions = app
        .store
        .recognitions_since(guild, (today - 27) * DAY_MS)
        .await?;
    let acks = latest_acks(app, guild).await?;
    let teams = app.store.list_teams(guild).await?;
    let alerts = app.store.open_alerts(guild).await?;
    let mut roles: HashMap<RoleId, HashSet<MemberId>> = HashMap::new();
    for (role, member) in app.store.stored_roles(guild).await? {
        roles.entry(role).or_default().insert(member);
    }
    let adoption = crate::app::adoption::view::curves_if_declared(app, guild, 2).await?;
    let nobody = HashSet::new();
    let mut panels = Vec::new();
    for v in views {
        let Some(t) = teams.iter().find(|t| t.name == v.team) else {
            continue;
        };
        let members = roles.get(&t.role).unwrap_or(&nobody);
        let adkar: Vec<&TeamScore> = scores
            .iter()
            .filter(|s| s.team == v.team && s.adkar.is_some())
            .collect();
        let before = marks.go_live.and_then(|g| {
            adkar
                .iter()
                .rev()
                .find(|s| day_of(s.closed_at_ms) < g)
                .and_then(|s| readiness(s))
        });
        let ack = acks
            .iter()
            .find(|(_, team, _)| *team == v.team)
            .map(|(item, _, acked)| {
                (
                    item.clone(),
                    acked.iter().filter(|m| members.contains(m)).count(),
                    members.len(),
                )
            });
        panels.push(Panel {
            people: members.len(),
            before,
            latest: adkar.last().and_then(|s| readiness(s)),
            ack,
            champions: champions.iter().filter(|c| c.team == v.team).count(),
            champions_needed: members.len().div_ceil(PEOPLE_PER_CHAMPION).max(1),
            recognitions: recognitions
                .iter()
                .filter(|r| r.team.as_deref() == Some(v.team.as_str()))
                .count(),
            alert: alerts.contains(&v.team),
            adoption: adoption
                .as_ref()
                .and_then(|a| a.curves.iter().find(|c| c.team == v.team))
                .and_then(|c| c.latest()),
            view: v,
        });
    }
    let wins = app
        .store
        .wins(guild, 20)
        .await?
        .into_iter()
        .filter(|w| w.team.as_deref().is_none_or(|t| scope.holds(t)))
        .take(5)
        .map(|w| (day_of(w.at_ms), w.title, w.team))
        .collect();
    let plan = app.plan();
    let actions = app
        .store
        .actions(guild, None, None)
        .await?
        .into_iter()
        .filter(|a| (a.status == "scheduled" || a.status == "done") && scope.holds(&a.team))
        .take(10)
        .map(|a| {
            let title = plan
                .as_ref()
                .and_then(|p| p.playbook.play(&a.play).map(|p| p.title.clone()))
                .unwrap_or(a.play.clone());
            ActionLine {
                team: a.team,
                title,
                status: a.status,
                due: a.due_day,
                effect: a.effect,
            }
        })
        .collect();
    let mut board = Board {
        actions,
        campaign: app
            .plan()
            .map(|p| p.campaign.name.clone())
            .unwrap_or_else(|| "Herald".into()),
        today,
        go_live: marks.go_live,
        floor: marks.floor,
        min_group: app.settings.min_group_size,
        panels,
        wins,
        changes: vec![],
        adoption: adoption.map(|a| {
            let line = a.active.organisation_wide();
            (a.active.label, line)
        }),
    };
    board.changes = super::changes::since_last_week(&board);
    Ok(board)
}

/// For each team, the latest acknowledged item sent to it: (item, team, who acknowledged).
async fn latest_acks(app: &App, guild: GuildId) -> AppResult<Vec<(String, String, Vec<MemberId>)>> {
    let Some(plan) = app.plan() else {
        return Ok(vec![]);
    };
    let mut out: Vec<(String, String, Vec<MemberId>)> = Vec::new();
    for item in plan.items.iter().rev().filter(|i| i.ack) {
        for row in app.store.latest_sent(guild, &item.id).await? {
            if out.iter().any(|(_, team, _)| *team == row.team) {
                continue;
            }
            let acked = app.store.acked_by(row.id).await?;
            out.push((item.id.clone(), row.team.clone(), acked));
        }
    }
    Ok(out)
}
