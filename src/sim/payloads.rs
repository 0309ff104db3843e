//! Discord-shaped JSON for everything the simulator sends, following Discord's API
//! documentation. `src/discord/sim_payloads.rs` deserializes each with serenity's types.

use serde_json::{json, Value};

use super::state::{Channel, Inner, Message, Role, User};

const JOINED_AT: &str = "2025-01-06T09:00:00.000000+00:00";

pub fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, false)
}

pub fn user(u: &User) -> Value {
    json!({
        "id": u.id.to_string(), "username": u.name, "global_name": u.name, "discriminator": "0",
        "avatar": null, "bot": u.bot, "system": false, "public_flags": 0
    })
}

pub fn role(r: &Role) -> Value {
    json!({
        "id": r.id.to_string(), "name": r.name, "color": 0,
        "colors": { "primary_color": 0, "secondary_color": null, "tertiary_color": null },
        "hoist": false, "icon": null, "unicode_emoji": null, "position": r.position,
        "permissions": r.permissions.to_string(), "managed": false, "mentionable": true, "flags": 0
    })
}

/// A guild member; `with_user` adds the nested user object (omitted inside a message's
/// `member`, as Discord does).
pub fn member(inner: &Inner, guild: u64, user_id: u64, with_user: bool) -> Value {
    let roles: Vec<String> = inner
        .members
        .get(&(guild, user_id))
        .map(|m| m.roles.iter().map(u64::to_string).collect())
        .unwrap_or_default();
    let mut m = json!({
        "nick": null, "avatar": null, "roles": roles, "joined_at": JOINED_AT, "premium_since": null,
        "deaf": false, "mute": false, "flags": 0, "pending": false
    });
    if with_user {
        if let Some(u) = inner.users.get(&user_id) {
            m["user"] = user(u);
        }
    }
    m
}

/// Members a GUILD_MEMBERS_CHUNK may hold, as on Discord.
pub const MEMBERS_PER_CHUNK: usize = 1000;

