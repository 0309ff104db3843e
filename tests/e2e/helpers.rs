//! `spawn_app()`: a simulator on port 0, a fresh database and Herald against both, plus
//! helpers that drive the simulator's control API the way a person would.
//!
//! Skewed instances: [`TestApp::skew`] (set by [`spawn_app_with_plan_skewed`]) sets Herald's
//! clock off the test's manual clock, and [`TestApp::start_instance_with_skew`] starts
//! another instance on the same database whose clock is off by its own amount; the test
//! still moves time with [`TestApp::advance`], and every instance's clock moves with it.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::TimeZone;
use herald::clock::{Clock, ManualClock, SkewedClock};
use herald::config::Settings;
use herald::sim::{self, SimHandle, WorldSpec};
use herald::startup::{self, Running};
use serde_json::{json, Value};

/// Whether the larger fault runs were asked for (`HERALD_FAULTS_LARGE=1`): more crash
/// seeds, more outages, bigger storms.
pub fn large_fault_runs() -> bool {
    std::env::var("HERALD_FAULTS_LARGE").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// Every test runs under this; a hung test fails instead of stalling CI.
pub async fn within<F: Future<Output = ()>>(secs: u64, f: F) {
    if std::env::var("TEST_LOG").is_ok() {
        herald::telemetry::init(herald::config::LogFormat::Pretty);
    }
    tokio::time::timeout(Duration::from_secs(secs), f)
        .await
        .expect("the test did not finish in time");
}

/// A fresh database: a SQLite file in a temp dir, or a new database on the PostgreSQL
/// server named by `TEST_DATABASE_URL`.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl TestDb {
    pub async fn new() -> Self {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(server) if !server.is_empty() => Self::postgres(server).await,
            _ => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}/herald.db", dir.path().display());
                Self {
                    url,
                    _dir: Some(dir),
                    pg: None,
                }
            }
        }
    }

    async fn postgres(server: String) -> Self {
        use sqlx::Connection;
        let name = format!("herald_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(&server)
            .await
            .expect("TEST_DATABASE_URL answers");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .expect("create test database");
        let _ = conn.close().await;
        let base = server
            .rsplit_once('/')
            .map(|(b, _)| b.to_string())
            .unwrap_or(server.clone());
        Self {
            url: format!("{base}/{name}"),
            _dir: None,
            pg: Some((server, name)),
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.pg.is_some()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((server, name)) = self.pg.take() else {
            return;
        };
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                use sqlx::Connection;
                if let Ok(mut c) = sqlx::PgConnection::connect(&server).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut c)
                        .await;
                }
            });
        })
        .join();
    }
}

pub fn settings_for(sim_url: &str, db_url: &str) -> Settings {
    settings_with_plan(
        sim_url,
        db_url,
        std::path::Path::new("/nonexistent-herald-plan"),
    )
}

pub fn settings_with_plan(sim_url: &str, db_url: &str, messages: &std::path::Path) -> Settings {
    settings_with_env(sim_url, db_url, messages, &[])
}

pub fn settings_with_env(
    sim_url: &str,
    db_url: &str,
    messages: &std::path::Path,
    extra: &[(String, String)],
) -> Settings {
    let dir = messages.display().to_string();
    let mut env: HashMap<String, String> = [
        ("HERALD__MESSAGES__DIR", dir.as_str()),
        ("DISCORD_TOKEN", "dummy-test-token"),
        ("HERALD__DISCORD__API_BASE", sim_url),
        ("HERALD__DATABASE__URL", db_url),
        ("HERALD__HTTP__LISTEN", "127.0.0.1:0"),
        ("HERALD__DATABASE__MAX_CONNECTIONS", "5"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    env.insert("HERALD__PRIVACY__KEY_FILE".into(), key_file_for(db_url));
    env.extend(extra.iter().cloned());
    Settings::load(None, &env).expect("test settings are valid")
}

/// One privacy key file per test database, outside the repository (restarts reuse it).
pub fn key_file_for(db_url: &str) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    db_url.hash(&mut h);
    std::env::temp_dir()
        .join(format!("herald-key-{:016x}", h.finish()))
        .display()
        .to_string()
}

pub struct TestApp {
    pub plan_dir: Option<tempfile::TempDir>,
    pub env: Vec<(String, String)>,
    pub sim: SimHandle,
    pub herald: Option<Running>,
    pub db: TestDb,
    pub clock: Arc<ManualClock>,
    /// How far Herald's clock is set off `clock` (zero: it is `clock`); read by
    /// [`TestApp::start_herald`].
    pub skew: chrono::Duration,
    pub http: reqwest::Client,
}

/// What an interaction got back, as the member would see it.
#[derive(Debug)]
pub struct Reply {
    /// The interaction response type (4 message, 7 update, 9 modal).
    pub kind: u64,
    /// For a modal: its custom_id.
    pub custom_id: String,
    /// The message the answer created or updated.
    pub message_id: String,
    pub components: Value,
    pub content: String,
    pub ephemeral: bool,
    pub ack_ms: f64,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(WorldSpec::default_world()).await
}

pub async fn spawn_app_with(world: WorldSpec) -> TestApp {
    spawn_app_full(world, None, vec![]).await
}

/// Herald with a plan: `plan` is plan.toml, `templates` are (file name, text).
pub async fn spawn_app_with_plan(
    world: WorldSpec,
    plan: &str,
    templates: &[(&str, &str)],
) -> TestApp {
    spawn_app_with_plan_env(world, plan, templates, vec![]).await
}

/// As `spawn_app_with_plan`, with more files beside plan.toml (such as playbook.toml).
pub async fn spawn_app_with_plan_files(
    world: WorldSpec,
    plan: &str,
    templates: &[(&str, &str)],
    files: &[(&str, &str)],
) -> TestApp {
    let dir = plan_dir(plan, templates);
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("a file beside the plan");
    }
    spawn_app_full(world, Some(dir), vec![]).await
}

