//! The `/_sim/` control API that tests, benchmarks, demos and outside scripts drive.
//! Names are accepted wherever an id is.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::interactions;
use super::messages::{self, Incoming, Outcome};
use super::payloads;
use super::ratelimit::Faults;
use super::state::{GatewayEvent, SimState, INTENT_GUILD_MEMBERS, INTENT_GUILD_MESSAGE_REACTIONS};

type S = State<Arc<SimState>>;

pub fn router() -> Router<Arc<SimState>> {
    Router::new()
        .route("/world", get(world))
        .route("/members", post(add_member))
        .route("/commands", get(commands))
        .route("/interactions/command", post(command))
        .route("/interactions/autocomplete", post(autocomplete))
        .route("/interactions/component", post(component))
        .route("/interactions/modal", post(modal))
        .route("/interactions/:id", get(interaction))
        .route("/messages", post(post_message))
        .route("/reactions", post(react))
        .route("/channels/:channel/messages", get(channel_messages))
        .route("/dms/:member", get(dms))
        .route("/attachments/:message/:filename", get(attachment))
        .route("/faults", post(faults).get(get_faults))
        .route("/gateway/disconnect", post(disconnect))
        .route("/stats", get(stats))
}

fn fail(status: StatusCode, msg: impl Into<String>) -> Response {
    (status, Json(json!({ "error": msg.into() }))).into_response()
}

fn lookup(found: Option<u64>, what: &str, key: &str) -> Result<u64, Response> {
    found.ok_or_else(|| fail(StatusCode::NOT_FOUND, format!("no {what} `{key}`")))
}

async fn world(State(s): S) -> Json<Value> {
    let inner = s.lock();
    let guilds: Vec<Value> = inner
        .guilds
        .iter()
        .map(|g| {
            let channels: Vec<Value> = inner.guild_channels(g.id).map(|c| json!({ "id": c.id.to_string(), "name": c.name })).collect();
            let roles: Vec<Value> = inner.guild_roles(g.id).map(|r| json!({ "id": r.id.to_string(), "name": r.name })).collect();
            let members: Vec<Value> = inner
                .guild_members(g.id)
                .filter_map(|(u, m)| {
                    let user = inner.users.get(&u)?;
                    let roles: Vec<String> = m.roles.iter().map(u64::to_string).collect();
                    Some(json!({ "id": u.to_string(), "name": user.name, "roles": roles, "bot": user.bot }))
                })
                .collect();
            json!({ "id": g.id.to_string(), "name": g.name, "owner_id": g.owner_id.to_string(), "bot_left": g.bot_left,
                    "channels": channels, "roles": roles, "members": members })
        })
        .collect();
    Json(
        json!({ "guilds": guilds, "bot_user_id": inner.bot_id.to_string(), "application_id": inner.app_id.to_string() }),
    )
}

#[derive(Deserialize)]
struct NewMember {
    guild: Option<String>,
    name: String,
    #[serde(default)]
    roles: Vec<String>,
}

async fn add_member(State(s): S, Json(req): Json<NewMember>) -> Response {
    let mut inner = s.lock();
    let guild = match lookup(
        inner.find_guild(req.guild.as_deref()),
        "guild",
        req.guild.as_deref().unwrap_or(""),
    ) {
        Ok(g) => g,
        Err(r) => return r,
    };
    if inner.find_user(&req.name).is_some() {
        return fail(
            StatusCode::CONFLICT,
            format!(
                "a member named `{}` exists already; names are unique",
                req.name
            ),
        );
    }
    let mut roles = Vec::new();
    for r in &req.roles {
        match lookup(inner.find_role(r), "role", r) {
            Ok(id) => roles.push(id),
            Err(resp) => return resp,
        }
    }
    let id = inner.add_member(guild, &req.name, roles);
    let payload = payloads::member_add(&inner, guild, id);
    drop(inner);
    s.dispatch("GUILD_MEMBER_ADD", payload, Some(INTENT_GUILD_MEMBERS));
    Json(json!({ "id": id.to_string() })).into_response()
}

async fn commands(State(s): S) -> Json<Value> {
    Json(Value::Array(s.lock().commands.clone()))
}

