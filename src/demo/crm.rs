//! The demo's CRM: each night it sends the day before to Herald's adoption endpoint, as
//! a real CRM's export would — per team, the people active in the new CRM and the old
//! reports opened. Sales trains in the week before go-live and crosses the tipping point
//! in the second week after it; Support keeps opening its old reports (and climbs slowly)
//! until Herald's double-workload alert reaches its managers, then lets them go; every
//! other team climbs steadily. The figures depend on the day alone, so every seed sends
//! the same feed.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{json, Value};

use crate::plan::Plan;

/// The bearer token the demo's Herald takes figures with (a demo value, not a secret).
pub const TOKEN: &str = "demo-crm-token";
/// The metrics the feed sends, as the demo plan declares them.
pub const ACTIVE: &str = "crm_active";
pub const LEGACY: &str = "old_reports";

/// The feed, and the last day it has sent.
pub struct Crm {
    url: String,
    client: reqwest::Client,
    next: Option<NaiveDate>,
}

impl Crm {
    pub fn new(http: std::net::SocketAddr) -> Self {
        Self {
            url: format!("http://{http}/api/v1/adoption"),
            client: reqwest::Client::new(),
            next: None,
        }
    }

    /// Sends every whole day since the last send (from the rehearsal's first day), one
    /// batch a night. `support_told`: Herald has told Support's managers of the double
    /// workload.
    pub async fn send_due(
        &mut self,
        plan: &Plan,
        start: DateTime<Utc>,
        now: DateTime<Utc>,
        support_told: bool,
    ) {
        let tz = plan.campaign.tz;
        let today = now.with_timezone(&tz).date_naive();
        let mut day = self
            .next
            .unwrap_or_else(|| start.with_timezone(&tz).date_naive());
        while day < today {
            let rows = night(plan, day, support_told);
            match self
                .client
                .post(&self.url)
                .bearer_auth(TOKEN)
                .json(&rows)
                .send()
                .await
            {
                Ok(r) if r.status().is_success() => {}
                Ok(r) => {
                    tracing::warn!(status = %r.status(), %day, "the demo CRM's batch was refused")
                }
                Err(e) => tracing::warn!(error = %e, %day, "the demo CRM could not reach Herald"),
            }
            day = day.succ_opt().unwrap_or(day);
            self.next = Some(day);
        }
    }
}

/// One night's batch: every plan team's two figures for `day`.
fn night(plan: &Plan, day: NaiveDate, support_told: bool) -> Value {
    let since = plan.campaign.go_live.map_or(0, |g| (day - g).num_days());
    let at = day.format("%Y-%m-%d").to_string();
    let rows: Vec<Value> = plan
        .teams
        .iter()
        .flat_map(|t| {
            let (active, legacy) = figures(&t.name, since, support_told);
            [(ACTIVE, active), (LEGACY, legacy)].map(|(metric, value)| {
                json!({"source": "crm", "metric": metric, "team": t.name, "value": value, "at": at})
            })
        })
        .collect();
    json!({ "rows": rows })
}

/// (people active in the new CRM, old reports opened) for a team of twenty on the day
/// `since` days after go-live.
pub fn figures(team: &str, since: i64, support_told: bool) -> (u32, u32) {
    let week = if since < -7 {
        None
    } else {
        Some(since.div_euclid(7))
    };
    let climb = |before: u32, after: [u32; 4]| match week {
        None => 0,
        Some(w) if w < 0 => before,
        Some(w) => after[(w as usize).min(3)],
    };
    match team {
        "Sales" => (climb(3, [5, 9, 11, 13]), if since < 0 { 12 } else { 1 }),
        "Support" if support_told => (climb(1, [2, 3, 5, 7]), 1),
        "Support" => (climb(1, [2, 3, 4, 5]), 30),
        _ => (climb(2, [3, 5, 6, 7]), if since < 0 { 8 } else { 1 }),
    }
}

#[cfg(test)]
mod tests {
    use super::figures;

    #[test]
    fn sales_crosses_forty_per_cent_in_its_second_week_and_support_drops_its_old_reports_once_told()
    {
        assert_eq!(figures("Sales", -10, false).0, 0, "no CRM before training");
        assert!(figures("Sales", 8, false).0 * 100 / 20 >= 40);
        assert!(figures("Sales", 6, false).0 * 100 / 20 < 40);
        assert_eq!(figures("Support", 20, false).1, 30);
        assert_eq!(figures("Support", 20, true).1, 1);
        assert!(
            figures("Support", 27, true).0 * 100 / 20 < 40,
            "Support stays below the line"
        );
    }
}