/// The answer to gateway op 8 (request guild members): members whose name starts with
/// `query` (every member for ""), at most `limit` of them (0: no limit), or those in
/// `user_ids`; in chunks of 1,000 that echo the request's `nonce`.
pub fn member_chunks(inner: &Inner, request: &Value) -> Vec<Value> {
    let guild = request["guild_id"]
        .as_str()
        .and_then(|g| g.parse::<u64>().ok())
        .unwrap_or(0);
    let wanted: Option<Vec<u64>> = request["user_ids"].as_array().map(|ids| {
        ids.iter()
            .filter_map(|v| v.as_str().and_then(|s| s.parse().ok()).or(v.as_u64()))
            .collect()
    });
    let wanted = wanted.or_else(|| {
        request["user_ids"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .map(|u| vec![u])
    });
    let query = request["query"].as_str().unwrap_or("").to_lowercase();
    let limit = match request["limit"].as_u64().unwrap_or(0) as usize {
        0 => usize::MAX,
        n => n,
    };
    let found: Vec<u64> = inner
        .guild_members(guild)
        .map(|(u, _)| u)
        .filter(|u| match &wanted {
            Some(ids) => ids.contains(u),
            None => inner
                .users
                .get(u)
                .is_some_and(|x| x.name.to_lowercase().starts_with(&query)),
        })
        .take(limit)
        .collect();
    let not_found: Vec<String> = wanted
        .iter()
        .flatten()
        .filter(|u| !found.contains(u))
        .map(u64::to_string)
        .collect();
    let pages: Vec<&[u64]> = if found.is_empty() {
        vec![&[]]
    } else {
        found.chunks(MEMBERS_PER_CHUNK).collect()
    };
    let count = pages.len();
    pages
        .iter()
        .enumerate()
        .map(|(i, page)| {
            let members: Vec<Value> = page
                .iter()
                .map(|u| member(inner, guild, *u, true))
                .collect();
            let mut chunk = json!({
                "guild_id": guild.to_string(), "members": members, "chunk_index": i,
                "chunk_count": count, "not_found": if i == 0 { not_found.clone() } else { vec![] }
            });
            if let Some(n) = request["nonce"].as_str() {
                chunk["nonce"] = json!(n);
            }
            chunk
        })
        .collect()
}

pub fn channel(c: &Channel, inner: &Inner) -> Value {
    if c.kind == 1 {
        let recipient = inner
            .dm_channels
            .iter()
            .find(|(_, ch)| **ch == c.id)
            .and_then(|(u, _)| inner.users.get(u));
        return json!({
            "id": c.id.to_string(), "type": 1, "last_message_id": null,
            "recipients": recipient.map(user).into_iter().collect::<Vec<_>>()
        });
    }
    json!({
        "id": c.id.to_string(), "type": 0, "guild_id": c.guild.map(|g| g.to_string()), "name": c.name,
        "position": c.position, "permission_overwrites": [], "topic": null, "nsfw": false,
        "last_message_id": null, "rate_limit_per_user": 0, "parent_id": null, "flags": 0
    })
}

pub fn guild_create(inner: &Inner, guild: u64) -> Value {
    let g = inner.guild(guild).cloned();
    let (name, owner) = g.map(|g| (g.name, g.owner_id)).unwrap_or_default();
    let roles: Vec<Value> = inner.guild_roles(guild).map(role).collect();
    let channels: Vec<Value> = inner
        .guild_channels(guild)
        .map(|c| channel(c, inner))
        .collect();
    let members: Vec<Value> = inner
        .guild_members(guild)
        .map(|(u, _)| member(inner, guild, u, true))
        .collect();
    json!({
        "id": guild.to_string(), "name": name, "icon": null, "icon_hash": null, "splash": null,
        "discovery_splash": null, "owner_id": owner.to_string(), "afk_channel_id": null, "afk_timeout": 300,
        "verification_level": 0, "default_message_notifications": 0, "explicit_content_filter": 0,
        "roles": roles, "emojis": [], "features": [], "mfa_level": 0, "application_id": null,
        "system_channel_id": null, "system_channel_flags": 0, "rules_channel_id": null,
        "vanity_url_code": null, "description": null, "banner": null, "premium_tier": 0,
        "preferred_locale": "en-US", "public_updates_channel_id": null, "nsfw_level": 0,
        "stickers": [], "premium_progress_bar_enabled": false, "safety_alerts_channel_id": null,
        "joined_at": JOINED_AT, "large": false, "unavailable": false, "member_count": members.len(),
        "voice_states": [], "members": members, "channels": channels, "threads": [], "presences": [],
        "stage_instances": [], "guild_scheduled_events": []
    })
}

pub fn ready(inner: &Inner, session_id: &str, resume_url: &str) -> Value {
    let guilds: Vec<Value> = inner
        .guilds
        .iter()
        .map(|g| json!({ "id": g.id.to_string(), "unavailable": true }))
        .collect();
    let bot = inner
        .users
        .get(&inner.bot_id)
        .map(user)
        .unwrap_or(Value::Null);
    json!({
        "v": 10, "user": bot, "guilds": guilds, "session_id": session_id,
        "resume_gateway_url": resume_url, "shard": [0, 1], "private_channels": [],
        "application": { "id": inner.app_id.to_string(), "flags": 0 }
    })
}

pub fn message(inner: &Inner, m: &Message) -> Value {
    let guild = inner.channels.get(&m.channel).and_then(|c| c.guild);
    let author = inner.users.get(&m.author).map(user).unwrap_or(Value::Null);
    let attachments: Vec<Value> = m
        .attachments
        .iter()
        .map(|a| {
            let url = format!("{}/_sim/attachments/{}/{}", inner_base(inner), m.id, a.filename);
            json!({ "id": a.id.to_string(), "filename": a.filename, "size": a.bytes.len(), "url": url,
                    "proxy_url": url, "content_type": content_type(&a.filename) })
        })
        .collect();
    let mut v = json!({
        "id": m.id.to_string(), "channel_id": m.channel.to_string(), "author": author,
        "content": m.content, "timestamp": iso(m.created_ms), "edited_timestamp": m.edited_ms.map(iso),
        "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [],
        "attachments": attachments, "embeds": m.embeds, "reactions": bot_reactions(m), "pinned": false,
        "type": 0, "flags": if m.ephemeral { 64 } else { 0 }, "components": m.components,
        "nonce": m.nonce
    });
    if let Some(g) = guild {
        v["guild_id"] = json!(g.to_string());
        if m.author != inner.bot_id {
            v["member"] = member(inner, g, m.author, false);
        }
    }
    v
}

/// The bot's own reactions on a message, as Discord lists them (people's reactions are
/// events only: the simulator does not count them on the message).
fn bot_reactions(m: &Message) -> Value {
    m.bot_reactions
        .iter()
        .map(|emoji| {
            json!({ "count": 1, "count_details": { "burst": 0, "normal": 1 }, "me": true,
                    "me_burst": false, "emoji": emoji_object(emoji), "burst_colors": [] })
        })
        .collect()
}

/// `👍` → `{id: null, name: "👍"}`; `name:id` (a custom emoji) → `{id, name}`.
pub fn emoji_object(emoji: &str) -> Value {
    match emoji.split_once(':') {
        Some((name, id)) => json!({ "id": id, "name": name }),
        None => json!({ "id": null, "name": emoji }),
    }
}

fn inner_base(inner: &Inner) -> &str {
    &inner.base_url
}

pub fn content_type(filename: &str) -> &'static str {
    if filename.ends_with(".png") {
        "image/png"
    } else if filename.ends_with(".csv") {
        "text/csv"
    } else {
        "application/octet-stream"
    }
}

