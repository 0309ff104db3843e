//! Actions in storage: one row per proposal (a team, a trigger and its episode), moved
//! proposed → scheduled → done, or proposed → dismissed, each move conditional on the
//! status it leaves (so a stale or replayed click changes nothing) and kept in
//! `action_events` as the action's history.

use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::sql::{classify, SqlStore};
use super::{StoreError, StoreResult};
use crate::domain::ids::{ChannelId, GuildId, MemberId, MessageId};

/// One action as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionRow {
    pub id: i64,
    pub guild: GuildId,
    pub team: String,
    /// The trigger's name (`barrier.desire`).
    pub trigger: String,
    pub episode: String,
    /// The play's id in the playbook.
    pub play: String,
    /// What was seen, in words (figures of the team, never a person).
    pub seen: String,
    /// proposed, scheduled, done or dismissed.
    pub status: String,
    pub owner: Option<MemberId>,
    /// Days since 1970-01-01 in the campaign's zone.
    pub due_day: Option<i64>,
    /// The dismissal's reason or the note it was done with.
    pub note: Option<String>,
    /// The proposal's message in the change team's channel.
    pub proposal: Option<(ChannelId, MessageId)>,
    /// The pulse that asked the team again, once opened.
    pub repulse: Option<i64>,
    /// The measured effect, in words, once the re-pulse closed.
    pub effect: Option<String>,
    pub created_ms: i64,
    pub updated_ms: i64,
}

/// A proposal to record.
#[derive(Debug, Clone)]
pub struct NewAction {
    pub guild: GuildId,
    pub team: String,
    pub trigger: String,
    pub episode: String,
    pub play: String,
    pub seen: String,
    pub at_ms: i64,
}

/// A move from one status to another.
#[derive(Debug, Clone)]
pub struct Move<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub by: MemberId,
    pub owner: Option<MemberId>,
    pub due_day: Option<i64>,
    pub note: Option<&'a str>,
    pub at_ms: i64,
}

