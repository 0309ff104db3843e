//! Wiring: settings → database → health server → Discord, and an orderly stop.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::app::App;
use crate::clock::{Clock, SystemClock};
use crate::config::Settings;
use crate::domain::words::count;
use crate::metrics::Metrics;
use crate::store::{self, redact_url};

/// Why Herald could not run: `Setup` is the operator's to fix (exit 2), `Failed` is ours.
#[derive(Debug)]
pub enum RunError {
    Setup(String),
    Failed(anyhow::Error),
}

const NO_TOKEN: &str = "no Discord token. Set DISCORD_TOKEN (Discord developer portal → your application → \
Bot → Reset Token) or discord.token_file. To try Herald without Discord, start `herald sim` and set \
HERALD__DISCORD__API_BASE to the URL it prints (any token will do then).";

const NO_GUILD: &str = "discord.guild_id is not set. Herald serves exactly one Discord server: set \
HERALD__DISCORD__GUILD_ID (or discord.guild_id in herald.toml) to your server's id (Discord → Settings → \
Advanced → Developer Mode, then right-click the server → Copy Server ID). Herald refuses and leaves every \
other server.";

/// `herald migrate`: applies migrations and reports the backend.
pub async fn migrate(settings: &Settings) -> Result<(), RunError> {
    let store = open_store(settings).await?;
    println!(
        "database {} is up to date ({})",
        redact_url(&settings.database_url),
        store.backend().name()
    );
    store.close().await;
    Ok(())
}

/// `herald sentiment rebuild`.
pub async fn rebuild_sentiment(settings: &Settings) -> Result<(), RunError> {
    let store = open_store(settings).await?;
    let mut total = 0;
    for g in store
        .guilds()
        .await
        .map_err(|e| RunError::Failed(e.into()))?
    {
        total += store
            .rebuild_sentiment(g)
            .await
            .map_err(|e| RunError::Failed(e.into()))?;
    }
    println!(
        "rebuilt the sentiment record from {}",
        count(total as i64, "signal", "signals")
    );
    store.close().await;
    Ok(())
}

/// The export's file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Csv,
    Json,
}

/// The leadership report's file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Html,
}

/// Herald from the database alone, for the file commands: team sizes are the members the
/// gateway last showed holding each team's role, so no Discord token or connection is
/// needed. The plan must load; the guild is the one Herald last saw.
async fn offline_app(settings: Settings) -> Result<(App, crate::domain::ids::GuildId), RunError> {
    let store = open_store(&settings).await?;
    let key = privacy_key(&settings)?;
    let metrics = Arc::new(Metrics::default());
    let chat = Arc::new(crate::chat::stored::StoredChat::new(store.clone()));
    let app = App::new(store, Arc::new(SystemClock), settings, metrics, chat, key);
    if let Err(problems) = crate::app::comms::load(&app).await {
        return Err(RunError::Setup(format!(
            "the plan has {}",
            count(problems.len() as i64, "problem", "problems")
        )));
    }
    let Some(guild) = app
        .primary_guild()
        .await
        .map_err(|e| RunError::Failed(e.into()))?
    else {
        return Err(RunError::Setup(
            "no guild yet: run Herald once so it sees its server".into(),
        ));
    };
    Ok((app, guild))
}

/// `herald report`: the dashboard of every team as one HTML file.
pub async fn report(
    settings: Settings,
    _format: ReportFormat,
    out: &std::path::Path,
) -> Result<(), RunError> {
    let (app, guild) = offline_app(settings).await?;
    let html =
        crate::app::dashboard::report_html(&app, guild, &crate::app::dashboard::board::Scope::All)
            .await
            .map_err(|e| RunError::Failed(anyhow::anyhow!("{e:?}")))?;
    std::fs::write(out, &html)
        .map_err(|e| RunError::Setup(format!("{}: cannot write: {e}", out.display())))?;
    println!(
        "wrote the leadership report ({} KB) to {}",
        html.len().div_ceil(1024),
        out.display()
    );
    app.store.close().await;
    Ok(())
}

