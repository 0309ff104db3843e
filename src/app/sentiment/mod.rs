//! The running sentiment record per team: signals from closed pulses, pulse comments,
//! reactions to Herald's messages and opt-in feedback channels (scored on arrival, the
//! text dropped); views that show a team only with enough distinct contributors; one
//! alert per episode in the change team's channel; exports (in [`export`]).

pub mod export;
pub mod names;
pub mod people;
pub mod weekly;

use std::fmt::Write;

use super::access::{require, Actor, Need};
use super::pulse::readiness::normalised;
use super::pulse::results::{signed, Results};
use super::App;
use crate::chat::OutMessage;
use crate::domain::ids::{ChannelId, GuildId, MemberId, MessageId, RoleId};
use crate::domain::people::People;
use crate::domain::record::{
    arrow, day_of, decide, rolling, AlertRule, Cell, Decision, Record, Signal, Source, SOURCES,
};
use crate::domain::sentiment::compound_masked;
use crate::domain::words::count;
use crate::error::{AppError, AppResult};

/// Days of signals a view reads (the rolling score fades them out well before).
const LOOKBACK_DAYS: i64 = 180;
/// The window whose distinct contributors decide whether a team may be shown.
pub const WINDOW_DAYS: i64 = 28;

/// Stores signals and checks the teams they touch for an alert.
pub async fn ingest(
    app: &App,
    guild: GuildId,
    signals: &[Signal],
    origin: Option<&str>,
) -> anyhow::Result<()> {
    if signals.is_empty() || !app.store.add_signals(guild, signals, origin).await? {
        return Ok(());
    }
    evaluate_teams(app, guild, signals).await
}

/// Stores the one signal of an event that counts once, keyed by `event` (a keyed hash of
/// its Discord ids): of several instances that received it, the first stores it and checks
/// the team; the rest do nothing.
async fn ingest_event(
    app: &App,
    guild: GuildId,
    signal: Signal,
    event: &str,
) -> anyhow::Result<()> {
    if !app.store.add_event_signal(guild, &signal, event).await? {
        super::once::handled_elsewhere(app, signal.source.name());
        return Ok(());
    }
    evaluate_teams(app, guild, std::slice::from_ref(&signal)).await
}

async fn evaluate_teams(app: &App, guild: GuildId, signals: &[Signal]) -> anyhow::Result<()> {
    let mut teams: Vec<&str> = signals.iter().map(|s| s.team.as_str()).collect();
    teams.sort();
    teams.dedup();
    for team in teams {
        evaluate(app, guild, team).await?;
    }
    Ok(())
}

/// A closed pulse's answers (normalised) and comments (VADER), for the teams whose
/// results were shown; once per pulse.
pub async fn from_pulse(app: &App, results: &Results, closed_ms: i64) -> anyhow::Result<()> {
    let mut signals = Vec::new();
    for g in results.teams.iter().filter(|g| results.shown(&g.name)) {
        for (answers, key) in g.answers.iter().zip(&g.keys) {
            if let Some(score) = normalised(&results.pulse.set, std::slice::from_ref(answers)) {
                signals.push(Signal {
                    team: g.name.clone(),
                    source: Source::Pulse,
                    score,
                    contributor: key.clone(),
                    at_ms: closed_ms,
                });
            }
        }
        // A comment comes from the same (unknown) person as its ballot.
        for (c, key) in g.comments.iter().zip(&g.comment_keys) {
            signals.push(Signal {
                team: g.name.clone(),
                source: Source::Comment,
                score: compound_masked(c, &results.names),
                contributor: key.clone(),
                at_ms: closed_ms,
            });
        }
    }
    let origin = format!("pulse:{}", results.pulse.id());
    ingest(app, results.pulse.row.guild, &signals, Some(&origin)).await
}

/// A reaction to one of Herald's messages in a team channel: counted once per message,
/// member and emoji, however often it is removed and added again.
pub async fn reaction(
    app: &App,
    guild: GuildId,
    channel: ChannelId,
    message: MessageId,
    member: MemberId,
    emoji: &str,
) -> anyhow::Result<()> {
    let Some(score) = app
        .settings
        .reaction_scores
        .iter()
        .find(|(e, _)| e == emoji)
        .map(|(_, s)| *s)
    else {
        return Ok(());
    };
    let Some(team) = app
        .store
        .list_teams(guild)
        .await?
        .into_iter()
        .find(|t| t.channel == channel)
    else {
        return Ok(());
    };
    let s = Signal {
        team: team.name,
        source: Source::Reaction,
        score,
        contributor: app.key.contributor(guild, member),
        at_ms: app.now_ms(),
    };
    let event = app
        .key
        .event("reaction", &[guild.0, message.0, member.0], emoji);
    ingest_event(app, guild, s, &event).await
}