#[async_trait]
pub trait Actions {
    /// Records a proposal; None when this team, trigger and episode already have one.
    async fn propose(&self, a: &NewAction) -> StoreResult<Option<i64>>;
    async fn set_proposal_message(
        &self,
        id: i64,
        channel: ChannelId,
        message: MessageId,
    ) -> StoreResult<()>;
    async fn action(&self, id: i64) -> StoreResult<Option<ActionRow>>;
    /// Records the pulse that asks the team again; false when one is recorded already.
    async fn set_action_repulse(&self, id: i64, pulse: i64) -> StoreResult<bool>;
    /// The action whose re-pulse is `pulse`.
    async fn action_by_repulse(&self, pulse: i64) -> StoreResult<Option<ActionRow>>;
    /// Records the measured effect (once: a later call changes nothing).
    async fn set_action_effect(&self, id: i64, effect: &str) -> StoreResult<()>;
    /// Moves the action if it is still at `m.from`; false when it is not (nothing changed).
    async fn move_action(&self, id: i64, m: &Move<'_>) -> StoreResult<bool>;
    /// Proposes another play instead, while the action is still a proposal; false when
    /// it is not.
    async fn set_action_play(
        &self,
        id: i64,
        play: &str,
        by: MemberId,
        at_ms: i64,
    ) -> StoreResult<bool>;
    /// Deletes a proposal that never reached the change team, with its history.
    async fn forget_action(&self, id: i64) -> StoreResult<()>;
    /// A server's actions, newest first, of one team and status when given.
    async fn actions(
        &self,
        guild: GuildId,
        team: Option<&str>,
        status: Option<&str>,
    ) -> StoreResult<Vec<ActionRow>>;
    /// The member whose display name is `name` (case aside); None when nobody or several
    /// are.
    async fn member_named(&self, guild: GuildId, name: &str) -> StoreResult<Option<MemberId>>;
    /// Whether Herald has seen `member` in the server.
    async fn is_member(&self, guild: GuildId, member: MemberId) -> StoreResult<bool>;
}

fn other(e: sqlx::Error) -> StoreError {
    classify(e, "action")
}

/// One line of an action's history.
async fn record(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: i64,
    at_ms: i64,
    by: Option<MemberId>,
    status: &str,
    note: Option<&str>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO action_events (action_id, at_ms, by_id, status, note) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(at_ms)
    .bind(by.map(MemberId::db))
    .bind(status)
    .bind(note)
    .execute(&mut **tx)
    .await
    .map_err(other)?;
    Ok(())
}

const COLUMNS: &str = "id, guild_id, team_name, trigger_name, episode, play, seen, status, owner_id, due_day, note, channel_id, message_id, repulse_id, effect, created_ms, updated_ms";

fn row(r: &AnyRow) -> Result<ActionRow, sqlx::Error> {
    let channel: Option<i64> = r.try_get("channel_id")?;
    let message: Option<i64> = r.try_get("message_id")?;
    Ok(ActionRow {
        id: r.try_get("id")?,
        guild: GuildId::from_db(r.try_get("guild_id")?),
        team: r.try_get("team_name")?,
        trigger: r.try_get("trigger_name")?,
        episode: r.try_get("episode")?,
        play: r.try_get("play")?,
        seen: r.try_get("seen")?,
        status: r.try_get("status")?,
        owner: r
            .try_get::<Option<i64>, _>("owner_id")?
            .map(MemberId::from_db),
        due_day: r.try_get("due_day")?,
        note: r.try_get("note")?,
        proposal: channel
            .zip(message)
            .map(|(c, m)| (ChannelId::from_db(c), MessageId::from_db(m))),
        repulse: r.try_get("repulse_id")?,
        effect: r.try_get("effect")?,
        created_ms: r.try_get("created_ms")?,
        updated_ms: r.try_get("updated_ms")?,
    })
}

#[async_trait]
impl Actions for SqlStore {
    async fn propose(&self, a: &NewAction) -> StoreResult<Option<i64>> {
        let mut tx = self.pool.begin().await.map_err(other)?;
        let id: Option<i64> = sqlx::query(
            "INSERT INTO actions (guild_id, team_name, trigger_name, episode, play, seen, status, created_ms, updated_ms)
             VALUES ($1, $2, $3, $4, $5, $6, 'proposed', $7, $7)
             ON CONFLICT (guild_id, team_name, trigger_name, episode) DO NOTHING RETURNING id",
        )
        .bind(a.guild.db())
        .bind(&a.team)
        .bind(&a.trigger)
        .bind(&a.episode)
        .bind(&a.play)
        .bind(&a.seen)
        .bind(a.at_ms)
        .fetch_optional(&mut *tx)
        .await
        .and_then(|r| r.map(|r| r.try_get("id")).transpose())
        .map_err(other)?;
        if let Some(id) = id {
            record(&mut tx, id, a.at_ms, None, "proposed", None).await?;
        }
        tx.commit().await.map_err(other)?;
        Ok(id)
    }

    async fn set_proposal_message(
        &self,
        id: i64,
        channel: ChannelId,
        message: MessageId,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE actions SET channel_id = $1, message_id = $2 WHERE id = $3")
            .bind(channel.db())
            .bind(message.db())
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(other)?;
        Ok(())
    }

    async fn action(&self, id: i64) -> StoreResult<Option<ActionRow>> {
        let sql = format!("SELECT {COLUMNS} FROM actions WHERE id = $1");
        sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .and_then(|r| r.as_ref().map(row).transpose())
            .map_err(other)
    }

    async fn set_action_repulse(&self, id: i64, pulse: i64) -> StoreResult<bool> {
        let done =
            sqlx::query("UPDATE actions SET repulse_id = $1 WHERE id = $2 AND repulse_id IS NULL")
                .bind(pulse)
                .bind(id)
                .execute(&self.pool)
                .await
                .map_err(other)?;
        Ok(done.rows_affected() == 1)
    }

