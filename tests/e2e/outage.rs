//! The database unavailable for 10 s while Herald runs: people hear "try again in a
//! moment", nothing queued is lost or sent twice, and Herald recovers by itself.
//!
//! On PostgreSQL the server goes away: a TCP proxy between Herald and the server closes
//! every connection and refuses new ones, as a restarting server does. On SQLite another
//! process's connection holds the write lock (a backup, an open `sqlite3` shell).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

use crate::comms::tick_app;
use crate::helpers::{within, TestApp};

const OUTAGE: Duration = Duration::from_secs(10);
const TRY_AGAIN: &str = "Herald cannot reach its database right now; try again in a moment.";

/// A TCP proxy that can play a database server going away and coming back.
struct Proxy {
    addr: SocketAddr,
    upstream: SocketAddr,
    running: Mutex<CancellationToken>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Arc<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let proxy = Arc::new(Self {
            addr: listener.local_addr().expect("addr"),
            upstream,
            running: Mutex::new(CancellationToken::new()),
        });
        proxy.serve(listener);
        proxy
    }

    fn serve(&self, listener: TcpListener) {
        let stop = self.running.lock().expect("lock").clone();
        let upstream = self.upstream;
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    a = listener.accept() => a,
                    _ = stop.cancelled() => return,
                };
                let Ok((client, _)) = accepted else { continue };
                tokio::spawn(pipe(client, upstream, stop.clone()));
            }
        });
    }

    /// Closes every connection and stops listening: connecting is refused.
    fn down(&self) {
        self.running.lock().expect("lock").cancel();
    }

    /// Listens again on the same address.
    async fn up(&self) {
        *self.running.lock().expect("lock") = CancellationToken::new();
        let listener = TcpListener::bind(self.addr).await.expect("re-bind proxy");
        self.serve(listener);
    }
}

async fn pipe(mut client: TcpStream, upstream: SocketAddr, stop: CancellationToken) {
    let Ok(mut server) = TcpStream::connect(upstream).await else {
        return;
    };
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
        _ = stop.cancelled() => {}
    }
}

/// What makes the database unavailable, and undoes it.
enum Outage {
    Postgres(Arc<Proxy>),
    Sqlite(sqlx::SqliteConnection),
}

impl Outage {
    async fn begin(fault: &mut Option<Self>, db_url: &str) {
        match fault {
            Some(Outage::Postgres(proxy)) => proxy.down(),
            Some(Outage::Sqlite(_)) | None => {
                use sqlx::Connection;
                let mut conn = sqlx::SqliteConnection::connect(db_url)
                    .await
                    .expect("a second connection to the SQLite file");
                sqlx::query("BEGIN EXCLUSIVE")
                    .execute(&mut conn)
                    .await
                    .expect("take the write lock");
                *fault = Some(Outage::Sqlite(conn));
            }
        }
    }

    async fn end(fault: &mut Option<Self>) {
        match fault.take() {
            Some(Outage::Postgres(proxy)) => {
                proxy.up().await;
                *fault = Some(Outage::Postgres(proxy));
            }
            Some(Outage::Sqlite(mut conn)) => {
                sqlx::query("COMMIT")
                    .execute(&mut conn)
                    .await
                    .expect("release the write lock");
            }
            None => {}
        }
    }
}

/// On PostgreSQL, restarts Herald with its database behind a proxy.
async fn through_proxy(app: &mut TestApp) -> Option<Outage> {
    if !app.db.is_postgres() {
        return None;
    }
    let url = url::Url::parse(&app.db.url).expect("db url");
    let upstream = format!(
        "{}:{}",
        url.host_str().expect("host"),
        url.port().unwrap_or(5432)
    );
    let upstream = tokio::net::lookup_host(upstream)
        .await
        .expect("resolve")
        .next()
        .expect("an address");
    let proxy = Proxy::start(upstream).await;
    let mut proxied = url.clone();
    proxied.set_host(Some("127.0.0.1")).expect("host");
    proxied.set_port(Some(proxy.addr.port())).expect("port");
    app.stop_herald().await;
    app.env
        .push(("HERALD__DATABASE__URL".into(), proxied.to_string()));
    app.start_herald().await;
    Some(Outage::Postgres(proxy))
}

fn got_it(msg: &serde_json::Value) -> (String, String) {
    let id = msg["id"].as_str().expect("message id").to_string();
    let button = msg["components"][0]["components"][0]["custom_id"]
        .as_str()
        .expect("Got it button")
        .to_string();
    (id, button)
}

