//! The export: one line per team and calendar week (Monday to Sunday, UTC), each with
//! that week's own figures — sentiment by source at the week's end, the people behind
//! it, the readiness in force, the ack rate of what the week sent, champions and
//! recognitions by its end — as CSV (`/report export`) or JSON (`herald export`).
//! The columns are described in the README; weeks before any data are empty.

use std::collections::HashSet;
use std::fmt::Write;

use super::weekly::{ack_share, people_until, readiness_as_of, weeks_until, Week};
use super::{LOOKBACK_DAYS, WINDOW_DAYS};
use crate::app::access::{require, Actor, Need};
use crate::app::pulse::readiness::{team_scores, TeamScore};
use crate::app::App;
use crate::domain::ids::{GuildId, MemberId};
use crate::domain::record::{day_of, rolling, Record, Signal, Source};
use crate::domain::team::Team;
use crate::error::{AppError, AppResult};
use crate::store::champions::{Champion, Recognition};

const DAY_MS: i64 = 86_400_000;

/// One line of the export: a team's week.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ExportRow {
    pub team: String,
    /// The week's Monday, `YYYY-MM-DD`.
    pub week_start: String,
    /// The week's last day: its Sunday, or the day of the export while the week runs.
    pub week_end: String,
    /// The rolling score at the week's end, −1…+1; empty when too few people contributed
    /// in the four weeks up to it, or before any signal.
    pub score: Option<f64>,
    /// Distinct people in the four weeks up to the week's end (a lower bound).
    pub contributors: i64,
    /// False when more people than `contributors` may have contributed.
    pub contributors_exact: bool,
    /// Signals dated in the week (empty when the team is not shown).
    pub signals: Option<u64>,
    pub pulse: Option<f64>,
    pub comment: Option<f64>,
    pub reaction: Option<f64>,
    pub feedback: Option<f64>,
    /// The ADKAR team score (−1…+1, held down by the barrier) of the latest readiness
    /// pulse closed by the week's end, with its element mean (1–5), barrier and date.
    pub readiness: Option<f64>,
    pub readiness_mean: Option<f64>,
    pub barrier: Option<String>,
    pub readiness_as_of: Option<String>,
    /// Updates with a Got it button sent to the team in the week.
    pub updates_sent: usize,
    /// The share of those updates' readers who acknowledged them so far (0…1).
    pub ack_rate: Option<f64>,
    /// Champions on the roster who were nominated by the week's end.
    pub champions: usize,
    /// Recognitions given in the team by the week's end.
    pub recognitions: usize,
    /// `adoption_<metric id>` for each of the plan's `[[metrics]]`: for active users the
    /// share of the team active in the week (0…1), else the week's total; empty for a
    /// team under the group minimum or a week with no figure.
    #[serde(flatten)]
    pub adoption: std::collections::BTreeMap<String, Option<f64>>,
}

