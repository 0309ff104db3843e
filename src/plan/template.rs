//! Message templates: Markdown with minijinja placeholders and optional TOML front matter
//! (between `---` lines) for an embed title, colour, image and link buttons.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use minijinja::{Environment, UndefinedBehavior};
use serde::Deserialize;

use super::limits::{self, RenderError, Stop};
use super::Problem;

/// Front matter of a template.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    pub title: Option<String>,
    /// `#RRGGBB`.
    pub colour: Option<String>,
    pub image: Option<String>,
    #[serde(default)]
    pub buttons: Vec<LinkButton>,
    /// "What's in it for you", per team name (`everyone` for the rest): shown where the
    /// body says `{{ wiifm }}`, else as the message's closing paragraph.
    #[serde(default)]
    pub wiifm: BTreeMap<String, String>,
    /// For a manager briefing (`brief_managers` on the item): what to tell the team.
    pub brief: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkButton {
    pub label: String,
    pub url: String,
}

#[derive(Debug, Clone)]
pub struct Template {
    pub name: String,
    pub file: PathBuf,
    pub front: FrontMatter,
    pub body: String,
    /// The file line the body starts on (after the front matter).
    pub body_line: usize,
}

/// Every template, compiled once.
#[derive(Clone)]
pub struct Templates {
    env: Arc<Environment<'static>>,
    pub map: BTreeMap<String, Template>,
    /// Templates with a problem already reported (syntax, unknown placeholder).
    pub broken: std::collections::BTreeSet<String>,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Templates")
            .field("names", &self.map.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Variables every template may use, as dotted paths.
pub const KNOWN_VARIABLES: &[&str] = &[
    "campaign.name",
    "campaign.go_live",
    "campaign.timezone",
    "days_to_go_live",
    "weeks_to_go_live",
    "phase.number",
    "phase.name",
    "team.name",
    "team.champions",
    "item.id",
    "today",
    "wiifm",
];

/// What story templates (`messages/stories/`) may use besides the variables above: live
/// figures, each already in words ("no readiness data yet" when there is none).
pub const STORY_VARIABLES: &[&str] = &[
    "story.readiness",
    "story.readiness_team",
    "story.ack_rate",
    "story.champions",
    "story.champions_of_week",
    "story.recognitions",
    "story.wins",
    "story.sentiment",
    "story.adoption",
    "story.you_said_we_did",
];

/// minijinja's own globals, which are not placeholders.
const BUILTINS: &[&str] = &[
    "range",
    "dict",
    "namespace",
    "debug",
    "loop",
    "self",
    "super",
    "caller",
    "varargs",
    "kwargs",
];

/// Strict about undefined names, and every render runs on a fixed fuel budget.
pub fn new_environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_fuel(Some(limits::FUEL));
    env
}

fn markdown_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "md"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Loads every `*.md` in `dir`; problems are returned beside what loaded.
pub fn load(dir: &Path) -> (Templates, Vec<Problem>) {
    load_with_stories(dir, None)
}

/// As [`load`], plus the story templates in `stories`, named `stories/<file>`.
pub fn load_with_stories(dir: &Path, stories: Option<&Path>) -> (Templates, Vec<Problem>) {
    let mut env = new_environment();
    let mut map = BTreeMap::new();
    let mut problems = Vec::new();
    let mut broken = std::collections::BTreeSet::new();
    let story_files = stories.map(markdown_files).unwrap_or_default();
    let files = markdown_files(dir)
        .into_iter()
        .map(|f| (f, false))
        .chain(story_files.into_iter().map(|f| (f, true)));
    for (file, is_story) in files {
        match read_one(&file).map(|mut t| {
            if is_story {
                t.name = format!("stories/{}", t.name);
            }
            t
        }) {
            Ok(t) => {
                if let Err(e) = env.add_template_owned(t.name.clone(), t.body.clone()) {
                    let (line, col, message) = syntax_problem(&t, &e);
                    problems.push(Problem {
                        file: file.clone(),
                        line,
                        col,
                        message,
                    });
                    broken.insert(t.name.clone());
                    continue;
                }
                let before = problems.len();
                undeclared(&env, &t, is_story, &mut problems);
                if problems.len() > before {
                    broken.insert(t.name.clone());
                }
                map.insert(t.name.clone(), t);
            }
            Err(p) => {
                if let Some(name) = file.file_name() {
                    broken.insert(name.to_string_lossy().into_owned());
                }
                problems.push(p)
            }
        }
    }
    (
        Templates {
            env: Arc::new(env),
            map,
            broken,
        },
        problems,
    )
}

fn read_one(file: &Path) -> Result<Template, Problem> {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let problem = |line, message: String| Problem {
        file: file.to_path_buf(),
        line,
        col: 1,
        message,
    };
    let text = std::fs::read_to_string(file)
        .map_err(|e| problem(1, format!("cannot read the template: {e}")))?;
    let Some(rest) = text.strip_prefix("---\n") else {
        return Ok(Template {
            name,
            file: file.to_path_buf(),
            front: FrontMatter::default(),
            body: super::markdown::join_paragraph_lines(&text),
            body_line: 1,
        });
    };
    let end = rest
        .find("\n---\n")
        .or_else(|| rest.strip_suffix("\n---").map(|r| r.len()))
        .ok_or_else(|| {
            problem(
                1,
                "front matter opened with `---` is never closed with `---`".into(),
            )
        })?;
    let front_text = &rest[..end];
    let front: FrontMatter = toml::from_str(front_text).map_err(|e| {
        let (line, _) = super::line_col(front_text, e.span().map(|s| s.start).unwrap_or(0));
        problem(line + 1, format!("front matter: {}", e.message().trim()))
    })?;
    if let Some(c) = &front.colour {
        parse_colour(c).map_err(|m| problem(2, m))?;
    }
    let body_start = (end + "\n---\n".len()).min(rest.len());
    let body_line = front_text.lines().count() + 3;
    Ok(Template {
        name,
        file: file.to_path_buf(),
        front,
        body: super::markdown::join_paragraph_lines(&rest[body_start..]),
        body_line,
    })
}

/// `#2F80ED` → 0x2F80ED.
pub fn parse_colour(c: &str) -> Result<u32, String> {
    c.strip_prefix('#')
        .filter(|h| h.len() == 6)
        .and_then(|h| u32::from_str_radix(h, 16).ok())
        .ok_or_else(|| format!("front matter: colour `{c}` must look like `#2F80ED`"))
}

fn undeclared(env: &Environment<'static>, t: &Template, story: bool, problems: &mut Vec<Problem>) {
    let allowed: Vec<&str> = KNOWN_VARIABLES
        .iter()
        .chain(if story { STORY_VARIABLES } else { &[] })
        .copied()
        .collect();
    let Ok(compiled) = env.get_template(&t.name) else {
        return;
    };
    let mut names: Vec<String> = compiled.undeclared_variables(true).into_iter().collect();
    names.sort();
    for var in names {
        let known = allowed
            .iter()
            .any(|k| *k == var || k.starts_with(&format!("{var}.")));
        if known || BUILTINS.contains(&var.split('.').next().unwrap_or_default()) {
            continue;
        }
        let (line, col) = placeholder_at(&t.body, &var);
        problems.push(Problem {
            file: t.file.clone(),
            line: t.body_line + line - 1,
            col,
            message: format!(
                "unknown placeholder `{var}`{}",
                crate::domain::closest::or_list(&var, &allowed, "templates can use")
            ),
        });
    }
}

/// A template that does not parse: where, and what. A block never closed is reported
/// where it opens, since the end of the file is no help.
fn syntax_problem(t: &Template, e: &minijinja::Error) -> (usize, usize, String) {
    let detail = e.detail().unwrap_or("syntax error");
    if detail.contains("unexpected end of input") {
        if let Some((offset, tag)) = unclosed_block(&t.body) {
            let (line, col) = file_line_col(&t.body, offset);
            return (
                t.body_line + line - 1,
                col,
                format!("template syntax error: `{{% {tag} %}}` is never closed; add `{{% end{tag} %}}` where it should end"),
            );
        }
    }
    let (line, col) = position(t, e).unwrap_or((t.body_line, 1));
    (line, col, format!("template syntax error: {detail}"))
}

/// The innermost block tag (`if`, `for`, …) left open at the end of `body`, with its offset.
fn unclosed_block(body: &str) -> Option<(usize, &'static str)> {
    const BLOCKS: [&str; 7] = ["if", "for", "macro", "block", "with", "filter", "call"];
    let mut open: Vec<(usize, &'static str)> = Vec::new();
    for (at, _) in body.match_indices("{%") {
        let inner = body[at + 2..].trim_start_matches(['-', '+']).trim_start();
        let word = inner
            .split(|c: char| !c.is_alphanumeric() && c != '_')
            .next()
            .unwrap_or("");
        if let Some(block) = BLOCKS.iter().find(|b| **b == word) {
            open.push((at, block));
        } else if word
            .strip_prefix("end")
            .is_some_and(|b| BLOCKS.contains(&b))
        {
            open.pop();
        }
    }
    open.pop()
}

/// Where `var` (e.g. `campaign.go_lve`) is first used inside a `{{ }}` or `{% %}` tag of
/// the body, as a 1-based (line, column); the body keeps the file's line breaks.
fn placeholder_at(body: &str, var: &str) -> (usize, usize) {
    let first = var.split('.').next().unwrap_or(var);
    let mut from = 0;
    while let Some(open) = body[from..].find(['{']).map(|i| from + i) {
        from = open + 1;
        let close = match body.get(open..open + 2) {
            Some("{{") => "}}",
            Some("{%") => "%}",
            _ => continue,
        };
        let Some(len) = body[open..].find(close) else {
            break;
        };
        let tag = &body[open..open + len];
        if let Some(at) = word_in(tag, first) {
            return file_line_col(body, open + at);
        }
    }
    (1, 1)
}

/// A body offset as the file's (line, column): a paragraph's joined line starts with the
/// `#}` that closes the join's comment, which the file does not have.
fn file_line_col(body: &str, offset: usize) -> (usize, usize) {
    let (line, col) = super::line_col(body, offset);
    let line_start = body[..offset].rfind('\n').map_or(0, |i| i + 1);
    let joined = body[line_start..].starts_with("#}") && body[..line_start].ends_with("{#\n");
    (line, if joined && col > 2 { col - 2 } else { col })
}

/// The byte offset of `word` standing alone (not part of a longer name) in `text`.
fn word_in(text: &str, word: &str) -> Option<usize> {
    let name_char = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(word).map(|(i, _)| i).find(|&i| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(|c| name_char(c) || c == '.') && !after.is_some_and(name_char)
    })
}

impl Templates {
    pub fn get(&self, name: &str) -> Option<&Template> {
        self.map.get(name)
    }

