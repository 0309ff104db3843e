//! The gateway lease: which instance holds the Discord gateway when several share one
//! database. One row, taken when free or expired, renewed by its holder, given up on stop.

use async_trait::async_trait;

use super::sql::{classify, SqlStore};
use super::{StoreError, StoreResult};

#[async_trait]
pub trait Leases {
    /// Takes or renews the lease for `holder` until `now_ms + ttl_ms`; true when `holder`
    /// holds it now (it was free, expired, or already its own). `now_ms` is shared time
    /// (the database's clock), so every instance judges expiry by the same clock.
    async fn hold_gateway(&self, holder: &str, now_ms: i64, ttl_ms: i64) -> StoreResult<bool>;
    /// Gives the lease up if `holder` has it, so a standby takes over at once.
    async fn release_gateway(&self, holder: &str) -> StoreResult<()>;
}

fn other(e: sqlx::Error) -> StoreError {
    classify(e, "gateway lease")
}

#[async_trait]
impl Leases for SqlStore {
    async fn hold_gateway(&self, holder: &str, now_ms: i64, ttl_ms: i64) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO gateway_lease (id, holder, until_ms) VALUES (1, $1, $2)
             ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, until_ms = excluded.until_ms
             WHERE gateway_lease.holder = excluded.holder OR gateway_lease.until_ms < $3",
        )
        .bind(holder)
        .bind(now_ms + ttl_ms)
        .bind(now_ms)
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(done.rows_affected() == 1)
    }

    async fn release_gateway(&self, holder: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM gateway_lease WHERE holder = $1")
            .bind(holder)
            .execute(&self.pool)
            .await
            .map_err(other)?;
        Ok(())
    }
}
