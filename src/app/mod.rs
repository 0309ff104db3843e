//! Use cases, one file per capability. Each takes plain requests (our ids, parsed values)
//! and returns plain answers; none of them knows Discord.

pub mod access;
pub mod plan_cli;
pub mod roles;
pub mod status;
pub mod teams;

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
}

impl App {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        settings: Settings,
        metrics: Arc<Metrics>,
        chat: ChatRef,
    ) -> Self {
        Self {
            store,
            clock,
            settings: Arc::new(settings),
            metrics,
            chat,
            started: Instant::now(),
        }
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now().timestamp_millis()
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
