//! The sentiment record in storage: raw signals (scores only), the running cells per
//! team, day and source, each contributor's latest day (keyed hashes), alert episodes.

use std::collections::BTreeMap;

use async_trait::async_trait;
use sqlx::Row;

use super::sql::{classify, SqlStore};
use super::{Backend, StoreError, StoreResult};
use crate::domain::ids::GuildId;
use crate::domain::record::{day_of, monday_of, Cell, Record, Signal, Source};

/// Parameters per multi-row statement. More rows per statement save round trips to the
/// database thread, but SQLite looks each `$N` up by walking a list, so binding costs
/// grow with the square of the parameters: a few hundred is the sweet spot.
const PARAMS_PER_STATEMENT: usize = 400;

/// Rows per statement for rows of `cols` parameters each.
pub(super) fn rows_per_statement(cols: usize) -> usize {
    PARAMS_PER_STATEMENT / cols
}

#[async_trait]
pub trait Sentiment {
    /// Stores signals and folds them into the record, in one transaction. With an
    /// `origin` (e.g. `pulse:4`), a second call with the same origin does nothing.
    async fn add_signals(
        &self,
        guild: GuildId,
        signals: &[Signal],
        origin: Option<&str>,
    ) -> StoreResult<bool>;
    /// Stores one signal of an event that counts once (a reaction, a feedback message),
    /// keyed by `event` (a keyed hash): true when stored, false when a signal with that
    /// key exists already, whichever instance stored it. Row and record change together.
    async fn add_event_signal(
        &self,
        guild: GuildId,
        signal: &Signal,
        event: &str,
    ) -> StoreResult<bool>;
    /// The record's cells from `from_day` on, for one team or all.
    async fn cells(&self, guild: GuildId, team: Option<&str>, from_day: i64)
        -> StoreResult<Record>;
    /// Every team's days from `from_day` on, all sources together: (team, day, n, sum),
    /// ordered by team and day. What an overview needs, at a quarter of the rows.
    async fn daily_totals(
        &self,
        guild: GuildId,
        from_day: i64,
    ) -> StoreResult<Vec<(String, i64, i64, f64)>>;
    /// Distinct contributor keys whose latest signal is on or after `from_day`, per team
    /// (one team or all) and group: (team, group, keys). The group is `""` for person
    /// keys and `pulse:N` for the ballots of pulse N; [`crate::domain::people`] turns
    /// the groups into a count of people.
    async fn contributor_groups(
        &self,
        guild: GuildId,
        team: Option<&str>,
        from_day: i64,
    ) -> StoreResult<Vec<(String, String, i64)>>;
    /// Distinct contributor keys per team, group and calendar week (`week`: its Monday)
    /// for the weeks whose Mondays are `first_week`…`last_week`: (team, group, week, keys).
    async fn week_key_counts(
        &self,
        guild: GuildId,
        first_week: i64,
        last_week: i64,
    ) -> StoreResult<Vec<(String, String, i64, i64)>>;
    /// One team's keys in the calendar weeks whose Mondays are `first_week`…`last_week`:
    /// (group, week, key), for counting the people of a window exactly.
    async fn week_keys(
        &self,
        guild: GuildId,
        team: &str,
        first_week: i64,
        last_week: i64,
    ) -> StoreResult<Vec<(String, i64, String)>>;
    /// The raw signals at or after `from_ms` with their key's group, oldest first: what
    /// a week's own figures are computed from (the export).
    async fn signals_since(
        &self,
        guild: GuildId,
        from_ms: i64,
    ) -> StoreResult<Vec<(Signal, String)>>;
    /// Recomputes the cells and contributors from the raw signals; returns the count.
    async fn rebuild_sentiment(&self, guild: GuildId) -> StoreResult<u64>;
    async fn alert_open(&self, guild: GuildId, team: &str) -> StoreResult<bool>;
    /// The teams whose alert episode is open, in one read.
    async fn open_alerts(&self, guild: GuildId) -> StoreResult<Vec<String>>;
    /// Opens an episode unless one is open; true for the one caller that opened it.
    async fn claim_alert(&self, guild: GuildId, team: &str, at_ms: i64) -> StoreResult<bool>;
    async fn set_alert(
        &self,
        guild: GuildId,
        team: &str,
        open: bool,
        at_ms: i64,
    ) -> StoreResult<()>;
}

fn other(e: sqlx::Error) -> StoreError {
    classify(e, "row")
}

type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