fn date_of(day: i64) -> String {
    chrono::DateTime::from_timestamp(day * 86_400, 0)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// What every team's weeks are computed from, read once.
struct Stored {
    record: Record,
    signals: Vec<(Signal, String)>,
    scores: Vec<TeamScore>,
    champions: Vec<Champion>,
    recognitions: Vec<Recognition>,
    /// Sends of acknowledged items: (outbox id, team, sent at).
    sends: Vec<(i64, String, i64)>,
    adoption: Vec<MetricWeeks>,
}

/// One adoption metric's weekly figures.
struct MetricWeeks {
    metric: String,
    active_users: bool,
    /// (team, the week's Monday, value).
    weeks: Vec<(String, i64, f64)>,
}

async fn read(app: &App, guild: GuildId, first: i64) -> AppResult<Stored> {
    let ack_items: HashSet<String> = app
        .plan()
        .map(|p| {
            p.items
                .iter()
                .filter(|i| i.ack)
                .map(|i| i.id.clone())
                .collect()
        })
        .unwrap_or_default();
    let sends = app
        .store
        .sent_since(guild, first * DAY_MS)
        .await?
        .into_iter()
        .filter(|(_, item, _, _)| ack_items.contains(item))
        .map(|(id, _, team, at)| (id, team, at))
        .collect();
    let mut adoption = Vec::new();
    for m in app.plan().map(|p| p.metrics.clone()).unwrap_or_default() {
        let active = m.kind == crate::domain::adoption::MetricKind::ActiveUsers;
        let weeks = app
            .store
            .adoption_weeks(guild, &m.id, first, active)
            .await?;
        let weeks = weeks
            .into_iter()
            .map(|f| (f.team, f.day, f.value))
            .collect();
        adoption.push(MetricWeeks {
            metric: m.id,
            active_users: active,
            weeks,
        });
    }
    Ok(Stored {
        adoption,
        record: app.store.cells(guild, None, first - LOOKBACK_DAYS).await?,
        signals: app
            .store
            .signals_since(guild, (first - WINDOW_DAYS + 1) * DAY_MS)
            .await?,
        scores: team_scores(app, guild).await?,
        champions: app.store.champions(guild).await?,
        recognitions: app.store.recognitions_since(guild, 0).await?,
        sends,
    })
}

/// Every team's last `weeks` calendar weeks, oldest first, each with its own figures.
pub async fn export_rows(app: &App, guild: GuildId, weeks: i64) -> AppResult<Vec<ExportRow>> {
    let spans = weeks_until(day_of(app.now_ms()), weeks);
    let stored = read(app, guild, spans[0].start).await?;
    let mut rows = Vec::new();
    for t in app.store.list_teams(guild).await? {
        let members: HashSet<MemberId> = app
            .chat
            .role_members(guild, t.role)
            .await
            .map_err(|e| AppError::Internal(e.into()))?
            .into_iter()
            .collect();
        let mut sends = Vec::new();
        for (id, _, at) in stored.sends.iter().filter(|(_, team, _)| *team == t.name) {
            let acked = app.store.acked_by(*id).await?;
            sends.push((*at, acked.iter().filter(|m| members.contains(m)).count()));
        }
        for week in &spans {
            rows.push(row(app, &stored, &t, *week, &sends, members.len()));
        }
    }
    Ok(rows)
}

/// One team's week from what was stored.
fn row(
    app: &App,
    stored: &Stored,
    t: &Team,
    week: Week,
    sends: &[(i64, usize)],
    size: usize,
) -> ExportRow {
    let h = app.settings.sentiment_half_life_days;
    let people = people_until(&stored.signals, &t.name, week.end, Some(size as i64));
    let shown = people.n >= i64::from(app.settings.min_group_size);
    let by = |s: Option<Source>| {
        shown
            .then(|| rolling(&stored.record.team_days(&t.name, s), week.end, h))
            .flatten()
    };
    let signals = shown.then(|| {
        stored
            .record
            .team_days(&t.name, None)
            .iter()
            .filter(|(d, _)| (week.start..=week.end).contains(d))
            .map(|(_, c)| c.n)
            .sum()
    });
    let readiness = readiness_as_of(&stored.scores, &t.name, week.end);
    let adkar = readiness.and_then(|r| r.adkar);
    let (updates_sent, ack_rate) = ack_share(sends, week, size);
    let end_ms = (week.end + 1) * DAY_MS;
    ExportRow {
        team: t.name.clone(),
        week_start: date_of(week.start),
        week_end: date_of(week.end),
        score: by(None),
        contributors: people.n,
        contributors_exact: people.exact,
        signals,
        pulse: by(Some(Source::Pulse)),
        comment: by(Some(Source::Comment)),
        reaction: by(Some(Source::Reaction)),
        feedback: by(Some(Source::Feedback)),
        readiness: readiness.map(|r| r.score),
        readiness_mean: adkar.map(|(means, _)| means.iter().sum::<f64>() / 5.0),
        barrier: adkar.and_then(|(_, b)| b).map(|b| b.name().to_string()),
        readiness_as_of: readiness.map(|r| date_of(day_of(r.closed_at_ms))),
        updates_sent,
        ack_rate,
        champions: stored
            .champions
            .iter()
            .filter(|c| c.team == t.name && c.at_ms < end_ms)
            .count(),
        recognitions: stored
            .recognitions
            .iter()
            .filter(|r| r.team.as_deref() == Some(t.name.as_str()) && r.at_ms < end_ms)
            .count(),
        adoption: adoption_cells(app, stored, &t.name, week, size),
    }
}

/// The week's figure of each metric for the team (see [`ExportRow::adoption`]).
fn adoption_cells(
    app: &App,
    stored: &Stored,
    team: &str,
    week: Week,
    size: usize,
) -> std::collections::BTreeMap<String, Option<f64>> {
    let shown = size >= app.settings.min_group_size as usize;
    stored
        .adoption
        .iter()
        .map(|m| {
            let value = m
                .weeks
                .iter()
                .find(|(t, monday, _)| t == team && *monday == week.start)
                .map(|(_, _, v)| *v)
                .filter(|_| shown);
            let cell = if m.active_users {
                value.map(|v| (v / size as f64).min(1.0))
            } else {
                value
            };
            (format!("adoption_{}", m.metric), cell)
        })
        .collect()
}

fn cell(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.4}")).unwrap_or_default()
}

