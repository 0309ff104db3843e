//! Pulse polls in storage: the pulses, their teams, ballots, the one-list-per-pulse of
//! voters (keyed hashes, sorted) with the used answer flows, reminder steps and mutes;
//! the ballots themselves are kept by [`super::ballot_sets`].

use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::ballot_sets;
use super::sql::{classify, SqlStore};
use super::{Backend, StoreError, StoreResult};
use crate::domain::ids::{ChannelId, GuildId, MemberId, MessageId, RoleId};

/// Width of one voter entry: 16 bytes of HMAC as hex.
pub const VOTER_KEY_LEN: usize = 32;

/// A team a pulse goes to, as it was when the pulse opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PulseTeam {
    pub name: String,
    pub role: RoleId,
    pub channel: ChannelId,
    pub members_at_open: i64,
    pub message: Option<MessageId>,
    pub results_posted: bool,
}

/// A pulse to create; a second create with the same (guild, source, opened_at) is a no-op.
#[derive(Debug, Clone)]
pub struct NewPulse {
    pub guild: GuildId,
    /// The plan's pulse id, or `manual`.
    pub source: String,
    pub set_id: String,
    pub title: String,
    /// The question set as JSON, frozen at opening.
    pub questions: String,
    pub anonymous: bool,
    pub opened_at_ms: i64,
    pub closes_at_ms: i64,
    /// Hours before close at which non-respondents get a reminder.
    pub reminders: Vec<u32>,
    pub teams: Vec<PulseTeam>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PulseRow {
    pub id: i64,
    pub guild: GuildId,
    pub source: String,
    pub set_id: String,
    pub title: String,
    pub questions: String,
    pub anonymous: bool,
    pub opened_at_ms: i64,
    pub closes_at_ms: i64,
    pub closed_at_ms: Option<i64>,
    pub reminders: Vec<u32>,
}

/// One answer set as submitted. `member` is set only for pulses that are not anonymous.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ballot {
    pub ballot_key: String,
    pub team: String,
    /// `YYYY-MM-DD`: no finer time is kept.
    pub day: String,
    pub answers: String,
    pub comment: Option<String>,
    pub member: Option<MemberId>,
}

/// What a submission did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Submitted {
    Saved,
    /// The member had answered before; the earlier answers are gone.
    Replaced,
    /// This answer flow was submitted already (a double click or a replay): nothing changed.
    Replay,
    Closed,
}

#[async_trait]
pub trait Pulses: Send + Sync {
    /// Creates the pulse, its teams and its empty voter list; (id, whether it is new).
    async fn create_pulse(&self, p: &NewPulse) -> StoreResult<(i64, bool)>;
    async fn pulse(&self, id: i64) -> StoreResult<Option<PulseRow>>;
    /// A guild's pulses, newest first.
    async fn recent_pulses(&self, guild: GuildId, limit: i64) -> StoreResult<Vec<PulseRow>>;
    /// Every pulse whose results have not gone out yet.
    async fn unfinished_pulses(&self) -> StoreResult<Vec<PulseRow>>;
    async fn pulse_teams(&self, id: i64) -> StoreResult<Vec<PulseTeam>>;
    async fn set_pulse_message(&self, id: i64, team: &str, message: MessageId) -> StoreResult<()>;
    async fn set_results_posted(&self, id: i64, team: &str) -> StoreResult<()>;
    /// Moves the closing time (e.g. `/pulse close` closes now).
    async fn set_closes_at(&self, id: i64, closes_at_ms: i64) -> StoreResult<()>;
    /// Records that the results went out; false if that was done already.
    async fn mark_pulse_closed(&self, id: i64, now_ms: i64) -> StoreResult<bool>;
    /// Stores a ballot and its voter in one transaction, once per `flow`.
    async fn submit(
        &self,
        pulse: i64,
        ballot: &Ballot,
        flow: &str,
        voter_key: &str,
        now_ms: i64,
    ) -> StoreResult<Submitted>;
    async fn ballots(&self, pulse: i64) -> StoreResult<Vec<Ballot>>;
    /// The pulse's voter keys, sorted.
    async fn voters(&self, pulse: i64) -> StoreResult<Vec<String>>;
    /// Whether `voter` (a keyed hash) is in the pulse's voter list, without reading the
    /// list out (a reminder wave asks once per member).
    async fn has_voted(&self, pulse: i64, voter: &str) -> StoreResult<bool>;
    async fn reminders_sent(&self, pulse: i64) -> StoreResult<Vec<u32>>;
    async fn mark_reminder_sent(&self, pulse: i64, hours_before: u32) -> StoreResult<()>;
    /// Flips a member's reminder opt-out; true when reminders are now muted.
    async fn toggle_pulse_mute(&self, guild: GuildId, member_key: &str) -> StoreResult<bool>;
    async fn pulse_mutes(&self, guild: GuildId) -> StoreResult<Vec<String>>;
    /// Whether `member_key` muted reminders in `guild`.
    async fn is_muted(&self, guild: GuildId, member_key: &str) -> StoreResult<bool>;
}

