//! Turning the plan's schedules into outbox rows, up to a horizon, idempotently.
//!
//! A pass reads every cursor in one query and writes rows and cursors in batches, and it
//! runs only when something changed (a new plan, a team added or removed) or the rows
//! queued so far need topping up: hourly, or sooner for a fast cron that hit the
//! per-pass cap. So 100,000 schedules cost nothing while nothing is due.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::HORIZON_HOURS;
use crate::app::App;
use crate::domain::ids::GuildId;
use crate::domain::team::Team;
use crate::plan::calendar::Calendar;
use crate::plan::{Item, Plan};
use crate::store::outbox::{kind, Kind, NewSend};

/// Firings per item materialised in one pass.
const PER_PASS: usize = 500;
/// Rows written per transaction.
const FLUSH_ROWS: usize = 5_000;
/// The digest's cursor and row item: brackets, so no plan item's id can be the same.
pub const DIGEST_CURSOR: &str = "[digest]";
/// How often the horizon is topped up when nothing else changes.
const REFRESH_MINUTES: i64 = 60;

/// What the last pass materialised from, and when the next one is needed.
#[derive(Default)]
pub struct Materialized {
    plan: Option<Arc<Plan>>,
    teams: Vec<Team>,
    next_at: Option<DateTime<Utc>>,
    /// When the open pulses' rows were last made sure of.
    pulses_swept: Option<DateTime<Utc>>,
}

impl Materialized {
    /// Whether the open pulses' rows are due to be made sure of: at start, then hourly.
    pub fn pulses_due(&self, now: DateTime<Utc>) -> bool {
        self.pulses_swept
            .is_none_or(|at| now >= at + Duration::minutes(REFRESH_MINUTES) || now < at)
    }

    pub fn pulses_swept(&mut self, now: DateTime<Utc>) {
        self.pulses_swept = Some(now);
    }

    fn covers(&self, plan: &Arc<Plan>, teams: &[Team], now: DateTime<Utc>) -> bool {
        self.plan.as_ref().is_some_and(|p| Arc::ptr_eq(p, plan))
            && self.teams == teams
            && self.next_at.is_some_and(|at| now < at)
    }
}

/// Inserts rows for every item's firings between its cursor and now + the horizon, when
/// `done` says the rows queued so far are not enough. An item seen for the first time
/// starts now: what was due before is not sent.
pub async fn run(app: &App, now: DateTime<Utc>, done: &mut Materialized) -> anyhow::Result<u64> {
    let _gate = app.plan_gate.lock().await;
    let (Some(plan), Some(guild)) = (app.plan(), app.primary_guild().await?) else {
        return Ok(0);
    };
    let teams = app.store.list_teams(guild).await?;
    if done.covers(&plan, &teams, now) {
        return Ok(0);
    }
    let mut pass = Pass {
        app,
        guild,
        now,
        horizon: now + Duration::hours(HORIZON_HOURS),
        next_at: now + Duration::minutes(REFRESH_MINUTES),
        cursors: app.store.cursors(guild).await?,
        rows: Vec::new(),
        moved: Vec::new(),
        inserted: 0,
    };
    let names: Vec<String> = teams.iter().map(|t| t.name.clone()).collect();
    for item in &plan.items {
        pass.item(&plan, item, &teams, &names);
        if pass.rows.len() >= FLUSH_ROWS {
            pass.flush().await?;
        }
    }
    pass.digest(&plan);
    pass.flush().await?;
    done.plan = Some(plan);
    done.teams = teams;
    done.next_at = Some(pass.next_at);
    Ok(pass.inserted)
}

/// The item's audience among Herald's teams, grouped by calendar: firings are worked out
/// once per calendar, not once per team.
fn by_calendar<'p, 't>(
    plan: &'p Plan,
    item: &Item,
    teams: &'t [Team],
    names: &[String],
) -> Vec<(Calendar<'p>, Vec<&'t Team>)> {
    let mut out: Vec<(Calendar<'p>, Vec<&'t Team>)> = Vec::new();
    for name in plan.audience_of(item, names) {
        let Some(team) = teams.iter().find(|t| t.name.eq_ignore_ascii_case(name)) else {
            tracing::warn!(item = %item.id, team = %name, "a plan audience names a team Herald does not know");
            continue;
        };
        let calendar = plan.calendar(&team.name);
        match out.iter_mut().find(|(c, _)| *c == calendar) {
            Some((_, members)) => members.push(team),
            None => out.push((calendar, vec![team])),
        }
    }
    out
}

