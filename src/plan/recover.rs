//! Reading `plan.toml` past its first mistake: a table that cannot be read is reported
//! with its place and blanked out (same byte offsets, so every later place stays true),
//! and the rest is read again, so one run names every broken table.

use std::ops::Range;
use std::path::Path;

use serde::de::DeserializeOwned;

use super::{line_col, Problem};

/// At most this many broken tables are reported in one run.
const MAX_ROUNDS: usize = 64;

/// The plan read with every unreadable table left out, and whether any was.
pub(super) struct Read<T> {
    pub value: Option<T>,
    pub blanked: bool,
}

/// Parses `text`, reporting each unreadable table to `problems` and reading on without it.
pub(super) fn parse<T: DeserializeOwned>(
    file: &Path,
    text: &str,
    problems: &mut Vec<Problem>,
) -> Read<T> {
    let mut current = text.to_string();
    let mut blanked = false;
    for _ in 0..MAX_ROUNDS {
        let e = match toml::from_str::<T>(&current) {
            Ok(value) => {
                return Read {
                    value: Some(value),
                    blanked,
                }
            }
            Err(e) => e,
        };
        let at = e.span().map_or(0, |s| s.start);
        let (line, col) = line_col(text, at);
        problems.push(Problem {
            file: file.to_path_buf(),
            line,
            col,
            message: in_words(e.message()),
        });
        let table = table_around(&current, at);
        if current[table.clone()].trim().is_empty() {
            break;
        }
        blank(&mut current, table);
        blanked = true;
    }
    Read {
        value: None,
        blanked,
    }
}

/// The byte range of the table (header to the next header) that holds `at`; before the
/// first header, the top-level keys.
fn table_around(text: &str, at: usize) -> Range<usize> {
    let mut start = 0;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if is_header(line) {
            if offset > at {
                return start..offset;
            }
            start = offset;
        }
        offset += line.len();
    }
    start..text.len()
}

/// `[campaign]`, `[[items]]`, `[holidays.uk]`: a table header, comments allowed after.
fn is_header(line: &str) -> bool {
    let code = line.split('#').next().unwrap_or_default().trim();
    code.starts_with('[')
        && code.ends_with(']')
        && code
            .trim_matches(['[', ']'])
            .chars()
            .all(|c| c.is_alphanumeric() || "_-. \"'".contains(c))
}

/// Replaces the range with a space per byte, keeping its line breaks, so every offset
/// after it still points at the same text.
fn blank(text: &mut String, range: Range<usize>) {
    let kept: String = text[range.clone()]
        .bytes()
        .map(|b| if b == b'\n' { '\n' } else { ' ' })
        .collect();
    text.replace_range(range, &kept);
}

/// The TOML library's message, trimmed, with "did you mean" for a mistyped key.
fn in_words(message: &str) -> String {
    let message = message.trim().to_string();
    if message.starts_with("invalid basic string") || message.starts_with("invalid literal string")
    {
        return "a quoted value is not closed: end it with a quote on the same line".into();
    }
    let Some(rest) = message.strip_prefix("unknown field `") else {
        return message;
    };
    let Some((typed, expected)) = rest.split_once('`') else {
        return message;
    };
    let known: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    match crate::domain::closest::closest(typed, known.iter().copied()) {
        Some(c) => format!(
            "unknown key `{typed}`; did you mean `{c}`? (this table takes: {})",
            known.join(", ")
        ),
        None => format!(
            "unknown key `{typed}`; this table takes: {}",
            known.join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Doc {
        a: Option<Part>,
        #[serde(default)]
        items: Vec<Part>,
    }

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Part {
        name: String,
        count: u32,
    }

    #[test]
    fn every_broken_table_is_named_and_the_rest_is_read() {
        let text = "[a]\nname = \"x\"\ncount = \"three\"\n\n[[items]]\nname = \"ok\"\ncount = 1\n\n[[items]]\nname = \"broken\ncount = 2\n\n[[items]]\nnmae = \"typo\"\ncount = 3\n";
        let mut problems = Vec::new();
        let read: Read<Doc> = parse(Path::new("plan.toml"), text, &mut problems);
        problems.sort_by_key(|p| (p.line, p.col));
        let places: Vec<(usize, usize)> = problems.iter().map(|p| (p.line, p.col)).collect();
        assert_eq!(places, vec![(3, 9), (10, 15), (14, 1)], "{problems:#?}");
        assert!(
            problems[2]
                .message
                .contains("unknown key `nmae`; did you mean `name`?"),
            "{problems:#?}"
        );
        let doc = read.value.expect("the rest is read");
        assert!(read.blanked);
        assert!(doc.a.is_none());
        assert_eq!(doc.items.len(), 1);
        assert_eq!(doc.items[0].name, "ok");
    }
}