/// One outage in CI; four in a row with `HERALD_FAULTS_LARGE` set.
fn outages() -> usize {
    if crate::helpers::large_fault_runs() {
        4
    } else {
        1
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ten_second_database_outage_says_try_again_loses_no_send_and_heals_by_itself() {
    within(60 + 30 * outages() as u64, async {
        let mut app = tick_app().await;
        let mut fault = through_proxy(&mut app).await;
        app.advance(10);
        app.wait_for_messages("sales", 1).await;
        app.wait_for_messages("support", 1).await;
        for round in 1..=outages() {
            outage_round(&app, &mut fault, round).await;
        }
        app.finish().await;
    })
    .await;
}

/// The database goes away for 10 s while a firing falls due and people click; then it
/// comes back, and with no clock change or restart the firing goes out once per team.
async fn outage_round(app: &TestApp, fault: &mut Option<Outage>, round: usize) {
    let sent = app.messages("sales").await;
    let (message, button) = got_it(&sent[round - 1]);
    let started = Instant::now();
    Outage::begin(fault, &app.db.url).await;
    app.advance(10);
    let click = app.click("Ava", &message, &button).await;
    assert!(click.ephemeral);
    assert_eq!(click.content, TRY_AGAIN, "what Ava reads during the outage");
    assert!(click.ack_ms < 3000.0, "answered in {} ms", click.ack_ms);
    let list = app
        .command("Claire", "change-team", "comms list", json!({}))
        .await;
    assert!(list.ack_ms < 3000.0, "answered in {} ms", list.ack_ms);
    if app.db.is_postgres() {
        assert_eq!(
            list.content, TRY_AGAIN,
            "reads fail too when the server is gone"
        );
    } else {
        assert_ne!(
            list.content, TRY_AGAIN,
            "SQLite still reads under another's write lock"
        );
    }
    assert_eq!(
        app.messages("sales").await.len(),
        round,
        "nothing can be sent"
    );
    tokio::time::sleep(OUTAGE.saturating_sub(started.elapsed())).await;
    Outage::end(fault).await;

    for (channel, team) in [("sales", "Sales"), ("support", "Support")] {
        let msgs = app.wait_for_messages(channel, round + 1).await;
        let texts: Vec<&str> = msgs.iter().filter_map(|m| m["content"].as_str()).collect();
        let tick = format!("Tick for {team} on Monday 2 March");
        assert_eq!(texts, vec![tick; round + 1], "#{channel}");
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        app.messages("sales").await.len(),
        round + 1,
        "not sent twice"
    );
    let again = app.click("Ava", &message, &button).await;
    assert_eq!(
        again.content,
        "Thanks, noted: you have acknowledged this update."
    );
}

/// Posts Herald has sent to the simulator so far (counted as they arrive).
async fn posts_received(app: &TestApp) -> u64 {
    app.stats().await["by_route"]["POST /channels/{id}/messages"]
        .as_u64()
        .unwrap_or(0)
}

/// What `/comms acks tick` tells the change lead.
async fn tick_acks(app: &TestApp) -> String {
    app.command(
        "Claire",
        "change-team",
        "comms acks",
        json!({ "item": "tick" }),
    )
    .await
    .content
}

/// The database goes away while two posts are in flight: they reach Discord, but Herald
/// cannot record them. Once it is back, the same Herald records them within seconds (not
/// after the 60 s claim lease, which the manual clock never reaches), without posting
/// either a second time, and the change lead sees them in `/comms acks`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sends_posted_while_the_database_went_away_are_recorded_once_it_is_back() {
    within(90, async {
        let mut app = tick_app().await;
        let mut fault = through_proxy(&mut app).await;
        app.post("/_sim/faults", json!({ "latency_ms": 1500 }))
            .await;
        let before = posts_received(&app).await;
        let started = Instant::now();
        app.advance(10);
        while posts_received(&app).await < before + 2 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        Outage::begin(&mut fault, &app.db.url).await;
        let sales = app.wait_for_messages("sales", 1).await;
        app.wait_for_messages("support", 1).await;
        app.post("/_sim/faults", json!({ "latency_ms": 0 })).await;
        tokio::time::sleep(OUTAGE.saturating_sub(started.elapsed())).await;
        Outage::end(&mut fault).await;

        let mut acks = String::new();
        for _ in 0..50 {
            acks = tick_acks(&app).await;
            if acks.contains("• Sales: 0/6 (0 %)") && acks.contains("• Support: 0/6 (0 %)") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert!(
            acks.contains("• Sales: 0/6 (0 %)") && acks.contains("• Support: 0/6 (0 %)"),
            "both sends recorded once the database is back: {acks}"
        );
        for channel in ["sales", "support"] {
            assert_eq!(
                app.messages(channel).await.len(),
                1,
                "#{channel}: posted once"
            );
        }
        let (message, button) = got_it(&sales[0]);
        let click = app.click("Ava", &message, &button).await;
        assert_eq!(
            click.content,
            "Thanks, noted: you have acknowledged this update."
        );
        assert!(tick_acks(&app).await.contains("• Sales: 1/6 (16 %)"));
        app.finish().await;
    })
    .await;
}
