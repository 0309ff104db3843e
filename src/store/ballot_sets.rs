//! Ballots kept so that storage carries no order: one list per pulse and team, sorted by
//! ballot key (a keyed hash) and rewritten whole on each answer; the used answer flows are
//! one sorted list beside the voters. On SQLite, freed pages are zeroed (`secure_delete`)
//! and the write-ahead log is emptied within about half a second of the last answer, so
//! no earlier version of a list survives in the files beyond that.

use serde::{Deserialize, Serialize};
use sqlx::{Any, AnyPool, Row, Transaction};

use super::pulses::{other, Ballot};
use super::sql::SqlStore;
use super::StoreResult;
use crate::domain::ids::MemberId;

/// A ballot as stored inside its team's list.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stored {
    key: String,
    day: String,
    answers: String,
    comment: Option<String>,
    member: Option<i64>,
}

impl Stored {
    fn of(b: &Ballot) -> Self {
        Self {
            key: b.ballot_key.clone(),
            day: b.day.clone(),
            answers: b.answers.clone(),
            comment: b.comment.clone(),
            member: b.member.map(|m| m.db()),
        }
    }

    fn into_ballot(self, team: &str) -> Ballot {
        Ballot {
            ballot_key: self.key,
            team: team.to_string(),
            day: self.day,
            answers: self.answers,
            comment: self.comment,
            member: self.member.map(MemberId::from_db),
        }
    }
}

/// The flow list with `flow` added in order (one per line); None if it is there already.
pub(super) fn with_flow(list: &str, flow: &str) -> Option<String> {
    let mut flows: Vec<&str> = list.lines().filter(|l| !l.is_empty()).collect();
    match flows.binary_search(&flow) {
        Ok(_) => None,
        Err(at) => {
            flows.insert(at, flow);
            Some(flows.join("\n"))
        }
    }
}

fn parse(text: &str) -> StoreResult<Vec<Stored>> {
    serde_json::from_str(text).map_err(|e| {
        other(sqlx::Error::Decode(
            format!("a stored ballot list: {e}").into(),
        ))
    })
}

fn encode(list: &[Stored]) -> StoreResult<String> {
    serde_json::to_string(list)
        .map_err(|e| other(sqlx::Error::Encode(format!("a ballot list: {e}").into())))
}

async fn team_list(
    tx: &mut Transaction<'_, Any>,
    pulse: i64,
    team: &str,
) -> StoreResult<Vec<Stored>> {
    let row =
        sqlx::query("SELECT ballots FROM pulse_ballot_sets WHERE pulse_id = $1 AND team_name = $2")
            .bind(pulse)
            .bind(team)
            .fetch_optional(&mut **tx)
            .await
            .map_err(other)?;
    match row {
        Some(r) => parse(&r.try_get::<String, _>("ballots").map_err(other)?),
        None => Ok(vec![]),
    }
}

async fn write_list(
    tx: &mut Transaction<'_, Any>,
    pulse: i64,
    team: &str,
    list: &[Stored],
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO pulse_ballot_sets (pulse_id, team_name, ballots) VALUES ($1, $2, $3)
         ON CONFLICT (pulse_id, team_name) DO UPDATE SET ballots = excluded.ballots",
    )
    .bind(pulse)
    .bind(team)
    .bind(encode(list)?)
    .execute(&mut **tx)
    .await
    .map_err(other)?;
    Ok(())
}

/// Puts `ballot` in its team's list, replacing the member's earlier ballot; true if one
/// was replaced. A member who answered before but is not in this team's list changed
/// teams since: their earlier ballot is looked for in the pulse's other lists.
pub(super) async fn put(
    tx: &mut Transaction<'_, Any>,
    pulse: i64,
    ballot: &Ballot,
    voted_before: bool,
) -> StoreResult<bool> {
    let mut list = team_list(tx, pulse, &ballot.team).await?;
    let before = list.len();
    list.retain(|b| b.key != ballot.ballot_key);
    let mut replaced = list.len() != before;
    if voted_before && !replaced {
        replaced = remove_elsewhere(tx, pulse, ballot).await?;
    }
    let at = list.partition_point(|b| b.key < ballot.ballot_key);
    list.insert(at, Stored::of(ballot));
    write_list(tx, pulse, &ballot.team, &list).await?;
    Ok(replaced)
}

