//! Adoption: whether people use the new tool (and still the old one), per team. [`ingest`]
//! takes a batch as it arrived over HTTP or from a CSV file, checks it whole against the
//! plan's `[[metrics]]` and the teams, and stores it; a person's row is kept only as a
//! keyed hash within each of their teams, so the database cannot name anyone.

pub mod alerts;
pub mod view;

use std::collections::HashMap;

use crate::app::App;
use crate::domain::adoption::{check, Checked, Incoming, RowError, Rules, Subject};
use crate::domain::ids::{GuildId, MemberId};
use crate::store::adoption::{PersonValue, TeamValue};

/// What a batch did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ingested {
    pub rows: usize,
    /// Rows new or changed; a replayed batch writes none.
    pub written: u64,
    /// Rows about people in no team Herald knows: not counted anywhere.
    pub outside_teams: usize,
}

impl Ingested {
    /// One line for whoever sent the batch.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "{} taken: {} new or changed",
            crate::domain::words::count(self.rows as i64, "row", "rows"),
            self.written
        );
        if self.written == 0 && self.rows > 0 {
            s.push_str(" (every value was already held)");
        }
        if self.outside_teams > 0 {
            s.push_str(&format!(
                "; {} about people in no team Herald knows, so not counted",
                self.outside_teams
            ));
        }
        s.push('.');
        s
    }
}

/// Why a batch was refused; nothing of it is written.
#[derive(Debug)]
pub enum Refused {
    /// Herald cannot take figures yet (no plan, no `[[metrics]]`, no server seen).
    NotReady(String),
    /// Bad cells, each as `row:column: message`.
    Rows(Vec<RowError>),
    /// The database failed; the batch can be sent again.
    Store(String),
}

/// Checks `rows` whole and stores them, or refuses them all.
pub async fn ingest(app: &App, rows: &[Incoming]) -> Result<Ingested, Refused> {
    let Some(plan) = app.plan() else {
        return Err(Refused::NotReady(
            "Herald has no plan loaded; add [[metrics]] to plan.toml and start Herald with it"
                .into(),
        ));
    };
    if plan.metrics.is_empty() {
        return Err(Refused::NotReady(
            "plan.toml declares no [[metrics]]; declare each metric (id, kind, label) first".into(),
        ));
    }
    let guild = match app.primary_guild().await {
        Ok(Some(g)) => g,
        Ok(None) => {
            return Err(Refused::NotReady(
                "Herald has not seen its Discord server yet; start it once with its token".into(),
            ))
        }
        Err(e) => return Err(Refused::Store(e.to_string())),
    };
    let store = |e: crate::store::StoreError| Refused::Store(e.to_string());
    let known = app.store.list_teams(guild).await.map_err(store)?;
    let teams: Vec<String> = known.iter().map(|t| t.name.clone()).collect();
    let rules = Rules {
        metrics: &plan.metrics,
        teams: &teams,
        tz: plan.campaign.tz,
        today: today(app, plan.campaign.tz),
    };
    let checked = check(rows, &rules).map_err(Refused::Rows)?;
    let homes = member_teams(app, guild, &known).await.map_err(store)?;
    let (team_rows, person_rows, outside) = split(app, guild, checked, &homes);
    let written = app
        .store
        .add_adoption(guild, &team_rows, &person_rows)
        .await
        .map_err(store)?;
    tracing::info!(rows = rows.len(), written, outside, "adoption batch stored");
    if written > 0 {
        if let Err(e) = alerts::evaluate(app, guild).await {
            tracing::warn!(error = %e, "adoption alerts not checked");
        }
    }
    Ok(Ingested {
        rows: rows.len(),
        written,
        outside_teams: outside,
    })
}

/// Today in the campaign's time zone (days since 1970-01-01): the day adoption rows are
/// dated by, so ingest, `/adoption` and the alerts agree on which day and week it is.
pub fn today(app: &App, tz: chrono_tz::Tz) -> i64 {
    let now = chrono::DateTime::from_timestamp_millis(app.now_ms()).unwrap_or_default();
    (now.with_timezone(&tz).date_naive() - chrono::NaiveDate::default()).num_days()
}

/// Each member's teams, as the gateway last showed their roles.
async fn member_teams(
    app: &App,
    guild: GuildId,
    teams: &[crate::domain::team::Team],
) -> Result<HashMap<MemberId, Vec<String>>, crate::store::StoreError> {
    let mut homes: HashMap<MemberId, Vec<String>> = HashMap::new();
    for (role, member) in app.store.stored_roles(guild).await? {
        for t in teams.iter().filter(|t| t.role == role) {
            homes.entry(member).or_default().push(t.name.clone());
        }
    }
    Ok(homes)
}

/// Team rows as they are; a person's row once per team of theirs, under a keyed hash.
fn split(
    app: &App,
    guild: GuildId,
    checked: Vec<Checked>,
    homes: &HashMap<MemberId, Vec<String>>,
) -> (Vec<TeamValue>, Vec<PersonValue>, usize) {
    let (mut teams, mut people, mut outside) = (Vec::new(), Vec::new(), 0);
    for c in checked {
        match c.subject {
            Subject::Team(team) => teams.push(TeamValue {
                metric: c.metric,
                team,
                day: c.day,
                source: c.source,
                value: c.value,
            }),
            Subject::Member(m) => {
                let Some(in_teams) = homes.get(&m) else {
                    outside += 1;
                    continue;
                };
                for team in in_teams {
                    people.push(PersonValue {
                        metric: c.metric.clone(),
                        team: team.clone(),
                        day: c.day,
                        source: c.source.clone(),
                        person: app.key.adopter(guild, team, m),
                        value: c.value,
                    });
                }
            }
        }
    }
    (teams, people, outside)
}
