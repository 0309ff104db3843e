//! One rule for showing a URL that may hold a secret, used by every message and log line
//! that names one (the database URL, a webhook mirror, the Discord API base).
//!
//! A URL keeps its scheme, host and port; a database URL also keeps its user and its
//! database (or file) name. Everything else that can carry a secret becomes `***`: a
//! password, every query value (`?password=***&sslmode=***`), a fragment, and outside a
//! database URL the user and the path too (a webhook's path is its token). A scheme is
//! shown only if it is a well-known one: in `TOKEN:rest` the "scheme" is the secret. Text
//! that is not a URL cannot be taken apart, so none of it is shown.

use std::cmp::Reverse;

use url::Url;

/// Schemes whose path names a database or a file rather than carrying a token.
const DATABASE_SCHEMES: &[&str] = &["sqlite", "postgres", "postgresql"];

/// Schemes that may be shown as written; any other is text someone typed, maybe a secret.
const KNOWN_SCHEMES: &[&str] = &[
    "sqlite",
    "postgres",
    "postgresql",
    "mysql",
    "mariadb",
    "mssql",
    "redis",
    "http",
    "https",
    "ws",
    "wss",
    "ftp",
    "file",
];

const HIDDEN: &str = "***";

/// What a message shows instead of text that is not a URL: it cannot be redacted.
pub const NOT_A_URL: &str = "[not a URL, not shown]";

/// Parts of a secret shorter than this are not searched for in free text: matching a
/// couple of characters would only garble the message around them.
const MIN_SCRUB: usize = 4;

/// `text` as it may be shown: redacted if it is a URL, [`NOT_A_URL`] if it is not.
pub fn redact_url(text: &str) -> String {
    redacted(text).unwrap_or_else(|| NOT_A_URL.to_string())
}

/// `text` redacted, or `None` when it is not a URL (then show nothing of it).
pub fn redacted(text: &str) -> Option<String> {
    let mut url = Url::parse(text.trim()).ok()?;
    let database = is_database(&url);
    hide_user_info(&mut url, database);
    if !database {
        hide_path(&mut url);
    }
    hide_query(&mut url);
    if url.fragment().is_some() {
        url.set_fragment(Some(HIDDEN));
    }
    let shown = url.to_string();
    if KNOWN_SCHEMES.contains(&url.scheme()) {
        return Some(shown);
    }
    // A scheme is ASCII, so its length in bytes is where the rest begins.
    Some(format!("{HIDDEN}{}", &shown[url.scheme().len()..]))
}

/// `message` with every secret part of `url` replaced: for text written elsewhere (a
/// database driver's error) that may quote the URL it was handed.
pub fn scrub(message: &str, url: &str) -> String {
    let mut secrets = secrets_of(url);
    secrets.retain(|s| s.len() >= MIN_SCRUB);
    // Longest first, so a password is not half-replaced by a shorter secret inside it.
    secrets.sort_by_key(|s| Reverse(s.len()));
    secrets
        .iter()
        .fold(message.to_string(), |m, s| m.replace(s.as_str(), HIDDEN))
}

/// The pieces of `text` that [`redacted`] hides, as written and percent-decoded.
fn secrets_of(text: &str) -> Vec<String> {
    let text = text.trim();
    let mut out = vec![text.to_string()];
    let Ok(url) = Url::parse(text) else {
        return out;
    };
    let database = is_database(&url);
    let mut raw: Vec<&str> = url.password().into_iter().collect();
    raw.extend(url.query().into_iter().flat_map(query_values));
    raw.extend(url.fragment());
    if !KNOWN_SCHEMES.contains(&url.scheme()) {
        raw.push(url.scheme());
    }
    if !database {
        raw.extend([url.username(), url.path()]);
        raw.extend(url.path_segments().into_iter().flatten());
    }
    for piece in raw.into_iter().filter(|p| !p.is_empty()) {
        out.push(piece.to_string());
        out.push(percent_decoded(piece));
        // In a query, `+` is a space too.
        out.push(percent_decoded(&piece.replace('+', " ")));
    }
    out
}

