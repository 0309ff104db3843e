//! PostgreSQL: for several Herald instances sharing one database.

use sqlx::any::AnyPoolOptions;
use sqlx::migrate::Migrator;
use sqlx::Connection;

use super::sql::SqlStore;
use super::{unreachable, Backend, ConnectError};

static MIGRATOR: Migrator = sqlx::migrate!("migrations/postgres");

pub(super) async fn open(url: &str, max_connections: u32) -> Result<SqlStore, ConnectError> {
    // One plain connection first: a pool would hide "connection refused" behind a timeout.
    let probe = sqlx::AnyConnection::connect(url)
        .await
        .map_err(|e| unreachable(url, &e))?;
    let _ = probe.close().await;
    let pool = AnyPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(super::ACQUIRE_TIMEOUT)
        .connect(url)
        .await
        .map_err(|e| unreachable(url, &e))?;
    Ok(SqlStore {
        pool,
        backend: Backend::Postgres,
        migrator: &MIGRATOR,
        history: None,
    })
}
