//! The one SQL implementation of [`Store`], over sqlx's `Any` pool.
//!
//! Portable SQL only: `$N` placeholders (SQLite reads them as numbered parameters),
//! BIGINT for ids and times in milliseconds, 0/1 integers for flags.

use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::migrate::Migrator;
use sqlx::AnyPool;
use sqlx::Row;

use super::{Backend, ConnectError, RoleConfig, Store, StoreError, StoreResult};
use crate::domain::ids::{ChannelId, GuildId, MemberId, RoleId, TeamId};
use crate::domain::team::{Team, TeamName};

pub struct SqlStore {
    pub(super) pool: AnyPool,
    pub(super) backend: Backend,
    pub(super) migrator: &'static Migrator,
    /// SQLite: wakes the task that empties the write-ahead log after answers.
    pub(super) history: Option<std::sync::Arc<tokio::sync::Notify>>,
}

impl SqlStore {
    pub(super) async fn migrate(&self) -> Result<(), ConnectError> {
        self.migrator
            .run(&self.pool)
            .await
            .map_err(|e| ConnectError::Migrate(e.to_string()))
    }
}

/// Maps a sqlx error to ours: unique violations become conflicts, lost connections
/// become "unavailable" so callers can say "try again in a moment".
pub(super) fn classify(e: sqlx::Error, what: &'static str) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict { what },
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => StoreError::Unavailable(e),
        sqlx::Error::Database(db) if is_transient(db.as_ref()) => StoreError::Unavailable(e),
        _ => StoreError::Other(e),
    }
}

/// A database answer that means "not now" rather than "never": SQLite's file is locked by
/// another writer past the busy timeout; PostgreSQL is shutting down, starting up, out of
/// connections, or lost the connection.
fn is_transient(db: &dyn sqlx::error::DatabaseError) -> bool {
    if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        let primary = db.code().and_then(|c| c.parse::<i32>().ok()).unwrap_or(0) & 0xff;
        return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
    }
    if let Some(e) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        let code = e.code();
        return code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "53300");
    }
    false
}

const SQLITE_BUSY: i32 = 5;
const SQLITE_LOCKED: i32 = 6;

fn other(e: sqlx::Error) -> StoreError {
    classify(e, "row")
}

fn team_from(row: &AnyRow) -> Result<Team, sqlx::Error> {
    Ok(Team {
        id: TeamId(row.try_get("id")?),
        guild: GuildId::from_db(row.try_get("guild_id")?),
        name: row.try_get("name")?,
        role: RoleId::from_db(row.try_get("role_id")?),
        channel: ChannelId::from_db(row.try_get("channel_id")?),
    })
}

