//! Discord-like rate limits (50 requests/s global, 5 messages per 5 s per channel), fault
//! injection, and the check that a client never retries before its `retry_after`.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rand::Rng;
use serde::{Deserialize, Serialize};

pub const GLOBAL_LIMIT: u32 = 50;
pub const CHANNEL_MESSAGE_LIMIT: u32 = 5;
pub const CHANNEL_MESSAGE_WINDOW: Duration = Duration::from_secs(5);

/// Fault injection, set by `POST /_sim/faults`; every field optional there.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    pub http_429_ratio: f64,
    pub http_5xx_ratio: f64,
    pub latency_ms: u64,
    /// Extra milliseconds on one route, by its template as `/_sim/stats` names it, e.g.
    /// `{"GET /guilds/{id}/members": 4000}`: one slow call behind a command or click.
    pub slow_routes: std::collections::BTreeMap<String, u64>,
    pub drop_after_commit_ratio: f64,
    pub enforce_rate_limits: bool,
    /// Close every IDENTIFY with 4004, as Discord does for a bad token.
    pub reject_identify: bool,
    /// A Discord outage: every new gateway connection is refused with 503 (with
    /// `/_sim/gateway/disconnect`, the current ones are dropped too).
    pub gateway_down: bool,
    /// The share of injected 429s (`http_429_ratio`) whose `retry_after`, in the body and
    /// the `Retry-After` header, is impossible: infinite, `-1` or NaN (the body then
    /// reads `Infinity` / `-1` / `NaN`, as Python's json writes them). Such an answer
    /// sets no wait the client is held to.
    pub odd_retry_after_ratio: f64,
}

/// The impossible `retry_after` values an odd 429 carries, in turn.
pub const ODD_RETRY_AFTER: [&str; 3] = ["inf", "-1", "NaN"];

impl Default for Faults {
    fn default() -> Self {
        Self {
            http_429_ratio: 0.0,
            http_5xx_ratio: 0.0,
            latency_ms: 0,
            slow_routes: Default::default(),
            drop_after_commit_ratio: 0.0,
            enforce_rate_limits: true,
            reject_identify: false,
            gateway_down: false,
            odd_retry_after_ratio: 0.0,
        }
    }
}

/// A route's own limit: requests per window, keyed by route and major parameter.
#[derive(Debug, Clone)]
pub struct BucketSpec {
    pub key: String,
    pub hash: &'static str,
    pub limit: u32,
    pub window: Duration,
}

#[derive(Debug)]
struct Window {
    start: Instant,
    count: u32,
}

/// What to do with a request.
#[derive(Debug)]
pub enum Verdict {
    Allow {
        headers: Vec<(String, String)>,
    },
    Limited {
        retry_after: f64,
        global: bool,
        headers: Vec<(String, String)>,
        /// An impossible `retry_after` to answer with instead (see `odd_retry_after_ratio`).
        odd: Option<&'static str>,
    },
    ServerError(u16),
}

#[derive(Debug, Default)]
pub struct RateLimits {
    pub faults: Faults,
    global: Option<Window>,
    buckets: HashMap<String, Window>,
    not_before: HashMap<String, Instant>,
    global_not_before: Option<Instant>,
}

impl RateLimits {
    /// Decides on a request now; the second value names an early retry, if it was one.
    pub fn check(
        &mut self,
        bucket: Option<&BucketSpec>,
        rng: &mut impl Rng,
    ) -> (Verdict, Option<String>) {
        let now = Instant::now();
        let early = self.early_retry(bucket, now);
        if let Some(until) = self.global_not_before.filter(|t| now < *t) {
            // Discord refuses everything while a global limit lasts; requests already in
            // flight when it began are not the client's fault, so only a bucket that was
            // itself told to wait counts as an early retry.
            let wait = (until - now).as_secs_f64();
            return (self.limited(bucket, now, wait.max(0.001), true), early);
        }
        if self.faults.enforce_rate_limits {
            if let Some(v) = self.enforce(bucket, now) {
                return (v, early);
            }
        }
        if rng.gen_bool(self.faults.http_429_ratio.clamp(0.0, 1.0)) {
            if rng.gen_bool(self.faults.odd_retry_after_ratio.clamp(0.0, 1.0)) {
                let odd = ODD_RETRY_AFTER[rng.gen_range(0..ODD_RETRY_AFTER.len())];
                return (odd_limited(odd), early);
            }
            let retry_after = rng.gen_range(0.05..0.30);
            let global = rng.gen_bool(0.2);
            return (self.limited(bucket, now, retry_after, global), early);
        }
        if rng.gen_bool(self.faults.http_5xx_ratio.clamp(0.0, 1.0)) {
            let codes = [500, 502, 503];
            return (
                Verdict::ServerError(codes[rng.gen_range(0..codes.len())]),
                early,
            );
        }
        (
            Verdict::Allow {
                headers: self.count(bucket, now),
            },
            early,
        )
    }

    fn early_retry(&self, bucket: Option<&BucketSpec>, now: Instant) -> Option<String> {
        let b = bucket?;
        let t = self.not_before.get(&b.key)?;
        (now < *t).then(|| {
            format!(
                "{}: retried {:.0} ms before its retry_after",
                b.key,
                (*t - now).as_secs_f64() * 1000.0
            )
        })
    }

