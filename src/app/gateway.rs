//! Who holds the Discord gateway. Several instances on one PostgreSQL database would each
//! receive every event (Discord sends a shard's events to every session on it), so exactly
//! one holds the gateway, by a lease in the database that it renews; the others run the
//! scheduler and HTTP and stand by, and one of them takes over within [`TTL_MS`] when the
//! holder dies. On SQLite there is one process, which always holds it.
//!
//! Expiry is judged, and lease times written, on shared time (the database's clock, see
//! [`super::shared_time`]), measured before each look: an instance whose clock is fast
//! would otherwise take a live lease early, and one whose clock is slow would renew a
//! lease that has already lapsed for everyone else.
//!
//! Why a lease and not shards split across instances: Herald serves one server, which
//! Discord puts on one shard; splitting would leave every instance but one idle anyway,
//! and a lease says plainly who answers.

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::App;
use crate::store::Backend;

/// How long a lease lasts without renewal. A standby looks every [`CHECK_EVERY_MS`], so it
/// takes over at most 13 s after the holder's last renewal: within the 15 s promised.
pub const TTL_MS: i64 = 10_000;
/// How often the holder renews and a standby looks.
pub const CHECK_EVERY_MS: i64 = 3_000;

/// Holds or waits for the gateway lease until `stop`; the receiver says whether this
/// instance holds it now. On stop the lease is given up, so a standby takes over at once.
pub fn spawn(
    app: App,
    instance: String,
    stop: CancellationToken,
) -> (watch::Receiver<bool>, Option<tokio::task::JoinHandle<()>>) {
    let sqlite = app.store.backend() == Backend::Sqlite;
    let (tx, rx) = watch::channel(sqlite);
    let task = (!sqlite).then(|| tokio::spawn(run(app, instance, stop, tx)));
    (rx, task)
}

async fn run(app: App, instance: String, stop: CancellationToken, tx: watch::Sender<bool>) {
    while !stop.is_cancelled() {
        // A failed measurement keeps the last offset; the lease query below says whether
        // the database answers at all.
        if let Err(e) = app.sync_shared_time().await {
            tracing::debug!(error = %e, "could not read the database's clock; keeping the last offset");
        }
        let now = app.shared_now_ms();
        let wait = match app.store.hold_gateway(&instance, now, TTL_MS).await {
            Ok(holds) => {
                if *tx.borrow() != holds {
                    tracing::info!(%instance, role = if holds { "gateway holder" } else { "standby" }, "gateway role changed");
                    let _ = tx.send(holds);
                }
                None
            }
            // Without the database nobody can take the lease over, so the holder keeps the
            // gateway (people are told to try again) and asks again in a second of real
            // time. If another instance took over meanwhile, the next answer says so and
            // this one stands down; events of the overlap are claimed once in the database.
            Err(e) => {
                tracing::warn!(error = %e, "could not renew the gateway lease; asking again shortly");
                Some(std::time::Duration::from_secs(1))
            }
        };
        let wake = app.clock.now() + chrono::Duration::milliseconds(CHECK_EVERY_MS);
        tokio::select! {
            _ = app.clock.sleep_until(wake), if wait.is_none() => {}
            _ = tokio::time::sleep(wait.unwrap_or_default()), if wait.is_some() => {}
            _ = stop.cancelled() => break,
        }
    }
    let _ = tx.send(false);
    if let Err(e) = app.store.release_gateway(&instance).await {
        tracing::warn!(error = %e, "could not give up the gateway lease");
    }
}

/// Waits until `role` says this instance holds the gateway (or `stop`); false on stop.
pub async fn until_holder(role: &mut watch::Receiver<bool>, stop: &CancellationToken) -> bool {
    loop {
        if *role.borrow_and_update() {
            return true;
        }
        tokio::select! {
            changed = role.changed() => if changed.is_err() { return false },
            _ = stop.cancelled() => return false,
        }
    }
}

/// Waits until this instance no longer holds the gateway.
pub async fn until_standby(role: &mut watch::Receiver<bool>) {
    loop {
        if !*role.borrow_and_update() {
            return;
        }
        if role.changed().await.is_err() {
            // The lease task ended with the process; keep what we have.
            std::future::pending::<()>().await;
        }
    }
}
