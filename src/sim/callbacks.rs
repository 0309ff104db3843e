//! Answering interactions: the callback (with Discord's 3-second deadline and one initial
//! response), follow-ups, and edits of the original response.

use std::sync::Arc;

use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::messages::{self, Incoming, Outcome};
use super::payloads;
use super::server::{discord_error, invalid_form, read_incoming};
use super::state::SimState;

const DEADLINE_MS: f64 = 3000.0;

#[derive(Deserialize)]
pub struct CallbackQuery {
    /// Discord takes `true`/`false` in any case and `1`/`0` (discord.py sends `1`).
    with_response: Option<String>,
}

/// `with_response` as Discord reads it; Err for anything else.
fn with_response(q: &CallbackQuery) -> Result<bool, Response> {
    match q
        .with_response
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("false" | "0") => Ok(false),
        Some("true" | "1") => Ok(true),
        Some(_) => Err(invalid_form(&[
            "with_response: Value must be one of {True, False}.".to_string(),
        ])),
    }
}

/// Discord's interaction callback response: the interaction, and what the callback made.
fn callback_response(s: &SimState, id: u64, kind: u64, message: Option<Value>) -> Value {
    let interaction_type = s.lock().interactions.get(&id).map_or(0, |i| i.kind);
    let mut interaction = json!({ "id": id.to_string(), "type": interaction_type });
    if let Some(m) = &message {
        let ephemeral = m["flags"].as_u64().unwrap_or(0) & 64 != 0;
        interaction["response_message_id"] = m["id"].clone();
        interaction["response_message_loading"] = json!(kind == 5);
        interaction["response_message_ephemeral"] = json!(ephemeral);
    }
    let mut resource = json!({ "type": kind });
    if let Some(m) = message {
        resource["message"] = m;
    }
    json!({ "interaction": interaction, "resource": resource })
}