/// As `spawn_app_with_plan`, with extra `HERALD__…` settings.
pub async fn spawn_app_with_plan_env(
    world: WorldSpec,
    plan: &str,
    templates: &[(&str, &str)],
    env: Vec<(String, String)>,
) -> TestApp {
    spawn_app_full(world, Some(plan_dir(plan, templates)), env).await
}

/// As `spawn_app_with_plan_env`, with Herald's clock `skew` off the test's manual clock
/// from its first moment (positive: ahead). The test's clock and `advance` stay the truth.
pub async fn spawn_app_with_plan_skewed(
    world: WorldSpec,
    plan: &str,
    templates: &[(&str, &str)],
    env: Vec<(String, String)>,
    skew: chrono::Duration,
) -> TestApp {
    let mut app = unstarted(world, Some(plan_dir(plan, templates)), env).await;
    app.skew = skew;
    app.start_herald().await;
    app
}

/// A messages directory holding `plan` as plan.toml and `templates` as (file name, text).
fn plan_dir(plan: &str, templates: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("plan dir");
    std::fs::create_dir(dir.path().join("templates")).expect("templates dir");
    std::fs::write(dir.path().join("plan.toml"), plan).expect("plan");
    for (name, text) in templates {
        std::fs::write(dir.path().join("templates").join(name), text).expect("template");
    }
    dir
}

/// Herald with a messages directory the test wrote (plan, templates, polls).
pub async fn spawn_app_with_dir(
    world: WorldSpec,
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
) -> TestApp {
    spawn_app_full(world, Some(dir), env).await
}

async fn spawn_app_full(
    world: WorldSpec,
    plan_dir: Option<tempfile::TempDir>,
    env: Vec<(String, String)>,
) -> TestApp {
    let mut app = unstarted(world, plan_dir, env).await;
    app.start_herald().await;
    app
}

/// Herald with `discord.guild_id` set to the world's first guild: every other guild of the
/// world is one it must refuse.
pub async fn spawn_app_serving_first_guild(
    world: WorldSpec,
    env: Vec<(String, String)>,
) -> TestApp {
    let mut app = unstarted(world, None, env).await;
    let id = app.guild_id().await;
    app.env
        .push(("HERALD__DISCORD__GUILD_ID".into(), id.to_string()));
    app.start_herald().await;
    app
}

