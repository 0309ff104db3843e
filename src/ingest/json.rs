//! A JSON batch of adoption rows (`POST /api/v1/adoption`): an array of objects, or
//! `{"rows": [...]}`, each `{"source", "metric", "team" | "member", "value", "at"}`.
//! Numbers may come as numbers or strings; a row is numbered from 1 in the batch.

use serde_json::Value;

use crate::domain::adoption::{Incoming, RowError};
use crate::domain::closest::or_list;

const FIELDS: [&str; 6] = ["source", "metric", "team", "member", "value", "at"];

/// The batch's rows, or what is wrong with its shape.
pub fn rows(body: &Value) -> Result<Vec<Incoming>, Vec<RowError>> {
    let list = match body {
        Value::Array(a) => a,
        Value::Object(o) => match o.get("rows") {
            Some(Value::Array(a)) => a,
            _ => {
                return Err(vec![shape(
                    "the body is an array of rows, or {\"rows\": [...]}",
                )])
            }
        },
        _ => {
            return Err(vec![shape(
                "the body is an array of rows, or {\"rows\": [...]}",
            )])
        }
    };
    let mut out = Vec::with_capacity(list.len());
    let mut errors = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let n = i + 1;
        let Value::Object(fields) = item else {
            errors.push(RowError {
                row: n,
                column: "row",
                message: "a row is an object such as {\"source\": \"crm\", \"metric\": \"crm_active\", \"team\": \"Sales\", \"value\": 12, \"at\": \"2026-03-09\"}".into(),
            });
            continue;
        };
        let mut row = Incoming {
            row: n,
            ..Incoming::default()
        };
        for (key, value) in fields {
            let slot = match key.as_str() {
                "source" => &mut row.source,
                "metric" => &mut row.metric,
                "team" => &mut row.team,
                "member" => &mut row.member,
                "value" => &mut row.value,
                "at" => &mut row.at,
                other => {
                    errors.push(RowError {
                        row: n,
                        column: "row",
                        message: format!(
                            "unknown field `{other}`{}",
                            or_list(other, &FIELDS, "fields")
                        ),
                    });
                    continue;
                }
            };
            *slot = match value {
                Value::Null => None,
                Value::String(s) => Some(s.clone()),
                Value::Number(x) => Some(x.to_string()),
                other => Some(other.to_string()),
            };
        }
        out.push(row);
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn shape(message: &str) -> RowError {
    RowError {
        row: 0,
        column: "body",
        message: message.into(),
    }
}
