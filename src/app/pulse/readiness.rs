//! Across pulses: each team's ADKAR history and `/readiness`, and the per-team scores
//! (−1…+1) a closed pulse gives the sentiment record.

use std::fmt::Write;

use super::load;
use super::results::{adkar_of, column, compute, Group};
use crate::app::access::{require, Actor, Need};
use crate::app::App;
use crate::domain::adkar::ELEMENTS;
use crate::domain::enps::enps;
use crate::domain::ids::GuildId;
use crate::domain::poll::{QuestionKind, QuestionSet, SetKind};
use crate::domain::sentiment;
use crate::error::AppResult;
use crate::store::pulses::PulseTeam;

/// One team's normalised score from one closed pulse, for the sentiment record: −1
/// (worst) to +1 (best). ADKAR and Likert sets: (mean − 3) / 2; eNPS: score / 100.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamScore {
    pub pulse: i64,
    pub set_kind: SetKind,
    pub team: String,
    pub closed_at_ms: i64,
    pub respondents: usize,
    pub score: f64,
    /// Mean VADER compound score of the team's comments, if any.
    pub comments: Option<f64>,
}

/// A group's score on −1…+1, or None when the set has no scale questions.
pub fn normalised(set: &QuestionSet, answers: &[Vec<u8>]) -> Option<f64> {
    let mut scores = Vec::new();
    for (i, q) in set.questions.iter().enumerate() {
        let col = column(answers, i);
        match q.kind {
            QuestionKind::Likert => scores.extend(q.stats(&col).mean.map(|m| (m - 3.0) / 2.0)),
            QuestionKind::Nps => scores.extend(enps(&col).map(|e| e.score / 100.0)),
            _ => {}
        }
    }
    (!scores.is_empty()).then(|| scores.iter().sum::<f64>() / scores.len() as f64)
}

/// Every closed pulse's per-team scores in a guild, oldest first; only teams whose
/// results were shown (at least the minimum group answered).
pub async fn team_scores(app: &App, guild: GuildId) -> AppResult<Vec<TeamScore>> {
    let mut out = Vec::new();
    let mut rows = app.store.recent_pulses(guild, 500).await?;
    rows.retain(|r| r.closed_at_ms.is_some());
    rows.reverse();
    for row in rows {
        let closed = row.closed_at_ms.unwrap_or_default();
        let r = compute(app, load(app, row.id).await?).await?;
        for g in r.teams.iter().filter(|g| r.shown(&g.name)) {
            let Some(score) = normalised(&r.pulse.set, &g.answers) else {
                continue;
            };
            let comments = (!g.comments.is_empty()).then(|| {
                g.comments
                    .iter()
                    .map(|c| sentiment::compound(c))
                    .sum::<f64>()
                    / g.comments.len() as f64
            });
            out.push(TeamScore {
                pulse: row.id,
                set_kind: r.pulse.set.kind,
                team: g.name.clone(),
                closed_at_ms: closed,
                respondents: g.answers.len(),
                score,
                comments,
            });
        }
    }
    Ok(out)
}

/// Per team (those `keep` accepts), the closed ADKAR pulses in which the team's results
/// were shown, oldest first.
pub async fn adkar_history(
    app: &App,
    guild: GuildId,
    keep: impl Fn(&PulseTeam) -> bool,
) -> AppResult<Vec<(String, Vec<(i64, Group)>)>> {
    let mut rows = app.store.recent_pulses(guild, 200).await?;
    rows.retain(|r| r.closed_at_ms.is_some());
    rows.reverse();
    let mut history: Vec<(String, Vec<(i64, Group)>)> = Vec::new();
    for row in rows {
        let pulse = load(app, row.id).await?;
        if pulse.set.kind != SetKind::Adkar {
            continue;
        }
        let teams = app.store.pulse_teams(row.id).await?;
        let r = compute(app, pulse).await?;
        for (g, t) in r.teams.iter().zip(&teams) {
            if !(keep(t) && r.shown(&g.name)) {
                continue;
            }
            match history.iter_mut().find(|(n, _)| *n == g.name) {
                Some((_, h)) => h.push((row.id, g.clone())),
                None => history.push((g.name.clone(), vec![(row.id, g.clone())])),
            }
        }
    }
    Ok(history)
}

/// A group's five ADKAR element means.
pub fn adkar_means(g: &Group) -> [f64; 5] {
    adkar_of(&g.answers).means
}

/// "Awareness 4.14 · Desire 3.57 · … — main barrier: Desire" for a group.
pub fn adkar_line(g: &Group) -> String {
    let a = adkar_of(&g.answers);
    let means: Vec<String> = ELEMENTS
        .iter()
        .zip(a.means)
        .map(|(e, m)| format!("{} {m:.2}", e.name()))
        .collect();
    let barrier = a
        .team_barrier()
        .map(|b| format!("main barrier: {}", b.name()))
        .unwrap_or_else(|| "no barrier point".into());
    format!("{} — {barrier}", means.join(" · "))
}

/// `/readiness [team]`: the latest ADKAR picture per team, its barrier point and trend.
pub async fn readiness(app: &App, actor: &Actor, team: Option<&str>) -> AppResult<String> {
    require(app, actor, Need::Manager).await?;
    let lead = require(app, actor, Need::ChangeLead).await.is_ok();
    let history = adkar_history(app, actor.guild, |t| {
        let allowed = lead || actor.roles.iter().any(|(role, _)| *role == t.role);
        allowed && team.is_none_or(|n| n.trim().eq_ignore_ascii_case(&t.name))
    })
    .await?;
    if history.is_empty() {
        return Ok(match team {
            Some(t) => format!("No ADKAR results to show for `{}` yet: none has closed with enough answers, or it is not one of your teams.", t.trim()),
            None => "No ADKAR results to show yet: a readiness pulse must close with enough answers first.".into(),
        });
    }
    let mut text = String::from("**Readiness (ADKAR)**\n");
    for (name, h) in history {
        let (last_id, last) = h.last().cloned().unwrap_or_default();
        let trend: Vec<String> = h
            .iter()
            .map(|(id, g)| {
                format!(
                    "{:.2} (#{id})",
                    adkar_of(&g.answers).means.iter().sum::<f64>() / 5.0
                )
            })
            .collect();
        let _ = writeln!(
            text,
            "**{name}** (pulse #{last_id}, {} answered): {}\n  Trend of the mean: {}",
            adkar_of(&last.answers).respondents,
            adkar_line(&last),
            trend.join(" → ")
        );
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_run_from_minus_one_to_plus_one() {
        let set = QuestionSet {
            id: "e".into(),
            name: "E".into(),
            kind: SetKind::Enps,
            comment: false,
            questions: vec![crate::domain::poll::Question {
                id: "q".into(),
                text: "t".into(),
                kind: QuestionKind::Nps,
                element: None,
            }],
        };
        assert_eq!(normalised(&set, &[vec![10], vec![10]]), Some(1.0));
        assert_eq!(normalised(&set, &[vec![0], vec![10]]), Some(0.0));
    }
}
