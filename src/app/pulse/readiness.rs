//! Across pulses: each team's ADKAR history and `/readiness`, and the per-team scores
//! (−1…+1) a closed pulse gives the sentiment record.

use std::fmt::Write;

use super::load;
use super::results::{adkar_of, column, compute, Group};
use crate::app::access::{require, Actor, Need};
use crate::app::App;
use crate::domain::adkar::{Element, ELEMENTS};
use crate::domain::enps::enps;
use crate::domain::ids::GuildId;
use crate::domain::poll::{QuestionKind, QuestionSet, SetKind};
use crate::domain::sentiment;
use crate::error::AppResult;
use crate::store::pulses::PulseTeam;

/// One team's score from one closed pulse, for story figures: −1 (worst) to +1 (best).
/// ADKAR and Likert sets: (mean − 3) / 2, an ADKAR team held down by its barrier (see
/// [`team_score`]); eNPS: score / 100.
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
    /// ADKAR sets: the five element means (1–5) and the team's barrier point.
    pub adkar: Option<([f64; 5], Option<Element>)>,
}

/// A group's score on −1…+1, or None when the set has no scale questions: the mean of
/// its questions' scores. The sentiment record takes one per ballot.
pub fn normalised(set: &QuestionSet, answers: &[Vec<u8>]) -> Option<f64> {
    scale_scores(set, answers).map(|(mean, _)| mean)
}

/// A team's score from a pulse, on −1…+1. ADKAR is sequential: nobody is ready while an
/// element blocks them, so for an ADKAR set the score is never above the lowest element's
/// own score once that element's mean is at or below 2 (a team with Desire 1.5 scores at
/// most −0.75, however well it knows the tool).
pub fn team_score(set: &QuestionSet, answers: &[Vec<u8>]) -> Option<f64> {
    let (mean, lowest) = scale_scores(set, answers)?;
    let blocked = set.kind == SetKind::Adkar && lowest <= -0.5;
    Some(if blocked { mean.min(lowest) } else { mean })
}

