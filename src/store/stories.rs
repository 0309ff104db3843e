//! Story drafts in storage: a preview is a draft, "Post it" claims it once
//! (open → posting → posted, or open → cancelled), and each team's post is recorded so a
//! retry after a failure skips the teams that have the story.

use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::sql::{classify, SqlStore};
use super::{StoreError, StoreResult};
use crate::domain::ids::{GuildId, MemberId, MessageId};

/// Where a story draft is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoryStatus {
    /// Previewed; nothing posted yet (or a failed post released it).
    Open,
    /// One click is posting it.
    Posting,
    /// Posted to every team it was for.
    Posted,
    Cancelled,
}

impl StoryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            StoryStatus::Open => "open",
            StoryStatus::Posting => "posting",
            StoryStatus::Posted => "posted",
            StoryStatus::Cancelled => "cancelled",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [
            StoryStatus::Open,
            StoryStatus::Posting,
            StoryStatus::Posted,
            StoryStatus::Cancelled,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoryDraft {
    pub id: String,
    pub guild: GuildId,
    pub author: MemberId,
    /// The template's full name (`stories/….md`).
    pub template: String,
    /// One team, or None for every team.
    pub team: Option<String>,
    pub status: StoryStatus,
}

#[async_trait]
pub trait StoryDrafts {
    async fn create_story_draft(&self, d: &StoryDraft, now_ms: i64) -> StoreResult<()>;
    async fn story_draft(&self, id: &str) -> StoreResult<Option<StoryDraft>>;
    /// Moves an open draft to posting, or takes over one whose posting started before
    /// `stale_before_ms` (an instance died mid-post); `false` if another click has it.
    async fn claim_story_draft(
        &self,
        id: &str,
        now_ms: i64,
        stale_before_ms: i64,
    ) -> StoreResult<bool>;
    /// Moves a draft from `from` to `to`; `false` if it was not in `from`.
    async fn move_story_draft(
        &self,
        id: &str,
        from: StoryStatus,
        to: StoryStatus,
    ) -> StoreResult<bool>;
    /// The teams the draft was posted to already.
    async fn story_posts(&self, id: &str) -> StoreResult<Vec<String>>;
    async fn record_story_post(&self, id: &str, team: &str, message: MessageId) -> StoreResult<()>;
}

fn other(e: sqlx::Error) -> StoreError {
    classify(e, "story draft")
}

fn draft_of(r: &AnyRow) -> Result<StoryDraft, sqlx::Error> {
    let status: String = r.try_get("status")?;
    Ok(StoryDraft {
        id: r.try_get("id")?,
        guild: GuildId::from_db(r.try_get("guild_id")?),
        author: MemberId::from_db(r.try_get("author_id")?),
        template: r.try_get("template")?,
        team: r.try_get("team_name")?,
        status: StoryStatus::parse(&status).ok_or_else(|| sqlx::Error::ColumnDecode {
            index: "status".into(),
            source: format!("unknown story draft status `{status}`").into(),
        })?,
    })
}

#[async_trait]
impl StoryDrafts for SqlStore {
    async fn create_story_draft(&self, d: &StoryDraft, now_ms: i64) -> StoreResult<()> {
        sqlx::query("INSERT INTO story_drafts (id, guild_id, author_id, template, team_name, status, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(&d.id)
            .bind(d.guild.db())
            .bind(d.author.db())
            .bind(&d.template)
            .bind(&d.team)
            .bind(d.status.as_str())
            .bind(now_ms)
            .execute(&self.pool)
            .await
            .map_err(other)?;
        Ok(())
    }

    async fn story_draft(&self, id: &str) -> StoreResult<Option<StoryDraft>> {
        let row = sqlx::query(
            "SELECT id, guild_id, author_id, template, team_name, status FROM story_drafts WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(other)?;
        row.as_ref().map(draft_of).transpose().map_err(other)
    }

    async fn claim_story_draft(
        &self,
        id: &str,
        now_ms: i64,
        stale_before_ms: i64,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE story_drafts SET status = 'posting', claimed_ms = $2
             WHERE id = $1 AND (status = 'open' OR (status = 'posting' AND claimed_ms < $3))",
        )
        .bind(id)
        .bind(now_ms)
        .bind(stale_before_ms)
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(done.rows_affected() == 1)
    }

    async fn move_story_draft(
        &self,
        id: &str,
        from: StoryStatus,
        to: StoryStatus,
    ) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE story_drafts SET status = $3 WHERE id = $1 AND status = $2")
            .bind(id)
            .bind(from.as_str())
            .bind(to.as_str())
            .execute(&self.pool)
            .await
            .map_err(other)?;
        Ok(done.rows_affected() == 1)
    }

    async fn story_posts(&self, id: &str) -> StoreResult<Vec<String>> {
        let rows = sqlx::query("SELECT team_name FROM story_posts WHERE draft_id = $1")
            .bind(id)
            .fetch_all(&self.pool)
            .await
            .map_err(other)?;
        rows.iter()
            .map(|r| r.try_get("team_name"))
            .collect::<Result<_, _>>()
            .map_err(other)
    }

    async fn record_story_post(&self, id: &str, team: &str, message: MessageId) -> StoreResult<()> {
        sqlx::query("INSERT INTO story_posts (draft_id, team_name, message_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(id)
            .bind(team)
            .bind(message.db())
            .execute(&self.pool)
            .await
            .map_err(other)?;
        Ok(())
    }
}
