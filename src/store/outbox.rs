//! The durable outbox: one row per job (`Kind`), inserted once, claimed under a lease,
//! changed only by its holder. Claiming is the one statement whose SQL differs by
//! backend. What hangs off the outbox (cursors, pauses, acks, drafts) is `comms_state`.

use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::sql::{classify, SqlStore};
use super::{Backend, StoreError, StoreResult};
use crate::domain::ids::{ChannelId, GuildId, MemberId, MessageId};

/// What a row is for; stored as text, like the row's status. Every job Herald runs on a
/// schedule is one of these, claimed, leased, retried and reported the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A plan item's scheduled send to one team's channel.
    Plan,
    /// The one re-send of an acknowledged plan send, while too few acknowledged.
    Resend,
    /// `/comms send`: a plan item sent now.
    Manual,
    /// `/comms announce`: a confirmed announcement to one channel.
    Announce,
    /// A pulse's opening message in one team's channel.
    PulseOpen,
    /// One reminder step of a pulse: queues one `PulseDm` per member of its teams.
    PulseRemind,
    /// One reminder direct message to one member.
    PulseDm,
    /// A pulse's close: results to each team and the change team, then the pulse closed.
    PulseClose,
    /// A story's post to one team's channel.
    Story,
    /// A manager briefing: direct messages to one team's managers before a plan send
    /// (`body` holds the team send's time in milliseconds).
    Brief,
    /// The weekly leadership digest: a direct message to each of its readers.
    Digest,
    /// A scheduled action's job (`item` is `action:<id>:<what>`): the team's follow-up,
    /// the managers' briefing, the owner's message or the reminder.
    Action,
}

impl Kind {
    pub const ALL: [Kind; 12] = [
        Kind::Plan,
        Kind::Resend,
        Kind::Manual,
        Kind::Announce,
        Kind::PulseOpen,
        Kind::PulseRemind,
        Kind::PulseDm,
        Kind::PulseClose,
        Kind::Story,
        Kind::Brief,
        Kind::Digest,
        Kind::Action,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::Plan => "plan",
            Kind::Resend => "resend",
            Kind::Manual => "manual",
            Kind::Announce => "announce",
            Kind::PulseOpen => "pulse_open",
            Kind::PulseRemind => "pulse_remind",
            Kind::PulseDm => "pulse_dm",
            Kind::PulseClose => "pulse_close",
            Kind::Story => "story",
            Kind::Brief => "brief",
            Kind::Digest => "digest",
            Kind::Action => "action",
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Kind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("an outbox row of unknown kind `{s}`"))
    }
}

/// The kinds by their old names, for the code that reads them so.
pub mod kind {
    use super::Kind;
    pub const PLAN: Kind = Kind::Plan;
    pub const RESEND: Kind = Kind::Resend;
    pub const MANUAL: Kind = Kind::Manual;
    pub const ANNOUNCE: Kind = Kind::Announce;
}

/// `o.kind IN (...)` for a set of kinds (their names are constants, never input).
fn kinds_sql(kinds: &[Kind]) -> String {
    let names: Vec<String> = kinds.iter().map(|k| format!("'{k}'")).collect();
    format!("o.kind IN ({})", names.join(", "))
}

/// A row to insert; a second insert of the same (guild, kind, item, channel, time) is a no-op.
#[derive(Debug, Clone)]
pub struct NewSend {
    pub guild: GuildId,
    pub kind: Kind,
    pub item: String,
    pub team: String,
    pub channel: ChannelId,
    pub fire_at_ms: i64,
    pub body: Option<String>,
    pub ref_id: Option<i64>,
}

impl NewSend {
    /// A row of `kind` for `item` to `team`'s channel, due `at_ms` (usually now).
    pub fn to_team(kind: Kind, item: &str, team: &crate::domain::team::Team, at_ms: i64) -> Self {
        NewSend {
            guild: team.guild,
            kind,
            item: item.to_string(),
            team: team.name.clone(),
            channel: team.channel,
            fire_at_ms: at_ms,
            body: None,
            ref_id: None,
        }
    }
}