    fn enforce(&mut self, bucket: Option<&BucketSpec>, now: Instant) -> Option<Verdict> {
        let g = self.global.get_or_insert(Window {
            start: now,
            count: 0,
        });
        if now - g.start >= Duration::from_secs(1) {
            *g = Window {
                start: now,
                count: 0,
            };
        }
        if g.count >= GLOBAL_LIMIT {
            let wait = (Duration::from_secs(1) - (now - g.start)).as_secs_f64();
            return Some(self.limited(bucket, now, wait.max(0.001), true));
        }
        let b = bucket?;
        let w = self.buckets.entry(b.key.clone()).or_insert(Window {
            start: now,
            count: 0,
        });
        if now - w.start >= b.window {
            *w = Window {
                start: now,
                count: 0,
            };
        }
        if w.count >= b.limit {
            let wait = (b.window - (now - w.start)).as_secs_f64();
            return Some(self.limited(Some(b), now, wait.max(0.001), false));
        }
        None
    }

    fn limited(
        &mut self,
        bucket: Option<&BucketSpec>,
        now: Instant,
        retry_after: f64,
        global: bool,
    ) -> Verdict {
        let until = now + Duration::from_secs_f64(retry_after);
        let mut headers = vec![
            (
                "retry-after".to_string(),
                format!("{}", retry_after.ceil() as u64),
            ),
            (
                "x-ratelimit-scope".to_string(),
                if global { "global" } else { "user" }.to_string(),
            ),
        ];
        if let Some(b) = bucket {
            self.not_before.insert(b.key.clone(), until);
        }
        if global {
            self.global_not_before = Some(until);
            headers.push(("x-ratelimit-global".into(), "true".into()));
        } else if let Some(b) = bucket {
            headers.extend(bucket_headers(b, 0, retry_after));
        }
        Verdict::Limited {
            retry_after,
            global,
            headers,
            odd: None,
        }
    }

    fn count(&mut self, bucket: Option<&BucketSpec>, now: Instant) -> Vec<(String, String)> {
        if let Some(g) = self.global.as_mut() {
            g.count += 1;
        }
        let Some(b) = bucket else { return Vec::new() };
        let w = self.buckets.entry(b.key.clone()).or_insert(Window {
            start: now,
            count: 0,
        });
        if now - w.start >= b.window {
            *w = Window {
                start: now,
                count: 0,
            };
        }
        w.count += 1;
        let remaining = b.limit.saturating_sub(w.count);
        let reset_after = (b.window.saturating_sub(now - w.start)).as_secs_f64();
        bucket_headers(b, remaining, reset_after)
    }
}

/// A 429 whose `retry_after` is `odd`; it records no wait, so no retry counts as early.
fn odd_limited(odd: &'static str) -> Verdict {
    Verdict::Limited {
        retry_after: 0.0,
        global: false,
        headers: vec![
            ("retry-after".into(), odd.into()),
            ("x-ratelimit-scope".into(), "user".into()),
        ],
        odd: Some(odd),
    }
}

fn bucket_headers(b: &BucketSpec, remaining: u32, reset_after: f64) -> Vec<(String, String)> {
    let epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64()
        + reset_after;
    vec![
        ("x-ratelimit-limit".into(), b.limit.to_string()),
        ("x-ratelimit-remaining".into(), remaining.to_string()),
        ("x-ratelimit-reset".into(), format!("{epoch:.3}")),
        (
            "x-ratelimit-reset-after".into(),
            format!("{reset_after:.3}"),
        ),
        ("x-ratelimit-bucket".into(), b.hash.to_string()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn channel_bucket() -> BucketSpec {
        BucketSpec {
            key: "messages:1".into(),
            hash: "h",
            limit: 5,
            window: Duration::from_secs(5),
        }
    }

    #[test]
    fn the_sixth_message_in_five_seconds_is_limited_and_an_early_retry_is_named() {
        let mut rl = RateLimits::default();
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let b = channel_bucket();
        for _ in 0..5 {
            assert!(matches!(
                rl.check(Some(&b), &mut rng).0,
                Verdict::Allow { .. }
            ));
        }
        let (v, early) = rl.check(Some(&b), &mut rng);
        assert!(matches!(v, Verdict::Limited { global: false, .. }), "{v:?}");
        assert!(early.is_none());
        let (_, early) = rl.check(Some(&b), &mut rng);
        assert!(early.unwrap_or_default().contains("before its retry_after"));
    }

    #[test]
    fn odd_429s_carry_infinite_negative_and_nan_waits_in_header_and_none_is_held_to() {
        let mut rl = RateLimits::default();
        rl.faults.http_429_ratio = 1.0;
        rl.faults.odd_retry_after_ratio = 1.0;
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let b = channel_bucket();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..60 {
            let (v, early) = rl.check(Some(&b), &mut rng);
            assert!(early.is_none(), "an odd wait is no wait to honour");
            let Verdict::Limited { odd, headers, .. } = v else {
                panic!("every answer is a 429: {v:?}");
            };
            let odd = odd.expect("an odd retry_after");
            assert!(headers.contains(&("retry-after".into(), odd.to_string())));
            seen.insert(odd);
        }
        assert_eq!(seen.len(), ODD_RETRY_AFTER.len(), "{seen:?}");
    }

    #[test]
    fn without_enforcement_only_injected_faults_limit() {
        let mut rl = RateLimits::default();
        rl.faults.enforce_rate_limits = false;
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let b = channel_bucket();
        for _ in 0..100 {
            assert!(matches!(
                rl.check(Some(&b), &mut rng).0,
                Verdict::Allow { .. }
            ));
        }
    }
}
