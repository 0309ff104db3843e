//! The REST subset of Discord's API v10 that Herald (and other bots) use.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::callbacks;
use super::messages::{self, Outcome};
use super::payloads;
use super::ratelimit::{BucketSpec, CHANNEL_MESSAGE_LIMIT, CHANNEL_MESSAGE_WINDOW};
use super::server::{discord_error, gate, invalid_form, read_incoming, with_headers, ConnKill};
use super::state::SimState;

type S = State<Arc<SimState>>;

pub fn router(state: Arc<SimState>) -> Router<Arc<SimState>> {
    routes()
        .route_layer(axum::middleware::from_fn_with_state(
            state,
            super::server::count_request,
        ))
        .fallback(unknown_route)
}

fn routes() -> Router<Arc<SimState>> {
    Router::new()
        .route("/gateway", get(gateway))
        .route("/gateway/bot", get(gateway_bot))
        .route("/users/@me", get(me))
        .route("/oauth2/applications/@me", get(application))
        .route(
            "/applications/:app/commands",
            put(put_global_commands).get(get_commands),
        )
        .route(
            "/applications/:app/guilds/:guild/commands",
            put(put_guild_commands).get(get_commands),
        )
        .route("/users/:user", get(get_user))
        .route("/channels/:channel", get(get_channel))
        .route(
            "/channels/:channel/messages",
            post(create_message).get(list_messages),
        )
        .route(
            "/channels/:channel/messages/:message/reactions/:emoji/@me",
            put(add_own_reaction).delete(remove_own_reaction),
        )
        .route(
            "/channels/:channel/messages/:message",
            get(get_message).patch(edit_message).delete(delete_message),
        )
        .route("/users/@me/channels", post(create_dm))
        .route("/users/@me/guilds/:guild", delete(leave_guild))
        .route(
            "/interactions/:id/:token/callback",
            post(callbacks::callback),
        )
        .route("/webhooks/:app/:token", post(callbacks::followup))
        .route(
            "/webhooks/:app/:token/messages/:message",
            get(callbacks::get_original)
                .patch(callbacks::edit_webhook_message)
                .delete(delete_webhook_message),
        )
        .route("/guilds/:guild", get(guild))
        .route("/guilds/:guild/members", get(guild_members))
        .route("/guilds/:guild/members/:user", get(guild_member))
        .route("/guilds/:guild/roles", get(guild_roles))
        .route("/guilds/:guild/channels", get(guild_channels))
}

/// The bot leaves a guild: 204, and the guild is marked `bot_left` in `/_sim/world`.
async fn leave_guild(State(s): S, Path(guild): Path<u64>) -> Response {
    let mut inner = s.lock();
    match inner.guilds.iter_mut().find(|g| g.id == guild) {
        Some(g) => {
            g.bot_left = true;
            StatusCode::NO_CONTENT.into_response()
        }
        None => discord_error(StatusCode::NOT_FOUND, 10004, "Unknown Guild"),
    }
}

async fn unknown_route(req: Request) -> Response {
    tracing::warn!(method = %req.method(), path = %req.uri().path(), "simulator: unknown route");
    discord_error(StatusCode::NOT_FOUND, 0, "404: Not Found")
}

fn ws_url(state: &SimState) -> String {
    state.base_url().replacen("http://", "ws://", 1) + "/gateway"
}

async fn gateway(State(s): S) -> Json<Value> {
    Json(json!({ "url": ws_url(&s) }))
}

async fn gateway_bot(State(s): S) -> Json<Value> {
    Json(payloads::gateway_bot(&ws_url(&s)))
}

async fn me(State(s): S) -> Json<Value> {
    let inner = s.lock();
    Json(
        inner
            .users
            .get(&inner.bot_id)
            .map(payloads::user)
            .unwrap_or(Value::Null),
    )
}

async fn application(State(s): S) -> Json<Value> {
    Json(payloads::application(&s.lock()))
}