pub(super) fn other(e: sqlx::Error) -> StoreError {
    classify(e, "row")
}

const PULSE_COLUMNS: &str = "id, guild_id, source, set_id, title, questions, anonymous, \
    opened_at_ms, closes_at_ms, closed_at_ms, reminders";

fn pulse_from(r: &AnyRow) -> Result<PulseRow, sqlx::Error> {
    let reminders: String = r.try_get("reminders")?;
    Ok(PulseRow {
        id: r.try_get("id")?,
        guild: GuildId::from_db(r.try_get("guild_id")?),
        source: r.try_get("source")?,
        set_id: r.try_get("set_id")?,
        title: r.try_get("title")?,
        questions: r.try_get("questions")?,
        anonymous: r.try_get::<i64, _>("anonymous")? != 0,
        opened_at_ms: r.try_get("opened_at_ms")?,
        closes_at_ms: r.try_get("closes_at_ms")?,
        closed_at_ms: r.try_get("closed_at_ms")?,
        reminders: reminders
            .split(',')
            .filter_map(|h| h.trim().parse().ok())
            .collect(),
    })
}

fn pulses(rows: &[AnyRow]) -> StoreResult<Vec<PulseRow>> {
    rows.iter()
        .map(pulse_from)
        .collect::<Result<_, _>>()
        .map_err(other)
}

/// Splits the stored voter list into its fixed-width keys.
pub(super) fn split_voters(list: &str) -> Vec<String> {
    list.as_bytes()
        .chunks(VOTER_KEY_LEN)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect()
}

/// The list with `key` added in order; None if it is there already.
fn with_voter(list: &str, key: &str) -> Option<String> {
    let mut keys = split_voters(list);
    match keys.binary_search_by(|k| k.as_str().cmp(key)) {
        Ok(_) => None,
        Err(at) => {
            keys.insert(at, key.to_string());
            Some(keys.concat())
        }
    }
}

