//! Settings in layers: built-in defaults, then `herald.toml`, then `HERALD__SECTION__KEY`.
//!
//! Every value remembers where it came from, so an error can say "herald.toml:4:7" or
//! "environment variable HERALD__HTTP__LISTEN" instead of leaving the reader to guess.
//! The Discord token is a [`Secret`]: it has no `Display` and its `Debug` is redacted.
//! No error message echoes a value (it may be a secret pasted into the wrong key); a URL
//! is only ever shown through [`redact_url`].

mod debug;
mod file;
mod redact;
mod secret;

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

pub use redact::{redact_url, scrub as scrub_url_secrets};
pub use secret::Secret;

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Default,
    File {
        path: PathBuf,
        line: usize,
        col: usize,
    },
    Env(String),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Default => write!(f, "built-in default"),
            Origin::File { path, line, col } => write!(f, "{}:{line}:{col}", path.display()),
            Origin::Env(var) => write!(f, "environment variable {var}"),
        }
    }
}

/// A setting that could not be read or is not allowed; one line, naming key and origin.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}: {key}: {message}")]
pub struct ConfigError {
    pub key: String,
    pub origin: Origin,
    pub message: String,
}

impl ConfigError {
    fn new(key: &str, origin: Origin, message: impl Into<String>) -> Self {
        Self {
            key: key.to_string(),
            origin,
            message: message.into(),
        }
    }
}

/// Where a webhook mirror posts, and in which shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MirrorKind {
    Slack,
    Teams,
    Json,
}

/// A configured webhook mirror; the URL is a secret (it embeds a token).
#[derive(Debug, Clone)]
pub struct Mirror {
    pub kind: MirrorKind,
    pub url: Secret,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// The validated, typed settings the rest of Herald reads. Its `Debug` (in `debug.rs`)
/// redacts every URL and never prints the token.
#[derive(Clone)]
pub struct Settings {
    pub database_url: String,
    pub database_max_connections: u32,
    pub discord_token: Option<Secret>,
    pub discord_api_base: Option<String>,
    pub discord_guild_id: Option<u64>,
    pub messages_dir: PathBuf,
    pub http_listen: SocketAddr,
    /// The address people open Herald's pages at (the dashboard's links); unset: the
    /// listen address over http.
    pub public_url: Option<String>,
    /// The key that signs dashboard links and sessions, kept outside the database;
    /// replacing the file revokes every link and session. Unset: beside the privacy key,
    /// named as it with `-dashboard` added.
    pub dashboard_key_file: Option<PathBuf>,
    pub min_group_size: u32,
    pub privacy_key_file: PathBuf,
    /// Where an earlier install kept the key: moved to `privacy_key_file` once, when that
    /// does not exist yet, so an upgrade keeps every stored answer linked to its key.
    pub privacy_old_key_file: Option<PathBuf>,
    pub log_format: LogFormat,
    pub change_lead_role: String,
    pub manager_role: String,
    /// The Discord role (by name) of leaders who sponsor the change: they see the whole
    /// dashboard and may receive the digest.
    pub sponsor_role: String,
    /// Where recognition cards go (a channel name); unset: the member's team channel.
    pub champions_channel: Option<String>,
    /// Recognitions one person may give per day.
    pub recognition_daily_cap: u32,
    /// The values a recognition may name.
    pub recognition_values: Vec<String>,
    /// Days after which a signal weighs half as much in the rolling score.
    pub sentiment_half_life_days: f64,
    /// An alert when a team's rolling score falls by more than this in 7 days…
    pub sentiment_alert_drop: f64,
    /// …or goes below this.
    pub sentiment_alert_floor: f64,
    /// Channels (by name) whose messages are scored as feedback; the text is never stored.
    pub feedback_channels: Vec<String>,
    /// Reactions to Herald's messages and their scores.
    pub reaction_scores: Vec<(String, f64)>,
    /// The bearer token `POST /api/v1/adoption` asks for (a secret; unset: ingest is off).
    pub adoption_token: Option<Secret>,
    /// Webhook mirrors by name, from `[mirrors.NAME]` with `kind` and `url`.
    pub mirrors: std::collections::BTreeMap<String, Mirror>,
    origins: HashMap<&'static str, Origin>,
}

/// Every key Herald knows, as `section.key`.
pub const KEYS: &[&str] = &[
    "database.url",
    "database.max_connections",
    "discord.token",
    "discord.token_file",
    "discord.api_base",
    "discord.guild_id",
    "messages.dir",
    "http.listen",
    "http.public_url",
    "http.dashboard_key_file",
    "privacy.min_group_size",
    "privacy.key_file",
    "privacy.old_key_file",
    "log.format",
    "roles.change_lead",
    "roles.manager",
    "roles.sponsor",
    "champions.channel",
    "champions.daily_cap",
    "champions.values",
    "sentiment.half_life_days",
    "sentiment.alert_drop",
    "sentiment.alert_floor",
    "sentiment.feedback_channels",
    "sentiment.reactions",
    "adoption.token",
];

/// Raw string values per key, each with its origin, before typing.
pub(crate) type RawLayer = Vec<(String, String, Origin)>;

impl Settings {
    /// Loads settings from the optional file and the given environment.
    ///
    /// `file` is the explicit `--config` path; without it `HERALD_CONFIG`, then `herald.toml`
    /// in the working directory (if present) are used.
    pub fn load(file: Option<&Path>, env: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let mut raw = RawLayer::new();
        if let Some(path) = choose_file(file, env) {
            raw.extend(file::read(&path)?);
        }
        raw.extend(env_layer(env)?);
        Self::from_raw(raw)
    }