async fn remove_elsewhere(
    tx: &mut Transaction<'_, Any>,
    pulse: i64,
    ballot: &Ballot,
) -> StoreResult<bool> {
    let rows = sqlx::query(
        "SELECT team_name, ballots FROM pulse_ballot_sets WHERE pulse_id = $1 AND team_name <> $2",
    )
    .bind(pulse)
    .bind(&ballot.team)
    .fetch_all(&mut **tx)
    .await
    .map_err(other)?;
    for r in rows {
        let team: String = r.try_get("team_name").map_err(other)?;
        let mut list = parse(&r.try_get::<String, _>("ballots").map_err(other)?)?;
        let before = list.len();
        list.retain(|b| b.key != ballot.ballot_key);
        if list.len() != before {
            write_list(tx, pulse, &team, &list).await?;
            return Ok(true);
        }
    }
    Ok(false)
}

/// Every ballot of a pulse, by ballot key.
pub(super) async fn all(pool: &AnyPool, pulse: i64) -> StoreResult<Vec<Ballot>> {
    let rows = sqlx::query("SELECT team_name, ballots FROM pulse_ballot_sets WHERE pulse_id = $1")
        .bind(pulse)
        .fetch_all(pool)
        .await
        .map_err(other)?;
    let mut out = vec![];
    for r in rows {
        let team: String = r.try_get("team_name").map_err(other)?;
        let list = parse(&r.try_get::<String, _>("ballots").map_err(other)?)?;
        out.extend(list.into_iter().map(|b| b.into_ballot(&team)));
    }
    out.sort_by(|a, b| a.ballot_key.cmp(&b.ballot_key));
    Ok(out)
}

impl SqlStore {
    /// After an answer on SQLite: asks for the write-ahead log to be emptied soon.
    pub(super) async fn forget_history(&self) {
        if let Some(h) = &self.history {
            h.notify_one();
        }
    }
}

/// How long after an answer the write-ahead log is emptied. Answers that come within it
/// share one truncation: doing it for every answer made each wait for every reader (a
/// burst of 200 answers fell from about 300 to about 50 per second, with late acks).
pub const HISTORY_DELAY: std::time::Duration = std::time::Duration::from_millis(500);

/// The task that, woken after answers, waits [`HISTORY_DELAY`], copies the write-ahead
/// log into the database and truncates it, so the log holds no earlier version of a
/// ballot list for longer than that. A reader in the way leaves it for the next round;
/// the answers are stored either way. It ends when the pool is closed.
pub(super) fn spawn_history_truncation(pool: AnyPool) -> std::sync::Arc<tokio::sync::Notify> {
    let wake = std::sync::Arc::new(tokio::sync::Notify::new());
    let woken = wake.clone();
    tokio::spawn(async move {
        loop {
            woken.notified().await;
            if pool.is_closed() {
                return;
            }
            tokio::time::sleep(HISTORY_DELAY).await;
            if pool.is_closed() {
                return;
            }
            let done = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .fetch_one(&pool)
                .await;
            let busy = match &done {
                Ok(row) => row.try_get::<i64, _>(0).unwrap_or(0) != 0,
                Err(_) => true,
            };
            if busy {
                tracing::debug!("the write-ahead log was not emptied yet; trying again shortly");
                woken.notify_one();
            }
        }
    });
    wake
}

#[cfg(test)]
mod tests {
    use super::with_flow;

    #[test]
    fn the_flow_list_stays_sorted_and_refuses_a_repeat() {
        let a = with_flow("", "m").expect("new");
        let b = with_flow(&a, "c").expect("new");
        let c = with_flow(&b, "x").expect("new");
        assert_eq!(c, "c\nm\nx");
        assert_eq!(with_flow(&c, "m"), None);
    }
}
