//! The Discord edge: the only module that names serenity or poise.
//!
//! It starts the gateway client with backoff, registers slash commands, turns each
//! interaction into a plain call to [`crate::app`], and implements the Chat port.

mod actor;
mod chat;
mod commands;
mod components;
mod errors;
mod events;
mod render;
mod rest;
#[cfg(test)]
mod sim_payloads;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use poise::serenity_prelude as serenity;
use rand::Rng;
use serenity::all::{ClientBuilder, GatewayIntents, Http, HttpBuilder, ShardManager};
use tokio_util::sync::CancellationToken;

use crate::app::App;
use crate::chat::Chat;
use crate::config::{Secret, Settings};
use crate::metrics::Metrics;

/// What every command handler can reach.
pub struct Bot {
    pub app: App,
}

/// The running gateway client.
pub struct DiscordHandle {
    shards: Arc<Mutex<Option<Arc<ShardManager>>>>,
    task: tokio::task::JoinHandle<()>,
}

impl DiscordHandle {
    /// Ends the client task and drops the gateway connection at once (a test's crash).
    #[doc(hidden)]
    pub async fn crash(self) {
        self.task.abort();
        self.close_gateway().await;
    }

    /// Closes the gateway connection and waits for the client task to end.
    pub async fn shutdown(self) {
        self.close_gateway().await;
        let _ = tokio::time::timeout(Duration::from_secs(10), self.task).await;
    }

    async fn close_gateway(&self) {
        let shards = self
            .shards
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(shards) = shards {
            shards.shutdown_all().await;
        }
    }
}

fn http_for(token: &Secret, settings: &Settings, client: reqwest::Client) -> Http {
    let mut b = HttpBuilder::new(token.expose()).client(client);
    if let Some(base) = &settings.discord_api_base {
        // serenity's rate limiter ignores the proxy; Herald's own layer keeps the limits.
        b = b.proxy(base.clone()).ratelimiter_disabled(true);
    }
    b.build()
}

/// The Chat port on Discord, with its own HTTP client and rate-limit state.
pub fn chat(token: &Secret, settings: &Settings, metrics: Arc<Metrics>) -> Arc<dyn Chat> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap_or_default();
    let http = Arc::new(http_for(token, settings, client.clone()));
    let rest = rest::Rest::new(http, client, settings.uses_simulator(), metrics);
    Arc::new(chat::DiscordChat::new(rest))
}

/// Feedback channels need message events and their content (a privileged intent, to be
/// enabled in the developer portal); without them Herald asks for neither.
fn intents(settings: &crate::config::Settings) -> GatewayIntents {
    let base = GatewayIntents::GUILDS
        | GatewayIntents::GUILD_MEMBERS
        | GatewayIntents::GUILD_MESSAGE_REACTIONS;
    if settings.feedback_channels.is_empty() {
        base
    } else {
        base | GatewayIntents::GUILD_MESSAGES | GatewayIntents::MESSAGE_CONTENT
    }
}

/// Starts the gateway client in the background; it reconnects by itself and, when the
/// client cannot be built (Discord unreachable, bad token), retries with backoff.
/// It connects only while `role` says this instance holds the gateway lease, and closes
/// the connection when another instance takes it over.
pub fn start(
    app: App,
    token: Secret,
    stop: CancellationToken,
    role: tokio::sync::watch::Receiver<bool>,
) -> DiscordHandle {
    let shards = Arc::new(Mutex::new(None));
    let task = tokio::spawn(run_client(app, token, stop, shards.clone(), role));
    DiscordHandle { shards, task }
}

/// How often the shard's stage is read into `gateway_connected`.
const STAGE_POLL: Duration = Duration::from_millis(500);

/// Keeps `gateway_connected` true to the shard: serenity sends no stage update while it
/// retries a gateway that refuses connections, so a Discord outage would go unseen.
async fn watch_stage(shards: Arc<ShardManager>, metrics: Arc<Metrics>) {
    loop {
        tokio::time::sleep(STAGE_POLL).await;
        let connected = shards
            .runners
            .lock()
            .await
            .values()
            .any(|r| r.stage == serenity::ConnectionStage::Connected);
        metrics
            .gateway_connected
            .store(connected, std::sync::atomic::Ordering::Relaxed);
    }
}

async fn run_client(
    app: App,
    token: Secret,
    stop: CancellationToken,
    shards: Arc<Mutex<Option<Arc<ShardManager>>>>,
    mut role: tokio::sync::watch::Receiver<bool>,
) {
    let mut backoff = Duration::from_secs(1);
    while !stop.is_cancelled() {
        app.metrics.set_gateway_standby(true);
        if !crate::app::gateway::until_holder(&mut role, &stop).await {
            return;
        }
        app.metrics.set_gateway_standby(false);
        let http = http_for(&token, &app.settings, reqwest::Client::new());
        let built = ClientBuilder::new_with_http(http, intents(&app.settings))
            .framework(commands::framework(app.clone()))
            .await;
        match built {
            Ok(mut client) => {
                *shards.lock().unwrap_or_else(|p| p.into_inner()) =
                    Some(client.shard_manager.clone());
                let stages = watch_stage(client.shard_manager.clone(), app.metrics.clone());
                tokio::select! {
                    _ = stages => {}
                    result = client.start() => match result {
                        Ok(()) => tracing::warn!("the Discord client stopped; starting it again"),
                        Err(e) => tracing::error!(error = %e, "the Discord client failed"),
                    },
                    _ = stop.cancelled() => return,
                    _ = crate::app::gateway::until_standby(&mut role) => {
                        tracing::warn!("another instance holds the gateway now; closing ours and standing by");
                        client.shard_manager.shutdown_all().await;
                        app.metrics
                            .gateway_connected
                            .store(false, std::sync::atomic::Ordering::Relaxed);
                        continue;
                    }
                }
            }
            Err(e) => {
                tracing::error!(error = %e, retry_in_s = backoff.as_secs(), "cannot connect to Discord")
            }
        }
        app.metrics
            .gateway_connected
            .store(false, std::sync::atomic::Ordering::Relaxed);
        let jitter = Duration::from_millis(rand::thread_rng().gen_range(0..500));
        let wake =
            app.clock.now() + chrono::Duration::from_std(backoff + jitter).unwrap_or_default();
        tracing::warn!(
            retry_in_ms = (backoff + jitter).as_millis() as u64,
            "reconnecting to Discord after a pause"
        );
        tokio::select! {
            _ = app.clock.sleep_until(wake) => {}
            _ = stop.cancelled() => return,
        }
        backoff = (backoff * 2).min(Duration::from_secs(60));
    }
}
