//! The HTTP/1 loop behind `http.listen`: bounded header reads, idle connections closed,
//! a cap on open connections, accept errors survived, and a stop that cannot be held open.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::idle::{Activity, Watched};

/// After an accept error such as EMFILE, the first pause; it doubles up to the second.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(1);

/// What one client may hold, and for how long. Production uses `Limits::default()`;
/// tests shrink the durations to a few hundred milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// A request's head must arrive within this, counted from the connect or from the
    /// previous answer (hyper applies it to the wait on a kept-alive connection too).
    pub header_read: Duration,
    /// A connection on which no byte moves either way for this long is dropped: the
    /// backstop for a client that stops reading, or stalls where `header_read` does not look.
    pub idle: Duration,
    /// Connections served at once. Past it Herald stops accepting, so newcomers wait in
    /// the kernel's backlog (in order) instead of costing a file descriptor each.
    pub max_connections: usize,
    /// After stop, how long open connections may finish before they are dropped.
    pub shutdown: Duration,
}

impl Default for Limits {
    /// A health checker or a scraper sends its whole head in one packet, so 10 s is
    /// generous; 512 connections stay well under the common 1024-descriptor soft limit,
    /// leaving the rest to the database pool and Discord; 10 s of shutdown is inside
    /// Docker's and Kubernetes' default grace before SIGKILL.
    fn default() -> Self {
        Self {
            header_read: Duration::from_secs(10),
            idle: Duration::from_secs(60),
            max_connections: 512,
            shutdown: Duration::from_secs(10),
        }
    }
}

/// Serves `router` on `listener` until `stop`, then gives open connections
/// `limits.shutdown` to finish and drops the rest.
pub async fn serve(
    listener: TcpListener,
    router: axum::Router,
    limits: Limits,
    stop: CancellationToken,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut connections = JoinSet::new();
    while let Some((stream, slot)) = next_client(&listener, &slots, &stop).await {
        while connections.try_join_next().is_some() {}
        let (router, stop) = (router.clone(), stop.clone());
        connections.spawn(serve_connection(stream, router, limits, stop, slot));
    }
    // Refuse newcomers at once rather than let them queue behind a server that is leaving.
    drop(listener);
    drain(connections, limits.shutdown).await;
}

/// A free slot, then a client to fill it; `None` once stop is asked.
async fn next_client(
    listener: &TcpListener,
    slots: &Arc<Semaphore>,
    stop: &CancellationToken,
) -> Option<(TcpStream, OwnedSemaphorePermit)> {
    let slot = tokio::select! {
        _ = stop.cancelled() => return None,
        slot = slots.clone().acquire_owned() => slot.ok()?,
    };
    tokio::select! {
        _ = stop.cancelled() => None,
        stream = accept(listener) => Some((stream, slot)),
    }
}

/// The next connection. A client that gave up before we took it is skipped; anything
/// else (EMFILE, ENFILE, ENOBUFS) means descriptors or memory are short right now, so
/// the loop pauses instead of spinning on the same error, and keeps going.
async fn accept(listener: &TcpListener) -> TcpStream {
    let mut pause = ACCEPT_BACKOFF;
    loop {
        match listener.accept().await {
            Ok((stream, _)) => return stream,
            Err(e) if gave_up(&e) => continue,
            Err(e) => {
                tracing::warn!(error = %e, pause_ms = pause.as_millis() as u64, "health server: accept failed; pausing");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(ACCEPT_BACKOFF_MAX);
            }
        }
    }
}

fn gave_up(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::Interrupted
    )
}

/// One client, holding one slot until it goes. On stop, hyper closes it at once when
/// idle and after the current answer otherwise; `drain` bounds the rest.
async fn serve_connection(
    stream: TcpStream,
    router: axum::Router,
    limits: Limits,
    stop: CancellationToken,
    _slot: OwnedSemaphorePermit,
) {
    let activity = Activity::new();
    let io = TokioIo::new(Watched::new(stream, activity.clone()));
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read);
    let conn = builder.serve_connection(io, TowerToHyperService::new(router));
    tokio::pin!(conn);
    let ended = tokio::select! {
        ended = conn.as_mut() => ended,
        _ = activity.idle_for(limits.idle) => return,
        _ = stop.cancelled() => {
            conn.as_mut().graceful_shutdown();
            tokio::select! {
                ended = conn.as_mut() => ended,
                _ = activity.idle_for(limits.idle) => return,
            }
        }
    };
    if let Err(e) = ended {
        tracing::debug!(error = %e, "health server: connection ended");
    }
}

/// Waits up to `bound` for the connections to finish, then drops what is left.
async fn drain(mut connections: JoinSet<()>, bound: Duration) {
    let finished = tokio::time::timeout(bound, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if finished.is_err() {
        tracing::info!(
            open = connections.len(),
            "health server: dropping connections still open at the shutdown bound"
        );
        connections.shutdown().await;
    }
}