/// The fields every interaction shares; `data` and `type` are the caller's.
pub fn interaction_base(
    inner: &Inner,
    id: u64,
    token: &str,
    kind: u8,
    user_id: u64,
    channel_id: u64,
) -> Value {
    let guild = inner.channels.get(&channel_id).and_then(|c| c.guild);
    let mut v = json!({
        "id": id.to_string(), "application_id": inner.app_id.to_string(), "type": kind,
        "channel_id": channel_id.to_string(), "token": token, "version": 1,
        "app_permissions": "2248473465835073", "locale": "en-GB", "entitlements": [],
        "authorizing_integration_owners": {}, "attachment_size_limit": 26214400, "context": if guild.is_some() { 0 } else { 1 }
    });
    if let Some(c) = inner.channels.get(&channel_id) {
        v["channel"] = channel(c, inner);
    }
    match guild {
        Some(g) => {
            let mut m = member(inner, g, user_id, true);
            m["permissions"] = json!(inner.permissions(g, user_id).to_string());
            v["member"] = m;
            v["guild_id"] = json!(g.to_string());
            v["guild_locale"] = json!("en-GB");
        }
        None => v["user"] = inner.users.get(&user_id).map(user).unwrap_or(Value::Null),
    }
    v
}

pub fn reaction_add(
    inner: &Inner,
    user_id: u64,
    channel: u64,
    message_id: u64,
    emoji: &str,
) -> Value {
    let guild = inner.channels.get(&channel).and_then(|c| c.guild);
    let mut v = json!({
        "user_id": user_id.to_string(), "channel_id": channel.to_string(), "message_id": message_id.to_string(),
        "emoji": { "id": null, "name": emoji }, "burst": false, "type": 0,
        "message_author_id": inner.messages.get(&message_id).map(|m| m.author.to_string())
    });
    if let Some(g) = guild {
        v["guild_id"] = json!(g.to_string());
        v["member"] = member(inner, g, user_id, true);
    }
    v
}

pub fn member_add(inner: &Inner, guild: u64, user_id: u64) -> Value {
    let mut m = member(inner, guild, user_id, true);
    m["guild_id"] = json!(guild.to_string());
    m
}

pub fn application(inner: &Inner) -> Value {
    let bot = inner
        .users
        .get(&inner.bot_id)
        .map(user)
        .unwrap_or(Value::Null);
    json!({
        "id": inner.app_id.to_string(), "name": "Herald", "icon": null, "description": "",
        "bot_public": false, "bot_require_code_grant": false, "verify_key": "00", "team": null,
        "owner": bot, "flags": 0, "summary": ""
    })
}

pub fn gateway_bot(ws_url: &str) -> Value {
    let limit =
        json!({ "total": 1000, "remaining": 999, "reset_after": 86_400_000, "max_concurrency": 1 });
    json!({ "url": ws_url, "shards": 1, "session_start_limit": limit })
}

/// A command as registered: what the bot sent plus the fields Discord adds.
pub fn registered_command(sent: &Value, id: u64, app_id: u64, guild: Option<u64>) -> Value {
    let mut c = sent.clone();
    c["id"] = json!(id.to_string());
    c["application_id"] = json!(app_id.to_string());
    c["guild_id"] = json!(guild.map(|g| g.to_string()));
    c["version"] = json!("1");
    if c.get("type").is_none() {
        c["type"] = json!(1);
    }
    if c.get("default_member_permissions").is_none() {
        c["default_member_permissions"] = Value::Null;
    }
    c
}

/// Discord's error body, e.g. `{"message": "Unknown interaction", "code": 10062}`.
pub fn error_body(code: u32, message: &str) -> Value {
    json!({ "message": message, "code": code })
}
