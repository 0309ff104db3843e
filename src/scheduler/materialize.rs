//! Turning the plan's schedules into outbox rows, up to a horizon, idempotently.

use chrono::{DateTime, Duration, Utc};

use super::HORIZON_HOURS;
use crate::app::App;
use crate::store::outbox::{kind, NewSend};

/// Firings per item materialised in one pass.
const PER_PASS: usize = 500;

/// Inserts rows for every item's firings between its cursor and now + the horizon.
/// An item seen for the first time starts now: what was due before is not sent.
pub async fn run(app: &App, now: DateTime<Utc>) -> anyhow::Result<u64> {
    let _gate = app.plan_gate.lock().await;
    let (Some(plan), Some(guild)) = (app.plan(), app.primary_guild().await?) else {
        return Ok(0);
    };
    let teams = app.store.list_teams(guild).await?;
    let names: Vec<String> = teams.iter().map(|t| t.name.clone()).collect();
    let horizon = now + Duration::hours(HORIZON_HOURS);
    let mut inserted = 0;
    for item in &plan.items {
        let from_ms = app
            .store
            .cursor(guild, &item.id)
            .await?
            .unwrap_or(now.timestamp_millis());
        let Some(from) = DateTime::from_timestamp_millis(from_ms) else {
            continue;
        };
        if from >= horizon {
            continue;
        }
        let mut rows = Vec::new();
        let times = item.between(from, horizon, &plan.campaign, PER_PASS);
        // A fast cron fills the horizon over several passes; the cursor keeps the place.
        let cursor = if times.len() == PER_PASS {
            times[PER_PASS - 1]
        } else {
            horizon
        };
        for at in times {
            for name in plan.audience_of(item, &names) {
                let Some(team) = teams.iter().find(|t| t.name.eq_ignore_ascii_case(name)) else {
                    tracing::warn!(item = %item.id, team = %name, "a plan audience names a team Herald does not know");
                    continue;
                };
                rows.push(NewSend {
                    guild,
                    kind: kind::PLAN,
                    item: item.id.clone(),
                    team: team.name.clone(),
                    channel: team.channel,
                    fire_at_ms: at.timestamp_millis(),
                    body: None,
                    ref_id: None,
                });
            }
        }
        inserted += app.store.enqueue(&rows).await?;
        app.store
            .set_cursor(guild, &item.id, cursor.timestamp_millis())
            .await?;
    }
    Ok(inserted)
}
