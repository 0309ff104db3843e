//! Herald's one integration test binary: the store conformance suite (SQLite, or
//! PostgreSQL when `TEST_DATABASE_URL` is set), the CLI, and the Discord edge end to end
//! through the simulator with the real serenity client.

mod actions;
mod adoption;
mod anonymity;
mod answers_in_time;
mod autocomplete;
mod bench;
mod browser;
mod calendars;
mod champions;
mod chat_port;
mod cli;
mod command_picker;
mod comms;
mod dashboard;
mod dashboard_browser;
mod demo;
mod discord_edge;
mod fault_runs;
mod first_hour;
mod gateway;
mod health;
mod helpers;
mod log_privacy;
mod outage;
mod packaging;
mod plan_rules;
mod processes;
mod pulse_flow;
mod pulse_results;
mod pulses;
mod readme;
mod replies;
mod scale_out;
mod security;
mod sentiment;
mod simulator;
mod simulator_any_bot;
mod store_conformance;
mod stories;
mod supervision;
mod weekly_export;
