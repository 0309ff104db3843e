//! `playbook.toml` beside plan.toml: each `[[plays]]` maps a trigger to a suggested action.
//! Checked with the plan (`herald plan check`): an unknown trigger or owner, a follow-up
//! template that does not exist or a repeated id is reported at its line. No file, no
//! proposals.

use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::template::Templates;
use super::Problem;
use crate::domain::closest::or_list;
use crate::domain::playbook::{OwnerRole, Play, Playbook, Trigger};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlaybook {
    #[serde(default)]
    plays: Vec<RawPlay>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlay {
    id: Spanned<String>,
    trigger: Spanned<String>,
    title: Spanned<String>,
    what: Spanned<String>,
    owner: Spanned<String>,
    follow_up: Option<Spanned<String>>,
    #[serde(default)]
    brief_managers: bool,
    repulse_days: Option<Spanned<i64>>,
}

/// The playbook in `dir`, or an empty one when there is no `playbook.toml`.
pub fn load(dir: &Path, templates: &Templates, problems: &mut Vec<Problem>) -> Playbook {
    let file = dir.join("playbook.toml");
    let Ok(text) = std::fs::read_to_string(&file) else {
        return Playbook::default();
    };
    let at = |offset: usize, message: String| {
        let (line, col) = super::line_col(&text, offset);
        Problem {
            file: file.clone(),
            line,
            col,
            message,
        }
    };
    let raw: RawPlaybook = match toml::from_str(&text) {
        Ok(r) => r,
        Err(e) => {
            let offset = e.span().map_or(0, |s| s.start);
            problems.push(at(offset, e.message().to_string()));
            return Playbook::default();
        }
    };
    let mut plays: Vec<Play> = Vec::new();
    for p in &raw.plays {
        match play(p, templates, &plays) {
            Ok(play) => plays.push(play),
            Err((offset, message)) => problems.push(at(offset, message)),
        }
    }
    Playbook { plays }
}

fn play(p: &RawPlay, templates: &Templates, earlier: &[Play]) -> Result<Play, (usize, String)> {
    let id = p.id.get_ref().trim();
    let valid = !id.is_empty()
        && id.len() <= 40
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if !valid {
        return Err((
            p.id.span().start,
            format!("play id `{id}`: use lower-case letters, digits, `_` and `-` (for example \"desire-listening\")"),
        ));
    }
    if earlier.iter().any(|e| e.id == id) {
        return Err((
            p.id.span().start,
            format!("play `{id}` is declared twice; give each play its own id"),
        ));
    }
    let names: Vec<String> = Trigger::all().iter().map(|t| t.name()).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let trigger = Trigger::parse(p.trigger.get_ref().trim()).ok_or_else(|| {
        (
            p.trigger.span().start,
            format!(
                "play `{id}`: trigger `{}` is not one Herald sees{}",
                p.trigger.get_ref(),
                or_list(p.trigger.get_ref(), &names, "triggers")
            ),
        )
    })?;
    let owners: Vec<&str> = OwnerRole::ALL.iter().map(|o| o.name()).collect();
    let owner = OwnerRole::parse(p.owner.get_ref().trim()).ok_or_else(|| {
        (
            p.owner.span().start,
            format!(
                "play `{id}`: owner `{}` is not a role Herald knows{}",
                p.owner.get_ref(),
                or_list(p.owner.get_ref(), &owners, "owners")
            ),
        )
    })?;
    for (field, value) in [("title", &p.title), ("what", &p.what)] {
        if value.get_ref().trim().is_empty() {
            return Err((
                value.span().start,
                format!("play `{id}`: `{field}` is empty; write what the change lead reads"),
            ));
        }
    }
    let follow_up = match &p.follow_up {
        Some(t) if templates.get(t.get_ref()).is_none() => {
            let known: Vec<&str> = templates.map.keys().map(String::as_str).collect();
            return Err((
                t.span().start,
                format!(
                    "play `{id}`: no template `{}` in templates/{}",
                    t.get_ref(),
                    or_list(t.get_ref(), &known, "templates")
                ),
            ));
        }
        Some(t) => Some(t.get_ref().clone()),
        None => None,
    };
    let repulse_days = match &p.repulse_days {
        None => None,
        Some(d) if !matches!(trigger, Trigger::Barrier(_)) => {
            return Err((
                d.span().start,
                format!("play `{id}`: `repulse_days` asks the team again about its barrier, so it is for barrier.* triggers; remove it"),
            ))
        }
        Some(d) if !(1..=60).contains(d.get_ref()) => {
            return Err((
                d.span().start,
                format!("play `{id}`: repulse_days {} is not between 1 and 60", d.get_ref()),
            ))
        }
        Some(d) => Some(*d.get_ref() as u32),
    };
    Ok(Play {
        id: id.to_string(),
        trigger,
        title: p.title.get_ref().trim().to_string(),
        what: p.what.get_ref().trim().to_string(),
        owner,
        follow_up,
        brief_managers: p.brief_managers,
        repulse_days,
    })
}