const TEAM_COLUMNS: &str = "id, guild_id, name, role_id, channel_id";

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> Backend {
        self.backend
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(other)?;
        Ok(())
    }

    async fn db_now_ms(&self) -> StoreResult<i64> {
        let sql = match self.backend {
            Backend::Postgres => {
                "SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT) AS now_ms"
            }
            Backend::Sqlite => {
                "SELECT CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER) AS now_ms"
            }
        };
        let row = sqlx::query(sql)
            .fetch_one(&self.pool)
            .await
            .map_err(other)?;
        row.try_get::<i64, _>("now_ms").map_err(other)
    }

    async fn close(&self) {
        self.pool.close().await;
        if let Some(h) = &self.history {
            h.notify_one();
        }
    }

    async fn upsert_guild(&self, guild: GuildId, name: &str, now_ms: i64) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO guilds (id, name, first_seen_ms) VALUES ($1, $2, $3)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name",
        )
        .bind(guild.db())
        .bind(name)
        .bind(now_ms)
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(())
    }

    async fn upsert_members(
        &self,
        guild: GuildId,
        members: &[(MemberId, String)],
        now_ms: i64,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(other)?;
        for (member, name) in members {
            sqlx::query(
                "INSERT INTO members (guild_id, member_id, display_name, first_seen_ms, last_seen_ms)
                 VALUES ($1, $2, $3, $4, $4)
                 ON CONFLICT (guild_id, member_id)
                 DO UPDATE SET display_name = excluded.display_name, last_seen_ms = excluded.last_seen_ms",
            )
            .bind(guild.db())
            .bind(member.db())
            .bind(name)
            .bind(now_ms)
            .execute(&mut *tx)
            .await
            .map_err(other)?;
        }
        tx.commit().await.map_err(other)?;
        Ok(())
    }

    async fn guilds(&self) -> StoreResult<Vec<GuildId>> {
        let rows = sqlx::query("SELECT id FROM guilds ORDER BY first_seen_ms, id")
            .fetch_all(&self.pool)
            .await
            .map_err(other)?;
        rows.iter()
            .map(|r| r.try_get("id").map(GuildId::from_db))
            .collect::<Result<_, _>>()
            .map_err(other)
    }

    async fn count_members(&self, guild: GuildId) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM members WHERE guild_id = $1")
            .bind(guild.db())
            .fetch_one(&self.pool)
            .await
            .map_err(other)?;
        row.try_get("n").map_err(other)
    }

    async fn member_names(&self, guild: GuildId) -> StoreResult<Vec<String>> {
        let rows = sqlx::query(
            "SELECT DISTINCT display_name FROM members WHERE guild_id = $1 ORDER BY display_name",
        )
        .bind(guild.db())
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        rows.iter()
            .map(|r| r.try_get("display_name"))
            .collect::<Result<_, _>>()
            .map_err(other)
    }

    async fn set_member_roles(
        &self,
        guild: GuildId,
        members: &[(MemberId, Vec<RoleId>)],
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(other)?;
        for (member, roles) in members {
            sqlx::query("DELETE FROM member_roles WHERE guild_id = $1 AND member_id = $2")
                .bind(guild.db())
                .bind(member.db())
                .execute(&mut *tx)
                .await
                .map_err(other)?;
            for role in roles {
                sqlx::query(
                    "INSERT INTO member_roles (guild_id, member_id, role_id) VALUES ($1, $2, $3)
                     ON CONFLICT DO NOTHING",
                )
                .bind(guild.db())
                .bind(member.db())
                .bind(role.db())
                .execute(&mut *tx)
                .await
                .map_err(other)?;
            }
        }
        tx.commit().await.map_err(other)?;
        Ok(())
    }

    async fn stored_role_members(
        &self,
        guild: GuildId,
        role: RoleId,
    ) -> StoreResult<Vec<MemberId>> {
        let rows = sqlx::query(
            "SELECT member_id FROM member_roles WHERE guild_id = $1 AND role_id = $2 ORDER BY member_id",
        )
        .bind(guild.db())
        .bind(role.db())
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        rows.iter()
            .map(|r| r.try_get("member_id").map(MemberId::from_db))
            .collect::<Result<_, _>>()
            .map_err(other)
    }

    async fn stored_roles(&self, guild: GuildId) -> StoreResult<Vec<(RoleId, MemberId)>> {
        let rows = sqlx::query(
            "SELECT role_id, member_id FROM member_roles WHERE guild_id = $1 ORDER BY role_id, member_id",
        )
        .bind(guild.db())
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        rows.iter()
            .map(|r| {
                Ok((
                    RoleId::from_db(r.try_get("role_id")?),
                    MemberId::from_db(r.try_get("member_id")?),
                ))
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(other)
    }

    async fn role_sizes(&self, guild: GuildId) -> StoreResult<Vec<(RoleId, i64)>> {
        let rows = sqlx::query(
            "SELECT role_id, COUNT(*) AS n FROM member_roles WHERE guild_id = $1 GROUP BY role_id",
        )
        .bind(guild.db())
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        rows.iter()
            .map(|r| Ok((RoleId::from_db(r.try_get("role_id")?), r.try_get("n")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(other)
    }

    async fn add_team(
        &self,
        guild: GuildId,
        name: &TeamName,
        role: RoleId,
        channel: ChannelId,
        now_ms: i64,
    ) -> StoreResult<Team> {
        let sql = format!(
            "INSERT INTO teams (guild_id, name, name_key, role_id, channel_id, created_ms)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING {TEAM_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(guild.db())
            .bind(name.as_str())
            .bind(name.as_str().to_lowercase())
            .bind(role.db())
            .bind(channel.db())
            .bind(now_ms)
            .fetch_one(&self.pool)
            .await
            .map_err(|e| classify(e, "a team with that name"))?;
        team_from(&row).map_err(other)
    }

    async fn list_teams(&self, guild: GuildId) -> StoreResult<Vec<Team>> {
        let sql = format!("SELECT {TEAM_COLUMNS} FROM teams WHERE guild_id = $1 ORDER BY name_key");
        let rows = sqlx::query(&sql)
            .bind(guild.db())
            .fetch_all(&self.pool)
            .await
            .map_err(other)?;
        rows.iter()
            .map(team_from)
            .collect::<Result<_, _>>()
            .map_err(other)
    }

    async fn team_by_name(&self, guild: GuildId, name: &str) -> StoreResult<Option<Team>> {
        let sql = format!("SELECT {TEAM_COLUMNS} FROM teams WHERE guild_id = $1 AND name_key = $2");
        let row = sqlx::query(&sql)
            .bind(guild.db())
            .bind(name.trim().to_lowercase())
            .fetch_optional(&self.pool)
            .await
            .map_err(other)?;
        row.as_ref().map(team_from).transpose().map_err(other)
    }

    async fn remove_team(&self, guild: GuildId, name: &str) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM teams WHERE guild_id = $1 AND name_key = $2")
            .bind(guild.db())
            .bind(name.trim().to_lowercase())
            .execute(&self.pool)
            .await
            .map_err(other)?;
        Ok(done.rows_affected() > 0)
    }

    async fn role_config(&self, guild: GuildId) -> StoreResult<RoleConfig> {
        let row = sqlx::query(
            "SELECT change_lead_role_id, manager_role_id FROM role_config WHERE guild_id = $1",
        )
        .bind(guild.db())
        .fetch_optional(&self.pool)
        .await
        .map_err(other)?;
        let Some(row) = row else {
            return Ok(RoleConfig::default());
        };
        let lead: Option<i64> = row.try_get("change_lead_role_id").map_err(other)?;
        let manager: Option<i64> = row.try_get("manager_role_id").map_err(other)?;
        Ok(RoleConfig {
            change_lead: lead.map(RoleId::from_db),
            manager: manager.map(RoleId::from_db),
        })
    }

    async fn set_role_config(
        &self,
        guild: GuildId,
        roles: &RoleConfig,
        now_ms: i64,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO role_config (guild_id, change_lead_role_id, manager_role_id, updated_ms)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (guild_id) DO UPDATE SET change_lead_role_id = excluded.change_lead_role_id,
               manager_role_id = excluded.manager_role_id, updated_ms = excluded.updated_ms",
        )
        .bind(guild.db())
        .bind(roles.change_lead.map(RoleId::db))
        .bind(roles.manager.map(RoleId::db))
        .bind(now_ms)
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(())
    }
}