/// `herald adoption import FILE.csv`: the file's rows into the adoption figures, whole or
/// not at all; each bad cell is printed as `FILE:row:column: message`.
pub async fn adoption_import(settings: Settings, file: &std::path::Path) -> Result<(), RunError> {
    use crate::app::adoption::Refused;
    let text = std::fs::read_to_string(file)
        .map_err(|e| RunError::Setup(format!("{}: cannot read: {e}", file.display())))?;
    let named = |errors: Vec<crate::domain::adoption::RowError>| {
        for e in &errors {
            eprintln!("{}:{e}", file.display());
        }
        RunError::Setup(format!(
            "{} in {}; nothing was imported. Fix them and import the file again.",
            crate::domain::words::count(errors.len() as i64, "problem", "problems"),
            file.display()
        ))
    };
    let rows = crate::ingest::csv::rows(&text).map_err(named)?;
    let (app, _guild) = offline_app(settings).await?;
    let done = crate::app::adoption::ingest(&app, &rows).await;
    app.store.close().await;
    match done {
        Ok(done) => {
            println!("{}: {}", file.display(), done.summary());
            Ok(())
        }
        Err(Refused::Rows(errors)) => Err(named(errors)),
        Err(Refused::NotReady(why)) => {
            Err(RunError::Setup(format!("{why}; nothing was imported.")))
        }
        Err(Refused::Store(e)) => Err(RunError::Failed(anyhow::anyhow!(
            "the database failed ({e}); nothing was imported. Import the file again."
        ))),
    }
}

/// `herald export`: the same rows as `/report export`, to a file, from the database
/// alone (see [`offline_app`]).
pub async fn export(
    settings: Settings,
    format: ExportFormat,
    out: &std::path::Path,
    weeks: i64,
) -> Result<(), RunError> {
    let (app, guild) = offline_app(settings).await?;
    let rows = crate::app::sentiment::export::export_rows(&app, guild, weeks)
        .await
        .map_err(|e| RunError::Failed(anyhow::anyhow!("{e:?}")))?;
    let text = match format {
        ExportFormat::Csv => crate::app::sentiment::export::csv(&rows),
        ExportFormat::Json => {
            serde_json::to_string_pretty(&rows).map_err(|e| RunError::Failed(e.into()))?
        }
    };
    std::fs::write(out, text)
        .map_err(|e| RunError::Setup(format!("{}: cannot write: {e}", out.display())))?;
    println!(
        "wrote {} to {}",
        count(rows.len() as i64, "row", "rows"),
        out.display()
    );
    app.store.close().await;
    Ok(())
}

async fn open_store(settings: &Settings) -> Result<Arc<dyn store::Store>, RunError> {
    store::connect(&settings.database_url, settings.database_max_connections)
        .await
        .map_err(|e| RunError::Setup(e.to_string()))
}

/// A started Herald: its app context, health address and a way to stop it.
pub struct Running {
    pub app: App,
    pub health_addr: SocketAddr,
    stop: CancellationToken,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    discord: crate::discord::DiscordHandle,
}

impl Running {
    /// Dies as a killed process would (tests): every task ends where it is, the gateway
    /// connection drops, and nothing is given up — not the gateway lease, not claims.
    #[doc(hidden)]
    pub async fn crash(self) {
        for task in &self.tasks {
            task.abort();
        }
        self.discord.crash().await;
    }

    /// Stops taking work, lets in-flight sends finish, closes the database.
    pub async fn stop(self) {
        self.stop.cancel();
        self.discord.shutdown().await;
        for task in self.tasks {
            let _ = task.await;
        }
        self.app.store.close().await;
        tracing::info!("Herald stopped");
    }
}