/// `POST /interactions/{id}/{token}/callback`.
pub async fn callback(
    State(s): State<Arc<SimState>>,
    Path((id, token)): Path<(u64, String)>,
    Query(q): Query<CallbackQuery>,
    req: Request,
) -> Response {
    let respond_with_body = match with_response(&q) {
        Ok(w) => w,
        Err(resp) => return resp,
    };
    let incoming = match read_incoming(req).await {
        Ok(i) => i,
        Err(resp) => return resp,
    };
    let kind = incoming
        .body
        .get("type")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    if let Err(problems) = fits_the_interaction(&s, id, kind, &incoming.body) {
        return invalid_form(&problems);
    }
    let (channel, source) = match first_response_checks(&s, id, &token) {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    let ephemeral = incoming.body["data"]["flags"].as_u64().unwrap_or(0) & 64 != 0;
    let created = match kind {
        4 | 5 => {
            let mut data = incoming
                .body
                .get("data")
                .cloned()
                .unwrap_or_else(|| json!({}));
            if kind == 5 {
                data = json!({ "content": "", "allowed_mentions": { "parse": [] } });
            }
            let bot = s.lock().bot_id;
            match messages::create(
                &s,
                channel,
                bot,
                Incoming {
                    body: data,
                    files: incoming.files,
                },
                ephemeral,
            ) {
                Outcome::Created(p) | Outcome::Duplicate(p) => {
                    p["id"].as_str().and_then(|i| i.parse().ok())
                }
                Outcome::Invalid(p) => return invalid_form(&p),
            }
        }
        7 if source.is_none() => {
            return invalid_form(&[
                "type: UPDATE_MESSAGE needs an interaction on a message (a click, or a modal opened by one)".to_string(),
            ])
        }
        7 => match source
            .map(|m| messages::edit(&s, m, incoming.body.get("data").unwrap_or(&json!({}))))
        {
            Some(Err(p)) => return invalid_form(&p),
            _ => source,
        },
        _ => source,
    };
    let record = {
        let mut inner = s.lock();
        let message = created.and_then(|m| inner.messages.get(&m)).cloned();
        let record = messages::response_record("initial", kind, &incoming.body, message.as_ref());
        if let Some(i) = inner.interactions.get_mut(&id) {
            i.responses.push(record.clone());
            i.original = created.or(i.original);
        }
        (record, message.map(|m| payloads::message(&inner, &m)))
    };
    s.responded.notify_waiters();
    if respond_with_body {
        return Json(callback_response(&s, id, kind, record.1)).into_response();
    }
    StatusCode::NO_CONTENT.into_response()
}

/// An autocomplete (type 4) takes only choices (callback type 8), and choices answer only
/// an autocomplete: at most 25, each named in 1–100 characters, a string value at most 100.
fn fits_the_interaction(s: &SimState, id: u64, kind: u64, body: &Value) -> Result<(), Vec<String>> {
    let autocomplete = s.lock().interactions.get(&id).is_some_and(|i| i.kind == 4);
    match (autocomplete, kind) {
        (true, 8) => choices_fit(&body["data"]["choices"]),
        (true, other) => Err(vec![format!(
            "type: an autocomplete interaction takes only type 8 (choices), not {other}"
        )]),
        (false, 8) => Err(vec![
            "type: choices (8) answer only an autocomplete interaction".into(),
        ]),
        (false, _) => Ok(()),
    }
}

fn choices_fit(choices: &Value) -> Result<(), Vec<String>> {
    let Some(list) = choices.as_array() else {
        return Err(vec!["data.choices: an array is required".into()]);
    };
    let mut problems = Vec::new();
    if list.len() > 25 {
        problems.push(format!("data.choices: at most 25, not {}", list.len()));
    }
    for (i, c) in list.iter().enumerate() {
        let name = c["name"].as_str().map_or(0, |n| n.chars().count());
        if !(1..=100).contains(&name) {
            problems.push(format!(
                "data.choices.{i}.name: 1 to 100 characters, not {name}"
            ));
        }
        match &c["value"] {
            Value::String(v) if v.chars().count() > 100 => problems.push(format!(
                "data.choices.{i}.value: at most 100 characters, not {}",
                v.chars().count()
            )),
            Value::String(_) | Value::Number(_) => {}
            _ => problems.push(format!("data.choices.{i}.value: a string or a number")),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// The deadline and single-response rules; returns the channel and the source message.
fn first_response_checks(
    s: &SimState,
    id: u64,
    token: &str,
) -> Result<(u64, Option<u64>), Response> {
    let mut inner = s.lock();
    let Some(i) = inner.interactions.get(&id).filter(|i| i.token == token) else {
        return Err(discord_error(
            StatusCode::NOT_FOUND,
            10062,
            "Unknown interaction",
        ));
    };
    let elapsed = i.created.elapsed().as_secs_f64() * 1000.0;
    let (already, channel, source) = (i.ack_ms.is_some(), i.channel, i.original);
    if already {
        inner.stats.double_acks += 1;
        inner
            .stats
            .violation("double_ack", format!("interaction {id} answered twice"));
        return Err(discord_error(
            StatusCode::BAD_REQUEST,
            40060,
            "Interaction has already been acknowledged.",
        ));
    }
    if elapsed > DEADLINE_MS {
        inner.stats.late += 1;
        inner.stats.violation(
            "late_ack",
            format!("interaction {id} first answered after {elapsed:.0} ms"),
        );
        return Err(discord_error(
            StatusCode::NOT_FOUND,
            10062,
            "Unknown interaction",
        ));
    }
    inner.stats.ack_ms.push(elapsed);
    if let Some(i) = inner.interactions.get_mut(&id) {
        i.ack_ms = Some(elapsed);
    }
    Ok((channel, source))
}

fn by_token(s: &SimState, token: &str) -> Option<(u64, u64, Option<u64>)> {
    let inner = s.lock();
    let id = *inner.tokens.get(token)?;
    inner
        .interactions
        .get(&id)
        .map(|i| (id, i.channel, i.original))
}

/// `POST /webhooks/{app}/{token}`: a follow-up message.
pub async fn followup(
    State(s): State<Arc<SimState>>,
    Path((_app, token)): Path<(String, String)>,
    req: Request,
) -> Response {
    let Some((id, channel, _)) = by_token(&s, &token) else {
        return discord_error(StatusCode::NOT_FOUND, 10015, "Unknown Webhook");
    };
    let incoming = match read_incoming(req).await {
        Ok(i) => i,
        Err(resp) => return resp,
    };
    let ephemeral = incoming.body["flags"].as_u64().unwrap_or(0) & 64 != 0;
    let body = incoming.body.clone();
    let bot = s.lock().bot_id;
    let payload = match messages::create(&s, channel, bot, incoming, ephemeral) {
        Outcome::Created(p) | Outcome::Duplicate(p) => p,
        Outcome::Invalid(p) => return invalid_form(&p),
    };
    record(&s, id, "followup", &body, payload["id"].as_str());
    Json(payload).into_response()
}

/// `PATCH /webhooks/{app}/{token}/messages/{id|@original}`.
pub async fn edit_webhook_message(
    State(s): State<Arc<SimState>>,
    Path((_app, token, message)): Path<(String, String, String)>,
    req: Request,
) -> Response {
    let Some((id, _, original)) = by_token(&s, &token) else {
        return discord_error(StatusCode::NOT_FOUND, 10015, "Unknown Webhook");
    };
    let target = if message == "@original" {
        original
    } else {
        message.parse().ok()
    };
    let Some(target) = target else {
        return discord_error(StatusCode::NOT_FOUND, 10008, "Unknown Message");
    };
    let incoming = match read_incoming(req).await {
        Ok(i) => i,
        Err(resp) => return resp,
    };
    match messages::edit(&s, target, &incoming.body) {
        Ok(p) => {
            record(&s, id, "edit", &incoming.body, p["id"].as_str());
            Json(p).into_response()
        }
        Err(p) if p == ["Unknown Message"] => {
            discord_error(StatusCode::NOT_FOUND, 10008, "Unknown Message")
        }
        Err(p) => invalid_form(&p),
    }
}

/// `GET /webhooks/{app}/{token}/messages/{id|@original}`.
pub async fn get_original(
    State(s): State<Arc<SimState>>,
    Path((_app, token, message)): Path<(String, String, String)>,
) -> Response {
    let Some((_, _, original)) = by_token(&s, &token) else {
        return discord_error(StatusCode::NOT_FOUND, 10015, "Unknown Webhook");
    };
    let target = if message == "@original" {
        original
    } else {
        message.parse().ok()
    };
    let inner = s.lock();
    match target.and_then(|t| inner.messages.get(&t)) {
        Some(m) => Json(payloads::message(&inner, m)).into_response(),
        None => discord_error(StatusCode::NOT_FOUND, 10008, "Unknown Message"),
    }
}

fn record(s: &SimState, id: u64, kind: &str, body: &Value, message: Option<&str>) {
    let mut inner = s.lock();
    let m = message
        .and_then(|m| m.parse::<u64>().ok())
        .and_then(|m| inner.messages.get(&m))
        .cloned();
    let mut rec = messages::response_record(kind, 0, body, m.as_ref());
    rec["type"] = Value::Null;
    if let Some(i) = inner.interactions.get_mut(&id) {
        i.responses.push(rec);
    }
    drop(inner);
    s.responded.notify_waiters();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::interactions::open;
    use crate::sim::WorldSpec;
    use std::time::Duration;

    #[test]
    fn a_first_answer_after_three_seconds_is_refused_and_counted_late() {
        let st = SimState::new(&WorldSpec::default_world()).expect("world");
        let (id, token) = {
            let mut inner = st.lock();
            let channel = inner.find_channel("sales").expect("channel");
            let member = inner.find_user("Ava").expect("member");
            let (id, _) = open(&mut inner, 2, member, channel, json!({}), None);
            let i = inner.interactions.get_mut(&id).expect("stored");
            i.created -= Duration::from_millis(3100);
            (id, i.token.clone())
        };
        let err = first_response_checks(&st, id, &token).expect_err("too late");
        assert_eq!(err.status(), StatusCode::NOT_FOUND);
        let inner = st.lock();
        assert_eq!(inner.stats.late, 1);
        assert_eq!(inner.stats.violations[0].0, "late_ack");
    }
}