/// `%3D` → `=`; a `%` not followed by two hex digits stays as written.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A path that names a database: SQLite's file, or PostgreSQL's database after a host.
/// `postgres:/u:pw@db` has no host, so its "path" may be anything and is hidden.
fn is_database(url: &Url) -> bool {
    match url.scheme() {
        "sqlite" => true,
        s => DATABASE_SCHEMES.contains(&s) && url.has_host(),
    }
}

/// Each query pair's value; a pair without `=` is all value.
fn query_values(query: &str) -> impl Iterator<Item = &str> {
    query
        .split('&')
        .map(|pair| pair.split_once('=').map_or(pair, |(_, v)| v))
}

fn hide_user_info(url: &mut Url, database: bool) {
    if url.password().is_some() {
        let _ = url.set_password(Some(HIDDEN));
    }
    if !database && !url.username().is_empty() {
        let _ = url.set_username(HIDDEN);
    }
}

fn hide_path(url: &mut Url) {
    if url.cannot_be_a_base() {
        if !url.path().is_empty() {
            url.set_path(HIDDEN);
        }
    } else if !matches!(url.path(), "" | "/") {
        url.set_path(&format!("/{HIDDEN}"));
    }
}

fn hide_query(url: &mut Url) {
    let Some(query) = url.query() else { return };
    let shown: Vec<String> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) => format!("{key}={HIDDEN}"),
            None => HIDDEN.to_string(),
        })
        .collect();
    url.set_query((!shown.is_empty()).then(|| shown.join("&")).as_deref());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_url_keeps_its_user_host_and_name_but_not_its_password() {
        assert_eq!(
            redact_url("postgres://bob:hunter2@db:5432/herald"),
            "postgres://bob:***@db:5432/herald"
        );
        assert_eq!(redact_url("sqlite://herald.db"), "sqlite://herald.db");
        assert_eq!(redact_url("sqlite::memory:"), "sqlite::memory:");
    }

    #[test]
    fn every_query_value_is_hidden_and_the_keys_stay() {
        assert_eq!(
            redact_url("postgres://bob@db/x?password=hunter2&sslmode=require&flag"),
            "postgres://bob@db/x?password=***&sslmode=***&***"
        );
    }

    #[test]
    fn a_webhook_keeps_only_its_scheme_and_host() {
        assert_eq!(
            redact_url("https://hooks.slack.com/services/T0/B0/secret#frag"),
            "https://hooks.slack.com/***#***"
        );
        assert_eq!(
            redact_url("https://token@hooks.example.com/"),
            "https://***@hooks.example.com/"
        );
        assert_eq!(
            redact_url("http://127.0.0.1:9000"),
            "http://127.0.0.1:9000/"
        );
    }

    #[test]
    fn an_unknown_scheme_is_hidden_with_the_path_as_a_webhook_would_be() {
        assert_eq!(
            redact_url("postgre://bob:hunter2@db/x"),
            "***://***:***@db/***"
        );
        assert_eq!(redact_url("hunter2canary:9/x"), "***:***");
        assert_eq!(redact_url("mysql://db/x"), "mysql://db/***");
    }

    #[test]
    fn a_postgres_url_without_a_host_hides_what_looks_like_its_path() {
        assert_eq!(
            redact_url("postgresql:/bob:hunter2@db/x"),
            "postgresql:/***"
        );
        assert_eq!(redact_url("postgres:bob:hunter2@db"), "postgres:***");
    }

    #[test]
    fn text_that_is_not_a_url_is_not_shown_at_all() {
        assert_eq!(redacted("postgres://bob:hunter2@[::1/x"), None);
        assert_eq!(redact_url("hooks.slack.com/T0/secret"), NOT_A_URL);
    }

    #[test]
    fn scrubbing_takes_every_secret_of_a_url_out_of_someone_elses_message() {
        let url = "postgres://bob:hunt%3Der2@db/x?password=sesame42&sslmode=disable";
        let message =
            format!("could not connect to {url}: bad password hunt=er2, sslmode disable, sesame42");
        let scrubbed = scrub(&message, url);
        for secret in ["hunt%3Der2", "hunt=er2", "sesame42", "disable"] {
            assert!(!scrubbed.contains(secret), "{secret} in {scrubbed}");
        }
        assert!(scrubbed.contains("could not connect to ***"), "{scrubbed}");
    }
}
