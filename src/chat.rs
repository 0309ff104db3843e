//! The Chat port: what the app needs of a chat platform. Discord implements it in
//! `discord::chat`; tests may use [`RecordingChat`].

use std::sync::Mutex;

use async_trait::async_trait;

use crate::domain::ids::{ChannelId, GuildId, MemberId, MessageId, RoleId};

/// Who a message may ping. The default pings nobody.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pings {
    pub roles: Vec<RoleId>,
    pub members: Vec<MemberId>,
}

/// A link or action button under a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Button {
    Action { custom_id: String, label: String },
    Link { url: String, label: String },
}

/// An embed, in plain fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Embed {
    pub title: Option<String>,
    pub description: Option<String>,
    pub colour: Option<u32>,
    pub fields: Vec<(String, String)>,
    pub footer: Option<String>,
    pub image_url: Option<String>,
}

/// A PNG or other file to upload with a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// A message to post.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutMessage {
    pub content: String,
    pub embeds: Vec<Embed>,
    pub buttons: Vec<Button>,
    pub attachments: Vec<Attachment>,
    pub pings: Pings,
    /// Up to 25 characters; a repeat within minutes returns the first message.
    pub nonce: Option<String>,
}

impl OutMessage {
    pub fn text(content: impl Into<String>) -> Self {
        Self {
            content: content.into(),
            ..Self::default()
        }
    }
}

/// A failure to deliver; `permanent` ones (403, 404, a 400) must not be retried.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ChatError {
    pub permanent: bool,
    pub message: String,
}

#[async_trait]
pub trait Chat: Send + Sync + 'static {
    async fn post(&self, channel: ChannelId, msg: &OutMessage) -> Result<MessageId, ChatError>;
    async fn dm(&self, member: MemberId, msg: &OutMessage) -> Result<MessageId, ChatError>;
    async fn edit(
        &self,
        channel: ChannelId,
        message: MessageId,
        msg: &OutMessage,
    ) -> Result<(), ChatError>;
    /// Everyone in the guild holding `role`.
    async fn role_members(&self, guild: GuildId, role: RoleId) -> Result<Vec<MemberId>, ChatError>;
    /// The guild's channels: (id, name).
    async fn channels(&self, guild: GuildId) -> Result<Vec<(ChannelId, String)>, ChatError>;
    /// The guild's roles: (id, name).
    async fn roles(&self, guild: GuildId) -> Result<Vec<(RoleId, String)>, ChatError>;
}

/// Where a recorded message went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Channel(ChannelId),
    Dm(MemberId),
}

/// An in-memory Chat for unit tests: records what was sent, knows a fixed membership.
#[derive(Debug, Default)]
pub struct RecordingChat {
    pub sent: Mutex<Vec<(Target, OutMessage)>>,
    pub members: Mutex<Vec<(RoleId, MemberId)>>,
    pub channels: Mutex<Vec<(String, ChannelId)>>,
    pub roles: Mutex<Vec<(String, RoleId)>>,
}

impl RecordingChat {
    fn record(&self, target: Target, msg: &OutMessage) -> MessageId {
        let mut sent = self.sent.lock().unwrap_or_else(|p| p.into_inner());
        sent.push((target, msg.clone()));
        MessageId(sent.len() as u64)
    }

    pub fn sent(&self) -> Vec<(Target, OutMessage)> {
        self.sent.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

#[async_trait]
impl Chat for RecordingChat {
    async fn post(&self, channel: ChannelId, msg: &OutMessage) -> Result<MessageId, ChatError> {
        Ok(self.record(Target::Channel(channel), msg))
    }

    async fn dm(&self, member: MemberId, msg: &OutMessage) -> Result<MessageId, ChatError> {
        Ok(self.record(Target::Dm(member), msg))
    }

    async fn edit(
        &self,
        channel: ChannelId,
        _message: MessageId,
        msg: &OutMessage,
    ) -> Result<(), ChatError> {
        self.record(Target::Channel(channel), msg);
        Ok(())
    }

    async fn role_members(
        &self,
        _guild: GuildId,
        role: RoleId,
    ) -> Result<Vec<MemberId>, ChatError> {
        let members = self.members.lock().unwrap_or_else(|p| p.into_inner());
        Ok(members
            .iter()
            .filter(|(r, _)| *r == role)
            .map(|(_, m)| *m)
            .collect())
    }

    async fn channels(&self, _guild: GuildId) -> Result<Vec<(ChannelId, String)>, ChatError> {
        let channels = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        Ok(channels.iter().map(|(n, c)| (*c, n.clone())).collect())
    }

    async fn roles(&self, _guild: GuildId) -> Result<Vec<(RoleId, String)>, ChatError> {
        let roles = self.roles.lock().unwrap_or_else(|p| p.into_inner());
        Ok(roles.iter().map(|(n, r)| (*r, n.clone())).collect())
    }
}

/// The id of the first entry named `name` (case-insensitive).
pub fn by_name<T: Copy>(list: &[(T, String)], name: &str) -> Option<T> {
    list.iter()
        .find(|(_, n)| n.eq_ignore_ascii_case(name))
        .map(|(id, _)| *id)
}