/// Folds signals into the record. `scope` is the group their contributor keys belong to:
/// `""` for person keys, the pulse's origin for its ballot keys.
async fn fold(tx: &mut Tx<'_>, guild: GuildId, signals: &[Signal], scope: &str) -> StoreResult<()> {
    let mut cells: BTreeMap<(String, i64, Source), Cell> = BTreeMap::new();
    let mut days: BTreeMap<(String, i64), Cell> = BTreeMap::new();
    let mut latest: BTreeMap<(String, String), i64> = BTreeMap::new();
    let mut weekly: std::collections::BTreeSet<(String, i64, String)> = Default::default();
    for s in signals {
        let day = day_of(s.at_ms);
        weekly.insert((s.team.clone(), monday_of(day), s.contributor.clone()));
        cells
            .entry((s.team.clone(), day, s.source))
            .or_default()
            .add(s.score);
        days.entry((s.team.clone(), day)).or_default().add(s.score);
        let seen = latest
            .entry((s.team.clone(), s.contributor.clone()))
            .or_insert(day);
        *seen = (*seen).max(day);
    }
    let cells: Vec<_> = cells.into_iter().collect();
    for chunk in cells.chunks(rows_per_statement(8)) {
        let sql = format!(
            "INSERT INTO sentiment_cells (guild_id, team_name, day, source, n, total, pos, neu, neg)
             VALUES {}
             ON CONFLICT (guild_id, team_name, day, source) DO UPDATE SET
               n = sentiment_cells.n + excluded.n, total = sentiment_cells.total + excluded.total,
               pos = sentiment_cells.pos + excluded.pos, neu = sentiment_cells.neu + excluded.neu,
               neg = sentiment_cells.neg + excluded.neg",
            value_rows(chunk.len(), 8)
        );
        let mut q = sqlx::query(&sql).bind(guild.db());
        for ((team, day, source), c) in chunk {
            q = q
                .bind(team)
                .bind(day)
                .bind(source.name())
                .bind(c.n as i64)
                .bind(c.sum)
                .bind(c.pos as i64)
                .bind(c.neu as i64)
                .bind(c.neg as i64);
        }
        q.execute(&mut **tx).await.map_err(other)?;
    }
    let days: Vec<_> = days.into_iter().collect();
    for chunk in days.chunks(rows_per_statement(4)) {
        let sql = format!(
            "INSERT INTO sentiment_days (guild_id, team_name, day, n, total) VALUES {}
             ON CONFLICT (guild_id, team_name, day) DO UPDATE SET
               n = sentiment_days.n + excluded.n, total = sentiment_days.total + excluded.total",
            value_rows(chunk.len(), 4)
        );
        let mut q = sqlx::query(&sql).bind(guild.db());
        for ((team, day), c) in chunk {
            q = q.bind(team).bind(day).bind(c.n as i64).bind(c.sum);
        }
        q.execute(&mut **tx).await.map_err(other)?;
    }
    let latest: Vec<_> = latest.into_iter().collect();
    for chunk in latest.chunks(rows_per_statement(4)) {
        let sql = format!(
            "INSERT INTO sentiment_last_seen (guild_id, team_name, contributor, last_day, scope)
             VALUES {}
             ON CONFLICT (guild_id, team_name, contributor) DO UPDATE SET last_day =
               CASE WHEN excluded.last_day > sentiment_last_seen.last_day
                    THEN excluded.last_day ELSE sentiment_last_seen.last_day END",
            value_rows(chunk.len(), 4)
        );
        let mut q = sqlx::query(&sql).bind(guild.db());
        for ((team, who), day) in chunk {
            q = q.bind(team).bind(who).bind(day).bind(scope);
        }
        q.execute(&mut **tx).await.map_err(other)?;
    }
    fold_weeks(tx, guild, &weekly, scope).await
}

/// Each key once per team and calendar week, for the people behind a past week.
async fn fold_weeks(
    tx: &mut Tx<'_>,
    guild: GuildId,
    keys: &std::collections::BTreeSet<(String, i64, String)>,
    scope: &str,
) -> StoreResult<()> {
    let keys: Vec<_> = keys.iter().collect();
    for chunk in keys.chunks(rows_per_statement(4)) {
        let sql = format!(
            "INSERT INTO sentiment_week_keys (guild_id, team_name, week, contributor, scope)
             VALUES {} ON CONFLICT DO NOTHING",
            value_rows(chunk.len(), 4)
        );
        let mut q = sqlx::query(&sql).bind(guild.db());
        for (team, week, who) in chunk {
            q = q.bind(team).bind(week).bind(who).bind(scope);
        }
        q.execute(&mut **tx).await.map_err(other)?;
    }
    Ok(())
}

