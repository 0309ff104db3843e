//! The export: one line per team and week — sentiment by source, readiness, ack rate
//! and champions — as CSV (`/report export`) or JSON (`herald export`).

use std::fmt::Write;

use super::{team_view, LOOKBACK_DAYS};
use crate::app::access::{require, Actor, Need};
use crate::app::App;
use crate::domain::ids::GuildId;
use crate::domain::record::{day_of, rolling, Source};
use crate::error::AppResult;

/// One line of the export: a team's week.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ExportRow {
    pub team: String,
    /// The week's last day, `YYYY-MM-DD`.
    pub week: String,
    /// Empty when the team is not shown (too few contributors) or has no data.
    pub score: Option<f64>,
    pub contributors: i64,
    pub pulse: Option<f64>,
    pub comment: Option<f64>,
    pub reaction: Option<f64>,
    pub feedback: Option<f64>,
    pub readiness_mean: Option<f64>,
    pub ack_rate: Option<f64>,
    pub champions: usize,
}

fn date_of(day: i64) -> String {
    chrono::DateTime::from_timestamp(day * 86_400, 0)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// Every team's last `weeks` weeks, with its latest readiness mean, ack rate and champions.
pub async fn export_rows(app: &App, guild: GuildId, weeks: i64) -> AppResult<Vec<ExportRow>> {
    let today = day_of(app.now_ms());
    let h = app.settings.sentiment_half_life_days;
    let record = app.store.cells(guild, None, today - LOOKBACK_DAYS).await?;
    let readiness = crate::app::pulse::readiness::adkar_history(app, guild, |_| true).await?;
    let champions = app.store.champions(guild).await?;
    let acks = latest_ack_rates(app, guild).await?;
    let mut rows = Vec::new();
    for t in app.store.list_teams(guild).await? {
        let v = team_view(app, guild, &record, &t.name, weeks).await?;
        let readiness_mean = readiness
            .iter()
            .find(|(n, _)| *n == t.name)
            .and_then(|(_, h)| h.last())
            .map(|(_, g)| {
                let a = crate::app::pulse::readiness::adkar_means(g);
                a.iter().sum::<f64>() / 5.0
            });
        for (day, score) in &v.weekly {
            let by = |s: Source| {
                if v.shown {
                    rolling(&record.team_days(&t.name, Some(s)), *day, h)
                } else {
                    None
                }
            };
            rows.push(ExportRow {
                team: t.name.clone(),
                week: date_of(*day),
                score: score.filter(|_| v.shown),
                contributors: v.contributors.n,
                pulse: by(Source::Pulse),
                comment: by(Source::Comment),
                reaction: by(Source::Reaction),
                feedback: by(Source::Feedback),
                readiness_mean,
                ack_rate: acks.iter().find(|(n, _)| *n == t.name).map(|(_, r)| *r),
                champions: champions.iter().filter(|c| c.team == t.name).count(),
            });
        }
    }
    Ok(rows)
}

async fn latest_ack_rates(app: &App, guild: GuildId) -> AppResult<Vec<(String, f64)>> {
    Ok(crate::app::acks::latest_item_rates(app, guild)
        .await?
        .map(|(_, rates)| {
            rates
                .into_iter()
                .filter(|(_, _, size)| *size > 0)
                .map(|(team, acked, size)| (team, acked as f64 / size as f64))
                .collect()
        })
        .unwrap_or_default())
}

fn cell(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.4}")).unwrap_or_default()
}

/// The export as CSV, one line per team and week.
pub fn csv(rows: &[ExportRow]) -> String {
    let mut out = String::from("team,week,score,contributors,pulse,comment,reaction,feedback,readiness_mean,ack_rate,champions\n");
    for r in rows {
        let team = if r.team.contains([',', '"']) {
            format!("\"{}\"", r.team.replace('"', "\"\""))
        } else {
            r.team.clone()
        };
        let _ = writeln!(
            out,
            "{team},{},{},{},{},{},{},{},{},{},{}",
            r.week,
            cell(r.score),
            r.contributors,
            cell(r.pulse),
            cell(r.comment),
            cell(r.reaction),
            cell(r.feedback),
            cell(r.readiness_mean),
            cell(r.ack_rate),
            r.champions
        );
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
            week: "2026-03-08".into(),
            score: Some(0.25),
            contributors: 7,
            pulse: None,
            comment: None,
            reaction: Some(1.0),
            feedback: None,
            readiness_mean: Some(3.8),
            ack_rate: Some(0.5),
            champions: 2,
        };
        let text = csv(&[row]);
        assert_eq!(
            text.lines().nth(1),
            Some("\"Sales, North\",2026-03-08,0.2500,7,,,1.0000,,3.8000,0.5000,2")
        );
    }
}