    async fn action_by_repulse(&self, pulse: i64) -> StoreResult<Option<ActionRow>> {
        let sql = format!("SELECT {COLUMNS} FROM actions WHERE repulse_id = $1");
        sqlx::query(&sql)
            .bind(pulse)
            .fetch_optional(&self.pool)
            .await
            .and_then(|r| r.as_ref().map(row).transpose())
            .map_err(other)
    }

    async fn set_action_effect(&self, id: i64, effect: &str) -> StoreResult<()> {
        sqlx::query("UPDATE actions SET effect = $1 WHERE id = $2 AND effect IS NULL")
            .bind(effect)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(other)?;
        Ok(())
    }

    async fn move_action(&self, id: i64, m: &Move<'_>) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(other)?;
        let moved = sqlx::query(
            "UPDATE actions SET status = $1,
                    owner_id = CASE WHEN $1 = 'proposed' THEN NULL ELSE COALESCE($2, owner_id) END,
                    due_day = CASE WHEN $1 = 'proposed' THEN NULL ELSE COALESCE($3, due_day) END,
                    note = COALESCE($4, note), updated_ms = $5
              WHERE id = $6 AND status = $7",
        )
        .bind(m.to)
        .bind(m.owner.map(MemberId::db))
        .bind(m.due_day)
        .bind(m.note)
        .bind(m.at_ms)
        .bind(id)
        .bind(m.from)
        .execute(&mut *tx)
        .await
        .map_err(other)?
        .rows_affected()
            == 1;
        if moved {
            record(&mut tx, id, m.at_ms, Some(m.by), m.to, m.note).await?;
        }
        tx.commit().await.map_err(other)?;
        Ok(moved)
    }

    async fn set_action_play(
        &self,
        id: i64,
        play: &str,
        by: MemberId,
        at_ms: i64,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(other)?;
        let moved = sqlx::query(
            "UPDATE actions SET play = $1, updated_ms = $2 WHERE id = $3 AND status = 'proposed'",
        )
        .bind(play)
        .bind(at_ms)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(other)?
        .rows_affected()
            == 1;
        if moved {
            let note = format!("play: {play}");
            record(&mut tx, id, at_ms, Some(by), "proposed", Some(&note)).await?;
        }
        tx.commit().await.map_err(other)?;
        Ok(moved)
    }

    async fn forget_action(&self, id: i64) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(other)?;
        for sql in [
            "DELETE FROM action_events WHERE action_id = $1",
            "DELETE FROM actions WHERE id = $1 AND status = 'proposed'",
        ] {
            sqlx::query(sql)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(other)?;
        }
        tx.commit().await.map_err(other)
    }

    async fn actions(
        &self,
        guild: GuildId,
        team: Option<&str>,
        status: Option<&str>,
    ) -> StoreResult<Vec<ActionRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM actions WHERE guild_id = $1
                AND ($2 = '' OR team_name = $2) AND ($3 = '' OR status = $3)
              ORDER BY created_ms DESC, id DESC LIMIT 200"
        );
        sqlx::query(&sql)
            .bind(guild.db())
            .bind(team.unwrap_or(""))
            .bind(status.unwrap_or(""))
            .fetch_all(&self.pool)
            .await
            .and_then(|rows| rows.iter().map(row).collect())
            .map_err(other)
    }

    async fn member_named(&self, guild: GuildId, name: &str) -> StoreResult<Option<MemberId>> {
        let rows = sqlx::query(
            "SELECT DISTINCT member_id FROM members WHERE guild_id = $1 AND LOWER(display_name) = LOWER($2)",
        )
        .bind(guild.db())
        .bind(name)
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        if rows.len() != 1 {
            return Ok(None);
        }
        rows[0]
            .try_get::<i64, _>("member_id")
            .map(|m| Some(MemberId::from_db(m)))
            .map_err(other)
    }

    async fn is_member(&self, guild: GuildId, member: MemberId) -> StoreResult<bool> {
        sqlx::query("SELECT 1 AS one FROM members WHERE guild_id = $1 AND member_id = $2")
            .bind(guild.db())
            .bind(member.db())
            .fetch_optional(&self.pool)
            .await
            .map(|r| r.is_some())
            .map_err(other)
    }
}
