//! Adoption figures in storage: each team's values and each person's (under a keyed
//! hash) per source, metric and day, written a batch at a time in one transaction and
//! replaced when the same day is sent again, so a replayed batch changes nothing.

use async_trait::async_trait;
use sqlx::Row;

use super::sentiment::{rows_per_statement, value_rows};
use super::sql::{classify, SqlStore};
use super::{StoreError, StoreResult};
use crate::domain::ids::GuildId;

/// One team's value for one day.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamValue {
    pub metric: String,
    pub team: String,
    pub day: i64,
    pub source: String,
    pub value: f64,
}

/// One person's value for one day, in one of their teams; `person` is a keyed hash.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonValue {
    pub metric: String,
    pub team: String,
    pub day: i64,
    pub source: String,
    pub person: String,
    pub value: f64,
}

/// A team's figure for one day of one metric, from every source: the teams' own values
/// summed, plus what its people's rows add up to (for active users, how many people were
/// active, each once; else their values summed). `people`: the distinct people behind
/// the person rows, 0 when only team values were sent.
#[derive(Debug, Clone, PartialEq)]
pub struct DayFigure {
    pub team: String,
    pub day: i64,
    pub value: f64,
    pub people: i64,
}

#[async_trait]
pub trait Adoption {
    /// Writes a whole batch in one transaction (each row replacing the same day's value);
    /// returns how many rows were new or changed.
    async fn add_adoption(
        &self,
        guild: GuildId,
        teams: &[TeamValue],
        people: &[PersonValue],
    ) -> StoreResult<u64>;
    /// Each team's figure per day of `metric` from `from_day` on, by team and day.
    /// `distinct_people`: person rows count the people with a value above 0 (active
    /// users) instead of summing their values.
    async fn adoption_days(
        &self,
        guild: GuildId,
        metric: &str,
        from_day: i64,
        distinct_people: bool,
    ) -> StoreResult<Vec<DayFigure>>;
    /// Each team's figure per calendar week (`day`: its Monday) of `metric` from the
    /// Monday `from_day` on. Active users (`distinct_people`): per source the highest day's
    /// count, plus the distinct people active on any day of the week (kept by triggers in
    /// adoption_week_counts); else every value of the week summed.
    async fn adoption_weeks(
        &self,
        guild: GuildId,
        metric: &str,
        from_day: i64,
        distinct_people: bool,
    ) -> StoreResult<Vec<DayFigure>>;
    /// For one team, each person's first and last active week (their Mondays, days since
    /// 1970-01-01), from per-person rows; the people stay keyed hashes, never returned.
    async fn adoption_person_spans(
        &self,
        guild: GuildId,
        metric: &str,
        team: &str,
    ) -> StoreResult<Vec<(i64, i64)>>;
    /// Opens an episode of `kind` for `team` unless one is open; true for the one caller
    /// that opened it.
    async fn claim_adoption_alert(
        &self,
        guild: GuildId,
        team: &str,
        kind: &str,
        at_ms: i64,
    ) -> StoreResult<bool>;
    /// Closes the open episode of `kind` for `team`, if any.
    async fn close_adoption_alert(
        &self,
        guild: GuildId,
        team: &str,
        kind: &str,
        at_ms: i64,
    ) -> StoreResult<()>;
}

fn other(e: sqlx::Error) -> StoreError {
    classify(e, "adoption figure")
}

#[async_trait]
impl Adoption for SqlStore {
    async fn add_adoption(
        &self,
        guild: GuildId,
        teams: &[TeamValue],
        people: &[PersonValue],
    ) -> StoreResult<u64> {
        let mut tx = self.pool.begin().await.map_err(other)?;
        if self.backend == super::Backend::Postgres {
            // One batch at a time: the weekly triggers read what another batch may be
            // writing (a person's other days), which READ COMMITTED would not see.
            sqlx::query("SELECT pg_advisory_xact_lock(20261207)")
                .execute(&mut *tx)
                .await
                .map_err(other)?;
        }
        let mut written = 0;
        for chunk in teams.chunks(rows_per_statement(5)) {
            let sql = format!(
                "INSERT INTO adoption_team_values (guild_id, metric, team_name, day, source, value)
                 VALUES {} ON CONFLICT (guild_id, metric, team_name, day, source)
                 DO UPDATE SET value = excluded.value
                 WHERE adoption_team_values.value <> excluded.value",
                value_rows(chunk.len(), 5)
            );
            let mut q = sqlx::query(&sql).bind(guild.db());
            for r in chunk {
                q = q
                    .bind(&r.metric)
                    .bind(&r.team)
                    .bind(r.day)
                    .bind(&r.source)
                    .bind(r.value);
            }
            written += q.execute(&mut *tx).await.map_err(other)?.rows_affected();
        }
        for chunk in people.chunks(rows_per_statement(6)) {
            let sql = format!(
                "INSERT INTO adoption_person_values (guild_id, metric, team_name, day, source, person, value)
                 VALUES {} ON CONFLICT (guild_id, metric, team_name, day, source, person)
                 DO UPDATE SET value = excluded.value
                 WHERE adoption_person_values.value <> excluded.value",
                value_rows(chunk.len(), 6)
            );
            let mut q = sqlx::query(&sql).bind(guild.db());
            for r in chunk {
                q = q
                    .bind(&r.metric)
                    .bind(&r.team)
                    .bind(r.day)
                    .bind(&r.source)
                    .bind(&r.person)
                    .bind(r.value);
            }
            written += q.execute(&mut *tx).await.map_err(other)?.rows_affected();
        }
        tx.commit().await.map_err(other)?;
        Ok(written)
    }

