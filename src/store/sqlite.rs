//! SQLite: the embedded default. WAL, foreign keys on, a busy timeout under Discord's
//! deadline; created if missing, private to Herald's user (0600) either way.

mod private;

use sqlx::any::AnyPoolOptions;
use sqlx::migrate::Migrator;
use sqlx::Executor;

use super::sql::SqlStore;
use super::{unreachable, Backend, ConnectError};

static MIGRATOR: Migrator = sqlx::migrate!("migrations/sqlite");

/// `sqlite://file.db` → the same with `mode=rwc`, so a missing file is created.
fn with_create(url: &str) -> String {
    if url.contains("mode=") || url.contains(":memory:") {
        return url.to_string();
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}mode=rwc")
}

pub(super) async fn open(url: &str, max_connections: u32) -> Result<SqlStore, ConnectError> {
    private::keep_private(url).map_err(|reason| ConnectError::Unreachable {
        url: super::redact_url(url),
        reason,
    })?;
    let pool = AnyPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(super::ACQUIRE_TIMEOUT)
        .after_connect(|conn, _| {
            Box::pin(async move {
                let pragmas = format!(
                    "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                     PRAGMA busy_timeout = {}; PRAGMA synchronous = NORMAL; PRAGMA secure_delete = ON;",
                    super::ACQUIRE_TIMEOUT.as_millis()
                );
                conn.execute(pragmas.as_str()).await?;
                Ok(())
            })
        })
        .connect(&with_create(url))
        .await
        .map_err(|e| unreachable(url, &e))?;
    let pool_for_history = pool.clone();
    Ok(SqlStore {
        pool,
        backend: Backend::Sqlite,
        migrator: &MIGRATOR,
        history: Some(super::ballot_sets::spawn_history_truncation(
            pool_for_history,
        )),
    })
}

#[cfg(test)]
mod tests {
    use super::with_create;

    #[test]
    fn a_missing_file_is_created() {
        assert_eq!(
            with_create("sqlite://herald.db"),
            "sqlite://herald.db?mode=rwc"
        );
        assert_eq!(
            with_create("sqlite://x.db?mode=ro"),
            "sqlite://x.db?mode=ro"
        );
    }
}
