//! What hangs off the outbox: the schedule cursors that say how far each item is
//! materialised, the plan's pauses, acknowledgements of sends, and announcement drafts
//! between their modal and their Confirm.

use std::collections::HashMap;

use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::sql::{classify, SqlStore};
use super::{StoreError, StoreResult};
use crate::domain::ids::{ChannelId, GuildId, MemberId, MessageId};

const SET_CURSOR: &str =
    "INSERT INTO schedule_cursors (guild_id, item_id, until_ms) VALUES ($1, $2, $3)
     ON CONFLICT (guild_id, item_id) DO UPDATE SET until_ms = excluded.until_ms";

/// A draft announcement between its modal and its Confirm / Cancel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub id: String,
    pub guild: GuildId,
    pub author: MemberId,
    pub audience: String,
    pub content: String,
    pub status: String,
}

/// One update sent to a member's team, and when the member acknowledged it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamUpdate {
    pub outbox_id: i64,
    pub item: String,
    pub team: String,
    pub channel: ChannelId,
    pub message: Option<MessageId>,
    pub sent_at_ms: i64,
    pub acked_at_ms: Option<i64>,
}

fn other(e: sqlx::Error) -> StoreError {
    classify(e, "row")
}

#[async_trait]
pub trait CommsState: std::marker::Send + Sync {
    async fn cursor(&self, guild: GuildId, item: &str) -> StoreResult<Option<i64>>;
    async fn set_cursor(&self, guild: GuildId, item: &str, until_ms: i64) -> StoreResult<()>;
    /// Every cursor of a guild, by item id, in one read.
    async fn cursors(&self, guild: GuildId) -> StoreResult<HashMap<String, i64>>;
    /// Sets many cursors in one transaction.
    async fn set_cursors(&self, guild: GuildId, cursors: &[(String, i64)]) -> StoreResult<()>;
    async fn pause(&self, guild: GuildId, item: &str, now_ms: i64) -> StoreResult<()>;
    /// Removes a pause (`*` removes every pause); returns how many were lifted.
    async fn resume(&self, guild: GuildId, item: &str) -> StoreResult<u64>;
    async fn pauses(&self, guild: GuildId) -> StoreResult<Vec<String>>;
    /// Records an acknowledgement; `false` when the member had already acknowledged.
    async fn ack(&self, outbox_id: i64, member: MemberId, at_ms: i64) -> StoreResult<bool>;
    async fn acked_by(&self, outbox_id: i64) -> StoreResult<Vec<MemberId>>;
    /// The latest plan sends (scheduled or sent now) to `team`, newest first, each with
    /// when `member` acknowledged it.
    async fn team_updates(
        &self,
        guild: GuildId,
        team: &str,
        member: MemberId,
        limit: i64,
    ) -> StoreResult<Vec<TeamUpdate>>;
    /// Every plan or manual send that went out at or after `from_ms`, oldest first:
    /// (outbox id, item, team, sent at).
    async fn sent_since(
        &self,
        guild: GuildId,
        from_ms: i64,
    ) -> StoreResult<Vec<(i64, String, String, i64)>>;
    async fn create_draft(&self, d: &Draft, now_ms: i64) -> StoreResult<()>;
    async fn draft(&self, id: &str) -> StoreResult<Option<Draft>>;
    async fn set_draft_content(&self, id: &str, content: &str) -> StoreResult<()>;
    /// Moves a draft from `from` to `to`; `false` if it was not in `from` (a replayed click).
    async fn move_draft(&self, id: &str, from: &str, to: &str) -> StoreResult<bool>;
}

#[async_trait]
impl CommsState for SqlStore {
    async fn cursor(&self, guild: GuildId, item: &str) -> StoreResult<Option<i64>> {
        let row = sqlx::query(
            "SELECT until_ms FROM schedule_cursors WHERE guild_id = $1 AND item_id = $2",
        )
        .bind(guild.db())
        .bind(item)
        .fetch_optional(&self.pool)
        .await
        .map_err(other)?;
        row.map(|r| r.try_get("until_ms"))
            .transpose()
            .map_err(other)
    }

    async fn set_cursor(&self, guild: GuildId, item: &str, until_ms: i64) -> StoreResult<()> {
        sqlx::query(SET_CURSOR)
            .bind(guild.db())
            .bind(item)
            .bind(until_ms)
            .execute(&self.pool)
            .await
            .map_err(other)?;
        Ok(())
    }

