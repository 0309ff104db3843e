//! The Chat port on Discord: posts, DMs, edits and member lists through [`Rest`].

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use serenity::all as s;
use serenity::http::{LightMethod, Multipart, MultipartUpload, Request, Route};

use super::render;
use super::rest::Rest;
use crate::chat::{Chat, ChatError, OutMessage};
use crate::domain::ids::{ChannelId, GuildId, MemberId, MessageId, RoleId};

pub struct DiscordChat {
    rest: Rest,
    dm_channels: Mutex<HashMap<MemberId, ChannelId>>,
    /// The guild's members with their roles, as last listed: one listing serves every
    /// team's lookup for a few seconds (a reminder step over 200 teams lists the guild
    /// once, not 200 times). Held across the listing, so callers at once share it.
    listing: tokio::sync::Mutex<Option<Listing>>,
}

/// A guild's members and roles, and when they were listed.
struct Listing {
    guild: GuildId,
    at: std::time::Instant,
    members: std::sync::Arc<Vec<(MemberId, Vec<RoleId>)>>,
}

/// How long a member listing answers for.
const LISTING_FRESH: std::time::Duration = std::time::Duration::from_secs(5);

impl DiscordChat {
    pub fn new(rest: Rest) -> Self {
        Self {
            rest,
            dm_channels: Mutex::default(),
            listing: tokio::sync::Mutex::default(),
        }
    }

    /// Every member of `guild` with their roles, listed at most every few seconds.
    async fn members(
        &self,
        guild: GuildId,
    ) -> Result<std::sync::Arc<Vec<(MemberId, Vec<RoleId>)>>, ChatError> {
        let mut held = self.listing.lock().await;
        if let Some(l) = held
            .as_ref()
            .filter(|l| l.guild == guild && l.at.elapsed() < LISTING_FRESH)
        {
            return Ok(l.members.clone());
        }
        let members = std::sync::Arc::new(self.list_members(guild).await?);
        *held = Some(Listing {
            guild,
            at: std::time::Instant::now(),
            members: members.clone(),
        });
        Ok(members)
    }

    async fn list_members(
        &self,
        guild: GuildId,
    ) -> Result<Vec<(MemberId, Vec<RoleId>)>, ChatError> {
        let mut out = Vec::new();
        let mut after = 0u64;
        loop {
            let route = Route::GuildMembers {
                guild_id: s::GuildId::new(guild.0),
            };
            let params = vec![("limit", "1000".to_string()), ("after", after.to_string())];
            let raw = self
                .rest
                .send("guild-members", || {
                    Request::new(route, LightMethod::Get).params(Some(params.clone()))
                })
                .await?;
            let page: Vec<s::Member> = serde_json::from_slice(&raw).map_err(internal)?;
            let Some(last) = page.last() else { break };
            after = last.user.id.get();
            let full = page.len() == 1000;
            out.extend(page.iter().map(|m| {
                let roles = m.roles.iter().map(|r| RoleId(r.get())).collect();
                (MemberId(m.user.id.get()), roles)
            }));
            if !full {
                break;
            }
        }
        Ok(out)
    }

    async fn dm_channel(&self, member: MemberId) -> Result<ChannelId, ChatError> {
        if let Some(c) = self
            .dm_channels
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&member)
        {
            return Ok(*c);
        }
        let body = serde_json::json!({ "recipient_id": member.0.to_string() });
        let bytes = serde_json::to_vec(&body).map_err(internal)?;
        let raw = self
            .rest
            .send("dm-channels", || {
                Request::new(Route::UserMeDmChannels, LightMethod::Post).body(Some(bytes.clone()))
            })
            .await?;
        let channel: s::PrivateChannel = serde_json::from_slice(&raw).map_err(internal)?;
        let id = ChannelId(channel.id.get());
        self.dm_channels
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(member, id);
        Ok(id)
    }
}

fn internal(e: impl std::fmt::Display) -> ChatError {
    ChatError {
        permanent: true,
        message: format!("unexpected answer from Discord: {e}"),
    }
}

fn create_request(
    channel: ChannelId,
    body: &[u8],
    files: &[s::CreateAttachment],
) -> Request<'static> {
    let route = Route::ChannelMessages {
        channel_id: s::ChannelId::new(channel.0),
    };
    let req = Request::new(route, LightMethod::Post);
    if files.is_empty() {
        return req.body(Some(body.to_vec()));
    }
    req.multipart(Some(Multipart {
        upload: MultipartUpload::Attachments(files.to_vec()),
        payload_json: Some(String::from_utf8_lossy(body).into_owned()),
        fields: vec![],
    }))
}

#[async_trait]
impl Chat for DiscordChat {
    async fn post(&self, channel: ChannelId, msg: &OutMessage) -> Result<MessageId, ChatError> {
        let (builder, files) = render::create_message(msg);
        let body = serde_json::to_vec(&builder).map_err(internal)?;
        let raw = self
            .rest
            .send(&format!("messages:{channel}"), || {
                create_request(channel, &body, &files)
            })
            .await?;
        let message: s::Message = serde_json::from_slice(&raw).map_err(internal)?;
        crate::metrics::Metrics::bump(&self.rest.metrics().messages_sent);
        Ok(MessageId(message.id.get()))
    }

    async fn dm(&self, member: MemberId, msg: &OutMessage) -> Result<MessageId, ChatError> {
        let channel = self.dm_channel(member).await?;
        self.post(channel, msg).await
    }

    async fn edit(
        &self,
        channel: ChannelId,
        message: MessageId,
        msg: &OutMessage,
    ) -> Result<(), ChatError> {
        let body = serde_json::to_vec(&render::edit_message(msg)).map_err(internal)?;
        let route = Route::ChannelMessage {
            channel_id: s::ChannelId::new(channel.0),
            message_id: s::MessageId::new(message.0),
        };
        self.rest
            .send(&format!("edits:{channel}"), || {
                Request::new(route, LightMethod::Patch).body(Some(body.clone()))
            })
            .await?;
        Ok(())
    }

    async fn role_members(&self, guild: GuildId, role: RoleId) -> Result<Vec<MemberId>, ChatError> {
        Ok(self
            .members(guild)
            .await?
            .iter()
            .filter(|(_, roles)| roles.contains(&role))
            .map(|(m, _)| *m)
            .collect())
    }

    async fn channels(&self, guild: GuildId) -> Result<Vec<(ChannelId, String)>, ChatError> {
        let route = Route::GuildChannels {
            guild_id: s::GuildId::new(guild.0),
        };
        let raw = self
            .rest
            .send("guild-channels", || Request::new(route, LightMethod::Get))
            .await?;
        let channels: Vec<s::GuildChannel> = serde_json::from_slice(&raw).map_err(internal)?;
        Ok(channels
            .into_iter()
            .map(|c| (ChannelId(c.id.get()), c.name))
            .collect())
    }

    async fn roles(&self, guild: GuildId) -> Result<Vec<(RoleId, String)>, ChatError> {
        let route = Route::GuildRoles {
            guild_id: s::GuildId::new(guild.0),
        };
        let raw = self
            .rest
            .send("guild-roles", || Request::new(route, LightMethod::Get))
            .await?;
        let roles: Vec<s::Role> = serde_json::from_slice(&raw).map_err(internal)?;
        Ok(roles
            .into_iter()
            .map(|r| (RoleId(r.id.get()), r.name))
            .collect())
    }
}