#[derive(Deserialize)]
struct CommandReq {
    member: String,
    channel: String,
    command: String,
    #[serde(default)]
    options: Map<String, Value>,
    /// For an autocomplete: the option being typed.
    focused: Option<String>,
}

fn member_and_channel(s: &SimState, member: &str, channel: &str) -> Result<(u64, u64), Response> {
    let inner = s.lock();
    let m = lookup(inner.find_user(member), "member", member)?;
    let c = lookup(inner.find_channel(channel), "channel", channel)?;
    Ok((m, c))
}

async fn command(State(s): S, Json(req): Json<CommandReq>) -> Response {
    let (m, c) = match member_and_channel(&s, &req.member, &req.channel) {
        Ok(v) => v,
        Err(r) => return r,
    };
    match interactions::command(&s, m, c, &req.command, &req.options) {
        Ok(id) => Json(json!({ "interaction_id": id.to_string() })).into_response(),
        Err(e) => fail(StatusCode::BAD_REQUEST, e),
    }
}

/// `POST /_sim/interactions/autocomplete {member, channel, command, options, focused}`.
async fn autocomplete(State(s): S, Json(req): Json<CommandReq>) -> Response {
    let (m, c) = match member_and_channel(&s, &req.member, &req.channel) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(focused) = req.focused.as_deref() else {
        return fail(
            StatusCode::BAD_REQUEST,
            "`focused` names the option being typed",
        );
    };
    match interactions::autocomplete(&s, m, c, &req.command, &req.options, focused) {
        Ok(id) => Json(json!({ "interaction_id": id.to_string() })).into_response(),
        Err(e) => fail(StatusCode::BAD_REQUEST, e),
    }
}

#[derive(Deserialize)]
struct ComponentReq {
    member: String,
    message_id: String,
    custom_id: String,
    values: Option<Vec<String>>,
}

async fn component(State(s): S, Json(req): Json<ComponentReq>) -> Response {
    let member = s.lock().find_user(&req.member);
    let m = match lookup(member, "member", &req.member) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let Ok(message) = req.message_id.parse::<u64>() else {
        return fail(StatusCode::BAD_REQUEST, "message_id must be a message id");
    };
    match interactions::component(&s, m, message, &req.custom_id, req.values) {
        Ok(id) => Json(json!({ "interaction_id": id.to_string() })).into_response(),
        Err(e) => fail(StatusCode::NOT_FOUND, e),
    }
}

#[derive(Deserialize)]
struct ModalReq {
    member: String,
    /// The channel it is submitted in; left out, the channel of `message_id` (a modal
    /// opened from a button in a direct message).
    channel: Option<String>,
    custom_id: String,
    #[serde(default)]
    fields: Map<String, Value>,
    /// The message whose button opened the modal, if one did.
    message_id: Option<String>,
}

async fn modal(State(s): S, Json(req): Json<ModalReq>) -> Response {
    let message = match req.message_id.as_deref().map(str::parse::<u64>) {
        None => None,
        Some(Ok(id)) if s.lock().messages.contains_key(&id) => Some(id),
        Some(_) => return fail(StatusCode::NOT_FOUND, "no such message_id"),
    };
    let (m, c) = match (&req.channel, message) {
        (Some(channel), _) => match member_and_channel(&s, &req.member, channel) {
            Ok(v) => v,
            Err(r) => return r,
        },
        (None, Some(id)) => {
            let inner = s.lock();
            let channel = inner.messages.get(&id).map(|msg| msg.channel);
            match (
                lookup(inner.find_user(&req.member), "member", &req.member),
                channel,
            ) {
                (Ok(m), Some(c)) => (m, c),
                (Err(r), _) => return r,
                (_, None) => return fail(StatusCode::NOT_FOUND, "no such message_id"),
            }
        }
        (None, None) => {
            return fail(
                StatusCode::BAD_REQUEST,
                "give `channel`, or the `message_id` whose button opened the modal",
            )
        }
    };
    let id = interactions::modal(&s, m, c, &req.custom_id, &req.fields, message);
    Json(json!({ "interaction_id": id.to_string() })).into_response()
}

#[derive(Deserialize)]
struct WaitQuery {
    wait_ms: Option<u64>,
}