    async fn cursors(&self, guild: GuildId) -> StoreResult<HashMap<String, i64>> {
        let rows =
            sqlx::query("SELECT item_id, until_ms FROM schedule_cursors WHERE guild_id = $1")
                .bind(guild.db())
                .fetch_all(&self.pool)
                .await
                .map_err(other)?;
        rows.iter()
            .map(|r| Ok((r.try_get("item_id")?, r.try_get("until_ms")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(other)
    }

    async fn set_cursors(&self, guild: GuildId, cursors: &[(String, i64)]) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(other)?;
        for (item, until_ms) in cursors {
            sqlx::query(SET_CURSOR)
                .bind(guild.db())
                .bind(item)
                .bind(until_ms)
                .execute(&mut *tx)
                .await
                .map_err(other)?;
        }
        tx.commit().await.map_err(other)
    }

    async fn pause(&self, guild: GuildId, item: &str, now_ms: i64) -> StoreResult<()> {
        sqlx::query("INSERT INTO comms_pauses (guild_id, item_id, paused_ms) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(guild.db())
            .bind(item)
            .bind(now_ms)
            .execute(&self.pool)
            .await
            .map_err(other)?;
        Ok(())
    }

    async fn resume(&self, guild: GuildId, item: &str) -> StoreResult<u64> {
        let sql = if item == "*" {
            "DELETE FROM comms_pauses WHERE guild_id = $1 AND $2 = '*'"
        } else {
            "DELETE FROM comms_pauses WHERE guild_id = $1 AND item_id = $2"
        };
        let done = sqlx::query(sql)
            .bind(guild.db())
            .bind(item)
            .execute(&self.pool)
            .await
            .map_err(other)?;
        Ok(done.rows_affected())
    }

    async fn pauses(&self, guild: GuildId) -> StoreResult<Vec<String>> {
        let rows =
            sqlx::query("SELECT item_id FROM comms_pauses WHERE guild_id = $1 ORDER BY item_id")
                .bind(guild.db())
                .fetch_all(&self.pool)
                .await
                .map_err(other)?;
        rows.iter()
            .map(|r| r.try_get("item_id"))
            .collect::<Result<_, _>>()
            .map_err(other)
    }

    async fn ack(&self, outbox_id: i64, member: MemberId, at_ms: i64) -> StoreResult<bool> {
        let done = sqlx::query("INSERT INTO acks (outbox_id, member_id, at_ms) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(outbox_id)
            .bind(member.db())
            .bind(at_ms)
            .execute(&self.pool)
            .await
            .map_err(other)?;
        Ok(done.rows_affected() == 1)
    }

    async fn acked_by(&self, outbox_id: i64) -> StoreResult<Vec<MemberId>> {
        let rows = sqlx::query("SELECT member_id FROM acks WHERE outbox_id = $1")
            .bind(outbox_id)
            .fetch_all(&self.pool)
            .await
            .map_err(other)?;
        rows.iter()
            .map(|r| r.try_get("member_id").map(MemberId::from_db))
            .collect::<Result<_, _>>()
            .map_err(other)
    }

    async fn team_updates(
        &self,
        guild: GuildId,
        team: &str,
        member: MemberId,
        limit: i64,
    ) -> StoreResult<Vec<TeamUpdate>> {
        let rows = sqlx::query(
            "SELECT o.id, o.item_id, o.team_name, o.channel_id, o.message_id, o.sent_at_ms, a.at_ms
               FROM outbox o LEFT JOIN acks a ON a.outbox_id = o.id AND a.member_id = $3
              WHERE o.guild_id = $1 AND o.team_name = $2 AND o.status = 'sent'
                AND o.kind IN ('plan', 'manual')
              ORDER BY o.sent_at_ms DESC, o.id DESC LIMIT $4",
        )
        .bind(guild.db())
        .bind(team)
        .bind(member.db())
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        rows.iter()
            .map(team_update)
            .collect::<Result<_, _>>()
            .map_err(other)
    }

    async fn sent_since(
        &self,
        guild: GuildId,
        from_ms: i64,
    ) -> StoreResult<Vec<(i64, String, String, i64)>> {
        let rows = sqlx::query(
            "SELECT id, item_id, team_name, sent_at_ms FROM outbox
              WHERE guild_id = $1 AND status = 'sent' AND kind IN ('plan', 'manual')
                AND sent_at_ms >= $2
              ORDER BY sent_at_ms, id",
        )
        .bind(guild.db())
        .bind(from_ms)
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("id")?,
                    r.try_get("item_id")?,
                    r.try_get("team_name")?,
                    r.try_get("sent_at_ms")?,
                ))
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(other)
    }

    async fn create_draft(&self, d: &Draft, now_ms: i64) -> StoreResult<()> {
        sqlx::query("INSERT INTO drafts (id, guild_id, author_id, audience, content, status, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(&d.id)
            .bind(d.guild.db())
            .bind(d.author.db())
            .bind(&d.audience)
            .bind(&d.content)
            .bind(&d.status)
            .bind(now_ms)
            .execute(&self.pool)
            .await
            .map_err(other)?;
        Ok(())
    }

    async fn draft(&self, id: &str) -> StoreResult<Option<Draft>> {
        let row = sqlx::query(
            "SELECT id, guild_id, author_id, audience, content, status FROM drafts WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(other)?;
        let Some(r) = row else { return Ok(None) };
        let get = |r: &AnyRow| -> Result<Draft, sqlx::Error> {
            Ok(Draft {
                id: r.try_get("id")?,
                guild: GuildId::from_db(r.try_get("guild_id")?),
                author: MemberId::from_db(r.try_get("author_id")?),
                audience: r.try_get("audience")?,
                content: r.try_get("content")?,
                status: r.try_get("status")?,
            })
        };
        get(&r).map(Some).map_err(other)
    }

    async fn set_draft_content(&self, id: &str, content: &str) -> StoreResult<()> {
        sqlx::query("UPDATE drafts SET content = $2 WHERE id = $1 AND status = 'open'")
            .bind(id)
            .bind(content)
            .execute(&self.pool)
            .await
            .map_err(other)?;
        Ok(())
    }

    async fn move_draft(&self, id: &str, from: &str, to: &str) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE drafts SET status = $3 WHERE id = $1 AND status = $2")
            .bind(id)
            .bind(from)
            .bind(to)
            .execute(&self.pool)
            .await
            .map_err(other)?;
        Ok(done.rows_affected() == 1)
    }
}

fn team_update(r: &AnyRow) -> Result<TeamUpdate, sqlx::Error> {
    Ok(TeamUpdate {
        outbox_id: r.try_get("id")?,
        item: r.try_get("item_id")?,
        team: r.try_get("team_name")?,
        channel: ChannelId::from_db(r.try_get("channel_id")?),
        message: r
            .try_get::<Option<i64>, _>("message_id")?
            .map(MessageId::from_db),
        sent_at_ms: r.try_get::<Option<i64>, _>("sent_at_ms")?.unwrap_or(0),
        acked_at_ms: r.try_get("at_ms")?,
    })
}