#[async_trait]
impl Pulses for SqlStore {
    async fn create_pulse(&self, p: &NewPulse) -> StoreResult<(i64, bool)> {
        let mut tx = self.pool.begin().await.map_err(other)?;
        let reminders: Vec<String> = p.reminders.iter().map(u32::to_string).collect();
        let inserted = sqlx::query(
            "INSERT INTO pulses (guild_id, source, set_id, title, questions, anonymous, opened_at_ms, closes_at_ms, reminders)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
        )
        .bind(p.guild.db())
        .bind(&p.source)
        .bind(&p.set_id)
        .bind(&p.title)
        .bind(&p.questions)
        .bind(i64::from(p.anonymous))
        .bind(p.opened_at_ms)
        .bind(p.closes_at_ms)
        .bind(reminders.join(","))
        .execute(&mut *tx)
        .await
        .map_err(other)?
        .rows_affected()
            == 1;
        let id: i64 = sqlx::query(
            "SELECT id FROM pulses WHERE guild_id = $1 AND source = $2 AND opened_at_ms = $3",
        )
        .bind(p.guild.db())
        .bind(&p.source)
        .bind(p.opened_at_ms)
        .fetch_one(&mut *tx)
        .await
        .and_then(|r| r.try_get("id"))
        .map_err(other)?;
        if inserted {
            for t in &p.teams {
                sqlx::query(
                    "INSERT INTO pulse_teams (pulse_id, team_name, role_id, channel_id, members_at_open)
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(id)
                .bind(&t.name)
                .bind(t.role.db())
                .bind(t.channel.db())
                .bind(t.members_at_open)
                .execute(&mut *tx)
                .await
                .map_err(other)?;
            }
            sqlx::query("INSERT INTO pulse_voters (pulse_id, voters) VALUES ($1, '')")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(other)?;
        }
        tx.commit().await.map_err(other)?;
        Ok((id, inserted))
    }

    async fn pulse(&self, id: i64) -> StoreResult<Option<PulseRow>> {
        let sql = format!("SELECT {PULSE_COLUMNS} FROM pulses WHERE id = $1");
        let rows = sqlx::query(&sql)
            .bind(id)
            .fetch_all(&self.pool)
            .await
            .map_err(other)?;
        Ok(pulses(&rows)?.into_iter().next())
    }

    async fn recent_pulses(&self, guild: GuildId, limit: i64) -> StoreResult<Vec<PulseRow>> {
        let sql = format!(
            "SELECT {PULSE_COLUMNS} FROM pulses WHERE guild_id = $1 ORDER BY opened_at_ms DESC, id DESC LIMIT $2"
        );
        let rows = sqlx::query(&sql)
            .bind(guild.db())
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(other)?;
        pulses(&rows)
    }

    async fn unfinished_pulses(&self) -> StoreResult<Vec<PulseRow>> {
        let sql = format!(
            "SELECT {PULSE_COLUMNS} FROM pulses WHERE closed_at_ms IS NULL ORDER BY closes_at_ms, id"
        );
        let rows = sqlx::query(&sql)
            .fetch_all(&self.pool)
            .await
            .map_err(other)?;
        pulses(&rows)
    }

    async fn pulse_teams(&self, id: i64) -> StoreResult<Vec<PulseTeam>> {
        let rows = sqlx::query(
            "SELECT team_name, role_id, channel_id, members_at_open, message_id, results_posted
             FROM pulse_teams WHERE pulse_id = $1 ORDER BY team_name",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        rows.iter()
            .map(|r| {
                Ok(PulseTeam {
                    name: r.try_get("team_name")?,
                    role: RoleId::from_db(r.try_get("role_id")?),
                    channel: ChannelId::from_db(r.try_get("channel_id")?),
                    members_at_open: r.try_get("members_at_open")?,
                    message: r
                        .try_get::<Option<i64>, _>("message_id")?
                        .map(MessageId::from_db),
                    results_posted: r.try_get::<i64, _>("results_posted")? != 0,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(other)
    }

    async fn set_pulse_message(&self, id: i64, team: &str, message: MessageId) -> StoreResult<()> {
        sqlx::query(
            "UPDATE pulse_teams SET message_id = $1 WHERE pulse_id = $2 AND team_name = $3",
        )
        .bind(message.db())
        .bind(id)
        .bind(team)
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(())
    }

    async fn set_results_posted(&self, id: i64, team: &str) -> StoreResult<()> {
        sqlx::query(
            "UPDATE pulse_teams SET results_posted = 1 WHERE pulse_id = $1 AND team_name = $2",
        )
        .bind(id)
        .bind(team)
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(())
    }

    async fn set_closes_at(&self, id: i64, closes_at_ms: i64) -> StoreResult<()> {
        sqlx::query("UPDATE pulses SET closes_at_ms = $1 WHERE id = $2 AND closed_at_ms IS NULL")
            .bind(closes_at_ms)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(other)?;
        Ok(())
    }

    async fn mark_pulse_closed(&self, id: i64, now_ms: i64) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE pulses SET closed_at_ms = $1 WHERE id = $2 AND closed_at_ms IS NULL",
        )
        .bind(now_ms)
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(done.rows_affected() == 1)
    }

    async fn submit(
        &self,
        pulse: i64,
        ballot: &Ballot,
        flow: &str,
        voter_key: &str,
        now_ms: i64,
    ) -> StoreResult<Submitted> {
        let mut tx = self.pool.begin().await.map_err(other)?;
        // Write first: this takes SQLite's write lock (or PostgreSQL's row lock) before
        // reading the voter list, so two submissions never interleave.
        sqlx::query("UPDATE pulse_voters SET voters = voters WHERE pulse_id = $1")
            .bind(pulse)
            .execute(&mut *tx)
            .await
            .map_err(other)?;
        let open = sqlx::query(
            "SELECT 1 AS one FROM pulses WHERE id = $1 AND closed_at_ms IS NULL AND closes_at_ms > $2",
        )
        .bind(pulse)
        .bind(now_ms)
        .fetch_optional(&mut *tx)
        .await
        .map_err(other)?;
        if open.is_none() {
            return Ok(Submitted::Closed);
        }
        let row = sqlx::query("SELECT voters, flows FROM pulse_voters WHERE pulse_id = $1")
            .bind(pulse)
            .fetch_one(&mut *tx)
            .await
            .map_err(other)?;
        let voters: String = row.try_get("voters").map_err(other)?;
        let flows: String = row.try_get("flows").map_err(other)?;
        let Some(flows) = ballot_sets::with_flow(&flows, flow) else {
            return Ok(Submitted::Replay);
        };
        let voted_before = !split_voters(&voters).iter().all(|k| k != voter_key);
        let replaced = ballot_sets::put(&mut tx, pulse, ballot, voted_before).await?;
        let voters = with_voter(&voters, voter_key).unwrap_or(voters);
        sqlx::query("UPDATE pulse_voters SET voters = $1, flows = $2 WHERE pulse_id = $3")
            .bind(voters)
            .bind(flows)
            .bind(pulse)
            .execute(&mut *tx)
            .await
            .map_err(other)?;
        tx.commit().await.map_err(other)?;
        self.forget_history().await;
        Ok(if replaced {
            Submitted::Replaced
        } else {
            Submitted::Saved
        })
    }

    async fn ballots(&self, pulse: i64) -> StoreResult<Vec<Ballot>> {
        ballot_sets::all(&self.pool, pulse).await
    }

    async fn has_voted(&self, pulse: i64, voter: &str) -> StoreResult<bool> {
        // The list is fixed-width keys end to end: the key is in it when it is found at a
        // key boundary (a hex HMAC straddling two keys is not a worry).
        let find = match self.backend {
            Backend::Postgres => "strpos(voters, $2)",
            Backend::Sqlite => "instr(voters, $2)",
        };
        let sql = format!(
            "SELECT COUNT(*) AS n FROM pulse_voters WHERE pulse_id = $1 AND {find} > 0 AND ({find} - 1) % {VOTER_KEY_LEN} = 0"
        );
        let row = sqlx::query(&sql)
            .bind(pulse)
            .bind(voter)
            .fetch_one(&self.pool)
            .await
            .map_err(other)?;
        Ok(row.try_get::<i64, _>("n").map_err(other)? > 0)
    }

    async fn is_muted(&self, guild: GuildId, member_key: &str) -> StoreResult<bool> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM pulse_mutes WHERE guild_id = $1 AND member_key = $2",
        )
        .bind(guild.db())
        .bind(member_key)
        .fetch_one(&self.pool)
        .await
        .map_err(other)?;
        Ok(row.try_get::<i64, _>("n").map_err(other)? > 0)
    }

    async fn voters(&self, pulse: i64) -> StoreResult<Vec<String>> {
        let row = sqlx::query("SELECT voters FROM pulse_voters WHERE pulse_id = $1")
            .bind(pulse)
            .fetch_optional(&self.pool)
            .await
            .map_err(other)?;
        match row {
            Some(r) => Ok(split_voters(
                &r.try_get::<String, _>("voters").map_err(other)?,
            )),
            None => Ok(vec![]),
        }
    }

    async fn reminders_sent(&self, pulse: i64) -> StoreResult<Vec<u32>> {
        let rows = sqlx::query("SELECT hours_before FROM pulse_reminders WHERE pulse_id = $1")
            .bind(pulse)
            .fetch_all(&self.pool)
            .await
            .map_err(other)?;
        rows.iter()
            .map(|r| r.try_get::<i64, _>("hours_before").map(|h| h as u32))
            .collect::<Result<_, _>>()
            .map_err(other)
    }

    async fn mark_reminder_sent(&self, pulse: i64, hours_before: u32) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO pulse_reminders (pulse_id, hours_before) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(pulse)
        .bind(i64::from(hours_before))
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(())
    }

    async fn toggle_pulse_mute(&self, guild: GuildId, member_key: &str) -> StoreResult<bool> {
        let removed =
            sqlx::query("DELETE FROM pulse_mutes WHERE guild_id = $1 AND member_key = $2")
                .bind(guild.db())
                .bind(member_key)
                .execute(&self.pool)
                .await
                .map_err(other)?
                .rows_affected();
        if removed > 0 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO pulse_mutes (guild_id, member_key) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(guild.db())
        .bind(member_key)
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(true)
    }

    async fn pulse_mutes(&self, guild: GuildId) -> StoreResult<Vec<String>> {
        let rows = sqlx::query("SELECT member_key FROM pulse_mutes WHERE guild_id = $1")
            .bind(guild.db())
            .fetch_all(&self.pool)
            .await
            .map_err(other)?;
        rows.iter()
            .map(|r| r.try_get("member_key"))
            .collect::<Result<_, _>>()
            .map_err(other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_voter_list_stays_sorted_and_holds_each_key_once() {
        let a = "a".repeat(VOTER_KEY_LEN);
        let b = "b".repeat(VOTER_KEY_LEN);
        let c = "c".repeat(VOTER_KEY_LEN);
        let list = with_voter("", &b).expect("added");
        let list = with_voter(&list, &c).expect("added");
        let list = with_voter(&list, &a).expect("added");
        assert_eq!(split_voters(&list), vec![a.clone(), b.clone(), c]);
        assert_eq!(with_voter(&list, &a), None, "a voter is listed once");
    }
}
