//! The running sentiment record: signals in [−1, 1] from four sources, kept per team and
//! day as counts and sums (so adding a signal is O(1) and a rebuild from the raw signals
//! gives the same record), a rolling score with a half-life, and the alert rule.

use std::collections::BTreeMap;

use super::sentiment::{label_of, Label};

/// Where a signal came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    /// A pulse answer set, normalised (ADKAR and Likert means, eNPS).
    Pulse,
    /// A pulse comment, scored with VADER.
    Comment,
    /// A reaction to one of Herald's messages, through the emoji map.
    Reaction,
    /// A message in an opt-in feedback channel, scored with VADER on arrival.
    Feedback,
}

pub const SOURCES: [Source; 4] = [
    Source::Pulse,
    Source::Comment,
    Source::Reaction,
    Source::Feedback,
];

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::Pulse => "pulse",
            Source::Comment => "comment",
            Source::Reaction => "reaction",
            Source::Feedback => "feedback",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        SOURCES.iter().copied().find(|x| x.name() == s)
    }
}

/// One signal. `contributor` is a keyed hash, only ever used to count distinct people.
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    pub team: String,
    pub source: Source,
    pub score: f64,
    pub contributor: String,
    pub at_ms: i64,
}

/// Days since 1970-01-01 (UTC) of a time in milliseconds.
pub fn day_of(at_ms: i64) -> i64 {
    at_ms.div_euclid(86_400_000)
}

/// The Monday of a day (days since 1970-01-01, a Thursday): calendar weeks run Monday to
/// Sunday.
pub fn monday_of(day: i64) -> i64 {
    day - (day + 3).rem_euclid(7)
}

/// A score forced into [−1, 1]; anything not a number counts as neutral.
pub fn clamp(score: f64) -> f64 {
    if score.is_nan() {
        0.0
    } else {
        score.clamp(-1.0, 1.0)
    }
}

/// Counts and sums of one team's signals from one source on one day.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Cell {
    pub n: u64,
    pub sum: f64,
    pub pos: u64,
    pub neu: u64,
    pub neg: u64,
}

impl Cell {
    pub fn add(&mut self, score: f64) {
        let score = clamp(score);
        self.n += 1;
        self.sum += score;
        match label_of(score) {
            Label::Positive => self.pos += 1,
            Label::Neutral => self.neu += 1,
            Label::Negative => self.neg += 1,
        }
    }
}

/// The whole record in memory: (team, day, source) → cell. The database keeps the same
/// cells; this type is the rule both follow.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record {
    pub cells: BTreeMap<(String, i64, Source), Cell>,
}

impl Record {
    pub fn add(&mut self, s: &Signal) {
        self.cells
            .entry((s.team.clone(), day_of(s.at_ms), s.source))
            .or_default()
            .add(s.score);
    }

    pub fn rebuild(signals: &[Signal]) -> Self {
        let mut r = Self::default();
        for s in signals {
            r.add(s);
        }
        r
    }

    /// A team's cells as (day, cell), optionally for one source only.
    pub fn team_days(&self, team: &str, source: Option<Source>) -> Vec<(i64, Cell)> {
        let mut by_day: BTreeMap<i64, Cell> = BTreeMap::new();
        let from = (team.to_string(), i64::MIN, Source::Pulse);
        let to = (team.to_string(), i64::MAX, Source::Feedback);
        for ((_, day, src), c) in self.cells.range(from..=to) {
            if source.is_none_or(|s| s == *src) {
                let e = by_day.entry(*day).or_default();
                e.n += c.n;
                e.sum += c.sum;
                e.pos += c.pos;
                e.neu += c.neu;
                e.neg += c.neg;
            }
        }
        by_day.into_iter().collect()
    }
}

/// The rolling score on `today`: a weighted mean of every signal up to that day, each day
/// weighted by 0.5^(age / half-life). None without signals.
pub fn rolling(days: &[(i64, Cell)], today: i64, half_life_days: f64) -> Option<f64> {
    let (mut num, mut den) = (0.0, 0.0);
    for (day, c) in days.iter().filter(|(d, _)| *d <= today) {
        let w = 0.5f64.powf((today - day) as f64 / half_life_days);
        num += w * c.sum;
        den += w * c.n as f64;
    }
    (den > 0.0).then(|| num / den)
}

/// ↑, ↓ or → for a change over the trend window.
pub fn arrow(change: f64) -> &'static str {
    if change > 0.05 {
        "↑"
    } else if change < -0.05 {
        "↓"
    } else {
        "→"
    }
}

/// When a team's sentiment deserves an alert.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AlertRule {
    /// A fall of more than this in 7 days.
    pub drop: f64,
    /// Or a rolling score below this.
    pub floor: f64,
}

