//! Pulse question sets in `messages/polls/*.toml`, checked like the rest of the plan.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::{line_col, Problem};
use crate::domain::adkar::{Element, ELEMENTS};
use crate::domain::poll::{Question, QuestionKind, QuestionSet, SetKind};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSet {
    name: String,
    kind: Spanned<String>,
    #[serde(default)]
    comment: bool,
    questions: Spanned<Vec<RawQuestion>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    id: Spanned<String>,
    text: Spanned<String>,
    #[serde(rename = "type")]
    kind: Spanned<String>,
    element: Option<Spanned<String>>,
    #[serde(default)]
    options: Vec<String>,
}

/// Every set by id (the file name without `.toml`), with the problems found.
pub fn load(dir: &Path) -> (BTreeMap<String, QuestionSet>, Vec<Problem>) {
    let mut sets = BTreeMap::new();
    let mut problems = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    for file in files {
        let id = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        match std::fs::read_to_string(&file) {
            Ok(text) => {
                if let Some(set) = parse(&file, &id, &text, &mut problems) {
                    sets.insert(id, set);
                }
            }
            Err(e) => problems.push(Problem {
                file: file.clone(),
                line: 1,
                col: 1,
                message: format!("cannot read: {e}"),
            }),
        }
    }
    (sets, problems)
}

fn parse(file: &Path, id: &str, text: &str, problems: &mut Vec<Problem>) -> Option<QuestionSet> {
    let mut at = |offset: usize, message: String| {
        let (line, col) = line_col(text, offset);
        problems.push(Problem {
            file: file.to_path_buf(),
            line,
            col,
            message,
        });
    };
    let raw: RawSet = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            at(
                e.span().map(|s| s.start).unwrap_or(0),
                e.message().trim().to_string(),
            );
            return None;
        }
    };
    let kind = match raw.kind.get_ref().as_str() {
        "adkar" => SetKind::Adkar,
        "enps" => SetKind::Enps,
        "custom" => SetKind::Custom,
        other => {
            at(
                raw.kind.span().start,
                format!("kind `{other}` is not one of adkar, enps, custom"),
            );
            return None;
        }
    };
    let mut questions = Vec::new();
    let mut ids = HashSet::new();
    for q in raw.questions.get_ref() {
        if !ids.insert(q.id.get_ref().clone()) {
            at(
                q.id.span().start,
                format!("duplicate question id `{}`", q.id.get_ref()),
            );
        }
        if q.text.get_ref().chars().count() > 1500 {
            at(
                q.text.span().start,
                "a question is at most 1500 characters".into(),
            );
        }
        let qkind = match q.kind.get_ref().as_str() {
            "likert" => QuestionKind::Likert,
            "nps" => QuestionKind::Nps,
            "yes_no" => QuestionKind::YesNo,
            "choice" if (2..=25).contains(&q.options.len()) => {
                if let Some(long) = q
                    .options
                    .iter()
                    .find(|o| o.chars().count() > 80 || o.is_empty())
                {
                    at(
                        q.kind.span().start,
                        format!("option `{long}` must be 1-80 characters"),
                    );
                }
                QuestionKind::Choice(q.options.clone())
            }
            "choice" => {
                at(
                    q.kind.span().start,
                    format!(
                        "a choice question needs 2 to 25 options, it has {}",
                        q.options.len()
                    ),
                );
                continue;
            }
            other => {
                at(
                    q.kind.span().start,
                    format!("type `{other}` is not one of likert, nps, choice, yes_no"),
                );
                continue;
            }
        };
        let element = q.element.as_ref().and_then(|e| {
            let parsed = Element::parse(e.get_ref());
            if parsed.is_none() {
                at(e.span().start, format!("element `{}` is not an ADKAR element (Awareness, Desire, Knowledge, Ability, Reinforcement)", e.get_ref()));
            }
            parsed
        });
        questions.push(Question {
            id: q.id.get_ref().clone(),
            text: q.text.get_ref().clone(),
            kind: qkind,
            element,
        });
    }
    let span = raw.questions.span().start;
    match kind {
        SetKind::Adkar => {
            let ok = questions.len() == 5
                && questions
                    .iter()
                    .zip(ELEMENTS)
                    .all(|(q, e)| q.element == Some(e) && q.kind == QuestionKind::Likert);
            if !ok {
                at(span, "an ADKAR set has five likert questions with element = Awareness, Desire, Knowledge, Ability, Reinforcement, in that order".into());
            }
        }
        SetKind::Enps if !(questions.len() == 1 && questions[0].kind == QuestionKind::Nps) => {
            at(
                span,
                "an eNPS set has one question of type nps (0-10)".into(),
            );
        }
        _ if questions.is_empty() => at(span, "a question set needs at least one question".into()),
        _ if questions.len() > 20 => at(span, "a question set holds at most 20 questions".into()),
        _ => {}
    }
    Some(QuestionSet {
        id: id.to_string(),
        name: raw.name,
        kind,
        comment: raw.comment,
        questions,
    })
}