async fn put_global_commands(
    State(s): S,
    Path(_app): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    register(&s, None, body)
}

async fn put_guild_commands(
    State(s): S,
    Path((_app, guild)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Response {
    let Ok(g) = guild.parse::<u64>() else {
        return discord_error(StatusCode::NOT_FOUND, 10004, "Unknown Guild");
    };
    register(&s, Some(g), body)
}

/// Bulk-overwrites the commands of one scope (global or a guild), as Discord does.
fn register(state: &SimState, guild: Option<u64>, body: Value) -> Response {
    let Some(list) = body.as_array() else {
        return discord_error(StatusCode::BAD_REQUEST, 50035, "Invalid Form Body");
    };
    let mut inner = state.lock();
    let guild_str = guild.map(|g| g.to_string());
    inner
        .commands
        .retain(|c| c.get("guild_id").and_then(Value::as_str) != guild_str.as_deref());
    let mut out = Vec::new();
    for cmd in list {
        let id = inner.next_id();
        let c = payloads::registered_command(cmd, id, inner.app_id, guild);
        out.push(c.clone());
        inner.commands.push(c);
    }
    Json(Value::Array(out)).into_response()
}

async fn get_commands(State(s): S) -> Json<Value> {
    Json(Value::Array(s.lock().commands.clone()))
}

fn message_bucket(channel: u64) -> BucketSpec {
    BucketSpec {
        key: format!("POST /channels/{channel}/messages"),
        hash: "b6f1c3e0message",
        limit: CHANNEL_MESSAGE_LIMIT,
        window: CHANNEL_MESSAGE_WINDOW,
    }
}

async fn create_message(State(s): S, Path(channel): Path<u64>, req: Request) -> Response {
    let kill = req.extensions().get::<ConnKill>().cloned();
    let headers = match gate(
        &s,
        "POST /channels/{id}/messages",
        Some(message_bucket(channel)),
    )
    .await
    {
        Ok(h) => h,
        Err(resp) => return resp,
    };
    if !s.lock().channels.contains_key(&channel) {
        return discord_error(StatusCode::NOT_FOUND, 10003, "Unknown Channel");
    }
    let incoming = match read_incoming(req).await {
        Ok(i) => i,
        Err(resp) => return resp,
    };
    let bot = s.lock().bot_id;
    let payload = match messages::create(&s, channel, bot, incoming, false) {
        Outcome::Created(p) | Outcome::Duplicate(p) => p,
        Outcome::Invalid(problems) => return invalid_form(&problems),
    };
    maybe_drop(&s, kill).await;
    with_headers(Json(payload).into_response(), &headers)
}

/// The `drop_after_commit` fault: the message is stored, the answer never comes.
async fn maybe_drop(state: &SimState, kill: Option<ConnKill>) {
    let drop_it = {
        let mut inner = state.lock();
        let inner = &mut *inner;
        let ratio = inner.limits.faults.drop_after_commit_ratio.clamp(0.0, 1.0);
        rand::Rng::gen_bool(&mut inner.rng, ratio)
    };
    if let (true, Some(kill)) = (drop_it, kill) {
        kill.0.notify_one();
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
}

#[derive(Deserialize)]
struct ListQuery {
    limit: Option<usize>,
}

async fn list_messages(
    State(s): S,
    Path(channel): Path<u64>,
    Query(q): Query<ListQuery>,
) -> Response {
    let inner = s.lock();
    let limit = q.limit.unwrap_or(50).min(100);
    let list: Vec<Value> = inner
        .messages
        .values()
        .rev()
        .filter(|m| m.channel == channel && !m.ephemeral)
        .take(limit)
        .map(|m| payloads::message(&inner, m))
        .collect();
    Json(list).into_response()
}

async fn get_message(State(s): S, Path((_c, id)): Path<(u64, u64)>) -> Response {
    let inner = s.lock();
    match inner.messages.get(&id) {
        Some(m) => Json(payloads::message(&inner, m)).into_response(),
        None => discord_error(StatusCode::NOT_FOUND, 10008, "Unknown Message"),
    }
}

async fn edit_message(
    State(s): S,
    Path((channel, id)): Path<(u64, u64)>,
    req: Request,
) -> Response {
    let headers = match gate(
        &s,
        "PATCH /channels/{id}/messages/{id}",
        Some(edit_bucket(channel)),
    )
    .await
    {
        Ok(h) => h,
        Err(resp) => return resp,
    };
    if let Err(resp) = authored_by_bot(&s, channel, id) {
        return resp;
    }
    let incoming = match read_incoming(req).await {
        Ok(i) => i,
        Err(resp) => return resp,
    };
    match messages::edit(&s, id, &incoming.body) {
        Ok(p) => with_headers(Json(p).into_response(), &headers),
        Err(problems) if problems == ["Unknown Message"] => {
            discord_error(StatusCode::NOT_FOUND, 10008, "Unknown Message")
        }
        Err(problems) => invalid_form(&problems),
    }
}

/// A bot edits only its own messages: 404 for no such message in the channel, 403
/// (50005) for someone else's, as Discord answers.
fn authored_by_bot(s: &SimState, channel: u64, id: u64) -> Result<(), Response> {
    let inner = s.lock();
    match inner.messages.get(&id).filter(|m| m.channel == channel) {
        None => Err(discord_error(
            StatusCode::NOT_FOUND,
            10008,
            "Unknown Message",
        )),
        Some(m) if m.author != inner.bot_id => Err(discord_error(
            StatusCode::FORBIDDEN,
            50005,
            "Cannot edit a message authored by another user",
        )),
        Some(_) => Ok(()),
    }
}

/// `GET /channels/{id}`: a guild channel or a DM channel the bot opened.
async fn get_channel(State(s): S, Path(channel): Path<u64>) -> Response {
    let inner = s.lock();
    match inner.channels.get(&channel) {
        Some(c) => Json(payloads::channel(c, &inner)).into_response(),
        None => discord_error(StatusCode::NOT_FOUND, 10003, "Unknown Channel"),
    }
}

/// `GET /users/{id}` (`@me` has its own route).
async fn get_user(State(s): S, Path(user): Path<String>) -> Response {
    let inner = s.lock();
    match user.parse::<u64>().ok().and_then(|u| inner.users.get(&u)) {
        Some(u) => Json(payloads::user(u)).into_response(),
        None => discord_error(StatusCode::NOT_FOUND, 10013, "Unknown User"),
    }
}

/// `PUT /channels/{c}/messages/{m}/reactions/{emoji}/@me`: the bot reacts (204, once
/// per emoji however often it asks).
async fn add_own_reaction(
    State(s): S,
    Path((channel, message, emoji)): Path<(u64, u64, String)>,
) -> Response {
    own_reaction(&s, channel, message, &emoji, true)
}

/// `DELETE` of the same: the bot takes its reaction back (204, also when it had none).
async fn remove_own_reaction(
    State(s): S,
    Path((channel, message, emoji)): Path<(u64, u64, String)>,
) -> Response {
    own_reaction(&s, channel, message, &emoji, false)
}

fn own_reaction(s: &SimState, channel: u64, message: u64, emoji: &str, add: bool) -> Response {
    let mut inner = s.lock();
    if !inner.channels.contains_key(&channel) {
        return discord_error(StatusCode::NOT_FOUND, 10003, "Unknown Channel");
    }
    let Some(m) = inner
        .messages
        .get_mut(&message)
        .filter(|m| m.channel == channel)
    else {
        return discord_error(StatusCode::NOT_FOUND, 10008, "Unknown Message");
    };
    if emoji.trim().is_empty() || emoji.chars().count() > 64 {
        return discord_error(StatusCode::BAD_REQUEST, 10014, "Unknown Emoji");
    }
    let had = m.bot_reactions.iter().position(|e| e == emoji);
    match (add, had) {
        (true, None) => m.bot_reactions.push(emoji.to_string()),
        (false, Some(at)) => {
            m.bot_reactions.remove(at);
        }
        _ => {}
    }
    StatusCode::NO_CONTENT.into_response()
}

fn edit_bucket(channel: u64) -> BucketSpec {
    BucketSpec {
        key: format!("PATCH /channels/{channel}/messages"),
        hash: "edit",
        limit: 5,
        window: Duration::from_secs(5),
    }
}

async fn delete_message(State(s): S, Path((_c, id)): Path<(u64, u64)>) -> StatusCode {
    s.lock().messages.remove(&id);
    StatusCode::NO_CONTENT
}

async fn delete_webhook_message(
    State(s): S,
    Path((_a, _t, id)): Path<(String, String, String)>,
) -> StatusCode {
    if let Ok(id) = id.parse::<u64>() {
        s.lock().messages.remove(&id);
    }
    StatusCode::NO_CONTENT
}

async fn create_dm(State(s): S, Json(body): Json<Value>) -> Response {
    if let Err(resp) = gate(&s, "POST /users/@me/channels", None).await {
        return resp;
    }
    let recipient = body.get("recipient_id").and_then(|v| {
        v.as_str()
            .and_then(|s| s.parse().ok())
            .or_else(|| v.as_u64())
    });
    let mut inner = s.lock();
    let Some(user) = recipient.filter(|u| inner.users.contains_key(u)) else {
        return discord_error(StatusCode::BAD_REQUEST, 50033, "Invalid Recipient(s)");
    };
    let id = inner.dm_channel(user);
    let channel = inner.channels.get(&id).cloned();
    match channel {
        Some(c) => Json(payloads::channel(&c, &inner)).into_response(),
        None => discord_error(StatusCode::INTERNAL_SERVER_ERROR, 0, "DM channel vanished"),
    }
}

async fn guild(State(s): S, Path(guild): Path<u64>) -> Response {
    let inner = s.lock();
    if inner.guild(guild).is_none() {
        return discord_error(StatusCode::NOT_FOUND, 10004, "Unknown Guild");
    }
    Json(payloads::guild_create(&inner, guild)).into_response()
}

#[derive(Deserialize)]
struct MembersQuery {
    limit: Option<usize>,
    after: Option<u64>,
}

async fn guild_members(
    State(s): S,
    Path(guild): Path<u64>,
    Query(q): Query<MembersQuery>,
) -> Response {
    if let Err(resp) = gate(&s, "GET /guilds/{id}/members", None).await {
        return resp;
    }
    let inner = s.lock();
    let limit = q.limit.unwrap_or(1).clamp(1, 1000);
    let after = q.after.unwrap_or(0);
    let list: Vec<Value> = inner
        .guild_members(guild)
        .filter(|(u, _)| *u > after)
        .take(limit)
        .map(|(u, _)| payloads::member(&inner, guild, u, true))
        .collect();
    Json(list).into_response()
}

async fn guild_member(State(s): S, Path((guild, user)): Path<(u64, u64)>) -> Response {
    let inner = s.lock();
    if !inner.members.contains_key(&(guild, user)) {
        return discord_error(StatusCode::NOT_FOUND, 10007, "Unknown Member");
    }
    Json(payloads::member(&inner, guild, user, true)).into_response()
}

async fn guild_roles(State(s): S, Path(guild): Path<u64>) -> Json<Value> {
    let inner = s.lock();
    Json(Value::Array(
        inner.guild_roles(guild).map(payloads::role).collect(),
    ))
}

async fn guild_channels(State(s): S, Path(guild): Path<u64>) -> Json<Value> {
    let inner = s.lock();
    Json(Value::Array(
        inner
            .guild_channels(guild)
            .map(|c| payloads::channel(c, &inner))
            .collect(),
    ))
}