    /// Loads settings from the process environment.
    pub fn from_process(file: Option<&Path>) -> Result<Self, ConfigError> {
        let env: HashMap<String, String> = std::env::vars().collect();
        Self::load(file, &env)
    }

    /// Where a key's value came from (the default when nobody set it).
    pub fn origin(&self, key: &str) -> Origin {
        self.origins.get(key).cloned().unwrap_or(Origin::Default)
    }

    /// Whether Herald talks to a local simulator rather than Discord.
    pub fn uses_simulator(&self) -> bool {
        self.discord_api_base.is_some()
    }

    /// Where Herald's pages are opened: `http.public_url`, or the listen address.
    pub fn public_base(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.http_listen))
    }

    /// The dashboard key's file: `http.dashboard_key_file`, or beside the privacy key.
    pub fn dashboard_key_path(&self) -> PathBuf {
        self.dashboard_key_file.clone().unwrap_or_else(|| {
            let mut name = self.privacy_key_file.clone().into_os_string();
            name.push("-dashboard");
            PathBuf::from(name)
        })
    }

    pub(crate) fn defaults() -> Self {
        Self {
            database_url: "sqlite://herald.db".into(),
            database_max_connections: 10,
            discord_token: None,
            discord_api_base: None,
            discord_guild_id: None,
            messages_dir: PathBuf::from("messages"),
            http_listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            dashboard_key_file: None,
            min_group_size: 5,
            privacy_key_file: PathBuf::from(".herald-key"),
            privacy_old_key_file: None,
            log_format: LogFormat::Pretty,
            change_lead_role: "Change Lead".into(),
            manager_role: "Manager".into(),
            sponsor_role: "Sponsor".into(),
            champions_channel: None,
            recognition_daily_cap: 10,
            recognition_values: ["Helped a colleague", "Early adopter", "Great feedback"]
                .map(String::from)
                .to_vec(),
            sentiment_half_life_days: 14.0,
            sentiment_alert_drop: 0.3,
            sentiment_alert_floor: -0.2,
            feedback_channels: vec![],
            reaction_scores: parse_reactions(DEFAULT_REACTIONS).unwrap_or_default(),
            adoption_token: None,
            mirrors: Default::default(),
            origins: HashMap::new(),
        }
    }

    fn from_raw(raw: RawLayer) -> Result<Self, ConfigError> {
        let mut s = Self::defaults();
        let mut token_file = None;
        let mut mirrors: HashMap<String, (Option<MirrorKind>, Option<Secret>, Origin)> =
            HashMap::new();
        for (key, value, origin) in raw {
            if let Some(rest) = key.strip_prefix("mirrors.") {
                mirror_setting(&mut mirrors, rest, &value, origin)?;
                continue;
            }
            let k =
                KEYS.iter().find(|k| **k == key).copied().ok_or_else(|| {
                    ConfigError::new(&key, origin.clone(), unknown_key_message(&key))
                })?;
            let err = |m: String| ConfigError::new(k, origin.clone(), m);
            match k {
                "database.url" => s.database_url = parse_db_url(&value).map_err(err)?,
                "database.max_connections" => {
                    s.database_max_connections = parse_num(&value).map_err(err)?
                }
                "discord.token" => s.discord_token = Some(Secret::new(value.trim())),
                "discord.token_file" => token_file = Some((PathBuf::from(value), origin.clone())),
                "discord.api_base" => s.discord_api_base = Some(parse_base(&value).map_err(err)?),
                "discord.guild_id" => s.discord_guild_id = Some(parse_num(&value).map_err(err)?),
                "messages.dir" => s.messages_dir = PathBuf::from(value),
                "http.listen" => s.http_listen = parse_addr(&value).map_err(err)?,
                "http.public_url" => s.public_url = Some(parse_base(&value).map_err(err)?),
                "http.dashboard_key_file" => s.dashboard_key_file = Some(PathBuf::from(value)),
                "privacy.min_group_size" => s.min_group_size = parse_group(&value).map_err(err)?,
                "privacy.key_file" => s.privacy_key_file = PathBuf::from(value),
                "privacy.old_key_file" => s.privacy_old_key_file = Some(PathBuf::from(value)),
                "log.format" => s.log_format = parse_log_format(&value).map_err(err)?,
                "roles.change_lead" => s.change_lead_role = non_empty(&value).map_err(err)?,
                "roles.manager" => s.manager_role = non_empty(&value).map_err(err)?,
                "roles.sponsor" => s.sponsor_role = non_empty(&value).map_err(err)?,
                "champions.channel" => s.champions_channel = Some(non_empty(&value).map_err(err)?),
                "champions.daily_cap" => {
                    s.recognition_daily_cap = parse_num(&value).map_err(err)?
                }
                "champions.values" => s.recognition_values = parse_values(&value).map_err(err)?,
                "sentiment.half_life_days" => {
                    s.sentiment_half_life_days = parse_float(&value, 1.0, 365.0).map_err(err)?
                }
                "sentiment.alert_drop" => {
                    s.sentiment_alert_drop = parse_float(&value, 0.01, 2.0).map_err(err)?
                }
                "sentiment.alert_floor" => {
                    s.sentiment_alert_floor = parse_float(&value, -1.0, 1.0).map_err(err)?
                }
                "sentiment.feedback_channels" => {
                    s.feedback_channels = parse_values(&value).map_err(err)?
                }
                "sentiment.reactions" => {
                    s.reaction_scores = parse_reactions(&value).map_err(err)?
                }
                "adoption.token" => {
                    s.adoption_token = Some(Secret::new(non_empty(&value).map_err(err)?))
                }
                _ => unreachable!("every key in KEYS is matched"),
            }
            s.origins.insert(k, origin);
        }
        for (name, (kind, url, origin)) in mirrors {
            let missing = |what: &str| {
                ConfigError::new(
                    &format!("mirrors.{name}"),
                    origin.clone(),
                    format!("a mirror needs both kind and url; `{what}` is missing"),
                )
            };
            let kind = kind.ok_or_else(|| missing("kind"))?;
            let url = url.ok_or_else(|| missing("url"))?;
            s.mirrors.insert(name, Mirror { kind, url });
        }
        if s.discord_token.is_none() {
            if let Some((path, origin)) = token_file {
                s.discord_token = Some(read_token_file(&path, origin)?);
            }
        }
        Ok(s)
    }
}

