//! The dashboard's sign-in in storage: links used once, and sessions found by the hash of
//! their cookie, each holding the teams it may show.

use async_trait::async_trait;
use sqlx::Row;

use super::sql::{classify, SqlStore};
use super::{StoreError, StoreResult};
use crate::domain::ids::{GuildId, MemberId};

/// A signed-in dashboard reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub guild: GuildId,
    pub member: MemberId,
    /// What the session may show: `*` for every team, else team names, one per line.
    pub scope: String,
    pub expires_ms: i64,
}

#[async_trait]
pub trait DashboardSessions {
    /// Marks a link's nonce used; false when it was used already (a replay).
    async fn use_link(&self, nonce: &str, now_ms: i64, expires_ms: i64) -> StoreResult<bool>;
    async fn open_session(&self, id_hash: &str, s: &Session, now_ms: i64) -> StoreResult<()>;
    /// The live session with this hash: not ended and not expired at `now_ms`.
    async fn session(&self, id_hash: &str, now_ms: i64) -> StoreResult<Option<Session>>;
    /// Ends a session (signing out); used links and ended sessions past their expiry go.
    async fn end_session(&self, id_hash: &str, now_ms: i64) -> StoreResult<()>;
}

fn other(e: sqlx::Error) -> StoreError {
    classify(e, "dashboard session")
}

#[async_trait]
impl DashboardSessions for SqlStore {
    async fn use_link(&self, nonce: &str, now_ms: i64, expires_ms: i64) -> StoreResult<bool> {
        sqlx::query("DELETE FROM dashboard_links WHERE expires_ms < $1")
            .bind(now_ms)
            .execute(&self.pool)
            .await
            .map_err(other)?;
        let done = sqlx::query(
            "INSERT INTO dashboard_links (nonce, used_ms, expires_ms) VALUES ($1, $2, $3)
             ON CONFLICT (nonce) DO NOTHING",
        )
        .bind(nonce)
        .bind(now_ms)
        .bind(expires_ms)
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(done.rows_affected() == 1)
    }

    async fn open_session(&self, id_hash: &str, s: &Session, now_ms: i64) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO dashboard_sessions (id_hash, guild_id, member_id, scope, created_ms, expires_ms)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id_hash)
        .bind(s.guild.db())
        .bind(s.member.db())
        .bind(&s.scope)
        .bind(now_ms)
        .bind(s.expires_ms)
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(())
    }

    async fn session(&self, id_hash: &str, now_ms: i64) -> StoreResult<Option<Session>> {
        let row = sqlx::query(
            "SELECT guild_id, member_id, scope, expires_ms FROM dashboard_sessions
             WHERE id_hash = $1 AND ended_ms IS NULL AND expires_ms > $2",
        )
        .bind(id_hash)
        .bind(now_ms)
        .fetch_optional(&self.pool)
        .await
        .map_err(other)?;
        row.map(|r| {
            Ok(Session {
                guild: GuildId::from_db(r.try_get("guild_id")?),
                member: MemberId::from_db(r.try_get("member_id")?),
                scope: r.try_get("scope")?,
                expires_ms: r.try_get("expires_ms")?,
            })
        })
        .transpose()
        .map_err(other)
    }

    async fn end_session(&self, id_hash: &str, now_ms: i64) -> StoreResult<()> {
        sqlx::query("UPDATE dashboard_sessions SET ended_ms = $1 WHERE id_hash = $2")
            .bind(now_ms)
            .bind(id_hash)
            .execute(&self.pool)
            .await
            .map_err(other)?;
        sqlx::query("DELETE FROM dashboard_sessions WHERE expires_ms < $1")
            .bind(now_ms)
            .execute(&self.pool)
            .await
            .map_err(other)?;
        Ok(())
    }
}
