//! A Chat that records instead of posting: the fake beside the port, so the app's rules
//! (caps, re-sends, privacy merges, who gets a reminder) have fast tests without the
//! simulator. It knows a small directory (channels, roles and their members) the test
//! sets up, and remembers every post, DM and edit in order.

use std::sync::Mutex;

use async_trait::async_trait;

use super::{Chat, ChatError, OutMessage};
use crate::domain::ids::{ChannelId, GuildId, MemberId, MessageId, RoleId};

/// Where a recorded message went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    Channel(ChannelId),
    Dm(MemberId),
    Edit(ChannelId, MessageId),
}

#[derive(Default)]
struct Inner {
    next_id: u64,
    channels: Vec<(ChannelId, String)>,
    roles: Vec<(RoleId, String, Vec<MemberId>)>,
    sent: Vec<(Sent, OutMessage)>,
    /// Members whose next direct message fails as a passing error (a 500).
    failing_once: Vec<MemberId>,
}

/// The recording fake; every guild sees the same directory.
#[derive(Default)]
pub struct RecordingChat {
    inner: Mutex<Inner>,
}

impl RecordingChat {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds a channel to the directory.
    pub fn with_channel(self, id: ChannelId, name: &str) -> Self {
        self.lock().channels.push((id, name.to_string()));
        self
    }

    /// Adds a role and the members holding it.
    pub fn with_role(self, id: RoleId, name: &str, members: &[MemberId]) -> Self {
        self.lock()
            .roles
            .push((id, name.to_string(), members.to_vec()));
        self
    }

    /// The next direct message to `member` fails as Discord's 500 would; later ones go.
    pub fn fail_next_dm(&self, member: MemberId) {
        self.lock().failing_once.push(member);
    }

    /// Everything sent so far, in order.
    pub fn sent(&self) -> Vec<(Sent, OutMessage)> {
        self.lock().sent.clone()
    }

    /// The texts posted to `channel`, in order.
    pub fn posted_in(&self, channel: ChannelId) -> Vec<String> {
        self.lock()
            .sent
            .iter()
            .filter(|(to, _)| *to == Sent::Channel(channel))
            .map(|(_, m)| m.content.clone())
            .collect()
    }

    /// The members who got a direct message, in order.
    pub fn dm_recipients(&self) -> Vec<MemberId> {
        self.lock()
            .sent
            .iter()
            .filter_map(|(to, _)| match to {
                Sent::Dm(m) => Some(*m),
                _ => None,
            })
            .collect()
    }

    fn record(&self, to: Sent, msg: &OutMessage) -> MessageId {
        let mut inner = self.lock();
        inner.next_id += 1;
        inner.sent.push((to, msg.clone()));
        MessageId(inner.next_id)
    }
}

#[async_trait]
impl Chat for RecordingChat {
    async fn post(&self, channel: ChannelId, msg: &OutMessage) -> Result<MessageId, ChatError> {
        Ok(self.record(Sent::Channel(channel), msg))
    }

    async fn dm(&self, member: MemberId, msg: &OutMessage) -> Result<MessageId, ChatError> {
        {
            let mut inner = self.lock();
            if let Some(i) = inner.failing_once.iter().position(|m| *m == member) {
                inner.failing_once.remove(i);
                return Err(ChatError {
                    permanent: false,
                    message: "500 Internal Server Error".into(),
                });
            }
        }
        Ok(self.record(Sent::Dm(member), msg))
    }

    async fn edit(
        &self,
        channel: ChannelId,
        message: MessageId,
        msg: &OutMessage,
    ) -> Result<(), ChatError> {
        self.record(Sent::Edit(channel, message), msg);
        Ok(())
    }

    async fn role_members(&self, _: GuildId, role: RoleId) -> Result<Vec<MemberId>, ChatError> {
        Ok(self
            .lock()
            .roles
            .iter()
            .find(|(id, _, _)| *id == role)
            .map(|(_, _, m)| m.clone())
            .unwrap_or_default())
    }

    async fn channels(&self, _: GuildId) -> Result<Vec<(ChannelId, String)>, ChatError> {
        Ok(self.lock().channels.clone())
    }

    async fn roles(&self, _: GuildId) -> Result<Vec<(RoleId, String)>, ChatError> {
        Ok(self
            .lock()
            .roles
            .iter()
            .map(|(id, name, _)| (*id, name.clone()))
            .collect())
    }
}