/// `day:n:total` as [`Sentiment::daily_totals`] packs it.
fn unpack_day(packed: &str) -> Option<(i64, i64, f64)> {
    let mut parts = packed.split(':');
    let day = parts.next()?.parse().ok()?;
    let n = parts.next()?.parse().ok()?;
    let total = parts.next()?.parse().ok()?;
    parts.next().is_none().then_some((day, n, total))
}

/// `($1, $2, …), ($1, …)`: `rows` tuples, each the shared guild `$1` and then `cols`
/// parameters of its own, numbered on from `$2`.
pub(super) fn value_rows(rows: usize, cols: usize) -> String {
    let tuple = |r: usize| {
        let own: Vec<String> = (0..cols)
            .map(|c| format!("${}", 2 + r * cols + c))
            .collect();
        format!("($1, {})", own.join(", "))
    };
    let all: Vec<String> = (0..rows).map(tuple).collect();
    all.join(", ")
}

async fn insert_raw(
    tx: &mut Tx<'_>,
    guild: GuildId,
    signals: &[Signal],
    origin: Option<&str>,
) -> StoreResult<()> {
    for chunk in signals.chunks(rows_per_statement(6)) {
        let sql = format!(
            "INSERT INTO sentiment_signals (guild_id, team_name, source, score, contributor, at_ms, origin) VALUES {}",
            value_rows(chunk.len(), 6)
        );
        let mut q = sqlx::query(&sql).bind(guild.db());
        for s in chunk {
            q = q
                .bind(&s.team)
                .bind(s.source.name())
                .bind(crate::domain::record::clamp(s.score))
                .bind(&s.contributor)
                .bind(s.at_ms)
                .bind(origin);
        }
        q.execute(&mut **tx).await.map_err(other)?;
    }
    Ok(())
}

#[async_trait]
impl Sentiment for SqlStore {
    async fn add_signals(
        &self,
        guild: GuildId,
        signals: &[Signal],
        origin: Option<&str>,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(other)?;
        if let Some(o) = origin {
            let seen = sqlx::query(
                "SELECT 1 AS one FROM sentiment_signals WHERE guild_id = $1 AND origin = $2 LIMIT 1",
            )
            .bind(guild.db())
            .bind(o)
            .fetch_optional(&mut *tx)
            .await
            .map_err(other)?;
            if seen.is_some() {
                return Ok(false);
            }
        }
        insert_raw(&mut tx, guild, signals, origin).await?;
        fold(&mut tx, guild, signals, origin.unwrap_or("")).await?;
        tx.commit().await.map_err(other)?;
        Ok(true)
    }

    async fn add_event_signal(
        &self,
        guild: GuildId,
        signal: &Signal,
        event: &str,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(other)?;
        // Of two instances storing the same event at once, PostgreSQL makes the second
        // wait for the first and then insert nothing; SQLite has one writer at a time.
        let stored = sqlx::query(
            "INSERT INTO sentiment_signals (guild_id, team_name, source, score, contributor, at_ms, event_key)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (guild_id, event_key) DO NOTHING",
        )
        .bind(guild.db())
        .bind(&signal.team)
        .bind(signal.source.name())
        .bind(crate::domain::record::clamp(signal.score))
        .bind(&signal.contributor)
        .bind(signal.at_ms)
        .bind(event)
        .execute(&mut *tx)
        .await
        .map_err(other)?;
        if stored.rows_affected() == 0 {
            return Ok(false);
        }
        fold(&mut tx, guild, std::slice::from_ref(signal), "").await?;
        tx.commit().await.map_err(other)?;
        Ok(true)
    }