/// Starts every part and returns once they run; `clock` is the system clock outside tests.
pub async fn launch(settings: Settings, clock: Arc<dyn Clock>) -> Result<Running, RunError> {
    let token = settings
        .discord_token
        .clone()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| RunError::Setup(NO_TOKEN.into()))?;
    if settings.discord_guild_id.is_none() && !settings.uses_simulator() {
        return Err(RunError::Setup(NO_GUILD.into()));
    }
    let listener = TcpListener::bind(settings.http_listen).await.map_err(|e| {
        RunError::Setup(format!(
            "http.listen {}: cannot listen: {e}",
            settings.http_listen
        ))
    })?;
    let health_addr = listener
        .local_addr()
        .map_err(|e| RunError::Failed(e.into()))?;
    let store = open_store(&settings).await?;
    let metrics = Arc::new(Metrics::default());
    let chat = crate::discord::chat(&token, &settings, metrics.clone());
    let key = privacy_key(&settings)?;
    let mut app = App::new(store.clone(), clock, settings, metrics.clone(), chat, key);
    app.dashboard_key = std::sync::Arc::new(
        crate::app::dashboard::sign::DashboardKey::load_or_create(
            &app.settings.dashboard_key_path(),
        )
        .map_err(RunError::Setup)?,
    );
    // Before anything is stored or scheduled: the offset to the database's clock.
    if let Err(e) = app.sync_shared_time().await {
        tracing::warn!(error = %e, "could not read the database's clock; using this instance's until the next try");
    }
    let stop = CancellationToken::new();
    let health = tokio::spawn(crate::health::serve(
        listener,
        crate::health::router(store, metrics)
            .merge(crate::pages::router(app.clone()))
            .merge(crate::ingest::router(app.clone())),
        crate::health::Limits::default(),
        stop.clone(),
    ));
    match crate::app::comms::load(&app).await {
        Ok(Some(summary)) => tracing::info!(plan = %summary, "communication plan loaded"),
        Ok(None) => {
            tracing::info!(dir = %app.settings.messages_dir.display(), "no plan.toml; running without a communication plan")
        }
        Err(problems) => {
            let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
            return Err(RunError::Setup(format!(
                "the plan has {}: {}",
                count(lines.len() as i64, "problem", "problems"),
                lines.join(" | ")
            )));
        }
    }
    let scheduler = crate::scheduler::spawn(app.clone(), stop.clone());
    let instance = format!("herald-{}", uuid::Uuid::new_v4().simple());
    let (role, lease) = crate::app::gateway::spawn(app.clone(), instance, stop.clone());
    let discord = crate::discord::start(app.clone(), token, stop.clone(), role);
    tracing::info!(%health_addr, backend = app.store.backend().name(), "Herald started");
    let mut tasks = vec![scheduler, health];
    tasks.extend(lease);
    Ok(Running {
        app,
        health_addr,
        stop,
        tasks,
        discord,
    })
}

/// `herald run`: launch, then wait for Ctrl-C or SIGTERM and stop in order.
pub async fn run(settings: Settings) -> Result<(), RunError> {
    let running = launch(settings, Arc::new(SystemClock)).await?;
    shutdown_signal().await;
    tracing::info!("shutdown requested; finishing in-flight work");
    running.stop().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// The privacy key, after moving it from `privacy.old_key_file` if only that exists.
fn privacy_key(settings: &Settings) -> Result<crate::app::pulse::key::PrivacyKey, RunError> {
    let key_file = &settings.privacy_key_file;
    if let Some(old) = settings.privacy_old_key_file.as_ref() {
        if old.is_file() && !key_file.exists() {
            std::fs::rename(old, key_file).map_err(|e| {
                RunError::Setup(format!(
                    "privacy.old_key_file {}: cannot move it to {}: {e}",
                    old.display(),
                    key_file.display()
                ))
            })?;
            tracing::info!("moved the privacy key to privacy.key_file");
        }
    }
    crate::app::pulse::key::PrivacyKey::load_or_create(key_file).map_err(RunError::Setup)
}

#[cfg(test)]
mod key_tests {
    use super::*;

    #[test]
    fn an_old_key_is_moved_once_and_never_over_an_existing_one() {
        let dir = tempfile::tempdir().expect("dir");
        let (old, new) = (dir.path().join("old"), dir.path().join("new"));
        let hex = "ab".repeat(32);
        std::fs::write(&old, &hex).expect("old key");
        let mut settings = Settings::defaults();
        settings.privacy_key_file = new.clone();
        settings.privacy_old_key_file = Some(old.clone());
        privacy_key(&settings).expect("moved");
        assert_eq!(std::fs::read_to_string(&new).expect("new").trim(), hex);
        assert!(!old.exists(), "moved, not copied");
        std::fs::write(&old, "cd".repeat(32)).expect("another old key");
        privacy_key(&settings).expect("kept");
        assert_eq!(
            std::fs::read_to_string(&new).expect("new").trim(),
            hex,
            "never replaced"
        );
    }
}
