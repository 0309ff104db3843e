//! Discord's message limits, checked like Discord does (400, code 50035).

use std::collections::HashSet;

use serde_json::Value;

/// Every limit the message breaks, as `path: problem`.
pub fn message_problems(body: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let content = body.get("content").and_then(Value::as_str).unwrap_or("");
    if content.chars().count() > 2000 {
        out.push(format!(
            "content: {} characters, the limit is 2000",
            content.chars().count()
        ));
    }
    if let Some(embeds) = body.get("embeds").and_then(Value::as_array) {
        embed_problems(embeds, &mut out);
    }
    if let Some(rows) = body.get("components").and_then(Value::as_array) {
        component_problems(rows, &mut out);
    }
    if let Some(nonce) = body.get("nonce").and_then(Value::as_str) {
        if nonce.chars().count() > 25 {
            out.push("nonce: longer than 25 characters".into());
        }
    }
    out
}

fn len(v: &Value, key: &str) -> usize {
    v.get(key)
        .and_then(Value::as_str)
        .map_or(0, |s| s.chars().count())
}

fn embed_problems(embeds: &[Value], out: &mut Vec<String>) {
    if embeds.len() > 10 {
        out.push(format!("embeds: {} embeds, the limit is 10", embeds.len()));
    }
    let mut total = 0;
    for (i, e) in embeds.iter().enumerate() {
        let checks = [("title", 256), ("description", 4096)];
        for (key, max) in checks {
            let n = len(e, key);
            total += n;
            if n > max {
                out.push(format!(
                    "embeds[{i}].{key}: {n} characters, the limit is {max}"
                ));
            }
        }
        let footer = e.get("footer").map_or(0, |f| len(f, "text"));
        let author = e.get("author").map_or(0, |a| len(a, "name"));
        total += footer + author;
        if footer > 2048 {
            out.push(format!(
                "embeds[{i}].footer.text: {footer} characters, the limit is 2048"
            ));
        }
        if author > 256 {
            out.push(format!(
                "embeds[{i}].author.name: {author} characters, the limit is 256"
            ));
        }
        let fields = e
            .get("fields")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if fields.len() > 25 {
            out.push(format!(
                "embeds[{i}].fields: {} fields, the limit is 25",
                fields.len()
            ));
        }
        for (j, f) in fields.iter().enumerate() {
            let (name, value) = (len(f, "name"), len(f, "value"));
            total += name + value;
            if name > 256 || value > 1024 {
                out.push(format!(
                    "embeds[{i}].fields[{j}]: name {name}/256, value {value}/1024 characters"
                ));
            }
        }
    }
    if total > 6000 {
        out.push(format!(
            "embeds: {total} characters across all embeds, the limit is 6000"
        ));
    }
}

fn component_problems(rows: &[Value], out: &mut Vec<String>) {
    if rows.len() > 5 {
        out.push(format!(
            "components: {} action rows, the limit is 5",
            rows.len()
        ));
    }
    let mut ids = HashSet::new();
    for (i, row) in rows.iter().enumerate() {
        let items = row
            .get("components")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let selects = items
            .iter()
            .filter(|c| {
                c.get("type")
                    .and_then(Value::as_u64)
                    .is_some_and(|t| t >= 3)
            })
            .count();
        if items.len() > 5 || (selects > 0 && items.len() > 1) {
            out.push(format!(
                "components[{i}]: a row holds 5 buttons or one select"
            ));
        }
        for c in &items {
            component_item(i, c, &mut ids, out);
        }
    }
}

fn component_item(row: usize, c: &Value, ids: &mut HashSet<String>, out: &mut Vec<String>) {
    if let Some(id) = c.get("custom_id").and_then(Value::as_str) {
        let n = id.chars().count();
        if n == 0 || n > 100 {
            out.push(format!(
                "components[{row}]: custom_id of {n} characters, allowed 1-100"
            ));
        }
        if !ids.insert(id.to_string()) {
            out.push(format!("components[{row}]: custom_id `{id}` is used twice"));
        }
    }
    if len(c, "label") > 80 {
        out.push(format!("components[{row}]: label over 80 characters"));
    }
    if c.get("options")
        .and_then(Value::as_array)
        .is_some_and(|o| o.len() > 25)
    {
        out.push(format!(
            "components[{row}]: a select holds at most 25 options"
        ));
    }
}

/// Whether a message would ping someone if `allowed_mentions` were left out.
pub fn names_a_mention(body: &Value) -> bool {
    let content = body.get("content").and_then(Value::as_str).unwrap_or("");
    content.contains("<@") || content.contains("@everyone") || content.contains("@here")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn content_over_2000_characters_is_refused() {
        let p = message_problems(&json!({ "content": "x".repeat(2001) }));
        assert_eq!(
            p,
            vec!["content: 2001 characters, the limit is 2000".to_string()]
        );
    }

    #[test]
    fn embeds_over_6000_characters_in_total_are_refused() {
        let e = json!({ "description": "y".repeat(4000) });
        let p = message_problems(&json!({ "embeds": [e.clone(), e] }));
        assert!(
            p.iter()
                .any(|s| s.contains("8000 characters across all embeds")),
            "{p:?}"
        );
    }

    #[test]
    fn a_duplicate_custom_id_is_refused() {
        let b = json!({ "type": 2, "custom_id": "a", "label": "A", "style": 1 });
        let p = message_problems(
            &json!({ "components": [{ "type": 1, "components": [b.clone(), b] }] }),
        );
        assert!(p.iter().any(|s| s.contains("used twice")), "{p:?}");
    }
}
