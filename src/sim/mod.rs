//! `herald sim`: a local Discord — the REST subset bots use, the gateway, and a JSON
//! control API under `/_sim/` — with Discord's limits, rate limits and injectable faults.
//! Its contract (routes, control API, limits, faults) is the README's "The Discord
//! simulator" section; tests, benchmarks, the demo and outside scripts all drive it.
//!
//! Faults (`POST /_sim/faults`, every field optional): `http_429_ratio` and
//! `http_5xx_ratio` answer that share of requests with a 429 or a 5xx;
//! `odd_retry_after_ratio` makes that share of the injected 429s carry an impossible
//! `retry_after` — `inf`, `-1` or `NaN` in the `Retry-After` header and `Infinity`, `-1`
//! or `NaN` in the body — that no retry is held to; `latency_ms` delays every request and `slow_routes` one route;
//! `drop_after_commit_ratio` stores a message, then drops the connection unanswered;
//! `enforce_rate_limits` (on by default) applies Discord's limits; `reject_identify`
//! closes every IDENTIFY with 4004.

// Handlers return a ready `Response` as their error: the idiomatic early exit in axum.
#![allow(clippy::result_large_err)]

mod callbacks;
pub mod client;
mod control;
mod gateway;
mod interactions;
pub mod messages;
pub mod payloads;
pub mod ratelimit;
mod rest;
mod server;
pub mod state;
mod stats;
mod validate;
pub mod world;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;

pub use state::SimState;
pub use world::WorldSpec;

/// A running simulator.
pub struct SimHandle {
    pub addr: SocketAddr,
    pub state: Arc<SimState>,
    task: tokio::task::JoinHandle<()>,
}

impl SimHandle {
    /// `http://127.0.0.1:PORT`: what `discord.api_base` is set to.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// What `GET /_sim/stats` answers, read in process.
    pub fn stats(&self) -> serde_json::Value {
        self.state.stats()
    }

    /// Whether the application has registered any commands.
    pub fn commands_registered(&self) -> bool {
        !self.state.lock().commands.is_empty()
    }

    /// What `GET /_sim/channels/{channel}/messages` answers (empty for an unknown channel).
    pub fn messages(&self, channel: &str) -> Vec<serde_json::Value> {
        self.state.channel_messages(channel).unwrap_or_default()
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn router(state: Arc<SimState>) -> Router {
    Router::new()
        .nest("/api/v10", rest::router(state.clone()))
        .nest("/_sim", control::router())
        .route("/gateway", get(gateway::upgrade))
        .route("/", get(gateway::upgrade))
        .with_state(state)
}

/// Binds `listen` (port 0 picks one) and serves `world` until the handle is dropped.
pub async fn start(listen: SocketAddr, world: &WorldSpec) -> anyhow::Result<SimHandle> {
    let state = Arc::new(SimState::new(world).map_err(anyhow::Error::msg)?);
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    state.lock().base_url = format!("http://{addr}");
    let task = tokio::spawn(server::serve(listener, router(state.clone())));
    Ok(SimHandle { addr, state, task })
}

/// `herald sim`: prints the contract's first line, then serves until interrupted.
pub async fn run_cli(listen: SocketAddr, world: Option<PathBuf>) -> anyhow::Result<()> {
    let spec = match world {
        Some(path) => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            WorldSpec::from_json(&text).map_err(anyhow::Error::msg)?
        }
        None => WorldSpec::default_world(),
    };
    let sim = start(listen, &spec).await?;
    println!("herald-sim listening on {}", sim.url());
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let _ = tokio::signal::ctrl_c().await;
    Ok(())
}

/// Interaction dispatch, for the serenity deserialization tests in `discord/`.
#[cfg(test)]
pub mod interactions_for_tests {
    pub use super::interactions::{command, component, modal};
}
