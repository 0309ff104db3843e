//! The simulator's memory: the world, every message, interactions, commands, faults and
//! stats, behind one mutex held only for short, non-async sections.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::Value;
use tokio::sync::{broadcast, Notify};

use super::ratelimit::RateLimits;
use super::stats::Stats;
use super::world::WorldSpec;

/// What goes out on the gateway.
#[derive(Debug, Clone)]
pub enum GatewayEvent {
    /// A dispatch; `intent` is the bit a session must have asked for (None: always sent).
    Dispatch {
        name: &'static str,
        data: Value,
        intent: Option<u64>,
    },
    Disconnect,
}

pub const INTENT_GUILD_MEMBERS: u64 = 1 << 1;
pub const INTENT_GUILD_MESSAGES: u64 = 1 << 9;
pub const INTENT_GUILD_MESSAGE_REACTIONS: u64 = 1 << 10;

pub struct SimState {
    inner: Mutex<Inner>,
    pub events: broadcast::Sender<GatewayEvent>,
    /// Woken whenever an interaction gets a response.
    pub responded: Notify,
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: u64,
    pub name: String,
    pub bot: bool,
}

#[derive(Debug, Clone)]
pub struct Guild {
    pub id: u64,
    pub name: String,
    pub owner_id: u64,
    /// The bot left this guild (`DELETE /users/@me/guilds/{id}`): no GUILD_CREATE for it
    /// on the next IDENTIFY. Tests may still dispatch there, as a race with Discord would.
    pub bot_left: bool,
}

#[derive(Debug, Clone)]
pub struct Role {
    pub id: u64,
    pub guild: u64,
    pub name: String,
    pub permissions: u64,
    pub position: u64,
}

#[derive(Debug, Clone)]
pub struct Channel {
    pub id: u64,
    pub guild: Option<u64>,
    pub name: String,
    /// 0 guild text, 1 DM.
    pub kind: u8,
    pub position: u64,
}

#[derive(Debug, Clone)]
pub struct Member {
    pub roles: Vec<u64>,
}

