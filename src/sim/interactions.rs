//! Interactions from the control API: slash commands (options built from the registered
//! definition, with `resolved` users, roles and channels), button clicks and modals.
//! Answering them is `callbacks.rs`.

use std::time::Instant;

use serde_json::{json, Map, Value};

use super::payloads;
use super::state::{Inner, Interaction, SimState};

/// Registers an interaction and returns its id and payload, to be dispatched.
pub(super) fn open(
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
            kind,
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
    invoke(state, member, channel, path, options, None)
}

/// `POST /_sim/interactions/autocomplete`: the person is typing `focused` (its text so far
/// in `options`); the option must be registered with `autocomplete: true`.
pub fn autocomplete(
    state: &SimState,
    member: u64,
    channel: u64,
    path: &str,
    options: &Map<String, Value>,
    focused: &str,
) -> Result<u64, String> {
    invoke(state, member, channel, path, options, Some(focused))
}

/// A command (type 2) or, with `focused`, an autocomplete (type 4) interaction.
fn invoke(
    state: &SimState,
    member: u64,
    channel: u64,
    path: &str,
    options: &Map<String, Value>,
    focused: Option<&str>,
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
    let typing = Typing { focused };
    let leaf = build_options(&inner, &def, rest, options, &mut resolved, typing)?;
    let data = json!({
        "id": def["id"], "name": root, "type": 1, "options": leaf, "resolved": resolved,
        "guild_id": guild.map(|g| g.to_string())
    });
    let kind = if focused.is_some() { 4 } else { 2 };
    let (id, payload) = open(&mut inner, kind, member, channel, data, None);
    drop(inner);
    dispatch(state, payload);
    Ok(id)
}

/// For an autocomplete: the option being typed. Its value goes as the text typed so far,
/// marked `focused`, and required options may still be missing.
#[derive(Clone, Copy)]
struct Typing<'a> {
    focused: Option<&'a str>,
}

/// Walks subcommand groups and subcommands, then converts the leaf's options.
fn build_options(
    inner: &Inner,
    def: &Value,
    path: &[&str],
    given: &Map<String, Value>,
    resolved: &mut Value,
    typing: Typing<'_>,
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
        let inner_opts = build_options(inner, sub, tail, given, resolved, typing)?;
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
    if let Some(f) = typing.focused {
        let def = defs.iter().find(|d| d["name"] == f);
        match def {
            None => return Err(format!("no option `{f}` to type in")),
            Some(d) if d["autocomplete"] != true => {
                return Err(format!("option `{f}` is not registered with autocomplete"))
            }
            Some(_) => {}
        }
    }
    let mut out = Vec::new();
    for d in &defs {
        let name = d["name"].as_str().unwrap_or_default();
        match given.get(name) {
            Some(v) if typing.focused == Some(name) => {
                let text = v.as_str().map_or_else(|| v.to_string(), String::from);
                out.push(json!({ "name": name, "type": d["type"], "value": text, "focused": true }));
            }
            Some(v) => out.push(json!({ "name": name, "type": d["type"], "value": option_value(inner, d, v, resolved)? })),
            None if typing.focused == Some(name) => {
                out.push(json!({ "name": name, "type": d["type"], "value": "", "focused": true }));
            }
            None if d["required"] == true && typing.focused.is_none() => {
                return Err(format!("option `{name}` is required"))
            }
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
/// A modal submit; `message` is the message whose button opened the modal, if one did
/// (Discord then lets the answer update that message).
pub fn modal(
    state: &SimState,
    member: u64,
    channel: u64,
    custom_id: &str,
    fields: &Map<String, Value>,
    message: Option<u64>,
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
        message,
    );
    drop(inner);
    dispatch(state, payload);
    id
}