    /// `kickoff.md` with `variant` (a team name or a locale) is `kickoff.VARIANT.md`, if
    /// there is one (the variant's case does not matter).
    pub fn variant(&self, name: &str, variant: &str) -> Option<&str> {
        let stem = name.strip_suffix(".md")?;
        let wanted = format!("{stem}.{variant}.md");
        self.map
            .get_key_value(&wanted)
            .or_else(|| {
                self.map
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(&wanted))
            })
            .map(|(k, _)| k.as_str())
    }

    /// Renders a template's body with `ctx`, within the fuel and the output cap.
    pub fn render_body(&self, name: &str, ctx: &minijinja::Value) -> Result<String, RenderError> {
        limits::render(&self.env, name, ctx).map_err(|stop| self.explain(name, stop))
    }

    /// As [`Templates::render_body`], on a blocking thread within [`limits::TIME_LIMIT`],
    /// for callers on the async runtime.
    pub async fn render_body_off_runtime(
        &self,
        name: &str,
        ctx: minijinja::Value,
    ) -> Result<String, RenderError> {
        let env = Arc::clone(&self.env);
        let owned = name.to_string();
        let work = move || limits::render(&env, &owned, &ctx);
        match limits::off_runtime(limits::TIME_LIMIT, work).await {
            Ok(rendered) => rendered.map_err(|stop| self.explain(name, stop)),
            Err(limits::Abandoned::TooSlow(limit)) => Err(RenderError::plain(format!(
                "the template took longer than {} s to render; simplify the loops",
                limit.as_secs()
            ))),
            Err(why) => Err(RenderError::plain(format!("rendering {why}"))),
        }
    }

