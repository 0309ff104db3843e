//! The live figures behind a story, gathered once for every team, and who reads them:
//! a team's channel, or the change team (its `reports_channel`, or a preview with no
//! team). [`super::phrases`] puts them in words for those readers.

use chrono::Duration;
use serde_json::Value;

use super::phrases::words;
use crate::app::pulse::readiness::{adkar_history, adkar_means, team_scores};
use crate::app::App;
use crate::domain::ids::{ChannelId, GuildId};
use crate::error::AppResult;
use crate::store::champions::{Champion, Recognition, Win};

/// Who reads a story.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readers {
    /// A team's channel: that team's own figures, and the organisation's where the group
    /// rule allows; never another team's.
    Team(String),
    /// The change team: every team's figures.
    ChangeTeam,
}

impl Readers {
    /// The readers of a story for `team` posted in `channel` (the team's own channel when
    /// None): the change team when that is the plan's `reports_channel` or there is no
    /// team.
    pub async fn of(
        app: &App,
        guild: GuildId,
        team: Option<&str>,
        channel: Option<ChannelId>,
    ) -> AppResult<Self> {
        let Some(team) = team.map(str::trim).filter(|t| !t.is_empty()) else {
            return Ok(Readers::ChangeTeam);
        };
        let channel = match channel {
            Some(c) => Some(c),
            None => app
                .store
                .team_by_name(guild, team)
                .await?
                .map(|t| t.channel),
        };
        match (channel, reports_channel(app, guild).await) {
            (Some(c), Some(reports)) if c == reports => Ok(Readers::ChangeTeam),
            _ => Ok(Readers::Team(team.to_string())),
        }
    }
}

/// The change team's channel, if the plan names one the guild has. Unknown (a chat
/// error) reads as none: a team's channel then sees only its own figures.
async fn reports_channel(app: &App, guild: GuildId) -> Option<ChannelId> {
    let name = app.plan()?.campaign.reports_channel.clone();
    match app.chat.channels(guild).await {
        Ok(channels) => crate::chat::by_name(&channels, &name),
        Err(e) => {
            tracing::info!(error = %e, "could not list channels; the story shows one team's figures");
            None
        }
    }
}

/// A team's latest shown ADKAR picture.
#[derive(Debug, Clone, PartialEq)]
pub struct Readiness {
    pub team: String,
    /// Mean rating per element (1–5), in ADKAR order.
    pub means: [f64; 5],
    pub answered: usize,
}

/// A team's latest shown pulse score (−1…+1), with the ADKAR element it is lowest on
/// when the pulse was a readiness pulse: a score is never told without what holds the
/// team back (the same element the readiness figure names).
#[derive(Debug, Clone, PartialEq)]
pub struct Mood {
    pub team: String,
    pub score: f64,
    pub answered: usize,
    pub barrier: Option<crate::domain::adkar::Element>,
}

/// Every team's figures, before they are put in words for some readers.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    pub readiness: Vec<Readiness>,
    /// For the latest acknowledged item sent: (team, acknowledged, team size).
    pub acks: Vec<(String, usize, usize)>,
    pub champions: Vec<Champion>,
    /// This week's, oldest first.
    pub recognitions: Vec<Recognition>,
    /// The latest, newest first.
    pub wins: Vec<Win>,
    pub moods: Vec<Mood>,
    /// The active-users metric's label and each shown team's share active in the latest week
    /// (per cent), when the plan has such a metric.
    pub adoption: Option<(String, Vec<(String, f64)>)>,
    /// Done actions, newest first: (team, what was heard, what was done, its day).
    pub done: Vec<(String, &'static str, String, Option<i64>)>,
}

/// Wins read to find a team's latest three among everyone's.
const WINS_READ: i64 = 50;

/// Every team's live figures.
pub async fn gather(app: &App, guild: GuildId) -> AppResult<Figures> {
    let readiness = adkar_history(app, guild, |_| true)
        .await?
        .iter()
        .filter_map(|(team, h)| {
            h.last().map(|(_, g)| Readiness {
                team: team.clone(),
                means: adkar_means(g),
                answered: g.answers.len(),
            })
        })
        .collect();
    let acks = crate::app::acks::latest_item_rates(app, guild)
        .await?
        .map(|(_, rates)| rates)
        .unwrap_or_default();
    let week_ago = app.now_ms() - Duration::days(7).num_milliseconds();
    Ok(Figures {
        readiness,
        acks,
        champions: app.store.champions(guild).await?,
        recognitions: app.store.recognitions_since(guild, week_ago).await?,
        wins: app.store.wins(guild, WINS_READ).await?,
        moods: moods(app, guild).await?,
        adoption: adoption(app, guild).await?,
        done: done(app, guild).await?,
    })
}

/// The done actions, as "you said, we did" reads them.
async fn done(
    app: &App,
    guild: GuildId,
) -> AppResult<Vec<(String, &'static str, String, Option<i64>)>> {
    let plan = app.plan();
    Ok(app
        .store
        .actions(guild, None, Some("done"))
        .await?
        .into_iter()
        .filter_map(|a| {
            let heard = crate::domain::playbook::Trigger::parse(&a.trigger)?.heard();
            let title = plan
                .as_ref()
                .and_then(|p| p.playbook.play(&a.play).map(|p| p.title.clone()))
                .unwrap_or(a.play.clone());
            Some((a.team, heard, title, a.due_day))
        })
        .collect())
}

/// This week's share per shown team, as `/adoption` has it.
async fn adoption(app: &App, guild: GuildId) -> AppResult<Option<(String, Vec<(String, f64)>)>> {
    let Some(a) = crate::app::adoption::view::curves_if_declared(app, guild, 2).await? else {
        return Ok(None);
    };
    let shares = a
        .curves
        .iter()
        .filter_map(|c| c.latest().map(|s| (c.team.clone(), s)))
        .collect();
    Ok(Some((a.active.label, shares)))
}

/// The latest closed pulse score per team.
async fn moods(app: &App, guild: GuildId) -> AppResult<Vec<Mood>> {
    let mut latest: Vec<Mood> = Vec::new();
    for s in team_scores(app, guild).await? {
        let m = Mood {
            team: s.team.clone(),
            score: s.score,
            answered: s.respondents,
            barrier: s
                .adkar
                .and_then(|(means, _)| super::phrases::weakest(&means)),
        };
        match latest.iter_mut().find(|m| m.team == s.team) {
            Some(entry) => *entry = m,
            None => latest.push(m),
        }
    }
    Ok(latest)
}

/// The live figures in words for these readers.
pub async fn figures_for(app: &App, guild: GuildId, readers: &Readers) -> AppResult<Value> {
    let all = gather(app, guild).await?;
    Ok(words(&all, readers, app.settings.min_group_size as usize))
}

/// The live figures for a story told to `team` in its own channel, or to the change team
/// (no team, or a team whose channel is the `reports_channel`).
pub async fn figures(app: &App, guild: GuildId, team: Option<&str>) -> AppResult<Value> {
    let readers = Readers::of(app, guild, team, None).await?;
    figures_for(app, guild, &readers).await
}