/// A message in a channel: scored if the channel is an opt-in feedback channel, once per
/// message. The text is scored here and dropped; only the score is kept.
pub async fn feedback(
    app: &App,
    guild: GuildId,
    channel_name: &str,
    message: MessageId,
    member: MemberId,
    roles: &[RoleId],
    text: &str,
) -> anyhow::Result<()> {
    if !app
        .settings
        .feedback_channels
        .iter()
        .any(|c| c.eq_ignore_ascii_case(channel_name))
        || text.trim().is_empty()
    {
        return Ok(());
    }
    let Some(team) = app
        .store
        .list_teams(guild)
        .await?
        .into_iter()
        .find(|t| roles.contains(&t.role))
    else {
        return Ok(());
    };
    let names = names::proper_names(app, guild).await?;
    let s = Signal {
        team: team.name,
        source: Source::Feedback,
        score: compound_masked(text, &names),
        contributor: app.key.contributor(guild, member),
        at_ms: app.now_ms(),
    };
    // A message id is no member id, but Discord names its author to anyone who asks:
    // the key is hashed like the rest.
    let event = app.key.event("feedback", &[guild.0, message.0], "");
    ingest_event(app, guild, s, &event).await
}

/// A team's figures on a day.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamView {
    pub team: String,
    /// Distinct people in the window, as far as keyed hashes can tell (a lower bound).
    pub contributors: People,
    /// False when fewer than `privacy.min_group_size` people contributed in the window.
    pub shown: bool,
    pub score: Option<f64>,
    pub four_weeks_ago: Option<f64>,
    /// Per source: the rolling score and the signals in the window.
    pub by_source: Vec<(Source, Option<f64>, u64)>,
    /// The rolling score at the end of each of the last weeks, oldest first.
    pub weekly: Vec<(i64, Option<f64>)>,
}

fn window_count(record: &Record, team: &str, source: Source, today: i64) -> u64 {
    record
        .team_days(team, Some(source))
        .iter()
        .filter(|(d, _)| *d > today - WINDOW_DAYS && *d <= today)
        .map(|(_, c)| c.n)
        .sum()
}

/// The view of one team from a record already read.
pub async fn team_view(
    app: &App,
    guild: GuildId,
    record: &Record,
    team: &str,
    weeks: i64,
) -> AppResult<TeamView> {
    let today = day_of(app.now_ms());
    let contributors = people::team_people(app, guild, team, today - WINDOW_DAYS + 1).await?;
    let mut v = [view_of(app, record, team, weeks, contributors)];
    hide_thin_weeks(app, guild, &mut v).await?;
    let [v] = v;
    Ok(v)
}

/// Blanks each past figure (a week's score, the score four weeks ago) that rested on
/// fewer than `privacy.min_group_size` people in its own four weeks: enough people
/// today must not reveal a week when few spoke. The current week goes by today's count.
async fn hide_thin_weeks(app: &App, guild: GuildId, views: &mut [TeamView]) -> AppResult<()> {
    let today = day_of(app.now_ms());
    let min = i64::from(app.settings.min_group_size);
    let Some(first) = views.first() else {
        return Ok(());
    };
    let mut ends: Vec<i64> = first
        .weekly
        .iter()
        .map(|(d, _)| *d)
        .filter(|d| *d < today)
        .collect();
    ends.push(today - WINDOW_DAYS);
    let past = people::thin_weeks(app, guild, &ends, min).await?;
    let thin = |end: i64, team: &str| past.contains(&(end, team.to_string()));
    for v in views.iter_mut() {
        for (day, score) in v.weekly.iter_mut() {
            if *day < today && thin(*day, &v.team) {
                *score = None;
            }
        }
        if thin(today - WINDOW_DAYS, &v.team) {
            v.four_weeks_ago = None;
        }
    }
    Ok(())
}

/// The view of one team from a record and its contributor count.
fn view_of(app: &App, record: &Record, team: &str, weeks: i64, contributors: People) -> TeamView {
    let today = day_of(app.now_ms());
    let h = app.settings.sentiment_half_life_days;
    let days = record.team_days(team, None);
    TeamView {
        team: team.to_string(),
        contributors,
        shown: contributors.n >= i64::from(app.settings.min_group_size),
        score: rolling(&days, today, h),
        four_weeks_ago: rolling(&days, today - WINDOW_DAYS, h),
        by_source: SOURCES
            .iter()
            .map(|s| {
                (
                    *s,
                    rolling(&record.team_days(team, Some(*s)), today, h),
                    window_count(record, team, *s, today),
                )
            })
            .collect(),
        weekly: weekly(&days, today, weeks, h),
    }
}

