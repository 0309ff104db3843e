//! The Chat port: what the app needs of a chat platform. Discord implements it in
//! `discord::chat`; the end-to-end tests drive it against the simulator, and
//! [`recording::RecordingChat`] records what the app would send, for fast tests of rules.

pub mod recording;
pub mod stored;

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
    Action {
        custom_id: String,
        label: String,
    },
    /// Backs out (Cancel): shown in the quiet secondary style, never like the action.
    Cancel {
        custom_id: String,
        label: String,
    },
    Link {
        url: String,
        label: String,
    },
}

/// A modal form: a title and up to five text fields, answered once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    pub custom_id: String,
    /// Up to 45 characters.
    pub title: String,
    pub fields: Vec<FormField>,
}

/// One text field of a [`Form`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormField {
    pub id: String,
    /// Up to 45 characters.
    pub label: String,
    pub placeholder: String,
    pub paragraph: bool,
    pub max: u16,
}

/// A step of an interactive, private answer flow: text and up to five rows of controls.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Screen {
    pub text: String,
    pub rows: Vec<Row>,
}

/// One row of controls: up to five buttons, or one select menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    Buttons(Vec<Choice>),
    Select {
        custom_id: String,
        placeholder: String,
        /// (label, value), up to 25.
        options: Vec<(String, String)>,
    },
}

/// A button in a flow; `selected` marks the current answer, `disabled` greys it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub custom_id: String,
    pub label: String,
    pub selected: bool,
    pub disabled: bool,
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
    /// Who the message speaks for: a sponsor's name (and title) and avatar.
    pub author: Option<EmbedAuthor>,
}

/// The line above an embed's title: a name and an optional round picture.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmbedAuthor {
    pub name: String,
    pub icon_url: Option<String>,
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
    /// A select menu under the buttons (a [`Row::Select`]), when the message offers one.
    pub menu: Option<Row>,
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

/// The id of the first entry named `name` (case-insensitive).
pub fn by_name<T: Copy>(list: &[(T, String)], name: &str) -> Option<T> {
    list.iter()
        .find(|(_, n)| n.eq_ignore_ascii_case(name))
        .map(|(id, _)| *id)
}

/// FNV-1a of a text: a stable, cheap hash for nonces and scripted choices.
pub fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Splits a long text at line ends into messages Discord accepts (2,000 characters).
pub fn split_message(text: &str) -> Vec<String> {
    const MAX: usize = 1900;
    if text.chars().count() <= MAX {
        return vec![text.to_string()];
    }
    let mut out = vec![String::new()];
    for line in text.lines() {
        let line: String = line.chars().take(MAX).collect();
        let last = out.last_mut().expect("never empty");
        if last.chars().count() + line.chars().count() + 1 > MAX {
            out.push(String::new());
        }
        let last = out.last_mut().expect("never empty");
        last.push_str(&line);
        last.push('\n');
    }
    out.retain(|m| !m.trim().is_empty());
    out
}

#[cfg(test)]
mod tests {
    use super::split_message;

    #[test]
    fn long_texts_split_at_line_ends_under_discords_limit() {
        let text = (0..300)
            .map(|i| format!("line {i} of the results"))
            .collect::<Vec<_>>()
            .join("\n");
        let parts = split_message(&text);
        assert!(parts.len() > 1);
        assert!(parts.iter().all(|p| p.chars().count() <= 1900));
        assert_eq!(parts.concat().lines().count(), 300, "no line lost");
    }
}