    /// The fuel one render of `name` takes, for the tests that keep the budget honest.
    #[cfg(test)]
    pub(crate) fn fuel_used(&self, name: &str, ctx: &minijinja::Value) -> Option<u64> {
        let t = self.env.get_template(name).ok()?;
        let done = t.render_captured_to(ctx, std::io::sink()).ok()?;
        done.state().fuel_levels().map(|(used, _)| used)
    }

    /// A stopped render in words, placed in its template file when that helps the author.
    fn explain(&self, name: &str, stop: Stop) -> RenderError {
        let e = match stop {
            Stop::TooLong => return RenderError::too_long(),
            Stop::Engine(e) => e,
        };
        if !ran_out_of_fuel(&e) {
            return RenderError::plain(match e.detail() {
                Some(d) => format!("{}: {d}", e.kind()),
                None => e.kind().to_string(),
            });
        }
        RenderError::too_much_work(self.get(name).and_then(|t| position(t, &e)))
    }
}

/// Fuel can run out inside a macro or filter, where minijinja wraps the error.
fn ran_out_of_fuel(e: &minijinja::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if c.downcast_ref::<minijinja::Error>()
            .is_some_and(|m| m.kind() == minijinja::ErrorKind::OutOfFuel)
        {
            return true;
        }
        cause = c.source();
    }
    false
}

/// Where in the template's file minijinja stopped, as `(line, column)`.
fn position(t: &Template, e: &minijinja::Error) -> Option<(usize, usize)> {
    let (line, col) = match e.range() {
        Some(range) => file_line_col(&t.body, range.start),
        None => (e.line()?, 1),
    };
    Some((t.body_line + line - 1, col))
}