    async fn adoption_days(
        &self,
        guild: GuildId,
        metric: &str,
        from_day: i64,
        distinct_people: bool,
    ) -> StoreResult<Vec<DayFigure>> {
        let person_value = if distinct_people {
            "CASE WHEN value > 0 THEN CAST(1 AS DOUBLE PRECISION) ELSE CAST(0 AS DOUBLE PRECISION) END"
        } else {
            "value"
        };
        // A person counts once a day in active users, whichever sources name them.
        let people = if distinct_people {
            format!(
                "SELECT team_name, day, MAX({person_value}) AS value, person FROM adoption_person_values
                  WHERE guild_id = $1 AND metric = $2 AND day >= $3 GROUP BY team_name, day, person"
            )
        } else {
            "SELECT team_name, day, value, person FROM adoption_person_values
              WHERE guild_id = $1 AND metric = $2 AND day >= $3"
                .to_string()
        };
        let sql = format!(
            "SELECT team_name, day, SUM(value) AS value, COUNT(DISTINCT person) AS people FROM (
                 SELECT team_name, day, value, NULL AS person FROM adoption_team_values
                  WHERE guild_id = $1 AND metric = $2 AND day >= $3
                 UNION ALL {people}
             ) v GROUP BY team_name, day ORDER BY team_name, day"
        );
        self.figures(&sql, guild, metric, from_day).await
    }

    async fn adoption_person_spans(
        &self,
        guild: GuildId,
        metric: &str,
        team: &str,
    ) -> StoreResult<Vec<(i64, i64)>> {
        let rows = sqlx::query(
            "SELECT MIN(week) AS first_week, MAX(week) AS last_week FROM adoption_week_people
              WHERE guild_id = $1 AND metric = $2 AND team_name = $3 GROUP BY person",
        )
        .bind(guild.db())
        .bind(metric)
        .bind(team)
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        rows.iter()
            .map(|r| Ok((r.try_get("first_week")?, r.try_get("last_week")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(other)
    }

    async fn adoption_weeks(
        &self,
        guild: GuildId,
        metric: &str,
        from_day: i64,
        distinct_people: bool,
    ) -> StoreResult<Vec<DayFigure>> {
        const WEEK: &str = "day - ((day + 3) % 7)";
        let filter = "guild_id = $1 AND metric = $2 AND day >= $3";
        let inner = if distinct_people {
            format!(
                "SELECT team_name, week, MAX(value) AS value, 0 AS people FROM (
                     SELECT team_name, {WEEK} AS week, source, value FROM adoption_team_values WHERE {filter}
                 ) t GROUP BY team_name, week, source
                 UNION ALL
                 SELECT team_name, week, CAST(n AS DOUBLE PRECISION) AS value, n AS people
                   FROM adoption_week_counts WHERE guild_id = $1 AND metric = $2 AND week >= $3"
            )
        } else {
            format!(
                "SELECT team_name, {WEEK} AS week, value, 0 AS people FROM adoption_team_values WHERE {filter}
                 UNION ALL
                 SELECT team_name, {WEEK} AS week, value, 0 AS people FROM adoption_person_values WHERE {filter}"
            )
        };
        let sql = format!(
            "SELECT team_name, week AS day, SUM(value) AS value, CAST(SUM(people) AS BIGINT) AS people
               FROM ({inner}) x GROUP BY team_name, week ORDER BY team_name, week"
        );
        self.figures(&sql, guild, metric, from_day).await
    }

    async fn claim_adoption_alert(
        &self,
        guild: GuildId,
        team: &str,
        kind: &str,
        at_ms: i64,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO adoption_alerts (guild_id, team_name, kind, open, changed_ms)
             VALUES ($1, $2, $3, 1, $4)
             ON CONFLICT (guild_id, team_name, kind) DO UPDATE SET open = 1, changed_ms = excluded.changed_ms
             WHERE adoption_alerts.open = 0",
        )
        .bind(guild.db())
        .bind(team)
        .bind(kind)
        .bind(at_ms)
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(done.rows_affected() == 1)
    }

    async fn close_adoption_alert(
        &self,
        guild: GuildId,
        team: &str,
        kind: &str,
        at_ms: i64,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE adoption_alerts SET open = 0, changed_ms = $4
             WHERE guild_id = $1 AND team_name = $2 AND kind = $3 AND open <> 0",
        )
        .bind(guild.db())
        .bind(team)
        .bind(kind)
        .bind(at_ms)
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(())
    }
}

impl SqlStore {
    /// Runs a figures query bound to (guild, metric, from day).
    async fn figures(
        &self,
        sql: &str,
        guild: GuildId,
        metric: &str,
        from_day: i64,
    ) -> StoreResult<Vec<DayFigure>> {
        let rows = sqlx::query(sql)
            .bind(guild.db())
            .bind(metric)
            .bind(from_day)
            .fetch_all(&self.pool)
            .await
            .map_err(other)?;
        rows.iter()
            .map(|r| {
                Ok(DayFigure {
                    team: r.try_get("team_name")?,
                    day: r.try_get("day")?,
                    value: r.try_get("value")?,
                    people: r.try_get("people")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(other)
    }
}