/// Every team's view (teams Herald knows, in name order), without the breakdown by
/// source: what the overview shows, read as one row per team and day.
pub async fn views(app: &App, guild: GuildId, weeks: i64) -> AppResult<Vec<TeamView>> {
    let today = day_of(app.now_ms());
    let h = app.settings.sentiment_half_life_days;
    let totals = app.store.daily_totals(guild, today - LOOKBACK_DAYS).await?;
    let counts = people::people(app, guild, None, today - WINDOW_DAYS + 1).await?;
    let min = i64::from(app.settings.min_group_size);
    let mut by_team: std::collections::HashMap<&str, Vec<(i64, Cell)>> = Default::default();
    for (team, day, n, sum) in &totals {
        by_team.entry(team.as_str()).or_default().push((
            *day,
            Cell {
                n: *n as u64,
                sum: *sum,
                ..Cell::default()
            },
        ));
    }
    let mut all: Vec<TeamView> = app
        .store
        .list_teams(guild)
        .await?
        .iter()
        .map(|t| {
            let days = by_team
                .get(t.name.as_str())
                .map(Vec::as_slice)
                .unwrap_or_default();
            let contributors = counts
                .iter()
                .find(|(name, _)| *name == t.name)
                .map(|(_, p)| *p)
                .unwrap_or_default();
            TeamView {
                team: t.name.clone(),
                contributors,
                shown: contributors.n >= min,
                score: rolling(days, today, h),
                four_weeks_ago: rolling(days, today - WINDOW_DAYS, h),
                by_source: vec![],
                weekly: weekly(days, today, weeks, h),
            }
        })
        .collect();
    hide_thin_weeks(app, guild, &mut all).await?;
    Ok(all)
}

/// The rolling score at the end of each of the last calendar weeks (Monday to Sunday;
/// the last one ends today), as the export has them.
fn weekly(days: &[(i64, Cell)], today: i64, weeks: i64, h: f64) -> Vec<(i64, Option<f64>)> {
    weekly::weeks_until(today, weeks)
        .into_iter()
        .map(|w| (w.end, rolling(days, w.end, h)))
        .collect()
}

/// What a team's chart is read against: the plan's go-live day and the alert floor.
pub fn chart_marks(app: &App) -> crate::chart::Marks {
    let epoch = chrono::NaiveDate::default();
    crate::chart::Marks {
        go_live: app
            .plan()
            .and_then(|p| p.campaign.go_live)
            .map(|d| (d - epoch).num_days()),
        floor: app.settings.sentiment_alert_floor,
    }
}

/// "Support: −0.42 ↓ (−0.61 over 4 weeks), 23 contributors" or why it is not shown.
pub fn headline(v: &TeamView, min: u32) -> String {
    if !v.shown {
        return format!(
            "{}: not shown — {} in the last 4 weeks, fewer than {min}",
            v.team,
            if v.contributors.exact {
                v.contributors.describe()
            } else {
                format!(
                    "Herald can count only {}",
                    v.contributors.describe().trim_start_matches("at least ")
                )
            }
        );
    }
    match v.score {
        None => format!("{}: no sentiment data yet", v.team),
        Some(s) => {
            let change = v.four_weeks_ago.map(|b| s - b);
            format!(
                "{}: {} {}{}, {}",
                v.team,
                signed(s, 2),
                arrow(change.unwrap_or(0.0)),
                change
                    .map(|c| format!(" ({} over 4 weeks)", signed(c, 2)))
                    .unwrap_or_default(),
                v.contributors.describe()
            )
        }
    }
}

/// The team `actor` may see `what` of (its name as Herald knows it): any team for change
/// leads, their own for managers.
pub(crate) async fn allowed_team(
    app: &App,
    actor: &Actor,
    team: &str,
    what: &str,
) -> AppResult<String> {
    let lead = require(app, actor, Need::ChangeLead).await.is_ok();
    let t = app
        .store
        .list_teams(actor.guild)
        .await?
        .into_iter()
        .find(|t| t.name.eq_ignore_ascii_case(team.trim()))
        .ok_or_else(|| {
            AppError::user(format!(
                "There is no team `{}`; `/team list` shows them.",
                team.trim()
            ))
        })?;
    if !lead && !actor.roles.iter().any(|(r, _)| *r == t.role) {
        return Err(AppError::user(format!(
            "Managers see the {what} of their own teams; change leads see every team."
        )));
    }
    Ok(t.name)
}