/// The simulator and a fresh database, Herald not started yet.
async fn unstarted(
    world: WorldSpec,
    plan_dir: Option<tempfile::TempDir>,
    env: Vec<(String, String)>,
) -> TestApp {
    let sim = sim::start("127.0.0.1:0".parse().expect("addr"), &world)
        .await
        .expect("simulator starts");
    let db = TestDb::new().await;
    let start = chrono::Utc
        .with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .single()
        .expect("valid date");
    let clock = Arc::new(ManualClock::new(start));
    TestApp {
        plan_dir,
        env,
        sim,
        herald: None,
        db,
        clock,
        skew: chrono::Duration::zero(),
        http: reqwest::Client::new(),
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sim.url())
    }

    pub fn herald(&self) -> &Running {
        self.herald.as_ref().expect("Herald is running")
    }

    /// The test's manual clock set `skew` off (positive: ahead); it moves with `advance`.
    pub fn skewed_clock(&self, skew: chrono::Duration) -> Arc<SkewedClock> {
        Arc::new(SkewedClock::new(self.clock.clone(), skew))
    }

    /// Herald's clock: the manual clock itself, or set [`TestApp::skew`] off it.
    fn herald_clock(&self) -> Arc<dyn Clock> {
        if self.skew.is_zero() {
            self.clock.clone()
        } else {
            self.skewed_clock(self.skew)
        }
    }

    /// The settings Herald runs with: this test's simulator, database, plan and env.
    fn herald_settings(&self) -> Settings {
        let no_plan = std::path::Path::new("/nonexistent-herald-plan");
        let dir = self.plan_dir.as_ref().map_or(no_plan, |d| d.path());
        settings_with_env(&self.sim.url(), &self.db.url, dir, &self.env)
    }

    /// Launches Herald and waits until its commands are registered and the gateway is up.
    pub async fn start_herald(&mut self) {
        let running = startup::launch(self.herald_settings(), self.herald_clock())
            .await
            .unwrap_or_else(|e| panic!("Herald starts: {e:?}"));
        let metrics = running.app.metrics.clone();
        self.herald = Some(running);
        for _ in 0..500 {
            let registered = !self
                .get("/_sim/commands")
                .await
                .as_array()
                .is_none_or(|a| a.is_empty());
            if registered && metrics.gateway_up() && self.plan_teams_synced().await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("Herald did not register its commands and connect within 5 s");
    }

    /// Whether every team the loaded plan declares is in the store.
    async fn plan_teams_synced(&self) -> bool {
        let app = &self.herald().app;
        let Some(plan) = app.plan() else { return true };
        let Ok(Some(guild)) = app.primary_guild().await else {
            return false;
        };
        let known = app.store.list_teams(guild).await.unwrap_or_default();
        if !plan
            .teams
            .iter()
            .all(|t| known.iter().any(|k| k.name == t.name))
        {
            return false;
        }
        // The scheduler has seen every item and pulse: its first firing after start is queued.
        let pulses = plan.pulses.iter().map(|p| format!("pulse:{}", p.id));
        for id in plan.items.iter().map(|i| i.id.clone()).chain(pulses) {
            if app.store.cursor(guild, &id).await.ok().flatten().is_none() {
                return false;
            }
        }
        true
    }

    /// Another Herald instance beside the first: the same simulator, database, plan and
    /// settings, its clock the test's manual clock set `skew` off (positive: ahead). Returns
    /// once it runs (scheduler started, lease task looking); on PostgreSQL it stands by
    /// while the first instance holds the gateway. The caller stops it (`.stop().await`)
    /// or lets it die (`.crash().await`). Several instances need PostgreSQL.
    pub async fn start_instance_with_skew(&self, skew: chrono::Duration) -> Running {
        startup::launch(self.herald_settings(), self.skewed_clock(skew))
            .await
            .unwrap_or_else(|e| panic!("the skewed instance starts: {e:?}"))
    }

    pub async fn stop_herald(&mut self) {
        if let Some(h) = self.herald.take() {
            h.stop().await;
        }
        self.http
            .post(self.url("/_sim/gateway/disconnect"))
            .send()
            .await
            .expect("sim answers");
    }

    pub async fn get(&self, path: &str) -> Value {
        self.http
            .get(self.url(path))
            .send()
            .await
            .expect("sim answers")
            .json()
            .await
            .expect("json")
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        let resp = self
            .http
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .expect("sim answers");
        resp.json().await.unwrap_or(Value::Null)
    }

    /// Runs a slash command as `member` in `channel` and returns the first answer.
    pub async fn command(
        &self,
        member: &str,
        channel: &str,
        command: &str,
        options: Value,
    ) -> Reply {
        let started = self.post("/_sim/interactions/command", json!({ "member": member, "channel": channel, "command": command, "options": options })).await;
        let id = started["interaction_id"]
            .as_str()
            .unwrap_or_else(|| panic!("command not dispatched: {started}"))
            .to_string();
        self.reply(&id).await
    }

    /// The answer a person reads: the first response, or after a deferred one ("thinking…"
    /// or a silent acknowledgement), the follow-up or edit that replaces it.
    pub async fn reply(&self, interaction: &str) -> Reply {
        let client = sim::client::SimClient::new(&self.sim.url());
        let Some((v, first)) = client.settled(interaction).await else {
            panic!("no answer to interaction {interaction}");
        };
        Reply {
            kind: first["type"].as_u64().unwrap_or(0),
            custom_id: first["custom_id"].as_str().unwrap_or_default().to_string(),
            message_id: first["message_id"].as_str().unwrap_or_default().to_string(),
            components: first["components"].clone(),
            content: first["content"].as_str().unwrap_or_default().to_string(),
            ephemeral: first["ephemeral"].as_bool().unwrap_or(false),
            ack_ms: v["ack_ms"].as_f64().unwrap_or(f64::NAN),
        }
    }

    pub async fn messages(&self, channel: &str) -> Vec<Value> {
        self.get(&format!("/_sim/channels/{channel}/messages"))
            .await
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Polls `channel` until it holds `n` messages (what a reader would see), or panics.
    pub async fn wait_for_messages(&self, channel: &str, n: usize) -> Vec<Value> {
        for _ in 0..1000 {
            let msgs = self.messages(channel).await;
            if msgs.len() >= n {
                return msgs;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!(
            "#{channel} did not reach {n} messages: {:?}",
            self.messages(channel).await
        );
    }

    /// Moves the manual clock; the scheduler wakes by itself.
    pub fn advance(&self, secs: i64) {
        self.clock.advance(chrono::Duration::seconds(secs));
    }

    /// Clicks a button on a message, as `member`.
    pub async fn click(&self, member: &str, message_id: &str, custom_id: &str) -> Reply {
        let started = self
            .post(
                "/_sim/interactions/component",
                json!({ "member": member, "message_id": message_id, "custom_id": custom_id }),
            )
            .await;
        let id = started["interaction_id"]
            .as_str()
            .unwrap_or_else(|| panic!("click not dispatched: {started}"))
            .to_string();
        self.reply(&id).await
    }

    pub async fn stats(&self) -> Value {
        self.get("/_sim/stats").await
    }

    /// The world's id of a channel, role or member, by name.
    pub async fn id_of(&self, kind: &str, name: &str) -> u64 {
        let world = self.get("/_sim/world").await;
        let list = world["guilds"][0][kind]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let found = list
            .iter()
            .find(|x| x["name"] == name)
            .unwrap_or_else(|| panic!("no {kind} {name}"));
        found["id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("numeric id")
    }

    pub async fn guild_id(&self) -> u64 {
        self.get("/_sim/world").await["guilds"][0]["id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("guild id")
    }

    /// Asserts the simulator saw no breach of Discord's rules, then stops Herald.
    pub async fn finish(mut self) {
        let stats = self.stats().await;
        assert_eq!(
            stats["violations"],
            json!([]),
            "the simulator recorded violations"
        );
        assert_eq!(stats["interactions"]["late"], 0);
        assert_eq!(stats["interactions"]["double_acks"], 0);
        self.stop_herald().await;
    }
}

/// A guild with `n` teams `team-00`…, a change lead and `change-team`.
pub fn busy_world(n: usize) -> WorldSpec {
    WorldSpec::busy(n)
}

/// plan.toml text declaring the `busy_world` teams.
pub fn busy_teams(n: usize) -> String {
    WorldSpec::busy(n).plan_teams()
}

/// Every row of every table, as text per table.
pub async fn dump_tables(app: &TestApp) -> HashMap<String, (Vec<String>, Vec<Vec<String>>)> {
    use sqlx::{Column, Row};
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.db.url).await.expect("db");
    let list = if app.db.is_postgres() {
        "SELECT table_name::text AS name FROM information_schema.tables WHERE table_schema = 'public'"
    } else {
        "SELECT name FROM sqlite_master WHERE type = 'table'"
    };
    let mut out = HashMap::new();
    for t in sqlx::query(list).fetch_all(&pool).await.expect("tables") {
        let name: String = t.try_get("name").expect("name");
        if name.starts_with("_sqlx") {
            continue;
        }
        let rows = sqlx::query(&format!("SELECT * FROM {name}"))
            .fetch_all(&pool)
            .await
            .expect("rows");
        let mut columns = vec![];
        let cells: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                columns = r.columns().iter().map(|c| c.name().to_string()).collect();
                (0..r.len())
                    .map(|i| {
                        r.try_get::<Option<String>, _>(i)
                            .map(|v| v.unwrap_or_default())
                            .or_else(|_| {
                                r.try_get::<Option<i64>, _>(i)
                                    .map(|v| v.map(|v| v.to_string()).unwrap_or_default())
                            })
                            .or_else(|_| {
                                r.try_get::<Option<f64>, _>(i)
                                    .map(|v| v.map(|v| v.to_string()).unwrap_or_default())
                            })
                            .or_else(|_| {
                                r.try_get::<Option<Vec<u8>>, _>(i)
                                    .map(|v| v.map(hex::encode).unwrap_or_default())
                            })
                            .unwrap_or_default()
                    })
                    .collect()
            })
            .collect();
        out.insert(name, (columns, cells));
    }
    pool.close().await;
    out
}

/// After the gateway holder died: moves the clock 3 s at a time until one of `standbys`
/// holds the gateway; returns its index and the seconds of clock it took (failing past 30).
pub async fn take_over(app: &TestApp, standbys: &[&Running]) -> (usize, i64) {
    let mut waited = 0;
    loop {
        for _ in 0..100 {
            if let Some(i) = standbys.iter().position(|s| s.app.metrics.gateway_up()) {
                return (i, waited);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(
            waited < 30,
            "no take-over within {waited} s of the holder's death"
        );
        app.advance(3);
        waited += 3;
    }
}
