//! Time as a port: the system clock in production, a manual clock that tests and the demo
//! advance by hand, so nothing time-based ever needs a real sleep in a test, and a skewed
//! clock over either, for an instance whose clock is off (see `app::shared_time`).

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use tokio::sync::Notify;

#[async_trait]
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
    /// Returns once `now() >= at`.
    async fn sleep_until(&self, at: DateTime<Utc>);
    /// How far, in milliseconds, this clock is deliberately set off the world it lives in
    /// (a [`SkewedClock`] in a test); 0 for every clock that tells its world's time.
    fn skew_ms(&self) -> i64 {
        0
    }
}

/// Wall-clock time.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

#[async_trait]
impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    async fn sleep_until(&self, at: DateTime<Utc>) {
        let wait = (at - Utc::now()).to_std().unwrap_or_default();
        tokio::time::sleep(wait).await;
    }
}

/// Time that moves only when told to; sleepers wake when it passes their deadline.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<DateTime<Utc>>,
    moved: Notify,
}

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        Self {
            now: Mutex::new(start),
            moved: Notify::new(),
        }
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        *now += by;
        drop(now);
        self.moved.notify_waiters();
    }
}

#[async_trait]
impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn sleep_until(&self, at: DateTime<Utc>) {
        loop {
            let moved = self.moved.notified();
            if self.now() >= at {
                return;
            }
            moved.await;
        }
    }
}

/// Another clock set `skew` off: how a test gives one instance a clock that is wrong by a
/// known amount. Its sleepers wake by its own time, so a clock ahead wakes them early.
pub struct SkewedClock {
    inner: Arc<dyn Clock>,
    skew: Duration,
}

impl SkewedClock {
    pub fn new(inner: Arc<dyn Clock>, skew: Duration) -> Self {
        Self { inner, skew }
    }
}

#[async_trait]
impl Clock for SkewedClock {
    fn now(&self) -> DateTime<Utc> {
        self.inner.now() + self.skew
    }

    async fn sleep_until(&self, at: DateTime<Utc>) {
        // Our now ≥ at exactly when the inner clock's ≥ at − skew.
        while self.now() < at {
            match at.checked_sub_signed(self.skew) {
                Some(inner_at) => self.inner.sleep_until(inner_at).await,
                None => return,
            }
        }
    }

    fn skew_ms(&self) -> i64 {
        self.skew.num_milliseconds() + self.inner.skew_ms()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_sleeper_wakes_only_when_the_manual_clock_passes_its_deadline() {
        let start = DateTime::from_timestamp(1_700_000_000, 0).expect("valid timestamp");
        let clock = Arc::new(ManualClock::new(start));
        let c = clock.clone();
        let sleeper = tokio::spawn(async move { c.sleep_until(start + Duration::hours(1)).await });
        clock.advance(Duration::minutes(59));
        tokio::task::yield_now().await;
        assert!(!sleeper.is_finished(), "woke before its deadline");
        clock.advance(Duration::minutes(1));
        tokio::time::timeout(std::time::Duration::from_secs(5), sleeper)
            .await
            .expect("sleeper woke")
            .expect("task ok");
        assert_eq!(clock.now(), start + Duration::hours(1));
    }

    #[tokio::test]
    async fn a_skewed_clock_reads_off_by_its_skew_and_wakes_by_its_own_time() {
        let start = DateTime::from_timestamp(1_700_000_000, 0).expect("valid timestamp");
        let manual = Arc::new(ManualClock::new(start));
        let ahead = Arc::new(SkewedClock::new(manual.clone(), Duration::seconds(90)));
        assert_eq!(ahead.now(), start + Duration::seconds(90));
        assert_eq!(ahead.skew_ms(), 90_000);
        assert_eq!(manual.skew_ms(), 0);
        let c = ahead.clone();
        let sleeper =
            tokio::spawn(async move { c.sleep_until(start + Duration::minutes(5)).await });
        manual.advance(Duration::seconds(209));
        tokio::task::yield_now().await;
        assert!(!sleeper.is_finished(), "woke before its own deadline");
        manual.advance(Duration::seconds(1));
        tokio::time::timeout(std::time::Duration::from_secs(5), sleeper)
            .await
            .expect("woke 90 s early by the manual clock, on time by its own")
            .expect("task ok");
    }

    #[tokio::test]
    async fn skews_add_up_and_a_past_deadline_returns_at_once() {
        let start = DateTime::from_timestamp(1_700_000_000, 0).expect("valid timestamp");
        let manual: Arc<dyn Clock> = Arc::new(ManualClock::new(start));
        let behind: Arc<dyn Clock> = Arc::new(SkewedClock::new(manual, Duration::seconds(-90)));
        let both = SkewedClock::new(behind, Duration::milliseconds(30_500));
        assert_eq!(both.skew_ms(), -59_500);
        assert_eq!(both.now(), start - Duration::milliseconds(59_500));
        tokio::time::timeout(
            std::time::Duration::from_secs(5),
            both.sleep_until(start - Duration::minutes(2)),
        )
        .await
        .expect("a deadline already passed returns at once");
        assert_eq!(SystemClock.skew_ms(), 0);
    }
}