/// `/sentiment team [weeks]`: the score, trend, breakdown by source and weekly history.
pub async fn show(
    app: &App,
    actor: &Actor,
    team: &str,
    weeks: i64,
) -> AppResult<(String, TeamView)> {
    require(app, actor, Need::Manager).await?;
    let name = allowed_team(app, actor, team, "sentiment").await?;
    let today = day_of(app.now_ms());
    let record = app
        .store
        .cells(actor.guild, Some(&name), today - LOOKBACK_DAYS)
        .await?;
    let v = team_view(app, actor.guild, &record, &name, weeks).await?;
    let mut text = format!(
        "**Sentiment — {}**\n",
        headline(&v, app.settings.min_group_size)
    );
    if v.shown {
        for (s, score, n) in &v.by_source {
            let _ = writeln!(
                text,
                "• {}: {} ({} in 4 weeks)",
                s.name(),
                score
                    .map(|s| signed(s, 2))
                    .unwrap_or_else(|| "no data".into()),
                count(*n as i64, "signal", "signals")
            );
        }
        let weekly: Vec<String> = v
            .weekly
            .iter()
            .map(|(_, s)| s.map(|s| signed(s, 2)).unwrap_or_else(|| "–".into()))
            .collect();
        let _ = writeln!(text, "Week by week: {}", weekly.join(" → "));
    }
    Ok((text, v))
}

/// `/sentiment` without a team: every team in a short table (the heat map goes with it).
pub async fn overview(app: &App, actor: &Actor, weeks: i64) -> AppResult<(String, Vec<TeamView>)> {
    require(app, actor, Need::ChangeLead).await?;
    let all = views(app, actor.guild, weeks).await?;
    let mut text = String::from("**Sentiment by team** (rolling score, −1 to +1)\n");
    for v in &all {
        let _ = writeln!(text, "• {}", headline(v, app.settings.min_group_size));
    }
    Ok((text, all))
}

/// Checks one team against the alert rule and posts one alert per episode.
pub async fn evaluate(app: &App, guild: GuildId, team: &str) -> anyhow::Result<()> {
    let today = day_of(app.now_ms());
    let h = app.settings.sentiment_half_life_days;
    let record = app
        .store
        .cells(guild, Some(team), today - LOOKBACK_DAYS)
        .await?;
    let days = record.team_days(team, None);
    let (now, week_ago) = (rolling(&days, today, h), rolling(&days, today - 7, h));
    let rule = AlertRule {
        drop: app.settings.sentiment_alert_drop,
        floor: app.settings.sentiment_alert_floor,
    };
    let open = app.store.alert_open(guild, team).await?;
    let decision = decide(now, week_ago, open, rule);
    tracing::debug!(
        team,
        ?now,
        ?week_ago,
        open,
        ?decision,
        "sentiment alert rule"
    );
    match decision {
        Decision::Nothing => Ok(()),
        Decision::Recovered => Ok(app
            .store
            .set_alert(guild, team, false, app.now_ms())
            .await?),
        Decision::Alert(reason) => {
            let contributors =
                people::team_people(app, guild, team, today - WINDOW_DAYS + 1).await?;
            if contributors.n < i64::from(app.settings.min_group_size) {
                return Ok(()); // too few people to speak about this team
            }
            let moved = SOURCES
                .iter()
                .filter_map(|s| {
                    let d = record.team_days(team, Some(*s));
                    let change = rolling(&d, today, h)? - rolling(&d, today - 7, h).unwrap_or(0.0);
                    Some((*s, change))
                })
                .min_by(|a, b| a.1.total_cmp(&b.1));
            let text = format!(
                "⚠️ **{team}**: sentiment needs attention — {reason}.{} See `/sentiment {team}`.",
                moved
                    .map(|(s, c)| format!(
                        " The source that moved most: {} ({} in 7 days).",
                        s.name(),
                        signed(c, 2)
                    ))
                    .unwrap_or_default()
            );
            // Claim the episode first: of several evaluations at once, one posts.
            if !app.store.claim_alert(guild, team, app.now_ms()).await? {
                return Ok(());
            }
            let posted = match app
                .reports_channel(guild)
                .await
                .map_err(anyhow::Error::from)
            {
                Ok(Some(channel)) => app
                    .chat
                    .post(channel, &OutMessage::text(text))
                    .await
                    .map(|_| ())
                    .map_err(anyhow::Error::from),
                Ok(None) => Ok(()),
                Err(e) => Err(e),
            };
            if let Err(e) = posted {
                // Not said, so not an episode yet: the next signal tries again.
                app.store
                    .set_alert(guild, team, false, app.now_ms())
                    .await?;
                return Err(e);
            }
            let episode = format!("sentiment-{}", app.now_ms());
            let trigger = crate::domain::playbook::Trigger::Sentiment;
            let seen = format!("sentiment needs attention — {reason}");
            crate::app::actions::propose(app, guild, team, trigger, &episode, &seen).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_team_with_too_few_contributors_is_named_but_not_scored() {
        let v = TeamView {
            team: "Finance".into(),
            contributors: People { n: 3, exact: true },
            shown: false,
            score: Some(-0.9),
            four_weeks_ago: None,
            by_source: vec![],
            weekly: vec![],
        };
        let line = headline(&v, 5);
        assert!(
            line.contains("not shown — 3 contributors in the last 4 weeks")
                && !line.contains("0.9"),
            "{line}"
        );
    }
}