async fn interaction(State(s): S, Path(id): Path<u64>, Query(q): Query<WaitQuery>) -> Response {
    let deadline = tokio::time::Instant::now() + Duration::from_millis(q.wait_ms.unwrap_or(0));
    loop {
        let notified = s.responded.notified();
        let snapshot = {
            let inner = s.lock();
            let Some(i) = inner.interactions.get(&id) else {
                return fail(StatusCode::NOT_FOUND, format!("no interaction {id}"));
            };
            (i.responses.clone(), i.ack_ms)
        };
        if !snapshot.0.is_empty() || tokio::time::Instant::now() >= deadline {
            return Json(json!({ "responses": snapshot.0, "ack_ms": snapshot.1 })).into_response();
        }
        let _ = tokio::time::timeout_at(deadline, notified).await;
    }
}

#[derive(Deserialize)]
struct PostReq {
    member: String,
    channel: String,
    content: String,
}

async fn post_message(State(s): S, Json(req): Json<PostReq>) -> Response {
    let (m, c) = match member_and_channel(&s, &req.member, &req.channel) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let body = json!({ "content": req.content, "allowed_mentions": { "parse": [] } });
    match messages::create(
        &s,
        c,
        m,
        Incoming {
            body,
            files: vec![],
        },
        false,
    ) {
        Outcome::Created(p) | Outcome::Duplicate(p) => {
            Json(json!({ "id": p["id"] })).into_response()
        }
        Outcome::Invalid(p) => fail(StatusCode::BAD_REQUEST, p.join("; ")),
    }
}

#[derive(Deserialize)]
struct ReactionReq {
    member: String,
    channel: String,
    message_id: String,
    emoji: String,
}

async fn react(State(s): S, Json(req): Json<ReactionReq>) -> Response {
    let (m, c) = match member_and_channel(&s, &req.member, &req.channel) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Ok(message) = req.message_id.parse::<u64>() else {
        return fail(StatusCode::BAD_REQUEST, "message_id must be a message id");
    };
    let payload = {
        let inner = s.lock();
        if !inner.messages.contains_key(&message) {
            return fail(StatusCode::NOT_FOUND, format!("no message {message}"));
        }
        payloads::reaction_add(&inner, m, c, message, &req.emoji)
    };
    s.dispatch(
        "MESSAGE_REACTION_ADD",
        payload,
        Some(INTENT_GUILD_MESSAGE_REACTIONS),
    );
    StatusCode::NO_CONTENT.into_response()
}

async fn channel_messages(State(s): S, Path(channel): Path<String>) -> Response {
    match s.channel_messages(&channel) {
        Some(list) => Json(Value::Array(list)).into_response(),
        None => fail(StatusCode::NOT_FOUND, format!("no channel `{channel}`")),
    }
}

async fn dms(State(s): S, Path(member): Path<String>) -> Response {
    let inner = s.lock();
    let m = match lookup(inner.find_user(&member), "member", &member) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let list: Vec<Value> = match inner.dm_channels.get(&m) {
        Some(c) => inner
            .messages
            .values()
            .filter(|msg| msg.channel == *c)
            .map(messages::listed)
            .collect(),
        None => vec![],
    };
    Json(Value::Array(list)).into_response()
}

async fn attachment(State(s): S, Path((message, filename)): Path<(u64, String)>) -> Response {
    let inner = s.lock();
    let file = inner
        .messages
        .get(&message)
        .and_then(|m| m.attachments.iter().find(|a| a.filename == filename));
    match file {
        Some(a) => (
            [("content-type", payloads::content_type(&a.filename))],
            a.bytes.clone(),
        )
            .into_response(),
        None => fail(
            StatusCode::NOT_FOUND,
            format!("no attachment {filename} on message {message}"),
        ),
    }
}

async fn faults(State(s): S, Json(f): Json<Faults>) -> Json<Value> {
    s.lock().limits.faults = f.clone();
    Json(json!(f))
}

async fn get_faults(State(s): S) -> Json<Value> {
    Json(json!(s.lock().limits.faults))
}

async fn disconnect(State(s): S) -> Json<Value> {
    let sessions = s.lock().sessions;
    let _ = s.events.send(GatewayEvent::Disconnect);
    Json(json!({ "disconnected": sessions }))
}

async fn stats(State(s): S) -> Json<Value> {
    Json(s.stats())
}
