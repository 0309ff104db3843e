//! Claims of events that must be handled once across instances (interactions), kept a
//! day; the keys are keyed hashes made by the caller, never Discord ids.

use async_trait::async_trait;

use super::sql::{classify, SqlStore};
use super::StoreResult;

#[async_trait]
pub trait Events {
    /// Claims an event for the caller: true for the one caller whose claim made the row,
    /// false for everyone after (whichever instance they run in). `day` is the day the
    /// claim is made, for pruning.
    async fn claim_event(&self, kind: &str, key: &str, day: i64) -> StoreResult<bool>;
    /// Forgets claims made before `before_day`; returns how many.
    async fn prune_events(&self, before_day: i64) -> StoreResult<u64>;
}

#[async_trait]
impl Events for SqlStore {
    async fn claim_event(&self, kind: &str, key: &str, day: i64) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO handled_events (kind, event_key, day) VALUES ($1, $2, $3)
             ON CONFLICT (kind, event_key) DO NOTHING",
        )
        .bind(kind)
        .bind(key)
        .bind(day)
        .execute(&self.pool)
        .await
        .map_err(|e| classify(e, "an event claim"))?;
        Ok(done.rows_affected() == 1)
    }

    async fn prune_events(&self, before_day: i64) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM handled_events WHERE day < $1")
            .bind(before_day)
            .execute(&self.pool)
            .await
            .map_err(|e| classify(e, "an event claim"))?;
        Ok(done.rows_affected())
    }
}
