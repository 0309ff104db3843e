//! The demo's time: a fixed simulated grid (every three hours from the start, plus a stop
//! just after each of Herald's own sends and pulse events), the real-time pace that
//! `--speed` sets, the map from the simulator's wall-clock stamps back to simulated time,
//! and the wait until Herald has finished everything due before the clock moves on.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};

use crate::sim::SimHandle;
use crate::startup::Running;

/// Simulated time between the people's turns, whatever the speed.
pub const STEP: chrono::Duration = chrono::Duration::hours(3);
/// Real time one simulated day takes at speed 1: 42 days in about a minute.
const REAL_PER_DAY: Duration = Duration::from_millis(1_500);
/// A stop for one of Herald's events comes this long after it, so a send due at 09:00 is
/// due by the time the clock stops, whatever Herald's shared-time rounding.
const AFTER_EVENT: chrono::Duration = chrono::Duration::seconds(1);
/// Polls of an idle Herald and simulator needed before the clock moves on.
const QUIET_POLLS: u32 = 4;
const POLL: Duration = Duration::from_millis(5);

/// The next stop after `now`: the next grid point, or sooner, just after Herald's next
/// event.
pub fn next_stop(
    start: DateTime<Utc>,
    now: DateTime<Utc>,
    event: Option<DateTime<Utc>>,
) -> DateTime<Utc> {
    let steps = (now - start).num_seconds().div_euclid(STEP.num_seconds()) + 1;
    let grid = start + chrono::Duration::seconds(steps * STEP.num_seconds());
    event
        .map(|e| e + AFTER_EVENT)
        .filter(|e| *e > now)
        .map_or(grid, |e| e.min(grid))
}

/// Maps real time to simulated time: the simulator stamps each message with the wall
/// clock; the simulated clock read `at` from the moment the demo moved it there.
#[derive(Debug, Default)]
pub struct Timeline {
    stops: Vec<(i64, DateTime<Utc>)>,
}

impl Timeline {
    /// Records that the simulated clock reads `at` from now on.
    pub fn moved_to(&mut self, at: DateTime<Utc>) {
        self.stops.push((Utc::now().timestamp_millis(), at));
    }

    /// Simulated time at the real instant `wall_ms`.
    pub fn simulated(&self, wall_ms: i64) -> Option<DateTime<Utc>> {
        let i = self.stops.partition_point(|(w, _)| *w <= wall_ms);
        self.stops.get(i.checked_sub(1)?).map(|(_, at)| *at)
    }
}

/// How long each simulated stretch takes in real time: `--speed` sets only this.
pub struct Pace {
    began: Instant,
    start: DateTime<Utc>,
    speed: u32,
}

impl Pace {
    pub fn new(start: DateTime<Utc>, speed: u32) -> Self {
        Self {
            began: Instant::now(),
            start,
            speed: speed.max(1),
        }
    }

    /// Sleeps until the real time the simulated instant `at` is due at this speed.
    pub async fn wait_for(&self, at: DateTime<Utc>) {
        let days = (at - self.start).num_milliseconds().max(0) as f64 / 86_400_000.0;
        let due = REAL_PER_DAY.mul_f64(days / f64::from(self.speed));
        tokio::time::sleep_until((self.began + due).into()).await;
    }

    pub fn elapsed(&self) -> Duration {
        self.began.elapsed()
    }
}

/// Herald's next send (or retry) or pulse opening whose stop is still ahead: one due at
/// `now` itself still gets its stop a second later.
pub async fn next_event(herald: &Running, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let app = &herald.app;
    let outbox = app.store.next_due_ms().await.ok().flatten();
    let pulses = crate::app::pulse::run::next_opening_ms(app, now);
    [outbox, pulses]
        .into_iter()
        .flatten()
        .filter_map(DateTime::from_timestamp_millis)
        .filter(|t| *t + AFTER_EVENT > now)
        .min()
}

/// A read-only look at the demo's database: whether a send is in flight.
pub struct Outbox(SqlitePool);

impl Outbox {
    pub async fn open(db: &Path) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::new().filename(db).read_only(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await?;
        Ok(Self(pool))
    }

    /// Rows claimed (in flight) or pending and due a second before `now` (one due at a
    /// grid stop itself may wait for Herald's shared-time rounding: its own stop follows).
    async fn busy(&self, now: DateTime<Utc>) -> bool {
        let due = now - AFTER_EVENT;
        let sql = "SELECT COUNT(*) FROM outbox WHERE status = 'claimed' \
                   OR (status = 'pending' AND next_attempt_ms <= ?1)";
        sqlx::query_scalar::<_, i64>(sql)
            .bind(due.timestamp_millis())
            .fetch_one(&self.0)
            .await
            .map_or(true, |n| n > 0)
    }