    async fn cells(
        &self,
        guild: GuildId,
        team: Option<&str>,
        from_day: i64,
    ) -> StoreResult<Record> {
        let rows = sqlx::query(
            "SELECT team_name, day, source, n, total, pos, neu, neg FROM sentiment_cells
             WHERE guild_id = $1 AND day >= $2 AND ($3 = '' OR team_name = $3)",
        )
        .bind(guild.db())
        .bind(from_day)
        .bind(team.unwrap_or(""))
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        let mut record = Record::default();
        for r in rows {
            let source: String = r.try_get("source").map_err(other)?;
            let Some(source) = Source::parse(&source) else {
                continue;
            };
            let cell = Cell {
                n: r.try_get::<i64, _>("n").map_err(other)? as u64,
                sum: r.try_get("total").map_err(other)?,
                pos: r.try_get::<i64, _>("pos").map_err(other)? as u64,
                neu: r.try_get::<i64, _>("neu").map_err(other)? as u64,
                neg: r.try_get::<i64, _>("neg").map_err(other)? as u64,
            };
            record.cells.insert(
                (
                    r.try_get("team_name").map_err(other)?,
                    r.try_get("day").map_err(other)?,
                    source,
                ),
                cell,
            );
        }
        Ok(record)
    }

    async fn daily_totals(
        &self,
        guild: GuildId,
        from_day: i64,
    ) -> StoreResult<Vec<(String, i64, i64, f64)>> {
        // One row per team, its days packed as `day:n:total,…` (total with every digit
        // kept): a few hundred rows instead of a team's every day.
        let days = match self.backend {
            Backend::Sqlite => {
                "group_concat(day || ':' || n || ':' || printf('%.17g', total), ',')"
            }
            Backend::Postgres => "string_agg(day || ':' || n || ':' || total::text, ',')",
        };
        let rows = sqlx::query(&format!(
            "SELECT team_name, {days} AS days FROM sentiment_days
             WHERE guild_id = $1 AND day >= $2 GROUP BY team_name"
        ))
        .bind(guild.db())
        .bind(from_day)
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        let mut out = Vec::new();
        for r in &rows {
            let team: String = r.try_get("team_name").map_err(other)?;
            let days: String = r.try_get("days").map_err(other)?;
            for packed in days.split(',') {
                let (day, n, total) = unpack_day(packed).ok_or_else(|| {
                    other(sqlx::Error::Decode(
                        format!("a packed sentiment day reads `{packed}`").into(),
                    ))
                })?;
                out.push((team.clone(), day, n, total));
            }
        }
        Ok(out)
    }

