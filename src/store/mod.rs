//! Storage: the [`Store`] trait the app uses, and `connect` by URL scheme.
//!
//! One SQL implementation ([`sql::SqlStore`]) serves both backends through sqlx's `Any`
//! driver; the backend files hold only what differs (connection set-up, migrations, the
//! few statements whose SQL is not portable). Queries are checked at run time: there is
//! no database at build time.

pub mod actions;
pub mod adoption;
mod ballot_sets;
pub mod champions;
pub mod comms_state;
pub mod dashboard;
pub mod events;
pub mod lease;
pub mod outbox;
pub mod pulses;
pub mod replies;
pub mod sentiment;
mod sql;
pub mod stories;

pub mod postgres;
pub mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;

use crate::domain::ids::{ChannelId, GuildId, MemberId, RoleId};
use crate::domain::team::{Team, TeamName};

/// How long a query waits for a connection, and SQLite for another writer's lock (its
/// `busy_timeout` matches). Under Discord's 3 s deadline, so a person whose click finds the
/// database down hears "try again in a moment" instead of "the application did not respond".
pub const ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Which database is behind a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A failure to store or read.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A row that must be unique exists already; `what` names the constraint's meaning.
    #[error("{what} already exists")]
    Conflict { what: &'static str },
    /// The database could not be reached or answered with a transient failure.
    #[error("the database is unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    #[error(transparent)]
    Other(#[from] sqlx::Error),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Which Discord roles make someone a change lead or a manager in a guild.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleConfig {
    pub change_lead: Option<RoleId>,
    pub manager: Option<RoleId>,
}

/// Everything Herald keeps, behind one trait so both backends pass one conformance suite.
#[async_trait]
pub trait Store:
    outbox::Outbox
    + actions::Actions
    + adoption::Adoption
    + comms_state::CommsState
    + pulses::Pulses
    + replies::Replies
    + champions::Champions
    + sentiment::Sentiment
    + events::Events
    + stories::StoryDrafts
    + lease::Leases
    + dashboard::DashboardSessions
    + Send
    + Sync
    + 'static
{
    fn backend(&self) -> Backend;
    /// A cheap round trip, for health checks.
    async fn ping(&self) -> StoreResult<()>;
    /// The database's own clock, in Unix milliseconds: the one clock every instance shares.
    async fn db_now_ms(&self) -> StoreResult<i64>;
    /// Waits for in-flight queries and closes every connection.
    async fn close(&self);

    async fn upsert_guild(&self, guild: GuildId, name: &str, now_ms: i64) -> StoreResult<()>;
    /// Records members seen, in one transaction (a whole guild at GUILD_CREATE).
    async fn upsert_members(
        &self,
        guild: GuildId,
        members: &[(MemberId, String)],
        now_ms: i64,
    ) -> StoreResult<()>;
    async fn count_members(&self, guild: GuildId) -> StoreResult<i64>;
    /// The distinct display names of the members seen (to mask them before scoring).
    async fn member_names(&self, guild: GuildId) -> StoreResult<Vec<String>>;
    /// Replaces the stored roles of each listed member (an empty list: none, e.g. gone).
    async fn set_member_roles(
        &self,
        guild: GuildId,
        members: &[(MemberId, Vec<RoleId>)],
    ) -> StoreResult<()>;
    /// The members stored as holding `role`, as the gateway last showed them.
    async fn stored_role_members(&self, guild: GuildId, role: RoleId)
        -> StoreResult<Vec<MemberId>>;
    /// Every stored (role, member) pair of the guild, in one read: the members of many
    /// teams at once (the dashboard, the overview's team sizes).
    async fn stored_roles(&self, guild: GuildId) -> StoreResult<Vec<(RoleId, MemberId)>>;
    /// How many members hold each role, as the gateway last showed them.
    async fn role_sizes(&self, guild: GuildId) -> StoreResult<Vec<(RoleId, i64)>>;
    /// Every guild seen, oldest first.
    async fn guilds(&self) -> StoreResult<Vec<GuildId>>;

    async fn add_team(
        &self,
        guild: GuildId,
        name: &TeamName,
        role: RoleId,
        channel: ChannelId,
        now_ms: i64,
    ) -> StoreResult<Team>;
    async fn list_teams(&self, guild: GuildId) -> StoreResult<Vec<Team>>;
    async fn team_by_name(&self, guild: GuildId, name: &str) -> StoreResult<Option<Team>>;
    /// Removes a team by name (any case); `false` when there was none.
    async fn remove_team(&self, guild: GuildId, name: &str) -> StoreResult<bool>;

    async fn role_config(&self, guild: GuildId) -> StoreResult<RoleConfig>;
    async fn set_role_config(
        &self,
        guild: GuildId,
        roles: &RoleConfig,
        now_ms: i64,
    ) -> StoreResult<()>;
}

/// Why a database could not be opened; each says what to do.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("database.url `{url}` is not a database URL: {reason}. Use sqlite://herald.db or postgres://user@host/db")]
    BadUrl { url: String, reason: String },
    #[error("cannot reach the database at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("migrating the database failed: {0}")]
    Migrate(String),
}

