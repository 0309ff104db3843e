//! Counters Herald exposes at `/metrics` in Prometheus text format.

use std::fmt::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Process-wide counters; cheap to bump from anywhere.
#[derive(Debug, Default)]
pub struct Metrics {
    pub interactions: AtomicU64,
    pub interaction_errors: AtomicU64,
    pub messages_sent: AtomicU64,
    pub send_retries: AtomicU64,
    pub rate_limited: AtomicU64,
    pub gateway_connected: AtomicBool,
}

impl Metrics {
    pub fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn gateway_up(&self) -> bool {
        self.gateway_connected.load(Ordering::Relaxed)
    }

    /// The Prometheus text exposition of every counter.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let counters: [(&str, &str, &AtomicU64); 5] = [
            (
                "herald_interactions_total",
                "Interactions handled",
                &self.interactions,
            ),
            (
                "herald_interaction_errors_total",
                "Interactions that failed internally",
                &self.interaction_errors,
            ),
            (
                "herald_messages_sent_total",
                "Messages posted or sent by DM",
                &self.messages_sent,
            ),
            (
                "herald_send_retries_total",
                "Discord requests retried after 429 or 5xx",
                &self.send_retries,
            ),
            (
                "herald_rate_limited_total",
                "429 answers received from Discord",
                &self.rate_limited,
            ),
        ];
        for (name, help, value) in counters {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                value.load(Ordering::Relaxed)
            );
        }
        let up = u8::from(self.gateway_up());
        let _ = writeln!(out, "# HELP herald_gateway_connected 1 when the gateway is connected\n# TYPE herald_gateway_connected gauge\nherald_gateway_connected {up}");
        out
    }
}