#[derive(Debug, Clone)]
pub struct StoredAttachment {
    pub id: u64,
    pub filename: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct Message {
    pub id: u64,
    pub channel: u64,
    pub author: u64,
    pub content: String,
    pub embeds: Value,
    pub components: Value,
    pub attachments: Vec<StoredAttachment>,
    pub nonce: Option<String>,
    pub created_ms: i64,
    pub edited_ms: Option<i64>,
    /// Only the interacting member sees it; never listed in the channel.
    pub ephemeral: bool,
    /// As sent; `null` when the sender left it out (then everything named pings).
    pub allowed_mentions: Value,
    /// Emoji the bot reacted with (`👍`, or `name:id` for a custom emoji), in order.
    pub bot_reactions: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Interaction {
    pub id: u64,
    /// Discord's interaction type: 2 command, 3 component, 4 autocomplete, 5 modal submit.
    pub kind: u8,
    pub token: String,
    pub channel: u64,
    pub created: Instant,
    pub ack_ms: Option<f64>,
    pub responses: Vec<Value>,
    /// The message the initial response created (or, for a component, the clicked one).
    pub original: Option<u64>,
}

pub struct Inner {
    next_id: u64,
    pub bot_id: u64,
    pub app_id: u64,
    pub users: BTreeMap<u64, User>,
    pub guilds: Vec<Guild>,
    pub roles: BTreeMap<u64, Role>,
    pub channels: BTreeMap<u64, Channel>,
    pub members: BTreeMap<(u64, u64), Member>,
    pub messages: BTreeMap<u64, Message>,
    pub interactions: HashMap<u64, Interaction>,
    pub tokens: HashMap<String, u64>,
    pub commands: Vec<Value>,
    pub nonces: HashMap<(u64, String), (u64, Instant)>,
    pub dm_channels: HashMap<u64, u64>,
    pub limits: RateLimits,
    pub stats: Stats,
    pub rng: StdRng,
    pub sessions: usize,
    pub base_url: String,
}

impl Inner {
    pub fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// A user by id or by name (names are unique in a world).
    pub fn find_user(&self, key: &str) -> Option<u64> {
        find(&self.users, key, |u| &u.name)
    }

    pub fn find_channel(&self, key: &str) -> Option<u64> {
        find(&self.channels, key, |c| &c.name)
    }

    pub fn find_role(&self, key: &str) -> Option<u64> {
        find(&self.roles, key, |r| &r.name)
    }

    pub fn find_guild(&self, key: Option<&str>) -> Option<u64> {
        match key {
            None => self.guilds.first().map(|g| g.id),
            Some(k) => self
                .guilds
                .iter()
                .find(|g| g.id.to_string() == k || g.name.eq_ignore_ascii_case(k))
                .map(|g| g.id),
        }
    }

    pub fn guild(&self, id: u64) -> Option<&Guild> {
        self.guilds.iter().find(|g| g.id == id)
    }

    pub fn guild_roles(&self, guild: u64) -> impl Iterator<Item = &Role> {
        self.roles.values().filter(move |r| r.guild == guild)
    }

    pub fn guild_channels(&self, guild: u64) -> impl Iterator<Item = &Channel> {
        self.channels
            .values()
            .filter(move |c| c.guild == Some(guild))
    }

    pub fn guild_members(&self, guild: u64) -> impl Iterator<Item = (u64, &Member)> {
        self.members
            .range((guild, 0)..=(guild, u64::MAX))
            .map(|((_, u), m)| (*u, m))
    }

    /// The guild a member belongs to (the first, in a multi-guild world).
    pub fn guild_of_member(&self, user: u64) -> Option<u64> {
        self.members
            .keys()
            .find(|(_, u)| *u == user)
            .map(|(g, _)| *g)
    }

    /// Permission bits a member has: the union of its roles and @everyone; all for the owner.
    pub fn permissions(&self, guild: u64, user: u64) -> u64 {
        if self.guild(guild).is_some_and(|g| g.owner_id == user) {
            return u64::MAX >> 13;
        }
        let roles = self
            .members
            .get(&(guild, user))
            .map(|m| m.roles.clone())
            .unwrap_or_default();
        self.guild_roles(guild)
            .filter(|r| r.id == guild || roles.contains(&r.id))
            .fold(0, |acc, r| acc | r.permissions)
    }

    pub fn add_member(&mut self, guild: u64, name: &str, roles: Vec<u64>) -> u64 {
        let id = self.next_id();
        self.users.insert(
            id,
            User {
                id,
                name: name.to_string(),
                bot: false,
            },
        );
        self.members.insert((guild, id), Member { roles });
        id
    }

    /// The DM channel with a user, created on first use.
    pub fn dm_channel(&mut self, user: u64) -> u64 {
        if let Some(id) = self.dm_channels.get(&user) {
            return *id;
        }
        let id = self.next_id();
        let name = format!(
            "dm-{}",
            self.users
                .get(&user)
                .map(|u| u.name.as_str())
                .unwrap_or("unknown")
        );
        self.channels.insert(
            id,
            Channel {
                id,
                guild: None,
                name,
                kind: 1,
                position: 0,
            },
        );
        self.dm_channels.insert(user, id);
        id
    }
}

fn find<T>(map: &BTreeMap<u64, T>, key: &str, name: impl Fn(&T) -> &String) -> Option<u64> {
    if let Ok(id) = key.parse::<u64>() {
        if map.contains_key(&id) {
            return Some(id);
        }
    }
    map.iter()
        .find(|(_, v)| name(v).eq_ignore_ascii_case(key))
        .map(|(id, _)| *id)
}

impl SimState {
    pub fn new(world: &WorldSpec) -> Result<Self, String> {
        let (events, _) = broadcast::channel(4096);
        let mut inner = Inner {
            next_id: 1_100_000_000_000_000_000,
            bot_id: 0,
            app_id: 0,
            users: BTreeMap::new(),
            guilds: Vec::new(),
            roles: BTreeMap::new(),
            channels: BTreeMap::new(),
            members: BTreeMap::new(),
            messages: BTreeMap::new(),
            interactions: HashMap::new(),
            tokens: HashMap::new(),
            commands: Vec::new(),
            nonces: HashMap::new(),
            dm_channels: HashMap::new(),
            limits: RateLimits::default(),
            stats: Stats::default(),
            rng: StdRng::seed_from_u64(7),
            sessions: 0,
            base_url: String::new(),
        };
        inner.app_id = inner.next_id();
        inner.bot_id = inner.app_id;
        inner.users.insert(
            inner.bot_id,
            User {
                id: inner.bot_id,
                name: "Herald".into(),
                bot: true,
            },
        );
        for spec in &world.guilds {
            build_guild(&mut inner, spec)?;
        }
        Ok(Self {
            inner: Mutex::new(inner),
            events,
            responded: Notify::new(),
        })
    }

    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn dispatch(&self, name: &'static str, data: Value, intent: Option<u64>) {
        let _ = self
            .events
            .send(GatewayEvent::Dispatch { name, data, intent });
    }

    pub fn base_url(&self) -> String {
        self.lock().base_url.clone()
    }

    /// `GET /_sim/stats`, in process.
    pub fn stats(&self) -> Value {
        let inner = self.lock();
        let mut v = inner.stats.to_json();
        v["gateway_sessions"] = serde_json::json!(inner.sessions);
        v
    }

    /// `GET /_sim/channels/{id-or-name}/messages`, in process; None for an unknown channel.
    pub fn channel_messages(&self, channel: &str) -> Option<Vec<Value>> {
        let inner = self.lock();
        let c = inner.find_channel(channel)?;
        Some(
            inner
                .messages
                .values()
                .filter(|m| m.channel == c && !m.ephemeral)
                .map(super::messages::listed)
                .collect(),
        )
    }
}

fn build_guild(inner: &mut Inner, spec: &super::world::GuildSpec) -> Result<(), String> {
    let gid = inner.next_id();
    inner.roles.insert(
        gid,
        Role {
            id: gid,
            guild: gid,
            name: "@everyone".into(),
            permissions: 0,
            position: 0,
        },
    );
    for (i, r) in spec.roles.iter().enumerate() {
        let id = inner.next_id();
        let permissions = r
            .permissions
            .parse()
            .map_err(|_| format!("role {}: permissions must be a number", r.name))?;
        inner.roles.insert(
            id,
            Role {
                id,
                guild: gid,
                name: r.name.clone(),
                permissions,
                position: i as u64 + 1,
            },
        );
    }
    for (i, name) in spec.channels.iter().enumerate() {
        let id = inner.next_id();
        inner.channels.insert(
            id,
            Channel {
                id,
                guild: Some(gid),
                name: name.clone(),
                kind: 0,
                position: i as u64,
            },
        );
    }
    let bot = inner.bot_id;
    inner.members.insert((gid, bot), Member { roles: vec![] });
    let mut owner_id = bot;
    for m in &spec.members {
        let roles = m
            .roles
            .iter()
            .map(|r| {
                inner
                    .guild_roles(gid)
                    .find(|x| x.name.eq_ignore_ascii_case(r))
                    .map(|x| x.id)
                    .ok_or_else(|| format!("member {}: unknown role {r}", m.name))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let id = inner.add_member(gid, &m.name, roles);
        if spec.owner.as_deref() == Some(m.name.as_str()) {
            owner_id = id;
        }
    }
    inner.guilds.push(Guild {
        bot_left: false,
        id: gid,
        name: spec.name.clone(),
        owner_id,
    });
    Ok(())
}