/// Opens the database named by `url` (sqlite:// or postgres://) and applies migrations.
pub async fn connect(url: &str, max_connections: u32) -> Result<Arc<dyn Store>, ConnectError> {
    sqlx::any::install_default_drivers();
    let store = match backend_of(url)? {
        Backend::Sqlite => sqlite::open(url, max_connections).await?,
        Backend::Postgres => postgres::open(url, max_connections).await?,
    };
    store.migrate().await?;
    Ok(Arc::new(store))
}

fn backend_of(url: &str) -> Result<Backend, ConnectError> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else {
        // The scheme only from a parsed URL: in text that is not one, the part before
        // the first `:` may be anything, a password included.
        let reason = match url::Url::parse(url.trim()) {
            Ok(u) => format!("unknown scheme `{}`", u.scheme()),
            Err(_) => "it is not a URL".to_string(),
        };
        Err(ConnectError::BadUrl {
            url: redact_url(url),
            reason,
        })
    }
}

/// The one redaction rule for URLs (see `config::redact`), here for the store's messages.
pub use crate::config::redact_url;

/// The driver's words may quote the URL it was given (a bad `sslmode=` value, a host):
/// every secret part of it is taken out of them too.
fn unreachable(url: &str, e: &sqlx::Error) -> ConnectError {
    ConnectError::Unreachable {
        url: redact_url(url),
        reason: crate::config::scrub_url_secrets(&first_line(&e.to_string()), url),
    }
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_scheme_is_a_bad_url() {
        let err = backend_of("mysql://x/y").unwrap_err();
        assert!(err.to_string().contains("unknown scheme `mysql`"), "{err}");
    }

    #[test]
    fn a_password_never_reaches_a_message() {
        assert_eq!(
            redact_url("postgres://bob:hunter2@db/x"),
            "postgres://bob:***@db/x"
        );
    }

    #[test]
    fn a_bad_url_that_is_not_a_url_is_not_echoed_even_in_part() {
        let err = backend_of("hunter2canary@db/x").unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("hunter2canary"), "{shown}");
        assert!(shown.contains("it is not a URL"), "{shown}");
    }

    #[tokio::test]
    async fn an_unreachable_database_names_neither_password_nor_query_values() {
        let url = "postgres://u:hunter2canary@127.0.0.1:1/x?password=hunter2canary&application_name=hunter2canary";
        let Err(err) = connect(url, 1).await else {
            panic!("nothing listens on port 1");
        };
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("hunter2canary"), "{shown}");
        assert!(
            shown.contains(
                "cannot reach the database at postgres://u:***@127.0.0.1:1/x?password=***"
            ),
            "{shown}"
        );
    }
}
