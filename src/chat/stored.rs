//! A Chat that answers from the store and posts nothing: what `herald export` runs on,
//! so it needs no Discord token. Team sizes come from the roles the gateway last showed
//! (`member_roles`); anything that would reach Discord is refused, permanently.

use std::sync::Arc;

use async_trait::async_trait;

use super::{Chat, ChatError, OutMessage};
use crate::domain::ids::{ChannelId, GuildId, MemberId, MessageId, RoleId};
use crate::store::Store;

pub struct StoredChat {
    store: Arc<dyn Store>,
}

impl StoredChat {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }
}

fn offline() -> ChatError {
    ChatError {
        permanent: true,
        message: "not connected to Discord (this command works from the database alone)".into(),
    }
}

#[async_trait]
impl Chat for StoredChat {
    async fn post(&self, _: ChannelId, _: &OutMessage) -> Result<MessageId, ChatError> {
        Err(offline())
    }

    async fn dm(&self, _: MemberId, _: &OutMessage) -> Result<MessageId, ChatError> {
        Err(offline())
    }

    async fn edit(&self, _: ChannelId, _: MessageId, _: &OutMessage) -> Result<(), ChatError> {
        Err(offline())
    }

    async fn role_members(&self, guild: GuildId, role: RoleId) -> Result<Vec<MemberId>, ChatError> {
        self.store
            .stored_role_members(guild, role)
            .await
            .map_err(|e| ChatError {
                permanent: false,
                message: format!("could not read stored members: {e}"),
            })
    }

    async fn channels(&self, _: GuildId) -> Result<Vec<(ChannelId, String)>, ChatError> {
        Err(offline())
    }

    async fn roles(&self, _: GuildId) -> Result<Vec<(RoleId, String)>, ChatError> {
        Err(offline())
    }
}
