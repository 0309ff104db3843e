//! Counters Herald exposes at `/metrics` in Prometheus text format.

use std::fmt::Write;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Process-wide counters; cheap to bump from anywhere.
#[derive(Debug, Default)]
pub struct Metrics {
    pub interactions: AtomicU64,
    pub interaction_errors: AtomicU64,
    /// Interactions (commands, clicks, forms) whose handling has finished, answered or not.
    pub interactions_done: AtomicU64,
    pub messages_sent: AtomicU64,
    /// Members' guild messages Herald has finished with (scored or not).
    pub member_messages: AtomicU64,
    pub send_retries: AtomicU64,
    pub rate_limited: AtomicU64,
    /// Events another instance handled first (interactions, reactions, feedback).
    pub duplicate_events: AtomicU64,
    /// Panics caught in the scheduler loop or a delivery (each logged with an error id).
    pub scheduler_panics: AtomicU64,
    pub gateway_connected: AtomicBool,
    /// Another instance holds the gateway lease; this one stands by.
    pub gateway_standby: AtomicBool,
    /// The scheduler's lane for channel posts and every other job but direct messages.
    pub scheduler: Heartbeat,
    /// The scheduler's lane for direct messages (pulse reminders).
    pub dm_lane: Heartbeat,
}

/// Longer than this without a beat and `/healthz` reports the scheduler stalled.
pub const SCHEDULER_STALLS_AFTER: Duration = Duration::from_secs(60);

/// When the scheduler last showed it was working: a finished pass, or a beat while it
/// waits with nothing due (so an idle scheduler is alive). Real monotonic time, not the
/// app clock: a stall is the process being stuck, and the app clock may be a manual one
/// that moves in jumps (tests, the demo) or not at all. A new heartbeat counts as a beat,
/// so a scheduler has a whole window to finish its first pass.
#[derive(Debug)]
pub struct Heartbeat {
    last: Mutex<Instant>,
    /// While the lane sleeps with nothing due before an app-clock time (ms), that time;
    /// `i64::MIN` while it works or has been woken. Lets a driver of a manual clock (the
    /// demo) know the lane has caught up before it moves the clock on.
    idle_until_ms: AtomicI64,
    /// Test-only fault injection; nothing in production sets these.
    #[doc(hidden)]
    pub faults: SchedulerFaults,
}

/// Test-only switches the scheduler loop looks at once per pass.
#[doc(hidden)]
#[derive(Debug, Default)]
pub struct SchedulerFaults {
    /// The next pass panics (then the switch is off again).
    pub panic_next_pass: AtomicBool,
    /// Passes wait, without beating, until this is off again.
    pub stall: AtomicBool,
    /// Set by the loop while it waits on `stall`.
    pub stalled: AtomicBool,
}

impl Default for Heartbeat {
    fn default() -> Self {
        Self {
            last: Mutex::new(Instant::now()),
            idle_until_ms: AtomicI64::new(i64::MIN),
            faults: SchedulerFaults::default(),
        }
    }
}

impl Heartbeat {
    pub fn beat(&self) {
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
    }

    /// Records that the lane sleeps with nothing due before app-clock `ms`.
    pub fn idle_until(&self, ms: i64) {
        self.idle_until_ms.store(ms, Ordering::SeqCst);
    }

    /// Records that the lane has (or is about to have) work: called before it is woken.
    pub fn working(&self) {
        self.idle_until_ms.store(i64::MIN, Ordering::SeqCst);
    }

    /// Whether the lane is asleep with everything due by app-clock `ms` done.
    pub fn caught_up_with(&self, ms: i64) -> bool {
        self.idle_until_ms.load(Ordering::SeqCst) > ms
    }

    /// How long since the last beat.
    pub fn age(&self) -> Duration {
        self.last
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .elapsed()
    }

    pub fn alive(&self) -> bool {
        self.age() <= SCHEDULER_STALLS_AFTER
    }

    /// Test-only: moves the last beat `by` into the past.
    #[doc(hidden)]
    pub fn backdate(&self, by: Duration) {
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(earlier) = last.checked_sub(by) {
            *last = earlier;
        }
    }
}

impl Metrics {
    pub fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn set_gateway_standby(&self, standby: bool) {
        self.gateway_standby.store(standby, Ordering::Relaxed);
    }

    pub fn gateway_up(&self) -> bool {
        self.gateway_connected.load(Ordering::Relaxed)
    }

    /// The Prometheus text exposition of every counter.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let counters: [(&str, &str, &AtomicU64); 6] = [
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
            (
                "herald_scheduler_panics_total",
                "Panics caught in the scheduler or a delivery",
                &self.scheduler_panics,
            ),
        ];
        for (name, help, value) in counters {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                value.load(Ordering::Relaxed)
            );
        }
        let dup = self.duplicate_events.load(Ordering::Relaxed);
        let _ = writeln!(out, "# HELP herald_duplicate_events_total Events left to the instance that claimed them first\n# TYPE herald_duplicate_events_total counter\nherald_duplicate_events_total {dup}");
        let up = u8::from(self.gateway_up());
        let _ = writeln!(out, "# HELP herald_gateway_connected 1 when the gateway is connected\n# TYPE herald_gateway_connected gauge\nherald_gateway_connected {up}");
        let standby = self.gateway_standby.load(Ordering::Relaxed);
        let role = if up == 1 {
            "holder"
        } else if standby {
            "standby"
        } else {
            "none"
        };
        let _ = writeln!(out, "# HELP herald_gateway_role This instance's part in the gateway: holder, standby or none (disconnected)\n# TYPE herald_gateway_role gauge\nherald_gateway_role{{role=\"{role}\"}} 1");
        let alive = u8::from(self.scheduler.alive() && self.dm_lane.alive());
        let _ = writeln!(out, "# HELP herald_scheduler_alive 1 when both scheduler lanes finished a pass or beat within 60 s\n# TYPE herald_scheduler_alive gauge\nherald_scheduler_alive {alive}");
        out
    }
}
