//! Herald's outbound layer to Discord's REST API.
//!
//! Requests are built by serenity (`Request::build`) and answers parsed with serenity's
//! types. Against the simulator serenity's rate limiter is off (it ignores the proxy), so
//! this layer keeps Discord's rules itself: one request in flight per bucket, waiting out
//! `X-RateLimit-Remaining: 0`, `retry_after` on a 429 (global ones stop everything; an
//! impossible value — negative, NaN, infinite, over an hour — is clamped and logged), bounded
//! retries with jitter on 5xx or a dropped connection, and never a retry on 403/404/400.
//! In production serenity's limiter handles 429s and this layer adds the 5xx retries.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::Rng;
use serenity::http::{Http, HttpError, Request};

use crate::chat::ChatError;
use crate::metrics::Metrics;

const MAX_TRANSIENT_RETRIES: u32 = 5;
const MAX_RATE_LIMITED_RETRIES: u32 = 50;
/// Requests are paced at least this far apart: 48 per second, under Discord's global 50,
/// and no one-second window (aligned with Discord's or not) ever holds more than 49.
const GLOBAL_SPACING: Duration = Duration::from_micros(1_000_000 / 48);

pub struct Rest {
    pub http: Arc<Http>,
    client: reqwest::Client,
    own_limits: bool,
    buckets: Mutex<HashMap<String, Arc<tokio::sync::Mutex<BucketState>>>>,
    global: Mutex<GlobalState>,
    metrics: Arc<Metrics>,
}

#[derive(Default)]
struct BucketState {
    blocked_until: Option<Instant>,
}

struct GlobalState {
    /// The earliest moment the next request may start.
    next_slot: Instant,
    blocked_until: Option<Instant>,
}

/// What one attempt came to.
enum Attempt {
    Done(bytes::Bytes, Option<Instant>),
    RateLimited { wait: Duration, global: bool },
    Transient(String),
    Permanent(String),
}

impl Rest {
    pub fn new(
        http: Arc<Http>,
        client: reqwest::Client,
        own_limits: bool,
        metrics: Arc<Metrics>,
    ) -> Self {
        let global = GlobalState {
            next_slot: Instant::now(),
            blocked_until: None,
        };
        Self {
            http,
            client,
            own_limits,
            buckets: Mutex::default(),
            global: Mutex::new(global),
            metrics,
        }
    }

    /// Sends the request `make` builds (again on each retry) and returns the body.
    /// `bucket` names the rate-limit bucket, e.g. `messages:CHANNEL`.
    pub async fn send(
        &self,
        bucket: &str,
        make: impl Fn() -> Request<'static>,
    ) -> Result<bytes::Bytes, ChatError> {
        let lock = self.bucket(bucket);
        let mut state = lock.lock().await;
        let (mut transient, mut limited) = (0u32, 0u32);
        loop {
            self.wait_turn(&state).await;
            match self.attempt(make()).await {
                Attempt::Done(body, blocked_until) => {
                    state.blocked_until = blocked_until;
                    return Ok(body);
                }
                Attempt::RateLimited { wait, global } => {
                    limited += 1;
                    Metrics::bump(&self.metrics.rate_limited);
                    if limited > MAX_RATE_LIMITED_RETRIES {
                        return Err(transient_error("still rate limited after many waits"));
                    }
                    self.block(&mut state, wait, global);
                }
                Attempt::Transient(why) => {
                    transient += 1;
                    if transient > MAX_TRANSIENT_RETRIES {
                        return Err(transient_error(&why));
                    }
                    tokio::time::sleep(backoff(transient)).await;
                }
                Attempt::Permanent(why) => {
                    return Err(ChatError {
                        permanent: true,
                        message: why,
                    })
                }
            }
            Metrics::bump(&self.metrics.send_retries);
        }
    }

    fn bucket(&self, key: &str) -> Arc<tokio::sync::Mutex<BucketState>> {
        let mut map = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(key.to_string()).or_default().clone()
    }

