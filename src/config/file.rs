//! Reads `herald.toml` into raw values, each tagged with its file, line and column.

use std::collections::BTreeMap;
use std::path::Path;

use toml::Spanned;

use super::{ConfigError, Origin, RawLayer};

type Sections = BTreeMap<Spanned<String>, BTreeMap<Spanned<String>, Spanned<toml::Value>>>;

/// Keys whose values are numbers rather than text.
const NUMERIC_KEYS: &[&str] = &[
    "database.max_connections",
    "discord.guild_id",
    "privacy.min_group_size",
    "champions.daily_cap",
    "sentiment.half_life_days",
    "sentiment.alert_drop",
    "sentiment.alert_floor",
];

pub(super) fn read(path: &Path) -> Result<RawLayer, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        let origin = Origin::File {
            path: path.to_path_buf(),
            line: 0,
            col: 0,
        };
        ConfigError::new(
            "config",
            origin,
            format!("cannot read the configuration file: {e}"),
        )
    })?;
    parse(path, &text)
}

pub(super) fn parse(path: &Path, text: &str) -> Result<RawLayer, ConfigError> {
    let at = |offset: usize| {
        let (line, col) = line_col(text, offset);
        Origin::File {
            path: path.to_path_buf(),
            line,
            col,
        }
    };
    let sections: Sections = toml::from_str(text).map_err(|e| {
        let origin = at(e.span().map(|s| s.start).unwrap_or(0));
        ConfigError::new("config", origin, toml_message(e.message()))
    })?;
    let mut out = RawLayer::new();
    for (section, entries) in sections {
        for (key, value) in entries {
            let full = format!("{}.{}", section.get_ref(), key.get_ref());
            if let (true, toml::Value::Table(table)) =
                (section.get_ref() == "mirrors", value.get_ref())
            {
                for (field, v) in table {
                    let origin = at(value.span().start);
                    let text = v.as_str().map(String::from).ok_or_else(|| {
                        ConfigError::new(
                            &format!("{full}.{field}"),
                            origin.clone(),
                            "expected text in quotes",
                        )
                    })?;
                    out.push((format!("{full}.{field}"), text, origin));
                }
                continue;
            }
            let origin = at(value.span().start);
            let text = scalar(&full, value.get_ref())
                .map_err(|m| ConfigError::new(&full, origin.clone(), m))?;
            out.push((full, text, at(key.span().start)));
        }
    }
    Ok(out)
}

fn scalar(key: &str, value: &toml::Value) -> Result<String, String> {
    let numeric = NUMERIC_KEYS.contains(&key);
    match value {
        toml::Value::String(s) if !numeric => Ok(s.clone()),
        toml::Value::Integer(i) if numeric => Ok(i.to_string()),
        toml::Value::Float(f) if numeric => Ok(f.to_string()),
        toml::Value::String(_) => Err("expected a number, found text in quotes".into()),
        other if !numeric => Err(format!(
            "expected text in quotes, found {}",
            other.type_str()
        )),
        other => Err(format!("expected a number, found {}", other.type_str())),
    }
}

/// The parser's words without the value they may quote: serde's "invalid type: string
/// \"…\"" names the text itself, and that line may be the token's. The syntax errors
/// name only keys and the characters expected.
fn toml_message(raw: &str) -> String {
    let raw = raw.trim();
    let Some(rest) = raw
        .strip_prefix("invalid type: ")
        .or_else(|| raw.strip_prefix("invalid value: "))
    else {
        return raw.to_string();
    };
    // "string \"hunter2\", expected a map" → "string": the kind, never the value.
    let found = rest
        .split(['"', '`', ','])
        .next()
        .unwrap_or_default()
        .trim();
    format!("expected a [section] of settings, found {found} outside any section")
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map(|i| i + 1).unwrap_or(0) + 1;
    (line, col)
}