/// The briefing of `team`'s managers `lead` before its send at `at`.
fn brief_row(
    guild: GuildId,
    item: &Item,
    team: &Team,
    at: DateTime<Utc>,
    lead: Duration,
) -> NewSend {
    NewSend {
        guild,
        kind: Kind::Brief,
        item: item.id.clone(),
        team: team.name.clone(),
        channel: team.channel,
        fire_at_ms: (at - lead).timestamp_millis(),
        body: Some(at.timestamp_millis().to_string()),
        ref_id: None,
    }
}

/// One materialisation: rows and cursor moves gathered, written in batches.
struct Pass<'a> {
    app: &'a App,
    guild: GuildId,
    now: DateTime<Utc>,
    horizon: DateTime<Utc>,
    next_at: DateTime<Utc>,
    cursors: HashMap<String, i64>,
    rows: Vec<NewSend>,
    moved: Vec<(String, i64)>,
    inserted: u64,
}

impl Pass<'_> {
    fn item(&mut self, plan: &Plan, item: &Item, teams: &[Team], names: &[String]) {
        let known = self.cursors.get(&item.id).copied();
        let from_ms = known.unwrap_or(self.now.timestamp_millis());
        let Some(from) = DateTime::from_timestamp_millis(from_ms) else {
            return;
        };
        // An item that briefs managers is materialised that much further ahead, so each
        // briefing is queued before it falls due.
        let lead = item.brief_managers.unwrap_or_else(Duration::zero);
        let horizon = self.horizon + lead;
        if from >= horizon {
            return;
        }
        // A fast cron fills the horizon over several passes; the cursor keeps the place
        // (the earliest calendar's last firing looked at), and the next pass comes
        // before the clock reaches it.
        let mut cursor = horizon;
        let mut looked = 0;
        for (calendar, members) in by_calendar(plan, item, teams, names) {
            let (firings, n) = plan.firings(item, &calendar, from, horizon, PER_PASS);
            looked += n;
            if let (PER_PASS, Some(last)) = (n, firings.last()) {
                cursor = cursor.min(last.scheduled);
            }
            for at in firings.iter().filter_map(|f| f.at) {
                for team in &members {
                    self.rows.push(NewSend {
                        guild: self.guild,
                        kind: kind::PLAN,
                        item: item.id.clone(),
                        team: team.name.clone(),
                        channel: team.channel,
                        fire_at_ms: at.timestamp_millis(),
                        body: None,
                        ref_id: None,
                    });
                    if item.brief_managers.is_some() {
                        self.rows.push(brief_row(self.guild, item, team, at, lead));
                    }
                }
            }
        }
        if cursor < horizon {
            self.next_at = self.next_at.min(self.now + (cursor - self.now) / 2);
        }
        // With nothing new, a known cursor may stay: the next pass recomputes from it.
        if known.is_none() || looked > 0 {
            self.moved
                .push((item.id.clone(), cursor.timestamp_millis()));
        }
    }

    /// The leadership digest's firings: one row each, sent to its readers when due.
    fn digest(&mut self, plan: &Plan) {
        let Some(digest) = &plan.digest else {
            return;
        };
        let known = self.cursors.get(DIGEST_CURSOR).copied();
        let from_ms = known.unwrap_or(self.now.timestamp_millis());
        let Some(from) = DateTime::from_timestamp_millis(from_ms) else {
            return;
        };
        if from >= self.horizon {
            return;
        }
        for at in digest.between(from, self.horizon, &plan.campaign, PER_PASS) {
            self.rows.push(NewSend {
                guild: self.guild,
                kind: Kind::Digest,
                item: DIGEST_CURSOR.into(),
                team: String::new(),
                channel: crate::domain::ids::ChannelId(0),
                fire_at_ms: at.timestamp_millis(),
                body: None,
                ref_id: None,
            });
        }
        self.moved
            .push((DIGEST_CURSOR.into(), self.horizon.timestamp_millis()));
    }

    /// Rows first, then the cursors that cover them: a crash in between re-inserts rows
    /// that already exist, which is a no-op.
    async fn flush(&mut self) -> anyhow::Result<()> {
        if !self.rows.is_empty() {
            self.inserted += self.app.store.enqueue(&self.rows).await?;
            self.rows.clear();
        }
        if !self.moved.is_empty() {
            self.app.store.set_cursors(self.guild, &self.moved).await?;
            self.moved.clear();
        }
        Ok(())
    }
}
