//! Replies to pulse comments in storage: who replied to which comment (named by its
//! ballot's keyed hash, never by its author) and whether the author has answered, once.

use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::sql::{classify, SqlStore};
use super::{StoreError, StoreResult};
use crate::domain::ids::MemberId;

/// One reply as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyRow {
    pub id: i64,
    pub pulse: i64,
    pub team: String,
    /// The comment's ballot key.
    pub ballot_key: String,
    /// Who replied.
    pub by: MemberId,
    pub at_ms: i64,
    pub answered_at_ms: Option<i64>,
}

#[async_trait]
pub trait Replies {
    /// Records a reply; its id.
    async fn add_reply(
        &self,
        pulse: i64,
        team: &str,
        ballot_key: &str,
        by: MemberId,
        at_ms: i64,
    ) -> StoreResult<i64>;
    async fn reply(&self, id: i64) -> StoreResult<Option<ReplyRow>>;
    /// Marks the reply answered; false when it was already (the one answer is spent).
    async fn mark_answered(&self, id: i64, at_ms: i64) -> StoreResult<bool>;
    /// Gives the answer back after a failed delivery, so it can be sent again.
    async fn unmark_answered(&self, id: i64) -> StoreResult<()>;
}

fn other(e: sqlx::Error) -> StoreError {
    classify(e, "reply")
}

fn row(r: &AnyRow) -> Result<ReplyRow, sqlx::Error> {
    Ok(ReplyRow {
        id: r.try_get("id")?,
        pulse: r.try_get("pulse_id")?,
        team: r.try_get("team_name")?,
        ballot_key: r.try_get("ballot_key")?,
        by: MemberId::from_db(r.try_get("by_id")?),
        at_ms: r.try_get("at_ms")?,
        answered_at_ms: r.try_get("answered_at_ms")?,
    })
}

#[async_trait]
impl Replies for SqlStore {
    async fn add_reply(
        &self,
        pulse: i64,
        team: &str,
        ballot_key: &str,
        by: MemberId,
        at_ms: i64,
    ) -> StoreResult<i64> {
        sqlx::query(
            "INSERT INTO comment_replies (pulse_id, team_name, ballot_key, by_id, at_ms)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(pulse)
        .bind(team)
        .bind(ballot_key)
        .bind(by.db())
        .bind(at_ms)
        .fetch_one(&self.pool)
        .await
        .and_then(|r| r.try_get("id"))
        .map_err(other)
    }

    async fn reply(&self, id: i64) -> StoreResult<Option<ReplyRow>> {
        sqlx::query(
            "SELECT id, pulse_id, team_name, ballot_key, by_id, at_ms, answered_at_ms
               FROM comment_replies WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .and_then(|r| r.as_ref().map(row).transpose())
        .map_err(other)
    }

    async fn mark_answered(&self, id: i64, at_ms: i64) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE comment_replies SET answered_at_ms = $1 WHERE id = $2 AND answered_at_ms IS NULL",
        )
        .bind(at_ms)
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(done.rows_affected() == 1)
    }

    async fn unmark_answered(&self, id: i64) -> StoreResult<()> {
        sqlx::query("UPDATE comment_replies SET answered_at_ms = NULL WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(other)?;
        Ok(())
    }
}
