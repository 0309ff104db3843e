//! Interactions: dispatching them (from the control API) and answering them (callbacks,
//! follow-ups, edits), with Discord's 3-second deadline and one initial response.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::messages::{self, Incoming, Outcome};
use super::payloads;
use super::server::{discord_error, invalid_form, read_incoming};
use super::state::{Inner, Interaction, SimState};

const DEADLINE_MS: f64 = 3000.0;

/// Registers an interaction and returns its id and payload, to be dispatched.
fn open(
    inner: &mut Inner,
    kind: u8,
    user: u64,
    channel: u64,
    data: Value,
    message: Option<u64>,
) -> (u64, Value) {
    let id = inner.next_id();
    let token = format!("sim-token-{id}");
    let mut payload = payloads::interaction_base(inner, id, &token, kind, user, channel);
    payload["data"] = data;
    if let Some(m) = message.and_then(|m| inner.messages.get(&m)) {
        payload["message"] = payloads::message(inner, m);
    }
    inner.tokens.insert(token.clone(), id);
    inner.interactions.insert(
        id,
        Interaction {
            id,
            token,
            channel,
            created: Instant::now(),
            ack_ms: None,
            responses: vec![],
            original: message,
        },
    );
    inner.stats.interactions += 1;
    (id, payload)
}

fn dispatch(state: &SimState, payload: Value) {
    state.dispatch("INTERACTION_CREATE", payload, None);
}

/// `POST /_sim/interactions/command`: builds options from the registered definition.
pub fn command(
    state: &SimState,
    member: u64,
    channel: u64,
    path: &str,
    options: &Map<String, Value>,
) -> Result<u64, String> {
    let mut inner = state.lock();
    let words: Vec<&str> = path.split_whitespace().collect();
    let Some((root, rest)) = words.split_first() else {
        return Err("command is empty".into());
    };
    let guild = inner.channels.get(&channel).and_then(|c| c.guild);
    let def = inner
        .commands
        .iter()
        .find(|c| {
            c["name"] == *root
                && (c["guild_id"].is_null()
                    || c["guild_id"].as_str() == guild.map(|g| g.to_string()).as_deref())
        })
        .cloned()
        .ok_or_else(|| format!("no command `/{root}` is registered"))?;
    let mut resolved = json!({});
    let leaf = build_options(&inner, &def, rest, options, &mut resolved)?;
    let data = json!({
        "id": def["id"], "name": root, "type": 1, "options": leaf, "resolved": resolved,
        "guild_id": guild.map(|g| g.to_string())
    });
    let (id, payload) = open(&mut inner, 2, member, channel, data, None);
    drop(inner);
    dispatch(state, payload);
    Ok(id)
}

/// Walks subcommand groups and subcommands, then converts the leaf's options.
fn build_options(
    inner: &Inner,
    def: &Value,
    path: &[&str],
    given: &Map<String, Value>,
    resolved: &mut Value,
) -> Result<Value, String> {
    let defs = def
        .get("options")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if let Some((head, tail)) = path.split_first() {
        let sub = defs
            .iter()
            .find(|o| o["name"] == *head && matches!(o["type"].as_u64(), Some(1 | 2)));
        let sub =
            sub.ok_or_else(|| format!("`{head}` is not a subcommand of `{}`", def["name"]))?;
        let inner_opts = build_options(inner, sub, tail, given, resolved)?;
        return Ok(json!([{ "name": head, "type": sub["type"], "options": inner_opts }]));
    }
    if let Some(unknown) = given
        .keys()
        .find(|k| !defs.iter().any(|d| d["name"] == k.as_str()))
    {
        let names: Vec<&str> = defs.iter().filter_map(|d| d["name"].as_str()).collect();
        return Err(format!(
            "unknown option `{unknown}`; this command takes: {}",
            names.join(", ")
        ));
    }
    let mut out = Vec::new();
    for d in &defs {
        let name = d["name"].as_str().unwrap_or_default();
        match given.get(name) {
            Some(v) => out.push(json!({ "name": name, "type": d["type"], "value": option_value(inner, d, v, resolved)? })),
            None if d["required"] == true => return Err(format!("option `{name}` is required")),
            None => {}
        }
    }
    Ok(Value::Array(out))
}

