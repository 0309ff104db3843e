//! Recognitions, the champion roster and the wins log in storage.

use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::sql::{classify, SqlStore};
use super::{StoreError, StoreResult};
use crate::domain::ids::{GuildId, MemberId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recognition {
    pub id: i64,
    pub giver: MemberId,
    pub member: MemberId,
    pub team: Option<String>,
    pub value: String,
    pub reason: String,
    pub at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Champion {
    pub member: MemberId,
    pub team: String,
    pub nominated_by: MemberId,
    pub at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Win {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub team: Option<String>,
    pub recognition: Option<i64>,
    pub added_by: MemberId,
    pub at_ms: i64,
}

#[async_trait]
pub trait Champions {
    /// Stores a recognition unless the giver already gave `cap` since `day_start_ms`;
    /// None when the cap is reached (checked and written in one transaction).
    async fn add_recognition(
        &self,
        guild: GuildId,
        r: &Recognition,
        day_start_ms: i64,
        cap: i64,
    ) -> StoreResult<Option<i64>>;
    /// Recognitions at or after `since_ms`, oldest first.
    async fn recognitions_since(
        &self,
        guild: GuildId,
        since_ms: i64,
    ) -> StoreResult<Vec<Recognition>>;
    async fn recognition(&self, guild: GuildId, id: i64) -> StoreResult<Option<Recognition>>;
    /// Adds a champion; a member already on the roster is a conflict.
    async fn nominate(&self, guild: GuildId, c: &Champion) -> StoreResult<()>;
    /// True if the member was a champion.
    async fn remove_champion(&self, guild: GuildId, member: MemberId) -> StoreResult<bool>;
    async fn champions(&self, guild: GuildId) -> StoreResult<Vec<Champion>>;
    async fn add_win(&self, guild: GuildId, w: &Win) -> StoreResult<i64>;
    /// The latest wins, newest first.
    async fn wins(&self, guild: GuildId, limit: i64) -> StoreResult<Vec<Win>>;
}

fn other(e: sqlx::Error) -> StoreError {
    classify(e, "row")
}

const RECOGNITION_COLUMNS: &str = "id, giver_id, member_id, team_name, value, reason, at_ms";

fn recognition_from(r: &AnyRow) -> Result<Recognition, sqlx::Error> {
    Ok(Recognition {
        id: r.try_get("id")?,
        giver: MemberId::from_db(r.try_get("giver_id")?),
        member: MemberId::from_db(r.try_get("member_id")?),
        team: r.try_get("team_name")?,
        value: r.try_get("value")?,
        reason: r.try_get("reason")?,
        at_ms: r.try_get("at_ms")?,
    })
}

fn win_from(r: &AnyRow) -> Result<Win, sqlx::Error> {
    Ok(Win {
        id: r.try_get("id")?,
        title: r.try_get("title")?,
        description: r.try_get("description")?,
        team: r.try_get("team_name")?,
        recognition: r.try_get("recognition_id")?,
        added_by: MemberId::from_db(r.try_get("added_by")?),
        at_ms: r.try_get("at_ms")?,
    })
}

#[async_trait]
impl Champions for SqlStore {
    async fn add_recognition(
        &self,
        guild: GuildId,
        r: &Recognition,
        day_start_ms: i64,
        cap: i64,
    ) -> StoreResult<Option<i64>> {
        let mut tx = self.pool.begin().await.map_err(other)?;
        // A write first takes the write lock, so two quick recognitions cannot both pass
        // the cap check.
        sqlx::query("UPDATE recognitions SET id = id WHERE id = -1")
            .execute(&mut *tx)
            .await
            .map_err(other)?;
        let given: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM recognitions WHERE guild_id = $1 AND giver_id = $2 AND at_ms >= $3",
        )
        .bind(guild.db())
        .bind(r.giver.db())
        .bind(day_start_ms)
        .fetch_one(&mut *tx)
        .await
        .and_then(|row| row.try_get("n"))
        .map_err(other)?;
        if given >= cap {
            return Ok(None);
        }
        let id: i64 = sqlx::query(
            "INSERT INTO recognitions (guild_id, giver_id, member_id, team_name, value, reason, at_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(guild.db())
        .bind(r.giver.db())
        .bind(r.member.db())
        .bind(r.team.as_deref())
        .bind(&r.value)
        .bind(&r.reason)
        .bind(r.at_ms)
        .fetch_one(&mut *tx)
        .await
        .and_then(|row| row.try_get("id"))
        .map_err(other)?;
        tx.commit().await.map_err(other)?;
        Ok(Some(id))
    }

    async fn recognitions_since(
        &self,
        guild: GuildId,
        since_ms: i64,
    ) -> StoreResult<Vec<Recognition>> {
        let sql = format!(
            "SELECT {RECOGNITION_COLUMNS} FROM recognitions WHERE guild_id = $1 AND at_ms >= $2 ORDER BY at_ms, id"
        );
        let rows = sqlx::query(&sql)
            .bind(guild.db())
            .bind(since_ms)
            .fetch_all(&self.pool)
            .await
            .map_err(other)?;
        rows.iter()
            .map(recognition_from)
            .collect::<Result<_, _>>()
            .map_err(other)
    }

    async fn recognition(&self, guild: GuildId, id: i64) -> StoreResult<Option<Recognition>> {
        let sql = format!(
            "SELECT {RECOGNITION_COLUMNS} FROM recognitions WHERE guild_id = $1 AND id = $2"
        );
        let row = sqlx::query(&sql)
            .bind(guild.db())
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(other)?;
        row.as_ref()
            .map(recognition_from)
            .transpose()
            .map_err(other)
    }

    async fn nominate(&self, guild: GuildId, c: &Champion) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO champions (guild_id, member_id, team_name, nominated_by, at_ms) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(guild.db())
        .bind(c.member.db())
        .bind(&c.team)
        .bind(c.nominated_by.db())
        .bind(c.at_ms)
        .execute(&self.pool)
        .await
        .map_err(|e| classify(e, "that champion"))?;
        Ok(())
    }

    async fn remove_champion(&self, guild: GuildId, member: MemberId) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM champions WHERE guild_id = $1 AND member_id = $2")
            .bind(guild.db())
            .bind(member.db())
            .execute(&self.pool)
            .await
            .map_err(other)?;
        Ok(done.rows_affected() > 0)
    }

    async fn champions(&self, guild: GuildId) -> StoreResult<Vec<Champion>> {
        let rows = sqlx::query(
            "SELECT member_id, team_name, nominated_by, at_ms FROM champions WHERE guild_id = $1 ORDER BY team_name, at_ms",
        )
        .bind(guild.db())
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        rows.iter()
            .map(|r| {
                Ok(Champion {
                    member: MemberId::from_db(r.try_get("member_id")?),
                    team: r.try_get("team_name")?,
                    nominated_by: MemberId::from_db(r.try_get("nominated_by")?),
                    at_ms: r.try_get("at_ms")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(other)
    }

    async fn add_win(&self, guild: GuildId, w: &Win) -> StoreResult<i64> {
        sqlx::query(
            "INSERT INTO wins (guild_id, title, description, team_name, recognition_id, added_by, at_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(guild.db())
        .bind(&w.title)
        .bind(&w.description)
        .bind(w.team.as_deref())
        .bind(w.recognition)
        .bind(w.added_by.db())
        .bind(w.at_ms)
        .fetch_one(&self.pool)
        .await
        .and_then(|row| row.try_get("id"))
        .map_err(other)
    }

    async fn wins(&self, guild: GuildId, limit: i64) -> StoreResult<Vec<Win>> {
        let rows = sqlx::query(
            "SELECT id, title, description, team_name, recognition_id, added_by, at_ms
             FROM wins WHERE guild_id = $1 ORDER BY at_ms DESC, id DESC LIMIT $2",
        )
        .bind(guild.db())
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        rows.iter()
            .map(win_from)
            .collect::<Result<_, _>>()
            .map_err(other)
    }
}
