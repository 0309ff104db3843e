//! Herald: a Discord bot for organisational change communications.
//!
//! A tour of the layout, from the outside in:
//!
//! - [`cli`] parses the command line; [`config`] turns defaults, `herald.toml` and
//!   `HERALD__*` variables into typed [`config::Settings`]; [`startup`] wires a running bot.
//! - [`discord`] is the only module that knows serenity and poise: it turns interactions
//!   into plain requests for [`app`], renders answers, and implements the [`chat::Chat`]
//!   port with retries that respect Discord's rate limits.
//! - [`app`] holds the use cases (teams, roles, status, communications, announcements,
//!   pulses with their privacy key); [`domain`] the pure rules (schedules across DST,
//!   ADKAR, eNPS, group privacy, comment sentiment);
//!   [`store`] the database behind one trait, on SQLite or PostgreSQL.
//! - [`plan`] reads `messages/` (plan.toml, templates, question sets) and reports every
//!   problem as `file:line:col`; [`ingest`] takes adoption figures in over HTTP
//!   (`POST /api/v1/adoption`) and from CSV files, whole batches or nothing; [`scheduler`] turns the plan into outbox rows and
//!   delivers them exactly once, and opens, reminds and closes pulses; [`webhooks`]
//!   mirrors sends to Slack, Teams or JSON.
//! - [`clock`] makes time a port, so tests move a manual clock instead of sleeping.
//! - [`sim`] is a local Discord (REST, gateway, control API, faults) that tests,
//!   benchmarks and outside scripts drive; [`health`] serves `/healthz` and `/metrics`.
//! - [`demo`] rehearses a whole campaign on a fast clock (`herald demo`); [`bench`] holds
//!   every benchmark behind `herald bench`.

pub mod app;
pub mod bench;
pub mod chart;
pub mod chat;
pub mod cli;
pub mod clock;
pub mod config;
pub mod demo;
pub mod discord;
pub mod domain;
pub mod error;
pub mod health;
pub mod ingest;
pub mod metrics;
pub mod pages;
pub mod plan;
pub mod scheduler;
pub mod sim;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod webhooks;

/// Herald's version, as shown by `--version`, `/herald status` and `/healthz`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