    async fn contributor_groups(
        &self,
        guild: GuildId,
        team: Option<&str>,
        from_day: i64,
    ) -> StoreResult<Vec<(String, String, i64)>> {
        let rows = sqlx::query(
            "SELECT team_name, scope, COUNT(*) AS n FROM sentiment_last_seen
             WHERE guild_id = $1 AND last_day >= $2 AND ($3 = '' OR team_name = $3)
             GROUP BY team_name, scope ORDER BY team_name, scope",
        )
        .bind(guild.db())
        .bind(from_day)
        .bind(team.unwrap_or(""))
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("team_name")?,
                    r.try_get("scope")?,
                    r.try_get("n")?,
                ))
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(other)
    }

    async fn week_key_counts(
        &self,
        guild: GuildId,
        first_week: i64,
        last_week: i64,
    ) -> StoreResult<Vec<(String, String, i64, i64)>> {
        // Kept by a trigger on sentiment_week_keys, where a key is once per team and week.
        let rows = sqlx::query(
            "SELECT team_name, scope, week, n FROM sentiment_week_counts
             WHERE guild_id = $1 AND week >= $2 AND week <= $3",
        )
        .bind(guild.db())
        .bind(first_week)
        .bind(last_week)
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("team_name")?,
                    r.try_get("scope")?,
                    r.try_get("week")?,
                    r.try_get("n")?,
                ))
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(other)
    }

    async fn week_keys(
        &self,
        guild: GuildId,
        team: &str,
        first_week: i64,
        last_week: i64,
    ) -> StoreResult<Vec<(String, i64, String)>> {
        let rows = sqlx::query(
            "SELECT scope, week, contributor FROM sentiment_week_keys
             WHERE guild_id = $1 AND team_name = $2 AND week >= $3 AND week <= $4",
        )
        .bind(guild.db())
        .bind(team)
        .bind(first_week)
        .bind(last_week)
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("scope")?,
                    r.try_get("week")?,
                    r.try_get("contributor")?,
                ))
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(other)
    }

    async fn signals_since(
        &self,
        guild: GuildId,
        from_ms: i64,
    ) -> StoreResult<Vec<(Signal, String)>> {
        let rows = sqlx::query(
            "SELECT team_name, source, score, contributor, at_ms, origin FROM sentiment_signals
             WHERE guild_id = $1 AND at_ms >= $2 ORDER BY at_ms, id",
        )
        .bind(guild.db())
        .bind(from_ms)
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        rows.iter()
            .map(|r| {
                let source: String = r.try_get("source")?;
                let origin: Option<String> = r.try_get("origin")?;
                Ok((
                    Signal {
                        team: r.try_get("team_name")?,
                        source: Source::parse(&source).unwrap_or(Source::Feedback),
                        score: r.try_get("score")?,
                        contributor: r.try_get("contributor")?,
                        at_ms: r.try_get("at_ms")?,
                    },
                    origin.unwrap_or_default(),
                ))
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(other)
    }

    async fn rebuild_sentiment(&self, guild: GuildId) -> StoreResult<u64> {
        let mut tx = self.pool.begin().await.map_err(other)?;
        for table in [
            "sentiment_cells",
            "sentiment_days",
            "sentiment_last_seen",
            "sentiment_week_keys",
        ] {
            sqlx::query(&format!("DELETE FROM {table} WHERE guild_id = $1"))
                .bind(guild.db())
                .execute(&mut *tx)
                .await
                .map_err(other)?;
        }
        let mut after = 0i64;
        let mut total = 0u64;
        loop {
            let rows = sqlx::query(
                "SELECT id, team_name, source, score, contributor, at_ms, origin FROM sentiment_signals
                 WHERE guild_id = $1 AND id > $2 ORDER BY id LIMIT 10000",
            )
            .bind(guild.db())
            .bind(after)
            .fetch_all(&mut *tx)
            .await
            .map_err(other)?;
            let Some(last) = rows.last() else { break };
            after = last.try_get("id").map_err(other)?;
            // Each group of keys (person keys, each pulse's ballots) folds on its own.
            let mut groups: BTreeMap<String, Vec<Signal>> = BTreeMap::new();
            for r in &rows {
                let source: String = r.try_get("source").map_err(other)?;
                let origin: Option<String> = r.try_get("origin").map_err(other)?;
                groups
                    .entry(origin.unwrap_or_default())
                    .or_default()
                    .push(Signal {
                        team: r.try_get("team_name").map_err(other)?,
                        source: Source::parse(&source).unwrap_or(Source::Feedback),
                        score: r.try_get("score").map_err(other)?,
                        contributor: r.try_get("contributor").map_err(other)?,
                        at_ms: r.try_get("at_ms").map_err(other)?,
                    });
            }
            for (scope, signals) in &groups {
                total += signals.len() as u64;
                fold(&mut tx, guild, signals, scope).await?;
            }
        }
        tx.commit().await.map_err(other)?;
        Ok(total)
    }

    async fn alert_open(&self, guild: GuildId, team: &str) -> StoreResult<bool> {
        let row =
            sqlx::query("SELECT open FROM sentiment_alerts WHERE guild_id = $1 AND team_name = $2")
                .bind(guild.db())
                .bind(team)
                .fetch_optional(&self.pool)
                .await
                .map_err(other)?;
        Ok(match row {
            Some(r) => r.try_get::<i64, _>("open").map_err(other)? != 0,
            None => false,
        })
    }

    async fn open_alerts(&self, guild: GuildId) -> StoreResult<Vec<String>> {
        let rows = sqlx::query(
            "SELECT team_name FROM sentiment_alerts WHERE guild_id = $1 AND open <> 0 ORDER BY team_name",
        )
        .bind(guild.db())
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        rows.iter()
            .map(|r| r.try_get("team_name"))
            .collect::<Result<_, _>>()
            .map_err(other)
    }

    async fn claim_alert(&self, guild: GuildId, team: &str, at_ms: i64) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO sentiment_alerts (guild_id, team_name, open, changed_ms) VALUES ($1, $2, 1, $3)
             ON CONFLICT (guild_id, team_name) DO UPDATE SET open = 1, changed_ms = excluded.changed_ms
             WHERE sentiment_alerts.open = 0",
        )
        .bind(guild.db())
        .bind(team)
        .bind(at_ms)
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_alert(
        &self,
        guild: GuildId,
        team: &str,
        open: bool,
        at_ms: i64,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO sentiment_alerts (guild_id, team_name, open, changed_ms) VALUES ($1, $2, $3, $4)
             ON CONFLICT (guild_id, team_name) DO UPDATE SET open = excluded.open, changed_ms = excluded.changed_ms",
        )
        .bind(guild.db())
        .bind(team)
        .bind(i64::from(open))
        .bind(at_ms)
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(())
    }
}
