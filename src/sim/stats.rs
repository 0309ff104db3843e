//! Counters the simulator reports at `GET /_sim/stats`.

use std::collections::BTreeMap;

use serde_json::{json, Value};

const MAX_VIOLATIONS: usize = 1000;

#[derive(Debug, Default)]
pub struct Stats {
    pub requests: u64,
    pub by_route: BTreeMap<String, u64>,
    pub rate_limited: u64,
    pub messages_created: u64,
    /// Of those, direct messages.
    pub dms_created: u64,
    pub nonce_duplicates_prevented: u64,
    pub interactions: u64,
    pub ack_ms: Vec<f64>,
    pub late: u64,
    pub double_acks: u64,
    pub violations: Vec<(String, String)>,
    pub identifies: u64,
}

impl Stats {
    pub fn violation(&mut self, kind: &str, detail: impl Into<String>) {
        if self.violations.len() < MAX_VIOLATIONS {
            self.violations.push((kind.to_string(), detail.into()));
        }
    }

    pub fn to_json(&self) -> Value {
        let mut acks = self.ack_ms.clone();
        acks.sort_by(|a, b| a.total_cmp(b));
        let violations: Vec<Value> = self
            .violations
            .iter()
            .map(|(k, d)| json!({ "kind": k, "detail": d }))
            .collect();
        json!({
            "requests": self.requests, "by_route": self.by_route, "rate_limited": self.rate_limited,
            "messages_created": self.messages_created, "dms_created": self.dms_created,
            "nonce_duplicates_prevented": self.nonce_duplicates_prevented,
            "interactions": {
                "count": self.interactions,
                "ack_ms": { "p50": percentile(&acks, 50.0), "p90": percentile(&acks, 90.0),
                            "p99": percentile(&acks, 99.0), "max": acks.last().copied().unwrap_or(0.0) },
                "late": self.late, "double_acks": self.double_acks
            },
            "violations": violations, "identifies": self.identifies
        })
    }
}

/// Nearest-rank percentile of sorted values; 0 when there are none.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 50.0), 50.0);
        assert_eq!(percentile(&v, 99.0), 99.0);
        assert_eq!(percentile(&[], 99.0), 0.0);
    }
}
