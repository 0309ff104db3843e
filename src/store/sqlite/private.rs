//! The SQLite file is for Herald's user alone (0600), like the privacy key: it holds
//! member names and answers, and nobody else on the host needs to read them.
//!
//! SQLite gives its `-wal` and `-shm` the database file's mode, so making the file
//! private before sqlx opens it makes all three private.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use sqlx::sqlite::SqliteConnectOptions;

/// Creates the database file (mode 0600) when the URL lets SQLite create it and it is
/// missing, and takes group and world access away from the file and any `-wal`/`-shm`
/// left from an earlier run. Says so at INFO once when it had to take access away.
pub(super) fn keep_private(url: &str) -> Result<(), String> {
    let Some(path) = file_of(url) else {
        return Ok(());
    };
    if creates_missing(url) {
        create_private(&path)?;
    }
    tighten(&path);
    Ok(())
}

/// The file a `sqlite:` URL names, as sqlx reads it; `None` for an in-memory database
/// or a URL sqlx will refuse anyway (it then says why, better than we could).
fn file_of(url: &str) -> Option<PathBuf> {
    if url.contains(":memory:") || url.contains("mode=memory") {
        return None;
    }
    let options = SqliteConnectOptions::from_str(url).ok()?;
    let path = options.get_filename();
    (!path.as_os_str().is_empty()).then(|| path.to_path_buf())
}

/// Mirrors `with_create`: no `mode=` means Herald adds `mode=rwc`.
fn creates_missing(url: &str) -> bool {
    !url.contains("mode=") || url.contains("mode=rwc")
}

fn create_private(path: &Path) -> Result<(), String> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(format!("cannot create {}: {e}", path.display())),
    }
}

/// Only ever removes bits: an owner who made the file read-only keeps it so. A file we
/// may not change (another owner) is left as it is with a warning; refusing to start
/// over it would turn a deliberate setup into an outage.
#[cfg(unix)]
fn tighten(db: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mut tightened = Vec::new();
    for path in [db.to_path_buf(), beside(db, "-wal"), beside(db, "-shm")] {
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 == 0 {
            continue;
        }
        let private = mode & 0o700;
        match std::fs::set_permissions(&path, std::fs::Permissions::from_mode(private)) {
            Ok(()) => tightened.push(format!("{} {mode:o}→{private:o}", path.display())),
            Err(e) => {
                tracing::warn!(path = %path.display(), mode = %format!("{mode:o}"), error = %e, "the SQLite database is readable by other users and Herald cannot change that; chmod 600 it")
            }
        }
    }
    if !tightened.is_empty() {
        tracing::info!(files = %tightened.join(", "), "the SQLite database was readable by other users; made it private to Herald's user");
    }
}

#[cfg(not(unix))]
fn tighten(_db: &Path) {}

fn beside(db: &Path, suffix: &str) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;
    use crate::domain::ids::GuildId;

    fn mode_of(path: &Path) -> u32 {
        let meta = std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        meta.permissions().mode() & 0o777
    }

    /// Opens the store, writes a row, and returns the modes of the file, -wal and -shm
    /// while it is still open (SQLite removes the -wal and -shm at the last close).
    async fn modes_after_a_write(db: &Path) -> [u32; 3] {
        let url = format!("sqlite://{}", db.display());
        let store = crate::store::connect(&url, 2).await.expect("opens");
        store
            .upsert_guild(GuildId(1), "Guild", 0)
            .await
            .expect("writes");
        let modes = [
            mode_of(db),
            mode_of(&beside(db, "-wal")),
            mode_of(&beside(db, "-shm")),
        ];
        store.close().await;
        modes
    }

    #[tokio::test]
    async fn a_new_database_and_its_wal_and_shm_are_private() {
        let dir = tempfile::tempdir().expect("dir");
        let db = dir.path().join("herald.db");
        assert_eq!(modes_after_a_write(&db).await, [0o600; 3]);
    }

    #[tokio::test]
    async fn an_existing_world_readable_database_is_made_private() {
        let dir = tempfile::tempdir().expect("dir");
        let db = dir.path().join("herald.db");
        modes_after_a_write(&db).await;
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        assert_eq!(modes_after_a_write(&db).await, [0o600; 3]);
    }

    #[test]
    fn an_owner_read_only_file_stays_read_only() {
        let dir = tempfile::tempdir().expect("dir");
        let db = dir.path().join("herald.db");
        std::fs::write(&db, b"").expect("write");
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o444)).expect("chmod");
        tighten(&db);
        assert_eq!(mode_of(&db), 0o400);
    }

    #[test]
    fn the_file_is_found_the_way_sqlx_reads_the_url() {
        assert_eq!(
            file_of("sqlite:///var/lib/herald/herald.db?mode=rwc"),
            Some(PathBuf::from("/var/lib/herald/herald.db"))
        );
        assert_eq!(
            file_of("sqlite://herald.db"),
            Some(PathBuf::from("herald.db"))
        );
        assert_eq!(file_of("sqlite::memory:"), None);
        assert_eq!(file_of("sqlite://?mode=memory"), None);
    }

    #[test]
    fn a_read_only_url_never_creates_the_file() {
        let dir = tempfile::tempdir().expect("dir");
        let db = dir.path().join("herald.db");
        keep_private(&format!("sqlite://{}?mode=ro", db.display())).expect("no error");
        assert!(!db.exists());
    }
}