    /// Closes the connection (before the run's files are removed or reused).
    pub async fn close(self) {
        self.0.close().await;
    }
}

/// Everything that moves while Herald works: the simulator's requests and Herald's sends.
fn activity(sim: &SimHandle, herald: &Running) -> (u64, u64, u64) {
    use std::sync::atomic::Ordering::Relaxed;
    let m = &herald.app.metrics;
    (
        sim.stats()["requests"].as_u64().unwrap_or(0),
        m.messages_sent.load(Relaxed),
        m.interactions.load(Relaxed),
    )
}

/// Waits (up to 10 s) until Herald has sent everything due by `now`, nothing is in
/// flight, both scheduler lanes and every interaction are done and the simulator has
/// seen no new request for a moment: Herald is idle.
pub async fn settle(sim: &SimHandle, herald: &Running, outbox: &Outbox, now: DateTime<Utc>) {
    let mut last = activity(sim, herald);
    let mut quiet = 0;
    for _ in 0..2_000 {
        tokio::time::sleep(POLL).await;
        let seen = activity(sim, herald);
        if seen != last {
            (quiet, last) = (0, seen);
            continue;
        }
        quiet += 1;
        if quiet >= QUIET_POLLS && caught_up(sim, herald, now) && !outbox.busy(now).await {
            return;
        }
    }
}

/// Both scheduler lanes asleep with everything due by `now` done, and every interaction
/// the simulator has delivered finished with.
fn caught_up(sim: &SimHandle, herald: &Running, now: DateTime<Utc>) -> bool {
    use std::sync::atomic::Ordering::Relaxed;
    let m = &herald.app.metrics;
    let now_ms = now.timestamp_millis();
    let delivered = sim.stats()["interactions"]["count"].as_u64().unwrap_or(0);
    m.scheduler.caught_up_with(now_ms)
        && m.dm_lane.caught_up_with(now_ms)
        && m.interactions_done.load(Relaxed) >= delivered
}

/// Waits (up to 10 s) until Herald has read the `said` messages people wrote, so what they
/// say is scored at the time they said it, however fast the clock runs.
pub async fn read_everything_said(herald: &Running, said: u64) {
    use std::sync::atomic::Ordering::Relaxed;
    for _ in 0..2_000 {
        if herald.app.metrics.member_messages.load(Relaxed) >= said {
            return;
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Whether stderr is a terminal, where the progress bar can redraw itself in place.
pub fn progress_shown() -> bool {
    std::io::IsTerminal::is_terminal(&std::io::stderr())
}

/// Clears the progress bar's line, so a transcript line starts at the left edge.
pub fn clear_progress() {
    if progress_shown() {
        eprint!("\r\x1b[K");
    }
}

/// The progress bar on stderr, drawn only on a terminal (a pipe or a log gets the
/// transcript alone).
pub fn progress(start: DateTime<Utc>, end: DateTime<Utc>, now: DateTime<Utc>) {
    if !progress_shown() {
        return;
    }
    let done = (now - start).num_minutes() as f64 / (end - start).num_minutes().max(1) as f64;
    let filled = ((done * 30.0).round() as usize).min(30);
    eprint!(
        "\r[{}{}] {:>3.0}%  {}",
        "#".repeat(filled),
        ".".repeat(30 - filled),
        done * 100.0,
        now.format("%a %d %b")
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 14)
            .and_then(|d| d.and_hms_opt(h, m, s))
            .expect("a time")
            .and_utc()
    }

    #[test]
    fn the_grid_is_fixed_and_an_event_adds_a_stop_just_after_it() {
        let start = at(8, 0, 0);
        assert_eq!(next_stop(start, start, None), at(11, 0, 0));
        assert_eq!(next_stop(start, at(9, 0, 1), None), at(11, 0, 0));
        assert_eq!(next_stop(start, start, Some(at(9, 0, 0))), at(9, 0, 1));
        assert_eq!(
            next_stop(start, at(9, 0, 1), Some(at(9, 0, 0))),
            at(11, 0, 0)
        );
        assert_eq!(next_stop(start, start, Some(at(12, 0, 0))), at(11, 0, 0));
    }

    #[test]
    fn a_wall_clock_stamp_maps_to_the_simulated_time_of_its_stop() {
        let t = Timeline {
            stops: vec![(100, at(8, 0, 0)), (200, at(9, 0, 1))],
        };
        assert_eq!(t.simulated(50), None);
        assert_eq!(t.simulated(100), Some(at(8, 0, 0)));
        assert_eq!(t.simulated(199), Some(at(8, 0, 0)));
        assert_eq!(t.simulated(250), Some(at(9, 0, 1)));
    }
}