/// The mean and the lowest of the questions' scores (each on −1…+1).
fn scale_scores(set: &QuestionSet, answers: &[Vec<u8>]) -> Option<(f64, f64)> {
    let mut scores = Vec::new();
    for (i, q) in set.questions.iter().enumerate() {
        let col = column(answers, i);
        match q.kind {
            QuestionKind::Likert => scores.extend(q.stats(&col).mean.map(|m| (m - 3.0) / 2.0)),
            QuestionKind::Nps => scores.extend(enps(&col).map(|e| e.score / 100.0)),
            _ => {}
        }
    }
    let mean = (!scores.is_empty()).then(|| scores.iter().sum::<f64>() / scores.len() as f64)?;
    Some((mean, scores.iter().copied().fold(f64::INFINITY, f64::min)))
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
            let Some(score) = team_score(&r.pulse.set, &g.answers) else {
                continue;
            };
            let comments = (!g.comments.is_empty()).then(|| {
                g.comments
                    .iter()
                    .map(|c| sentiment::compound_masked(c, &r.names))
                    .sum::<f64>()
                    / g.comments.len() as f64
            });
            let adkar = (r.pulse.set.kind == SetKind::Adkar).then(|| {
                let a = adkar_of(&g.answers);
                (a.means, a.team_barrier())
            });
            out.push(TeamScore {
                adkar,
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
    Ok(adkar_pulses(app, guild, keep).await?.shown)
}

/// The closed ADKAR pulses per team: where results were shown, and each team whose latest
/// ADKAR pulse withheld them (fewer than the minimum answered).
struct AdkarPulses {
    shown: Vec<(String, Vec<(i64, Group)>)>,
    /// Team name and the pulse that withheld it, for teams whose latest pulse did.
    withheld: Vec<(String, i64)>,
}

async fn adkar_pulses(
    app: &App,
    guild: GuildId,
    keep: impl Fn(&PulseTeam) -> bool,
) -> AppResult<AdkarPulses> {
    let mut rows = app.store.recent_pulses(guild, 200).await?;
    rows.retain(|r| r.closed_at_ms.is_some());
    rows.reverse();
    let mut shown: Vec<(String, Vec<(i64, Group)>)> = Vec::new();
    let mut withheld: Vec<(String, i64)> = Vec::new();
    for row in rows {
        let pulse = load(app, row.id).await?;
        if pulse.set.kind != SetKind::Adkar {
            continue;
        }
        let teams = app.store.pulse_teams(row.id).await?;
        let r = compute(app, pulse).await?;
        for (g, _) in r.teams.iter().zip(&teams).filter(|(_, t)| keep(t)) {
            withheld.retain(|(n, _)| *n != g.name);
            if !r.shown(&g.name) {
                withheld.push((g.name.clone(), row.id));
                continue;
            }
            match shown.iter_mut().find(|(n, _)| *n == g.name) {
                Some((_, h)) => h.push((row.id, g.clone())),
                None => shown.push((g.name.clone(), vec![(row.id, g.clone())])),
            }
        }
    }
    Ok(AdkarPulses { shown, withheld })
}

/// What a team stuck at an element usually needs next, in one line.
pub fn what_the_barrier_calls_for(element: Element) -> &'static str {
    match element {
        Element::Awareness => "explain why the change is happening and why now, from the sponsor, more than once",
        Element::Desire => "hear the team's concerns and show what is in it for each person; managers and champions carry this, not more announcements",
        Element::Knowledge => "training and short how-to guides on the tasks people do every day",
        Element::Ability => "practice time and a champion at hand while people do real work in the new way",
        Element::Reinforcement => "recognise the new way in public and retire the old one, so nobody slides back",
    }
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
    let pulses = adkar_pulses(app, actor.guild, |t| {
        let allowed = lead || actor.roles.iter().any(|(role, _)| *role == t.role);
        allowed && team.is_none_or(|n| n.trim().eq_ignore_ascii_case(&t.name))
    })
    .await?;
    if pulses.shown.is_empty() && pulses.withheld.is_empty() {
        return Ok(match team {
            Some(t) => format!("No ADKAR results to show for `{}` yet: none has closed with enough answers, or it is not one of your teams.", t.trim()),
            None => "No ADKAR results to show yet: a readiness pulse must close with enough answers first.".into(),
        });
    }
    let mut text = String::from("**Readiness (ADKAR)**\n");
    for (name, h) in &pulses.shown {
        text.push_str(&team_readiness(name, h));
    }
    let min = app.settings.min_group_size;
    for (name, pulse) in &pulses.withheld {
        let _ = writeln!(
            text,
            "**{name}**: withheld — fewer than {min} answered pulse #{pulse}, so its figures stay hidden to protect who answered."
        );
    }
    Ok(text)
}

/// One team's lines: its latest picture, the trend once there are two pulses, and what its
/// barrier calls for.
fn team_readiness(name: &str, history: &[(i64, Group)]) -> String {
    let (last_id, last) = history.last().cloned().unwrap_or_default();
    let adkar = adkar_of(&last.answers);
    let mut text = format!(
        "**{name}** (pulse #{last_id}, {} answered): {}\n",
        adkar.respondents,
        adkar_line(&last)
    );
    if history.len() >= 2 {
        let trend: Vec<String> = history
            .iter()
            .map(|(id, g)| {
                format!(
                    "{:.2} (#{id})",
                    adkar_of(&g.answers).means.iter().sum::<f64>() / 5.0
                )
            })
            .collect();
        let _ = writeln!(text, "  Trend of the mean: {}", trend.join(" → "));
    }
    if let Some(barrier) = adkar.team_barrier() {
        let _ = writeln!(
            text,
            "  A {} barrier usually calls for: {}.",
            barrier.name(),
            what_the_barrier_calls_for(barrier)
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(answers: Vec<Vec<u8>>) -> Group {
        Group {
            name: "Support".into(),
            invited: answers.len() as i64,
            answers,
            ..Group::default()
        }
    }

    #[test]
    fn a_trend_needs_two_pulses_and_the_barrier_says_what_it_calls_for() {
        let stuck = group(vec![vec![4, 1, 4, 4, 4]; 5]);
        let one = team_readiness("Support", &[(1, stuck.clone())]);
        assert!(!one.contains("Trend"), "{one}");
        assert!(
            one.contains("A Desire barrier usually calls for: hear the team's concerns"),
            "{one}"
        );
        let better = group(vec![vec![5, 4, 4, 4, 4]; 5]);
        let two = team_readiness("Support", &[(1, stuck), (3, better)]);
        assert!(
            two.contains("  Trend of the mean: 3.40 (#1) → 4.20 (#3)\n"),
            "{two}"
        );
        assert!(
            !two.contains("barrier usually"),
            "no barrier, no advice: {two}"
        );
    }

    fn adkar() -> QuestionSet {
        let question = |e: Element| crate::domain::poll::Question {
            id: e.name().to_lowercase(),
            text: e.name().into(),
            kind: QuestionKind::Likert,
            element: Some(e),
        };
        QuestionSet {
            id: "adkar".into(),
            name: "Readiness".into(),
            kind: SetKind::Adkar,
            comment: false,
            questions: ELEMENTS.iter().map(|e| question(*e)).collect(),
        }
    }

    #[test]
    fn a_team_stuck_at_desire_never_scores_positive_however_well_it_knows_the_tool() {
        // Desire 1.5, every other element 5: the plain mean would be +0.65.
        let answers = vec![vec![5, 1, 5, 5, 5], vec![5, 2, 5, 5, 5]];
        assert_eq!(team_score(&adkar(), &answers), Some(-0.75));
        assert_eq!(
            normalised(&adkar(), &answers),
            Some(0.65),
            "the plain mean of the five"
        );
        let ready = vec![vec![5, 3, 5, 5, 5]; 2];
        assert_eq!(
            normalised(&adkar(), &ready),
            Some(0.8),
            "Desire 3 blocks nothing"
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 256, failure_persistence: None, ..proptest::prelude::ProptestConfig::default() })]
        #[test]
        fn no_adkar_score_is_positive_while_an_element_mean_is_two_or_lower(
            answers in proptest::collection::vec(proptest::collection::vec(1u8..=5, 5), 1..30)
        ) {
            let score = team_score(&adkar(), &answers).expect("a score");
            let lowest = (0..5)
                .map(|i| answers.iter().map(|a| f64::from(a[i])).sum::<f64>() / answers.len() as f64)
                .fold(f64::INFINITY, f64::min);
            if lowest <= 2.0 {
                proptest::prop_assert!(score <= 0.0, "score {score} with an element at {lowest}");
            }
        }
    }

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
