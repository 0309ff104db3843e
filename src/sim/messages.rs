//! Creating and editing messages: limits, nonce de-duplication, storage, MESSAGE_CREATE.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::payloads;
use super::state::{Inner, Message, SimState, StoredAttachment, INTENT_GUILD_MESSAGES};
use super::validate;

const NONCE_WINDOW: Duration = Duration::from_secs(300);

/// A message body as received: JSON (from `payload_json` for multipart) plus files.
#[derive(Debug, Default)]
pub struct Incoming {
    pub body: Value,
    pub files: Vec<(String, Vec<u8>)>,
}

pub enum Outcome {
    Created(Value),
    /// The nonce was seen within five minutes: the first message, not posted again.
    Duplicate(Value),
    Invalid(Vec<String>),
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Checks limits and records a violation when they are broken.
pub fn check(inner: &mut Inner, route: &str, body: &Value) -> Result<(), Vec<String>> {
    let problems = validate::message_problems(body);
    if !problems.is_empty() {
        inner
            .stats
            .violation("limit", format!("{route}: {}", problems.join("; ")));
        return Err(problems);
    }
    if body.get("allowed_mentions").is_none() && validate::names_a_mention(body) {
        inner.stats.violation(
            "unguarded_mentions",
            format!("{route}: a message naming a mention has no allowed_mentions"),
        );
    }
    Ok(())
}

/// Posts a message as `author` in `channel`.
pub fn create(
    state: &SimState,
    channel: u64,
    author: u64,
    msg: Incoming,
    ephemeral: bool,
) -> Outcome {
    let mut inner = state.lock();
    if let Err(p) = check(&mut inner, "create message", &msg.body) {
        return Outcome::Invalid(p);
    }
    let nonce = msg.body.get("nonce").and_then(|n| {
        n.as_str()
            .map(String::from)
            .or_else(|| n.as_u64().map(|v| v.to_string()))
    });
    let enforce = msg
        .body
        .get("enforce_nonce")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if let (Some(n), true) = (&nonce, enforce) {
        if let Some(first) = seen_nonce(&mut inner, channel, n) {
            inner.stats.nonce_duplicates_prevented += 1;
            return Outcome::Duplicate(first);
        }
    }
    let id = inner.next_id();
    let attachments = msg
        .files
        .into_iter()
        .map(|(filename, bytes)| StoredAttachment {
            id: id + 1,
            filename,
            bytes,
        })
        .collect();
    let m = Message {
        id,
        channel,
        author,
        content: str_of(&msg.body, "content"),
        embeds: msg.body.get("embeds").cloned().unwrap_or_else(|| json!([])),
        components: msg
            .body
            .get("components")
            .cloned()
            .unwrap_or_else(|| json!([])),
        attachments,
        nonce: nonce.clone(),
        created_ms: now_ms(),
        edited_ms: None,
        ephemeral,
        allowed_mentions: msg
            .body
            .get("allowed_mentions")
            .cloned()
            .unwrap_or(Value::Null),
        bot_reactions: vec![],
    };
    if let (Some(n), true) = (nonce, enforce) {
        inner.nonces.insert((channel, n), (id, Instant::now()));
    }
    let payload = payloads::message(&inner, &m);
    inner.messages.insert(id, m);
    if !ephemeral {
        inner.stats.messages_created += 1;
        if inner.dm_channels.values().any(|c| *c == channel) {
            inner.stats.dms_created += 1;
        }
    }
    drop(inner);
    if !ephemeral {
        state.dispatch(
            "MESSAGE_CREATE",
            payload.clone(),
            Some(INTENT_GUILD_MESSAGES),
        );
    }
    Outcome::Created(payload)
}

fn seen_nonce(inner: &mut Inner, channel: u64, nonce: &str) -> Option<Value> {
    let (id, at) = *inner.nonces.get(&(channel, nonce.to_string()))?;
    if at.elapsed() > NONCE_WINDOW {
        return None;
    }
    inner.messages.get(&id).map(|m| payloads::message(inner, m))
}

/// Applies the fields present in `body` to a stored message.
pub fn edit(state: &SimState, id: u64, body: &Value) -> Result<Value, Vec<String>> {
    let mut inner = state.lock();
    check(&mut inner, "edit message", body)?;
    let Some(m) = inner.messages.get_mut(&id) else {
        return Err(vec!["Unknown Message".into()]);
    };
    if let Some(c) = body.get("content") {
        m.content = c.as_str().unwrap_or_default().to_string();
    }
    if let Some(e) = body.get("embeds") {
        m.embeds = if e.is_null() { json!([]) } else { e.clone() };
    }
    if let Some(c) = body.get("components") {
        m.components = if c.is_null() { json!([]) } else { c.clone() };
    }
    m.edited_ms = Some(now_ms());
    let m = m.clone();
    Ok(payloads::message(&inner, &m))
}

fn str_of(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// A message as the control API lists it.
pub fn listed(m: &Message) -> Value {
    let attachments: Vec<Value> = m
        .attachments
        .iter()
        .map(|a| json!({ "filename": a.filename, "size": a.bytes.len() }))
        .collect();
    json!({
        "id": m.id.to_string(), "author_id": m.author.to_string(), "content": m.content,
        "embeds": m.embeds, "components": m.components, "attachments": attachments,
        "nonce": m.nonce, "created_ms": m.created_ms, "edited_ms": m.edited_ms,
        "allowed_mentions": m.allowed_mentions, "bot_reactions": m.bot_reactions
    })
}

/// One interaction response as `GET /_sim/interactions/{id}` shows it.
pub fn response_record(
    kind: &str,
    kind_code: u64,
    body: &Value,
    message: Option<&Message>,
) -> Value {
    let data = body.get("data").unwrap_or(body);
    let flags = data.get("flags").and_then(Value::as_u64).unwrap_or(0);
    let attachments: Vec<Value> = message
        .map(|m| {
            m.attachments
                .iter()
                .map(|a| json!({ "filename": a.filename, "size": a.bytes.len() }))
                .collect()
        })
        .unwrap_or_default();
    json!({
        "kind": kind, "type": kind_code,
        "content": data.get("content").cloned().unwrap_or(Value::Null),
        "embeds": data.get("embeds").cloned().unwrap_or_else(|| json!([])),
        "components": data.get("components").cloned().unwrap_or_else(|| json!([])),
        "ephemeral": flags & 64 != 0 || message.is_some_and(|m| m.ephemeral),
        "attachments": attachments,
        "custom_id": data.get("custom_id").cloned().unwrap_or(Value::Null),
        "title": data.get("title").cloned().unwrap_or(Value::Null),
        "choices": data.get("choices").cloned().unwrap_or(Value::Null),
        "message_id": message.map(|m| m.id.to_string())
    })
}