fn option_value(
    inner: &Inner,
    def: &Value,
    v: &Value,
    resolved: &mut Value,
) -> Result<Value, String> {
    let text = v
        .as_str()
        .map(String::from)
        .unwrap_or_else(|| v.to_string());
    let name = def["name"].as_str().unwrap_or_default();
    match def["type"].as_u64().unwrap_or(3) {
        3 => Ok(json!(text)),
        4 => text
            .parse::<i64>()
            .map(|n| json!(n))
            .map_err(|_| format!("option `{name}` takes a whole number")),
        10 => text
            .parse::<f64>()
            .map(|n| json!(n))
            .map_err(|_| format!("option `{name}` takes a number")),
        5 => Ok(json!(v.as_bool().unwrap_or(text == "true"))),
        6 => resolve_user(inner, &text, resolved).ok_or_else(|| format!("no member `{text}`")),
        7 => resolve_channel(inner, &text, resolved).ok_or_else(|| format!("no channel `{text}`")),
        8 => resolve_role(inner, &text, resolved).ok_or_else(|| format!("no role `{text}`")),
        9 => resolve_user(inner, &text, resolved)
            .or_else(|| resolve_role(inner, &text, resolved))
            .ok_or_else(|| format!("no member or role `{text}`")),
        other => Err(format!("option type {other} is not simulated")),
    }
}

fn resolve_user(inner: &Inner, key: &str, resolved: &mut Value) -> Option<Value> {
    let id = inner.find_user(key)?;
    let user = inner.users.get(&id).map(payloads::user)?;
    resolved["users"][id.to_string()] = user;
    if let Some(g) = inner.guild_of_member(id) {
        let mut m = payloads::member(inner, g, id, false);
        m["permissions"] = json!(inner.permissions(g, id).to_string());
        resolved["members"][id.to_string()] = m;
    }
    Some(json!(id.to_string()))
}

fn resolve_channel(inner: &Inner, key: &str, resolved: &mut Value) -> Option<Value> {
    let id = inner.find_channel(key)?;
    let c = inner.channels.get(&id)?;
    resolved["channels"][id.to_string()] = json!({ "id": id.to_string(), "name": c.name, "type": c.kind, "permissions": "2248473465835073" });
    Some(json!(id.to_string()))
}

fn resolve_role(inner: &Inner, key: &str, resolved: &mut Value) -> Option<Value> {
    let id = inner.find_role(key)?;
    resolved["roles"][id.to_string()] = inner.roles.get(&id).map(payloads::role)?;
    Some(json!(id.to_string()))
}

/// `POST /_sim/interactions/component`: a click on a button or a select.
pub fn component(
    state: &SimState,
    member: u64,
    message: u64,
    custom_id: &str,
    values: Option<Vec<String>>,
) -> Result<u64, String> {
    let mut inner = state.lock();
    let channel = inner
        .messages
        .get(&message)
        .map(|m| m.channel)
        .ok_or_else(|| format!("no message {message}"))?;
    let data = match values {
        Some(v) => json!({ "custom_id": custom_id, "component_type": 3, "values": v }),
        None => json!({ "custom_id": custom_id, "component_type": 2 }),
    };
    let (id, payload) = open(&mut inner, 3, member, channel, data, Some(message));
    drop(inner);
    dispatch(state, payload);
    Ok(id)
}

/// `POST /_sim/interactions/modal`: a modal submitted with its text fields.
pub fn modal(
    state: &SimState,
    member: u64,
    channel: u64,
    custom_id: &str,
    fields: &Map<String, Value>,
) -> u64 {
    let rows: Vec<Value> = fields
        .iter()
        .map(|(k, v)| json!({ "type": 1, "components": [{ "type": 4, "custom_id": k, "value": v.as_str().unwrap_or_default() }] }))
        .collect();
    let mut inner = state.lock();
    let (id, payload) = open(
        &mut inner,
        5,
        member,
        channel,
        json!({ "custom_id": custom_id, "components": rows }),
        None,
    );
    drop(inner);
    dispatch(state, payload);
    id
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    with_response: Option<bool>,
}

/// `POST /interactions/{id}/{token}/callback`.
pub async fn callback(
    State(s): State<Arc<SimState>>,
    Path((id, token)): Path<(u64, String)>,
    Query(q): Query<CallbackQuery>,
    req: Request,
) -> Response {
    let incoming = match read_incoming(req).await {
        Ok(i) => i,
        Err(resp) => return resp,
    };
    let kind = incoming
        .body
        .get("type")
        .and_then(Value::as_u64)
        .unwrap_or(0);
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
    if q.with_response == Some(true) {
        let body = json!({ "interaction": { "id": id.to_string(), "type": kind }, "resource": { "type": kind, "message": record.1 } });
        return Json(body).into_response();
    }
    StatusCode::NO_CONTENT.into_response()
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