    fn block(&self, state: &mut BucketState, wait: Duration, global: bool) {
        let until = Instant::now() + wait;
        if global {
            self.global
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .blocked_until = Some(until);
        } else {
            state.blocked_until = Some(until);
        }
    }

    /// Sleeps until the bucket, the global limit and the per-second budget allow a request.
    async fn wait_turn(&self, state: &BucketState) {
        if let Some(until) = state.blocked_until {
            tokio::time::sleep_until(until.into()).await;
        }
        if !self.own_limits {
            return;
        }
        loop {
            let (wait, reserved) = {
                let mut g = self.global.lock().unwrap_or_else(|p| p.into_inner());
                let now = Instant::now();
                match g.blocked_until.filter(|u| *u > now) {
                    Some(until) => (until - now, false),
                    None => {
                        let slot = g.next_slot.max(now);
                        g.next_slot = slot + GLOBAL_SPACING;
                        (slot - now, true)
                    }
                }
            };
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
            let still_blocked = self
                .global
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .blocked_until
                .is_some_and(|u| u > Instant::now());
            if reserved && !still_blocked {
                return;
            }
        }
    }

    async fn attempt(&self, req: Request<'static>) -> Attempt {
        if !self.own_limits {
            return self.attempt_with_serenity_limiter(req).await;
        }
        let built = req
            .build(&self.client, self.http.token(), self.http.proxy.as_deref())
            .map(|b| b.build());
        let request = match built {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => return Attempt::Permanent(format!("could not build the request: {e}")),
            Err(e) => return Attempt::Permanent(format!("could not build the request: {e}")),
        };
        let resp = match self.client.execute(request).await {
            Ok(r) => r,
            // Without the URL: it names channels (a DM channel names its member), and this
            // text is stored with the row and logged.
            Err(e) => {
                return Attempt::Transient(format!("no answer from Discord: {}", e.without_url()))
            }
        };
        classify(resp).await
    }

    async fn attempt_with_serenity_limiter(&self, req: Request<'static>) -> Attempt {
        match self.http.request(req).await {
            Ok(resp) => match resp.bytes().await {
                Ok(b) => Attempt::Done(b, None),
                Err(e) => {
                    Attempt::Transient(format!("the answer was cut off: {}", e.without_url()))
                }
            },
            Err(serenity::Error::Http(HttpError::UnsuccessfulRequest(e))) => {
                let code = e.status_code.as_u16();
                let why = format!("Discord answered {code}: {}", e.error.message);
                if code >= 500 {
                    Attempt::Transient(why)
                } else {
                    Attempt::Permanent(why)
                }
            }
            Err(serenity::Error::Http(HttpError::Request(e))) => {
                Attempt::Transient(format!("no answer from Discord: {}", e.without_url()))
            }
            Err(e) => Attempt::Transient(format!("no answer from Discord: {e}")),
        }
    }
}

/// Turns a raw answer into an attempt outcome, reading Discord's rate-limit headers.
async fn classify(resp: reqwest::Response) -> Attempt {
    let status = resp.status();
    let headers = resp.headers().clone();
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    if status.as_u16() == 429 {
        let body: serde_json::Value = resp.json().await.unwrap_or_default();
        let secs = body["retry_after"]
            .as_f64()
            .or_else(|| header("retry-after").and_then(|v| v.parse().ok()));
        let global =
            body["global"].as_bool().unwrap_or(false) || header("x-ratelimit-global").is_some();
        return Attempt::RateLimited {
            wait: wait_of(secs, "retry_after") + Duration::from_millis(5),
            global,
        };
    }
    if status.is_server_error() {
        return Attempt::Transient(format!("Discord answered {status}"));
    }
    if !status.is_success() {
        let body: serde_json::Value = resp.json().await.unwrap_or_default();
        return Attempt::Permanent(format!(
            "Discord answered {status}: {}",
            body["message"].as_str().unwrap_or("no message")
        ));
    }
    let remaining = header("x-ratelimit-remaining").and_then(|v| v.parse::<u32>().ok());
    let reset_after = header("x-ratelimit-reset-after").and_then(|v| v.parse::<f64>().ok());
    let blocked_until = match (remaining, reset_after) {
        (Some(0), Some(secs)) => Some(
            Instant::now()
                + wait_of(Some(secs), "x-ratelimit-reset-after")
                + Duration::from_millis(5),
        ),
        _ => None,
    };
    match resp.bytes().await {
        Ok(b) => Attempt::Done(b, blocked_until),
        Err(e) => Attempt::Transient(format!("the answer was cut off: {}", e.without_url())),
    }
}

