//! Use cases, one file per capability. Each takes plain requests (our ids, parsed values)
//! and returns plain answers; none of them knows Discord.

pub mod access;
pub mod acks;
pub mod action;
pub mod actions;
pub mod adoption;
pub mod announce;
pub mod champions;
pub mod comms;
pub mod dashboard;
pub mod gateway;
pub mod init;
pub mod jobs;
pub mod once;
pub mod plan_cli;
pub mod pulse;
pub mod roles;
pub mod sentiment;
pub mod shared_time;
pub mod status;
pub mod stories;
pub mod suggest;
pub mod teams;

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Instant;

use crate::chat::Chat;
use crate::clock::Clock;
use crate::config::Settings;
use crate::error::AppError;
use crate::metrics::Metrics;
use crate::store::{Store, StoreError};

/// What every use case may reach: storage, time, settings, counters and the chat port.
#[derive(Clone)]
pub struct App {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<Settings>,
    pub metrics: Arc<Metrics>,
    pub chat: ChatRef,
    pub started: Instant,
    /// The plan in force (None until one loads); swapped whole on reload.
    pub plan: Arc<std::sync::RwLock<Option<Arc<crate::plan::Plan>>>>,
    /// Wakes the scheduler after a change (reload, pause, resume, send now).
    pub wake: Arc<tokio::sync::Notify>,
    /// Held while schedules are materialised and while a reload swaps the plan, so a
    /// reload's reset of the cursors can never be overwritten by a pass in flight.
    pub plan_gate: Arc<tokio::sync::Mutex<()>>,
    /// Keys the hashes that stand for people in pulse data.
    pub key: Arc<pulse::key::PrivacyKey>,
    /// The offset to the database's clock (see `shared_time`).
    pub shared_time: Arc<shared_time::SharedTime>,
    /// Signs dashboard links (`http.dashboard_key_file` when launched; random otherwise).
    pub dashboard_key: Arc<dashboard::sign::DashboardKey>,
}

impl App {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        settings: Settings,
        metrics: Arc<Metrics>,
        chat: ChatRef,
        key: pulse::key::PrivacyKey,
    ) -> Self {
        Self {
            store,
            clock,
            settings: Arc::new(settings),
            metrics,
            chat,
            started: Instant::now(),
            plan: Arc::default(),
            wake: Arc::default(),
            plan_gate: Arc::default(),
            key: Arc::new(key),
            shared_time: Arc::default(),
            dashboard_key: Arc::new(dashboard::sign::DashboardKey::from_bytes(rand::random())),
        }
    }

    /// Now in milliseconds, by the shared (database) clock: what every use case stores
    /// and compares with what the scheduler does.
    pub fn now_ms(&self) -> i64 {
        self.shared_now_ms()
    }

    pub fn plan(&self) -> Option<Arc<crate::plan::Plan>> {
        self.plan.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn set_plan(&self, plan: crate::plan::Plan) {
        *self.plan.write().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(plan));
    }

    /// The guild the plan speaks to: `discord.guild_id`, or the first guild Herald joined.
    pub async fn primary_guild(&self) -> Result<Option<crate::domain::ids::GuildId>, StoreError> {
        if let Some(g) = self.settings.discord_guild_id {
            return Ok(Some(crate::domain::ids::GuildId(g)));
        }
        Ok(self.store.guilds().await?.first().copied())
    }

    /// The change team's channel: the plan's `reports_channel`, looked up by name; None
    /// without a plan or when the guild has no such channel.
    pub async fn reports_channel(
        &self,
        guild: crate::domain::ids::GuildId,
    ) -> Result<Option<crate::domain::ids::ChannelId>, crate::chat::ChatError> {
        let Some(plan) = self.plan() else {
            return Ok(None);
        };
        let channels = self.chat.channels(guild).await?;
        let found = crate::chat::by_name(&channels, &plan.campaign.reports_channel);
        if found.is_none() {
            tracing::error!(channel = %plan.campaign.reports_channel, "the reports channel was not found");
        }
        Ok(found)
    }

    /// Tells the scheduler something changed; never lost, even if it is busy.
    pub fn wake_scheduler(&self) {
        self.metrics.scheduler.working();
        self.wake.notify_one();
    }
}

/// A chat platform handle, passed to the use cases that post.
pub type ChatRef = Arc<dyn Chat>;

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(_) => {
                AppError::user("Herald cannot reach its database right now; try again in a moment.")
            }
            other => {
                AppError::Internal(anyhow::Error::new(other).context("Failed to use the database"))
            }
        }
    }
}
