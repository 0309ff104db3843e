//! Shared time: the database's clock, as every instance reads it. Each instance's own
//! clock may be off by seconds or minutes; claims, lease expiry and due checks must agree
//! across instances, so they use the database's clock. An instance measures how far its
//! clock is from the database's (at each scheduler pass and each gateway lease check) and
//! adds that offset to its own clock, so reading shared time costs no query.
//!
//! The offset is taken against real system time (the database runs on real time) and
//! corrected by the clock's deliberate skew, so the same formula holds for a manual test
//! clock, which lives in a world shifted from real time: there, shared time is the manual
//! clock itself, whatever an instance's skew. In production (the system clock, no skew)
//! shared time is the database's clock. It is rounded to 100 ms, so the jitter of a
//! measurement on one machine rounds to exactly nothing; of a few readings the one with
//! the shortest round trip counts, so a query that waited for a connection does not.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};

use super::App;
use crate::store::StoreResult;

/// The offset from this instance's clock to the database's, in milliseconds.
#[derive(Debug, Default)]
pub struct SharedTime {
    offset_ms: AtomicI64,
}

/// `offset = round₁₀₀(db − midpoint of the real-time readings around the query) − skew`.
pub fn offset_ms(db_ms: i64, before_ms: i64, after_ms: i64, skew_ms: i64) -> i64 {
    let mid = before_ms + (after_ms - before_ms) / 2;
    let raw = db_ms - mid;
    (raw as f64 / 100.0).round() as i64 * 100 - skew_ms
}

/// Readings taken at most per sync; fewer when one comes back within [`GOOD_ROUND_TRIP_MS`].
const READINGS: usize = 3;
/// A round trip this short leaves the reading within 25 ms of the truth: rounded to nothing.
const GOOD_ROUND_TRIP_MS: i64 = 50;

impl App {
    /// Measures the offset to the database's clock; on failure the last one stays.
    pub async fn sync_shared_time(&self) -> StoreResult<()> {
        let mut best: Option<(i64, i64, i64)> = None;
        for _ in 0..READINGS {
            let before = Utc::now().timestamp_millis();
            let db = self.store.db_now_ms().await?;
            let after = Utc::now().timestamp_millis();
            if best.is_none_or(|(b, _, a)| after - before < a - b) {
                best = Some((before, db, after));
            }
            if after - before <= GOOD_ROUND_TRIP_MS {
                break;
            }
        }
        if let Some((before, db, after)) = best {
            let offset = offset_ms(db, before, after, self.clock.skew_ms());
            self.shared_time.offset_ms.store(offset, Ordering::Relaxed);
        }
        Ok(())
    }

    /// Now, by the database's clock (as last measured).
    pub fn shared_now(&self) -> DateTime<Utc> {
        let offset = self.shared_time.offset_ms.load(Ordering::Relaxed);
        self.clock.now() + chrono::Duration::milliseconds(offset)
    }

    pub fn shared_now_ms(&self) -> i64 {
        self.shared_now().timestamp_millis()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::TimeZone;

    use super::offset_ms;
    use crate::app::App;
    use crate::clock::{Clock, ManualClock, SkewedClock};

    /// An app over a fresh SQLite file whose clock is `skew` off a manual clock.
    async fn app_skewed(skew: chrono::Duration) -> (App, Arc<ManualClock>, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}/herald.db", dir.path().display());
        let settings = crate::config::Settings::load(None, &Default::default()).expect("settings");
        let store = crate::store::connect(&url, 2).await.expect("store");
        let start = chrono::Utc
            .with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
            .single()
            .expect("date");
        let manual = Arc::new(ManualClock::new(start));
        let clock: Arc<dyn Clock> = Arc::new(SkewedClock::new(manual.clone(), skew));
        let chat = Arc::new(crate::chat::recording::RecordingChat::default());
        let key = crate::app::pulse::key::PrivacyKey::from_bytes([7; 32]);
        let metrics = Arc::new(crate::metrics::Metrics::default());
        let app = App::new(store, clock, settings, metrics, chat, key);
        (app, manual, dir)
    }

    #[tokio::test]
    async fn every_skewed_instance_reads_the_manual_clock_as_shared_time() {
        for secs in [0, 90, -90] {
            let (app, manual, _dir) = app_skewed(chrono::Duration::seconds(secs)).await;
            app.sync_shared_time().await.expect("sync");
            assert_eq!(app.shared_now(), manual.now(), "skew {secs} s");
            manual.advance(chrono::Duration::minutes(5));
            assert_eq!(app.shared_now(), manual.now(), "skew {secs} s, later");
            assert_eq!(app.shared_now_ms(), manual.now().timestamp_millis());
        }
    }

    #[tokio::test]
    async fn a_failed_sync_keeps_the_last_offset() {
        let (app, manual, _dir) = app_skewed(chrono::Duration::seconds(90)).await;
        app.sync_shared_time().await.expect("sync");
        app.store.close().await;
        assert!(app.sync_shared_time().await.is_err(), "the store is closed");
        assert_eq!(app.shared_now(), manual.now());
    }

    #[test]
    fn a_clock_ninety_seconds_fast_is_set_back_ninety_seconds() {
        assert_eq!(offset_ms(1_000_000, 1_000_000, 1_000_000, 90_000), -90_000);
        assert_eq!(offset_ms(1_000_000, 1_000_000, 1_000_000, -90_000), 90_000);
    }

    #[test]
    fn the_jitter_of_one_machine_rounds_to_nothing() {
        for db in [999_960, 1_000_000, 1_000_040] {
            assert_eq!(offset_ms(db, 999_990, 1_000_010, 0), 0, "db {db}");
        }
    }

    #[test]
    fn a_database_clock_two_seconds_ahead_is_followed() {
        assert_eq!(offset_ms(1_002_030, 1_000_000, 1_000_020, 0), 2_000);
    }
}