/// An outbox row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    pub id: i64,
    pub guild: GuildId,
    pub kind: Kind,
    pub item: String,
    pub team: String,
    pub channel: ChannelId,
    pub fire_at_ms: i64,
    pub status: String,
    pub attempts: i64,
    pub message: Option<MessageId>,
    pub sent_at_ms: Option<i64>,
    pub body: Option<String>,
    pub ref_id: Option<i64>,
    pub last_error: Option<String>,
    /// The instance holding the row's claim (set while `status` is `claimed`).
    pub claimed_by: Option<String>,
}

const COLUMNS: &str =
    "id, guild_id, kind, item_id, team_name, channel_id, fire_at_ms, status, attempts, \
                       message_id, sent_at_ms, body, ref_id, last_error, claimed_by";

fn send_from(r: &AnyRow) -> Result<Queued, sqlx::Error> {
    Ok(Queued {
        id: r.try_get("id")?,
        guild: GuildId::from_db(r.try_get("guild_id")?),
        kind: r
            .try_get::<String, _>("kind")?
            .parse()
            .map_err(|e: String| sqlx::Error::Decode(e.into()))?,
        item: r.try_get("item_id")?,
        team: r.try_get("team_name")?,
        channel: ChannelId::from_db(r.try_get("channel_id")?),
        fire_at_ms: r.try_get("fire_at_ms")?,
        status: r.try_get("status")?,
        attempts: r.try_get("attempts")?,
        message: r
            .try_get::<Option<i64>, _>("message_id")?
            .map(MessageId::from_db),
        sent_at_ms: r.try_get("sent_at_ms")?,
        body: r.try_get("body")?,
        ref_id: r.try_get("ref_id")?,
        last_error: r.try_get("last_error")?,
        claimed_by: r.try_get("claimed_by")?,
    })
}

fn sends(rows: &[AnyRow]) -> StoreResult<Vec<Queued>> {
    rows.iter()
        .map(send_from)
        .collect::<Result<_, _>>()
        .map_err(other)
}

/// The condition every change of a claimed row carries: `$1` the row, `$2` the instance.
const FENCE: &str = "id = $1 AND claimed_by = $2 AND status = 'claimed'";

/// Rows the plan's pauses hold back: plan sends and re-sends, not explicit ones.
const NOT_PAUSED: &str =
    "NOT (o.kind IN ('plan', 'resend') AND EXISTS (SELECT 1 FROM comms_pauses p \
     WHERE p.guild_id = o.guild_id AND (p.item_id = o.item_id OR p.item_id = '*')))";

#[async_trait]
pub trait Outbox: std::marker::Send + Sync {
    /// Inserts the rows not already there; returns how many were new.
    async fn enqueue(&self, rows: &[NewSend]) -> StoreResult<u64>;
    /// Claims up to `limit` due rows: pending and due, claimed with an expired lease, or
    /// claimed earlier by `instance` itself. An instance runs one pass at a time, so a
    /// row it still holds is from a pass that could not finish (the database went away
    /// before the claim's answer or the send's record came back): it takes it back now
    /// rather than after the lease. A re-post carries the row's nonce, so it is not doubled.
    async fn claim_due(
        &self,
        now_ms: i64,
        instance: &str,
        lease_ms: i64,
        limit: i64,
    ) -> StoreResult<Vec<Queued>> {
        self.claim_due_of(now_ms, instance, lease_ms, limit, &Kind::ALL)
            .await
    }
    /// `claim_due` for rows of the given kinds only (one scheduler lane).
    async fn claim_due_of(
        &self,
        now_ms: i64,
        instance: &str,
        lease_ms: i64,
        limit: i64,
        kinds: &[Kind],
    ) -> StoreResult<Vec<Queued>>;
    /// When the next pending row falls due, if any.
    async fn next_due_ms(&self) -> StoreResult<Option<i64>> {
        self.next_due_of(&Kind::ALL).await
    }
    /// `next_due_ms` for rows of the given kinds only.
    async fn next_due_of(&self, kinds: &[Kind]) -> StoreResult<Option<i64>>;
    /// Every change of a claimed row is fenced: it takes effect only while `by` still
    /// holds the claim, and says whether it did. A slow instance whose lease ran out and
    /// whose row another instance took can therefore never reset or re-mark that row.
    async fn mark_sent(
        &self,
        id: i64,
        by: &str,
        message: MessageId,
        sent_at_ms: i64,
        late_ms: i64,
    ) -> StoreResult<bool>;
    async fn mark_retry(
        &self,
        id: i64,
        by: &str,
        next_attempt_ms: i64,
        error: &str,
    ) -> StoreResult<bool>;
    /// `status` is `failed` or `skipped`.
    async fn mark_done(&self, id: i64, by: &str, status: &str, reason: &str) -> StoreResult<bool>;
    /// Moves the lease of a row `by` still holds to `until_ms` (a post in flight keeps
    /// its claim); false when the claim was lost.
    async fn extend_lease(&self, id: i64, by: &str, until_ms: i64) -> StoreResult<bool>;
    /// Hands every claim back (a single-process SQLite Herald at start-up).
    async fn release_claims(&self) -> StoreResult<u64>;
    async fn queued(&self, id: i64) -> StoreResult<Option<Queued>>;
    /// A server's rows of `kind` still to go out before `until_ms`, soonest first.
    async fn pending_of_kind(
        &self,
        guild: GuildId,
        kind: Kind,
        until_ms: i64,
    ) -> StoreResult<Vec<Queued>>;
    /// How many rows there are of each (kind, status), for `/metrics`.
    async fn depth(&self) -> StoreResult<Vec<(String, String, i64)>>;
    /// Whether a later firing of the same item to the same channel is due by `now_ms`
    /// (pending, in flight, or already sent): then this one is superseded.
    async fn newer_due(&self, s: &Queued, now_ms: i64) -> StoreResult<bool>;
    /// The latest sent row of an item per channel.
    async fn latest_sent(&self, guild: GuildId, item: &str) -> StoreResult<Vec<Queued>>;

