//! Pulse question sets and answers. Each answer is one base-36 character (0–24 fits a
//! 25-option select, 0–10 an eNPS score), so a whole answer set travels in a button's
//! `custom_id` while a person answers: nothing about them is stored until they submit.

use serde::{Deserialize, Serialize};

use super::adkar::Element;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum QuestionKind {
    /// 1–5, "strongly disagree" to "strongly agree".
    Likert,
    /// 0–10, "how likely are you to recommend…".
    Nps,
    /// One of up to 25 options.
    Choice(Vec<String>),
    YesNo,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    pub id: String,
    pub text: String,
    pub kind: QuestionKind,
    /// For ADKAR sets: which element the statement measures.
    pub element: Option<Element>,
}

impl Question {
    /// Every valid answer value.
    pub fn values(&self) -> Vec<u8> {
        match &self.kind {
            QuestionKind::Likert => (1..=5).collect(),
            QuestionKind::Nps => (0..=10).collect(),
            QuestionKind::Choice(o) => (0..o.len() as u8).collect(),
            QuestionKind::YesNo => vec![0, 1],
        }
    }

    /// A value as a person reads it.
    pub fn label(&self, v: u8) -> String {
        match &self.kind {
            QuestionKind::Likert | QuestionKind::Nps => v.to_string(),
            QuestionKind::Choice(o) => o.get(usize::from(v)).cloned().unwrap_or_default(),
            QuestionKind::YesNo => if v == 1 { "Yes" } else { "No" }.to_string(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SetKind {
    Adkar,
    Enps,
    Custom,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionSet {
    pub id: String,
    pub name: String,
    pub kind: SetKind,
    /// Whether people may add a free-text comment.
    pub comment: bool,
    pub questions: Vec<Question>,
}

const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// Answers → `"3a45"`.
pub fn encode(answers: &[u8]) -> String {
    answers
        .iter()
        .map(|a| DIGITS.get(usize::from(*a)).copied().unwrap_or(b'0') as char)
        .collect()
}

/// `"3a45"` → answers; None on any character that is not a digit of base 36.
pub fn decode(s: &str) -> Option<Vec<u8>> {
    s.bytes()
        .map(|b| DIGITS.iter().position(|d| *d == b).map(|p| p as u8))
        .collect()
}

impl QuestionSet {
    /// Checks a complete answer set against the questions.
    pub fn valid(&self, answers: &[u8]) -> bool {
        answers.len() == self.questions.len()
            && self
                .questions
                .iter()
                .zip(answers)
                .all(|(q, a)| q.values().contains(a))
    }
}

/// One question's answers in a group: how many, the mean (scales only) and the count of
/// each possible value, in scale order.
#[derive(Debug, Clone, PartialEq)]
pub struct QuestionStats {
    pub n: usize,
    pub mean: Option<f64>,
    pub counts: Vec<(u8, usize)>,
}

impl Question {
    /// Whether a mean of the answers means anything (Likert and 0–10 scales).
    pub fn is_scale(&self) -> bool {
        matches!(self.kind, QuestionKind::Likert | QuestionKind::Nps)
    }

    pub fn stats(&self, answers: &[u8]) -> QuestionStats {
        let counts = self
            .values()
            .into_iter()
            .map(|v| (v, answers.iter().filter(|a| **a == v).count()))
            .collect();
        let mean = (self.is_scale() && !answers.is_empty())
            .then(|| answers.iter().map(|a| f64::from(*a)).sum::<f64>() / answers.len() as f64);
        QuestionStats {
            n: answers.len(),
            mean,
            counts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_round_trip_through_one_character_each() {
        let a = vec![1, 5, 10, 0, 24];
        assert_eq!(encode(&a), "15a0o");
        assert_eq!(decode("15a0o"), Some(a));
        assert_eq!(decode("1-"), None);
    }

    #[test]
    fn stats_count_every_scale_value_and_average_scales_only() {
        let q = Question {
            id: "q".into(),
            text: "t".into(),
            kind: QuestionKind::Likert,
            element: None,
        };
        let s = q.stats(&[5, 4, 4, 2]);
        assert_eq!(s.n, 4);
        assert_eq!(s.mean, Some(3.75));
        assert_eq!(s.counts, vec![(1, 0), (2, 1), (3, 0), (4, 2), (5, 1)]);
        let yn = Question {
            kind: QuestionKind::YesNo,
            ..q
        };
        assert_eq!(yn.stats(&[1, 1, 0]).mean, None);
        assert_eq!(yn.stats(&[1, 1, 0]).counts, vec![(0, 1), (1, 2)]);
    }

    #[test]
    fn an_answer_outside_the_scale_is_not_valid() {
        let q = |kind| Question {
            id: "q".into(),
            text: "t".into(),
            kind,
            element: None,
        };
        let set = QuestionSet {
            id: "s".into(),
            name: "S".into(),
            kind: SetKind::Custom,
            comment: false,
            questions: vec![q(QuestionKind::Likert), q(QuestionKind::YesNo)],
        };
        assert!(set.valid(&[5, 1]));
        assert!(!set.valid(&[6, 1]), "a Likert answer is 1-5");
        assert!(!set.valid(&[5]), "every question needs an answer");
    }
}