type MirrorParts = (Option<MirrorKind>, Option<Secret>, Origin);

/// `mirrors.NAME.kind` or `mirrors.NAME.url`.
fn mirror_setting(
    mirrors: &mut HashMap<String, MirrorParts>,
    rest: &str,
    value: &str,
    origin: Origin,
) -> Result<(), ConfigError> {
    let key = format!("mirrors.{rest}");
    let Some((name, field)) = rest.split_once('.') else {
        return Err(ConfigError::new(
            &key,
            origin,
            "write mirrors as [mirrors.NAME] with `kind` (slack, teams or json) and `url`",
        ));
    };
    let entry = mirrors
        .entry(name.to_string())
        .or_insert((None, None, origin.clone()));
    match field {
        "kind" => {
            entry.0 = Some(match value.trim() {
                "slack" => MirrorKind::Slack,
                "teams" => MirrorKind::Teams,
                "json" => MirrorKind::Json,
                _ => {
                    return Err(ConfigError::new(
                        &key,
                        origin,
                        "expected `slack`, `teams` or `json`",
                    ))
                }
            })
        }
        "url" => {
            parse_base(value).map_err(|m| {
                ConfigError::new(
                    &key,
                    origin.clone(),
                    m.replace("http://127.0.0.1:PORT", "https://hooks.example.com/…"),
                )
            })?;
            entry.1 = Some(Secret::new(value.trim()));
        }
        other => {
            return Err(ConfigError::new(
                &key,
                origin,
                format!("unknown mirror setting `{other}`; a mirror takes `kind` and `url`"),
            ))
        }
    }
    Ok(())
}