/// The longest wait Discord's answer can impose; more is a broken answer, not a limit.
const MAX_WAIT: Duration = Duration::from_secs(3600);
/// The wait when Discord's answer names none, or one that is not a number (NaN, ±inf).
const DEFAULT_WAIT: Duration = Duration::from_secs(1);

/// A wait Discord asked for, in seconds, as a `Duration` that cannot panic or stall:
/// negative → 0, over an hour → an hour, missing or not finite → a second. A value that
/// had to be changed is logged: it means a proxy or Discord itself answered oddly.
fn wait_of(secs: Option<f64>, field: &'static str) -> Duration {
    let Some(secs) = secs else {
        return DEFAULT_WAIT;
    };
    // Infinity is no wait anyone means: waiting "an hour" on it would stop every send
    // on the route (or all of them, for a global limit) with nothing wrong.
    let wait = if !secs.is_finite() {
        DEFAULT_WAIT
    } else if secs < 0.0 {
        Duration::ZERO
    } else if secs > MAX_WAIT.as_secs_f64() {
        MAX_WAIT
    } else {
        return Duration::from_secs_f64(secs);
    };
    tracing::warn!(
        field,
        value = %secs,
        wait_ms = wait.as_millis() as u64,
        "Discord's answer named an impossible wait; using a safe one instead"
    );
    wait
}

fn backoff(attempt: u32) -> Duration {
    let base = 100u64 << attempt.min(6);
    let jitter = rand::thread_rng().gen_range(0..=base / 2);
    Duration::from_millis((base + jitter).min(8_000))
}

fn transient_error(why: &str) -> ChatError {
    ChatError {
        permanent: false,
        message: format!("Discord did not take the request: {why}"),
    }
}

impl Rest {
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_that_is_infinite_nan_negative_or_over_an_hour_is_made_safe() {
        assert_eq!(wait_of(Some(f64::INFINITY), "retry_after"), DEFAULT_WAIT);
        assert_eq!(
            wait_of(Some(f64::NEG_INFINITY), "retry_after"),
            DEFAULT_WAIT
        );
        assert_eq!(wait_of(Some(f64::NAN), "retry_after"), DEFAULT_WAIT);
        assert_eq!(wait_of(Some(-1.0), "retry_after"), Duration::ZERO);
        assert_eq!(wait_of(Some(1e300), "retry_after"), MAX_WAIT);
        assert_eq!(wait_of(Some(86_400.0), "retry_after"), MAX_WAIT);
        assert_eq!(wait_of(None, "retry_after"), DEFAULT_WAIT);
    }

    #[test]
    fn a_sane_wait_is_kept_as_discord_said_it() {
        assert_eq!(
            wait_of(Some(0.25), "retry_after"),
            Duration::from_millis(250)
        );
        assert_eq!(wait_of(Some(3600.0), "retry_after"), MAX_WAIT);
        assert_eq!(wait_of(Some(0.0), "retry_after"), Duration::ZERO);
    }

    #[test]
    fn header_spellings_of_infinity_and_nan_parse_and_are_made_safe() {
        for text in ["inf", "Infinity", "NaN", "-1", "1e999"] {
            let parsed = text.parse::<f64>().ok();
            let wait = wait_of(parsed, "retry-after");
            assert!(wait <= MAX_WAIT, "{text}: {wait:?}");
        }
    }
}