impl Default for AlertRule {
    fn default() -> Self {
        Self {
            drop: 0.3,
            floor: -0.2,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Start an episode: post one alert.
    Alert(String),
    /// The team recovered: the next fall may alert again.
    Recovered,
    Nothing,
}

/// One alert per episode: alert when the rule trips and no episode is open; an open
/// episode ends once the score is back above the floor (with a 0.1 margin) and no lower
/// than a week before. A slower slide after the alert is the same episode.
pub fn decide(now: Option<f64>, week_ago: Option<f64>, open: bool, rule: AlertRule) -> Decision {
    let Some(now) = now else {
        return Decision::Nothing;
    };
    let fall = week_ago.map(|w| w - now).unwrap_or(0.0);
    let below = now < rule.floor;
    let falling = fall > rule.drop;
    match (open, below || falling) {
        (false, true) if below => Decision::Alert(format!(
            "the rolling score is {now:+.2}, below the floor of {:+.2}",
            rule.floor
        )),
        (false, true) => Decision::Alert(format!(
            "the rolling score fell by {fall:.2} in 7 days, to {now:+.2}"
        )),
        (true, false) if now >= rule.floor + 0.1 && fall <= 0.0 => Decision::Recovered,
        _ => Decision::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cell(n: u64, sum: f64) -> Cell {
        Cell {
            n,
            sum,
            ..Cell::default()
        }
    }

    #[test]
    fn the_rolling_score_matches_a_hand_computation() {
        // Day 0: two signals summing 1.0; day 14: one signal −0.5; half-life 14 days.
        // On day 14 the weights are 0.5 and 1: (0.5·1.0 + 1·−0.5) / (0.5·2 + 1·1) = 0.
        let days = vec![(0, cell(2, 1.0)), (14, cell(1, -0.5))];
        assert_eq!(rolling(&days, 14, 14.0), Some(0.0));
        // On day 28: weights 0.25 and 0.5: (0.25 − 0.25) / (0.5 + 0.5) = 0.
        assert_eq!(rolling(&days, 28, 14.0), Some(0.0));
        // On day 0 only the first day counts: 1.0 / 2.
        assert_eq!(rolling(&days, 0, 14.0), Some(0.5));
        assert_eq!(rolling(&[], 3, 14.0), None);
    }

    #[test]
    fn cells_count_by_label_with_the_vader_thresholds() {
        let mut c = Cell::default();
        for s in [0.05, 0.049, -0.05, -0.049, 2.0, f64::NAN] {
            c.add(s);
        }
        assert_eq!((c.pos, c.neu, c.neg), (2, 3, 1));
        assert_eq!(c.sum, 0.05 + 0.049 - 0.05 - 0.049 + 1.0);
    }

    #[test]
    fn one_alert_per_episode_until_the_team_recovers() {
        let r = AlertRule::default();
        assert!(
            matches!(decide(Some(-0.1), Some(0.4), false, r), Decision::Alert(_)),
            "a fall of 0.5"
        );
        assert_eq!(
            decide(Some(-0.3), Some(-0.1), true, r),
            Decision::Nothing,
            "still open: no repeat"
        );
        assert_eq!(
            decide(Some(-0.15), Some(-0.3), true, r),
            Decision::Nothing,
            "not yet above the margin"
        );
        assert_eq!(
            decide(Some(0.3), Some(0.5), true, r),
            Decision::Nothing,
            "still sliding: the same episode"
        );
        assert_eq!(decide(Some(0.0), Some(-0.3), true, r), Decision::Recovered);
        assert!(
            matches!(decide(Some(-0.25), None, false, r), Decision::Alert(m) if m.contains("below the floor"))
        );
        assert_eq!(decide(Some(0.3), Some(0.4), false, r), Decision::Nothing);
    }

    fn signal() -> impl Strategy<Value = Signal> {
        (
            0..4usize,
            0..4usize,
            -1.5f64..1.5,
            0..10u8,
            0i64..60 * 86_400_000,
        )
            .prop_map(|(t, s, score, c, at)| Signal {
                team: format!("team-{t}"),
                source: SOURCES[s],
                score,
                contributor: format!("c{c}"),
                at_ms: at,
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        /// Adding signals one by one, in any order, gives the record a rebuild gives.
        #[test]
        fn rebuild_equals_the_incremental_record(signals in proptest::collection::vec(signal(), 0..200), seed in any::<u64>()) {
            let mut shuffled = signals.clone();
            let n = shuffled.len();
            if n > 1 {
                for i in 0..n {
                    shuffled.swap(i, (seed as usize).wrapping_add(i * 7) % n);
                }
            }
            let mut incremental = Record::default();
            for s in &shuffled {
                incremental.add(s);
            }
            let rebuilt = Record::rebuild(&signals);
            prop_assert_eq!(incremental.cells.keys().collect::<Vec<_>>(), rebuilt.cells.keys().collect::<Vec<_>>());
            for (k, a) in &incremental.cells {
                let b = &rebuilt.cells[k];
                prop_assert_eq!((a.n, a.pos, a.neu, a.neg), (b.n, b.pos, b.neu, b.neg));
                prop_assert!((a.sum - b.sum).abs() < 1e-9);
            }
        }
    }
}