fn choose_file(explicit: Option<&Path>, env: &HashMap<String, String>) -> Option<PathBuf> {
    if let Some(p) = explicit {
        return Some(p.to_path_buf());
    }
    if let Some(p) = env.get("HERALD_CONFIG") {
        return Some(PathBuf::from(p));
    }
    let default = PathBuf::from("herald.toml");
    default.exists().then_some(default)
}

/// `HERALD__SECTION__KEY=value` and the `DISCORD_TOKEN` alias, in a stable order.
fn env_layer(env: &HashMap<String, String>) -> Result<RawLayer, ConfigError> {
    let mut out = RawLayer::new();
    if let Some(token) = env.get("DISCORD_TOKEN") {
        out.push((
            "discord.token".into(),
            token.clone(),
            Origin::Env("DISCORD_TOKEN".into()),
        ));
    }
    let mut vars: Vec<_> = env
        .iter()
        .filter(|(k, _)| k.starts_with("HERALD__"))
        .collect();
    vars.sort();
    for (var, value) in vars {
        let key = var["HERALD__".len()..]
            .to_ascii_lowercase()
            .replace("__", ".");
        if !KEYS.contains(&key.as_str()) && !key.starts_with("mirrors.") {
            return Err(ConfigError::new(
                &key,
                Origin::Env(var.clone()),
                unknown_key_message(&key),
            ));
        }
        out.push((key, value.clone(), Origin::Env(var.clone())));
    }
    Ok(out)
}

fn unknown_key_message(key: &str) -> String {
    let hint = crate::domain::closest::or_list(key, KEYS, "known settings are");
    format!("unknown setting `{key}`{hint}")
}

fn read_token_file(path: &Path, origin: Origin) -> Result<Secret, ConfigError> {
    // The path is not echoed: a token pasted here by mistake would be printed.
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConfigError::new(
            "discord.token_file",
            origin.clone(),
            format!(
                "cannot read the file it names ({}); if you wrote the token itself there, set discord.token instead",
                e.kind()
            ),
        )
    })?;
    Ok(Secret::new(text.trim()))
}