    /// Forgets pending plan sends after `now_ms` and winds cursors back to it, so a new
    /// plan is materialised afresh.
    async fn reset_future_plan_sends(&self, guild: GuildId, now_ms: i64) -> StoreResult<u64>;

    /// Marks plan sends of `item` (`*`: all) that fell due by `now_ms` as skipped.
    async fn skip_due_while_paused(
        &self,
        guild: GuildId,
        item: &str,
        now_ms: i64,
    ) -> StoreResult<u64>;

    /// The people a row has reached by direct message so far, with each message, in the
    /// order they were reached.
    async fn recipients(&self, id: i64) -> StoreResult<Vec<(MemberId, MessageId)>>;
    /// Records that a row reached `member` with `message` (once; a repeat changes nothing).
    async fn add_recipient(
        &self,
        id: i64,
        member: MemberId,
        message: MessageId,
        at_ms: i64,
    ) -> StoreResult<()>;
}

fn other(e: sqlx::Error) -> StoreError {
    classify(e, "row")
}

#[async_trait]
impl Outbox for SqlStore {
    async fn recipients(&self, id: i64) -> StoreResult<Vec<(MemberId, MessageId)>> {
        let rows = sqlx::query(
            "SELECT member_id, message_id FROM job_recipients WHERE outbox_id = $1
             ORDER BY sent_ms, member_id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        rows.iter()
            .map(|r| {
                Ok((
                    MemberId::from_db(r.try_get("member_id")?),
                    MessageId::from_db(r.try_get("message_id")?),
                ))
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(other)
    }

    async fn add_recipient(
        &self,
        id: i64,
        member: MemberId,
        message: MessageId,
        at_ms: i64,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO job_recipients (outbox_id, member_id, message_id, sent_ms)
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(member.db())
        .bind(message.db())
        .bind(at_ms)
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(())
    }

    async fn enqueue(&self, rows: &[NewSend]) -> StoreResult<u64> {
        let mut tx = self.pool.begin().await.map_err(other)?;
        let mut inserted = 0;
        for r in rows {
            let done = sqlx::query(
                "INSERT INTO outbox (guild_id, kind, item_id, team_name, channel_id, fire_at_ms, next_attempt_ms, body, ref_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8) ON CONFLICT DO NOTHING",
            )
            .bind(r.guild.db())
            .bind(r.kind.as_str())
            .bind(&r.item)
            .bind(&r.team)
            .bind(r.channel.db())
            .bind(r.fire_at_ms)
            .bind(r.body.as_deref())
            .bind(r.ref_id)
            .execute(&mut *tx)
            .await
            .map_err(other)?;
            inserted += done.rows_affected();
        }
        tx.commit().await.map_err(other)?;
        Ok(inserted)
    }

    async fn claim_due_of(
        &self,
        now_ms: i64,
        instance: &str,
        lease_ms: i64,
        limit: i64,
        kinds: &[Kind],
    ) -> StoreResult<Vec<Queued>> {
        let of_kinds = kinds_sql(kinds);
        let lock = if self.backend == Backend::Postgres {
            "FOR UPDATE SKIP LOCKED"
        } else {
            ""
        };
        let sql = format!(
            "UPDATE outbox SET status = 'claimed', claimed_by = $1, lease_until_ms = $2, attempts = attempts + 1
             WHERE id IN (SELECT o.id FROM outbox o
                 WHERE ((o.status = 'pending' AND o.next_attempt_ms <= $3) OR (o.status = 'claimed' AND (o.lease_until_ms < $3 OR o.claimed_by = $1)))
                   AND {of_kinds} AND {NOT_PAUSED}
                 ORDER BY o.next_attempt_ms, o.id LIMIT $4 {lock})
             RETURNING {COLUMNS}"
        );
        let rows = sqlx::query(&sql)
            .bind(instance)
            .bind(now_ms + lease_ms)
            .bind(now_ms)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(other)?;
        let mut out: Vec<Queued> = rows
            .iter()
            .map(send_from)
            .collect::<Result<_, _>>()
            .map_err(other)?;
        out.sort_by_key(|s| (s.fire_at_ms, s.id));
        Ok(out)
    }

    async fn next_due_of(&self, kinds: &[Kind]) -> StoreResult<Option<i64>> {
        let of_kinds = kinds_sql(kinds);
        let sql = format!(
            "SELECT MIN(CASE WHEN o.status = 'pending' THEN o.next_attempt_ms ELSE o.lease_until_ms END) AS due
             FROM outbox o WHERE o.status IN ('pending', 'claimed') AND {of_kinds} AND {NOT_PAUSED}"
        );
        let row = sqlx::query(&sql)
            .fetch_one(&self.pool)
            .await
            .map_err(other)?;
        row.try_get::<Option<i64>, _>("due").map_err(other)
    }

    async fn mark_sent(
        &self,
        id: i64,
        by: &str,
        message: MessageId,
        sent_at_ms: i64,
        late_ms: i64,
    ) -> StoreResult<bool> {
        let done = sqlx::query(&format!(
            "UPDATE outbox SET status = 'sent', message_id = $3, sent_at_ms = $4, late_ms = $5, lease_until_ms = NULL WHERE {FENCE}"
        ))
        .bind(id)
        .bind(by)
        .bind(message.db())
        .bind(sent_at_ms)
        .bind(late_ms)
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(done.rows_affected() == 1)
    }

    async fn mark_retry(
        &self,
        id: i64,
        by: &str,
        next_attempt_ms: i64,
        error: &str,
    ) -> StoreResult<bool> {
        let done = sqlx::query(&format!(
            "UPDATE outbox SET status = 'pending', next_attempt_ms = $3, last_error = $4, lease_until_ms = NULL WHERE {FENCE}"
        ))
        .bind(id)
        .bind(by)
        .bind(next_attempt_ms)
        .bind(error)
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(done.rows_affected() == 1)
    }

    async fn mark_done(&self, id: i64, by: &str, status: &str, reason: &str) -> StoreResult<bool> {
        let done = sqlx::query(&format!(
            "UPDATE outbox SET status = $3, last_error = $4, lease_until_ms = NULL WHERE {FENCE}"
        ))
        .bind(id)
        .bind(by)
        .bind(status)
        .bind(reason)
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(done.rows_affected() == 1)
    }

    async fn extend_lease(&self, id: i64, by: &str, until_ms: i64) -> StoreResult<bool> {
        let done = sqlx::query(&format!(
            "UPDATE outbox SET lease_until_ms = $3 WHERE {FENCE}"
        ))
        .bind(id)
        .bind(by)
        .bind(until_ms)
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(done.rows_affected() == 1)
    }

    async fn release_claims(&self) -> StoreResult<u64> {
        let done = sqlx::query(
            "UPDATE outbox SET status = 'pending', lease_until_ms = NULL WHERE status = 'claimed'",
        )
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(done.rows_affected())
    }

    async fn queued(&self, id: i64) -> StoreResult<Option<Queued>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM outbox WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(other)?;
        row.as_ref().map(send_from).transpose().map_err(other)
    }

    async fn pending_of_kind(
        &self,
        guild: GuildId,
        kind: Kind,
        until_ms: i64,
    ) -> StoreResult<Vec<Queued>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM outbox WHERE guild_id = $1 AND kind = $2 AND status IN ('pending', 'claimed')
               AND fire_at_ms <= $3 ORDER BY fire_at_ms, id LIMIT 200"
        ))
        .bind(guild.db())
        .bind(kind.as_str())
        .bind(until_ms)
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        rows.iter()
            .map(send_from)
            .collect::<Result<_, _>>()
            .map_err(other)
    }

    async fn depth(&self) -> StoreResult<Vec<(String, String, i64)>> {
        let rows = sqlx::query(
            "SELECT kind, status, COUNT(*) AS n FROM outbox GROUP BY kind, status ORDER BY kind, status",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        rows.iter()
            .map(|r| Ok((r.try_get("kind")?, r.try_get("status")?, r.try_get("n")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(other)
    }

    async fn newer_due(&self, s: &Queued, now_ms: i64) -> StoreResult<bool> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM outbox WHERE guild_id = $1 AND kind = $2 AND item_id = $3 AND channel_id = $4
               AND fire_at_ms > $5 AND fire_at_ms <= $6 AND status IN ('pending', 'claimed', 'sent')",
        )
        .bind(s.guild.db())
        .bind(s.kind.as_str())
        .bind(&s.item)
        .bind(s.channel.db())
        .bind(s.fire_at_ms)
        .bind(now_ms)
        .fetch_one(&self.pool)
        .await
        .map_err(other)?;
        Ok(row.try_get::<i64, _>("n").map_err(other)? > 0)
    }

    async fn latest_sent(&self, guild: GuildId, item: &str) -> StoreResult<Vec<Queued>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM outbox o WHERE o.guild_id = $1 AND o.item_id = $2 AND o.status = 'sent' AND o.kind <> 'resend'
               AND o.fire_at_ms = (SELECT MAX(x.fire_at_ms) FROM outbox x WHERE x.guild_id = o.guild_id AND x.item_id = o.item_id
                                   AND x.channel_id = o.channel_id AND x.status = 'sent' AND x.kind <> 'resend')
             ORDER BY o.team_name"
        );
        let rows = sqlx::query(&sql)
            .bind(guild.db())
            .bind(item)
            .fetch_all(&self.pool)
            .await
            .map_err(other)?;
        sends(&rows)
    }

    async fn reset_future_plan_sends(&self, guild: GuildId, now_ms: i64) -> StoreResult<u64> {
        let mut tx = self.pool.begin().await.map_err(other)?;
        let done = sqlx::query("DELETE FROM outbox WHERE guild_id = $1 AND kind IN ('plan', 'brief', 'digest') AND status = 'pending' AND fire_at_ms > $2")
            .bind(guild.db())
            .bind(now_ms)
            .execute(&mut *tx)
            .await
            .map_err(other)?;
        sqlx::query(
            "UPDATE schedule_cursors SET until_ms = $2 WHERE guild_id = $1 AND until_ms > $2",
        )
        .bind(guild.db())
        .bind(now_ms)
        .execute(&mut *tx)
        .await
        .map_err(other)?;
        tx.commit().await.map_err(other)?;
        Ok(done.rows_affected())
    }

    async fn skip_due_while_paused(
        &self,
        guild: GuildId,
        item: &str,
        now_ms: i64,
    ) -> StoreResult<u64> {
        let done = sqlx::query(
            "UPDATE outbox SET status = 'skipped', last_error = 'due while paused'
             WHERE guild_id = $1 AND kind IN ('plan', 'resend') AND status = 'pending' AND fire_at_ms <= $3
               AND ($2 = '*' OR item_id = $2)",
        )
        .bind(guild.db())
        .bind(item)
        .bind(now_ms)
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(done.rows_affected())
    }
}