/// A text field, quoted when it holds a comma, a quote or a line break.
fn text(v: &str) -> String {
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v.to_string()
    }
}

/// The CSV header: the export's columns, in order.
pub const HEADER: &str = "team,week_start,week_end,score,contributors,contributors_exact,signals,pulse,comment,reaction,feedback,readiness,readiness_mean,barrier,readiness_as_of,updates_sent,ack_rate,champions,recognitions";

/// The export as CSV, one line per team and week; the metrics' columns follow
/// [`HEADER`]'s.
pub fn csv(rows: &[ExportRow]) -> String {
    let metrics: Vec<&String> = rows
        .first()
        .map(|r| r.adoption.keys().collect())
        .unwrap_or_default();
    let mut out = String::from(HEADER);
    for m in &metrics {
        out.push(',');
        out.push_str(m);
    }
    out.push('\n');
    for r in rows {
        let _ = write!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            text(&r.team),
            r.week_start,
            r.week_end,
            cell(r.score),
            r.contributors,
            r.contributors_exact,
            r.signals.map(|n| n.to_string()).unwrap_or_default(),
            cell(r.pulse),
            cell(r.comment),
            cell(r.reaction),
            cell(r.feedback),
            cell(r.readiness),
            cell(r.readiness_mean),
            r.barrier.as_deref().map(text).unwrap_or_default(),
            r.readiness_as_of.as_deref().unwrap_or_default(),
            r.updates_sent,
            cell(r.ack_rate),
            r.champions,
            r.recognitions
        );
        for v in r.adoption.values() {
            out.push(',');
            out.push_str(&cell(*v));
        }
        out.push('\n');
    }
    out
}

/// `/report export`: the CSV for change leads.
pub async fn export(app: &App, actor: &Actor) -> AppResult<String> {
    require(app, actor, Need::ChangeLead).await?;
    Ok(csv(&export_rows(app, actor.guild, 6).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csv_has_a_header_and_a_line_per_team_week() {
        let row = ExportRow {
            team: "Sales, North".into(),
            week_start: "2026-03-02".into(),
            week_end: "2026-03-08".into(),
            score: Some(0.25),
            contributors: 7,
            contributors_exact: false,
            signals: Some(12),
            pulse: None,
            comment: None,
            reaction: Some(1.0),
            feedback: None,
            readiness: Some(-0.75),
            readiness_mean: Some(3.8),
            barrier: Some("Desire".into()),
            readiness_as_of: Some("2026-03-04".into()),
            updates_sent: 1,
            ack_rate: Some(0.5),
            champions: 2,
            recognitions: 3,
            adoption: [("adoption_crm_active".to_string(), Some(0.4))].into(),
        };
        let text = csv(&[row]);
        assert_eq!(
            text.lines().next(),
            Some(format!("{HEADER},adoption_crm_active").as_str())
        );
        assert_eq!(
            text.lines().nth(1),
            Some("\"Sales, North\",2026-03-02,2026-03-08,0.2500,7,false,12,,,1.0000,,-0.7500,3.8000,Desire,2026-03-04,1,0.5000,2,3,0.4000")
        );
        let columns = |l: &str| l.split(',').count();
        assert_eq!(
            columns(HEADER) + 1,
            columns(text.lines().nth(1).unwrap()) - 1,
            "the quoted comma"
        );
    }
}