fn non_empty(v: &str) -> Result<String, String> {
    let v = v.trim();
    if v.is_empty() {
        return Err("must not be empty".into());
    }
    Ok(v.to_string())
}

fn parse_db_url(v: &str) -> Result<String, String> {
    let v = non_empty(v)?;
    let ok_scheme = ["sqlite:", "postgres://", "postgresql://"]
        .iter()
        .any(|p| v.starts_with(p));
    if !ok_scheme {
        let shown = redact::redacted(&v).map_or("the value".into(), |u| format!("`{u}`"));
        return Err(format!(
            "{shown} is not a database URL; use sqlite://herald.db or postgres://user@host/db"
        ));
    }
    if v.starts_with("postgres") {
        // Not echoed: an unparsable URL cannot be redacted and may hold a password.
        url::Url::parse(&v).map_err(|e| format!("the PostgreSQL URL is not a valid URL ({e})"))?;
    }
    Ok(v)
}

fn parse_num<T: std::str::FromStr>(v: &str) -> Result<T, String> {
    v.trim()
        .parse()
        .map_err(|_| "expected a whole number".to_string())
}

fn parse_group(v: &str) -> Result<u32, String> {
    let n: u32 = parse_num(v)?;
    if n < 3 {
        return Err(format!(
            "is {n}, but groups smaller than 3 would expose individuals; use 3 or more"
        ));
    }
    Ok(n)
}

fn parse_addr(v: &str) -> Result<SocketAddr, String> {
    v.trim()
        .parse()
        .map_err(|_| "expected an address like 127.0.0.1:8080".to_string())
}

fn parse_base(v: &str) -> Result<String, String> {
    let v = v.trim().trim_end_matches('/');
    if !(v.starts_with("http://") || v.starts_with("https://")) {
        let got = redact::redacted(v).map_or(String::new(), |u| format!(", got `{u}`"));
        return Err(format!("expected a URL like http://127.0.0.1:PORT{got}"));
    }
    Ok(v.to_string())
}

fn parse_log_format(v: &str) -> Result<LogFormat, String> {
    match v.trim() {
        "pretty" => Ok(LogFormat::Pretty),
        "json" => Ok(LogFormat::Json),
        _ => Err("expected `pretty` or `json`".to_string()),
    }
}

#[cfg(test)]
mod tests;

/// `"Helped a colleague, Early adopter"` → the list; at least one, each at most 80 characters.
fn parse_values(value: &str) -> Result<Vec<String>, String> {
    let list: Vec<String> = value
        .split(',')
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect();
    if list.is_empty() || list.iter().any(|v| v.chars().count() > 80) {
        return Err("write the values separated by commas, e.g. \"Helped a colleague, Early adopter\" (each up to 80 characters)".into());
    }
    Ok(list)
}

/// Reactions scored by default: 👍 ❤️ 🎉 positive, 😕 negative, 👎 😡 strongly negative.
pub const DEFAULT_REACTIONS: &str = "👍=1, ❤️=1, 🎉=1, 🙌=1, 😕=-0.5, 👎=-1, 😡=-1";

/// `"👍=1, 😕=-0.5"` → [(👍, 1.0), (😕, −0.5)]; each score in [−1, 1].
fn parse_reactions(value: &str) -> Result<Vec<(String, f64)>, String> {
    let hint = "write reactions as `emoji=score` separated by commas, e.g. \"👍=1, 😕=-0.5\", scores from -1 to 1";
    value
        .split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            let (emoji, score) = p.split_once('=').ok_or(hint)?;
            let score: f64 = score.trim().parse().map_err(|_| hint)?;
            if !(-1.0..=1.0).contains(&score) || emoji.trim().is_empty() {
                return Err(hint.to_string());
            }
            Ok((emoji.trim().to_string(), score))
        })
        .collect()
}

/// A number within [min, max].
fn parse_float(value: &str, min: f64, max: f64) -> Result<f64, String> {
    value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| (min..=max).contains(v))
        .ok_or_else(|| format!("expected a number from {min} to {max}"))
}
