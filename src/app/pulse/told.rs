//! What a team's own channel is told when its pulse closes: its results in words (no
//! means, distributions or pulse numbers), the change since the last check, its own
//! comments, and what happens next. Managers and the change team keep the figures.

use super::results::{adkar_of, column, comments, Group, Results};
use crate::app::stories::phrases::stage;
use crate::domain::adkar::ELEMENTS;
use crate::domain::enps::enps;
use crate::domain::poll::{QuestionKind, QuestionSet, SetKind};
use crate::domain::words;

/// A change in a mean (1 to 5) smaller than this is "about the same".
const NOTICEABLE: f64 = 0.25;

impl Results {
    /// The results a team's channel gets, in words.
    pub fn for_team_channel(&self, team: &str) -> String {
        let Some(g) = self.teams.iter().find(|g| g.name == team) else {
            return String::new();
        };
        let mut text = format!("**What you told us: {}**\n", self.pulse.row.title);
        let answered = format!(
            "{} of {} answered",
            g.answers.len(),
            words::count(g.invited, "person", "people")
        );
        if !self.shown(team) {
            text.push_str(&format!(
                "{answered}. That is fewer than {}, so to keep every answer anonymous there are no results for {team} this time.\n",
                self.min
            ));
            return text;
        }
        text.push_str(&format!("{answered}. Thank you.\n\n"));
        for line in told(&self.pulse.set, g) {
            text.push_str(&line);
            text.push('\n');
        }
        if let Some(line) = self.since_last(g) {
            text.push_str(&line);
            text.push('\n');
        }
        let said = comments(g, &self.names);
        if !said.is_empty() {
            text.push_str("\n**In your words**\n");
            text.push_str(&said);
        }
        text.push_str(
            "\nThe change team reads every answer and will tell you what changes because of them.",
        );
        text
    }

    /// "Since the last check, Desire has gone up and Ability down." (ADKAR only, and only
    /// when the team was shown both times.)
    fn since_last(&self, g: &Group) -> Option<String> {
        if self.pulse.set.kind != SetKind::Adkar {
            return None;
        }
        let (_, groups) = self.previous.as_ref()?;
        let before = groups
            .iter()
            .find(|p| p.name == g.name && p.answers.len() >= self.min)?;
        let (now, then) = (adkar_of(&g.answers), adkar_of(&before.answers));
        let moved = |up: bool| -> Vec<&str> {
            ELEMENTS
                .iter()
                .enumerate()
                .filter(|(i, _)| {
                    let d = now.means[*i] - then.means[*i];
                    if up {
                        d >= NOTICEABLE
                    } else {
                        d <= -NOTICEABLE
                    }
                })
                .map(|(_, e)| e.name())
                .collect()
        };
        let (up, down) = (moved(true), moved(false));
        Some(match (up.is_empty(), down.is_empty()) {
            (true, true) => "Since the last check, readiness is about the same.".into(),
            (false, true) => format!(
                "Since the last check, {} has gone up.",
                words::and_list(&up)
            ),
            (true, false) => format!(
                "Since the last check, {} has gone down.",
                words::and_list(&down)
            ),
            (false, false) => format!(
                "Since the last check, {} has gone up and {} down.",
                words::and_list(&up),
                words::and_list(&down)
            ),
        })
    }
}

/// The team's answers in sentences.
fn told(set: &QuestionSet, g: &Group) -> Vec<String> {
    if set.kind == SetKind::Adkar {
        return adkar_told(g);
    }
    set.questions
        .iter()
        .enumerate()
        .filter_map(|(i, q)| {
            let answers = column(&g.answers, i);
            let about = format!("On “{}”", q.text.trim_end_matches(['.', '?']));
            match &q.kind {
                QuestionKind::Nps => enps(&answers).map(|e| {
                    format!(
                        "{about}: {} would, {} {} not sure and {} would not.",
                        e.promoters,
                        e.passives,
                        words::noun(e.passives as i64, "is", "are"),
                        e.detractors
                    )
                }),
                QuestionKind::Likert => q
                    .stats(&answers)
                    .mean
                    .map(|m| format!("{about}: {}.", agreement(m))),
                QuestionKind::Choice(_) | QuestionKind::YesNo => {
                    let stats = q.stats(&answers);
                    let top = stats.counts.iter().max_by_key(|(_, n)| *n)?;
                    (top.1 > 0).then(|| format!("{about}: most of you said “{}”.", q.label(top.0)))
                }
            }
        })
        .collect()
}

fn adkar_told(g: &Group) -> Vec<String> {
    let a = adkar_of(&g.answers);
    let best = (0..5)
        .max_by(|x, y| a.means[*x].total_cmp(&a.means[*y]))
        .unwrap_or(0);
    let mut out = vec![format!(
        "You feel most ready on {}.",
        in_brackets(ELEMENTS[best])
    )];
    match a.team_barrier() {
        Some(b) => out.push(format!(
            "Readiness is lowest on {}: that is where we will help first.",
            in_brackets(b)
        )),
        None => out.push("Nobody named a stage that holds them back.".into()),
    }
    out
}

/// "Desire (wanting the change)".
fn in_brackets(e: crate::domain::adkar::Element) -> String {
    let said = stage(e);
    match said.split_once(": ") {
        Some((name, meaning)) => format!("{name} ({meaning})"),
        None => said,
    }
}

/// A mean on a 1-to-5 agreement scale, in words.
fn agreement(mean: f64) -> &'static str {
    match mean {
        m if m >= 4.0 => "most of you agree",
        m if m >= 3.4 => "more of you agree than not",
        m if m > 2.6 => "opinions are mixed",
        m if m > 2.0 => "more of you disagree than not",
        _ => "most of you disagree",
    }
}

#[cfg(test)]
mod tests {
    use super::super::results::tests::{group, results};

    #[test]
    fn a_team_reads_its_readiness_and_its_change_in_words_and_no_figure() {
        let before = vec![group(
            "A",
            &[[4, 2, 4, 4, 4], [4, 2, 4, 4, 4], [4, 3, 4, 4, 4]],
        )];
        let now = vec![group(
            "A",
            &[[4, 4, 2, 4, 4], [4, 4, 3, 4, 4], [4, 4, 2, 4, 4]],
        )];
        let text = results(now, Some((1, before))).for_team_channel("A");
        assert!(
            text.contains(
                "Readiness is lowest on Knowledge (knowing how): that is where we will help first."
            ),
            "{text}"
        );
        assert!(
            text.contains("Since the last check, Desire has gone up and Knowledge down."),
            "{text}"
        );
        for raw in ["mean", "#1", "Barrier", "+", "−"] {
            assert!(!text.contains(raw), "`{raw}` in: {text}");
        }
    }

    #[test]
    fn a_withheld_team_is_told_why_it_gets_no_figure() {
        let text = results(vec![group("A", &[[5; 5]])], None).for_team_channel("A");
        assert!(
            text.contains("1 of 10 people answered. That is fewer than"),
            "{text}"
        );
        assert!(!text.contains("lowest"), "{text}");
    }
}
