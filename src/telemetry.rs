//! Logging through `tracing`: `RUST_LOG` picks the level, `log.format` pretty or JSON.
//!
//! Herald's own events may go down to `trace`; every other crate is held at `warn`
//! whatever `RUST_LOG` says, because below that the websocket, gateway, HTTP and database
//! layers print whole payloads: members' answers inside custom_ids, pulse comments,
//! feedback messages. `HERALD_LOG_UNSAFE=1` takes `RUST_LOG` as written (to debug a
//! dependency) and says so in the log's first line.

use std::io::IsTerminal;

use tracing::{Level, Metadata, Subscriber};
use tracing_subscriber::filter::{EnvFilter, FilterFn};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::prelude::*;

use crate::config::LogFormat;

/// Without `RUST_LOG` (or with one that does not parse). Other crates need no directive of
/// their own: the cap below holds them at `warn` already.
const DEFAULT_FILTER: &str = "info";

/// What may reach the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogPolicy {
    /// `RUST_LOG`'s directives, if set.
    directives: Option<String>,
    /// `HERALD_LOG_UNSAFE=1`: other crates are not held at `warn`.
    unsafe_all: bool,
}

impl LogPolicy {
    /// From `RUST_LOG` and `HERALD_LOG_UNSAFE`.
    pub fn from_env() -> Self {
        Self::new(
            std::env::var("RUST_LOG").ok(),
            std::env::var("HERALD_LOG_UNSAFE").ok(),
        )
    }

    /// Only the exact `1` lifts the cap: a stray `0`, `false` or empty value keeps it.
    pub fn new(rust_log: Option<String>, unsafe_flag: Option<String>) -> Self {
        Self {
            directives: rust_log,
            unsafe_all: unsafe_flag.as_deref().map(str::trim) == Some("1"),
        }
    }

    fn env_filter(&self) -> EnvFilter {
        self.directives
            .as_deref()
            .and_then(|d| EnvFilter::try_new(d).ok())
            .unwrap_or_else(|| EnvFilter::new(DEFAULT_FILTER))
    }
}

/// Whether an event or span may pass the cap: Herald's own at any level, others' at
/// `warn` and `error` only. Spans count too: a dependency's span fields are printed
/// beside every event inside it.
fn within_cap(meta: &Metadata<'_>) -> bool {
    is_herald(meta.target()) || *meta.level() <= Level::WARN
}

fn is_herald(target: &str) -> bool {
    target == "herald" || target.starts_with("herald::")
}

/// The subscriber `policy` asks for, writing to `writer` (with colour codes only if `ansi`).
pub fn subscriber<W>(
    policy: &LogPolicy,
    format: LogFormat,
    writer: W,
    ansi: bool,
) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    // The cap sits before RUST_LOG's filter, so no directive can reopen what it closes.
    let cap = (!policy.unsafe_all).then(|| FilterFn::new(within_cap));
    let layers = tracing_subscriber::registry()
        .with(cap)
        .with(policy.env_filter());
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(writer)
        .with_ansi(ansi);
    match format {
        LogFormat::Pretty => Box::new(layers.with(fmt)),
        LogFormat::Json => Box::new(layers.with(fmt.json())),
    }
}

/// Colour only on a terminal, and never when `NO_COLOR` is set to anything non-empty
/// (no-color.org).
fn colour_allowed(terminal: bool, no_color: Option<std::ffi::OsString>) -> bool {
    terminal && no_color.is_none_or(|v| v.is_empty())
}

/// Installs the global subscriber once; later calls (tests) are ignored. A log written to
/// a file or a pipe gets no colour codes, nor does anyone who sets `NO_COLOR`.
pub fn init(format: LogFormat) {
    let policy = LogPolicy::from_env();
    let ansi = colour_allowed(
        std::io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR"),
    );
    let installed = subscriber(&policy, format, std::io::stderr, ansi)
        .try_init()
        .is_ok();
    if installed && policy.unsafe_all {
        tracing::warn!(
            "HERALD_LOG_UNSAFE=1: RUST_LOG applies to every crate, so personal text \
             (messages, pulse answers and comments, feedback) may reach this log"
        );
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use super::*;

    const CANARY: &str = "canary-3c1f7 my honest comment";

    #[test]
    fn colour_only_on_a_terminal_and_never_with_no_color() {
        assert!(colour_allowed(true, None));
        assert!(!colour_allowed(false, None), "a file or a pipe");
        assert!(!colour_allowed(true, Some("1".into())), "NO_COLOR=1");
        assert!(
            colour_allowed(true, Some("".into())),
            "an empty NO_COLOR counts as unset"
        );
    }

    /// A writer the test can read back.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if let Ok(mut v) = self.0.lock() {
                v.extend_from_slice(buf);
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        fn text(&self) -> String {
            self.0
                .lock()
                .map(|v| String::from_utf8_lossy(&v).into_owned())
                .unwrap_or_default()
        }
    }

    /// What `RUST_LOG=rust_log` (and `HERALD_LOG_UNSAFE=flag`) lets through of a
    /// dependency's trace payload, its warning, its span, and Herald's own trace line.
    fn log_of(rust_log: &str, flag: Option<&str>) -> String {
        let out = Captured::default();
        let writer = out.clone();
        let policy = LogPolicy::new(Some(rust_log.into()), flag.map(String::from));
        let sub = subscriber(&policy, LogFormat::Pretty, move || writer.clone(), false);
        tracing::subscriber::with_default(sub, || {
            tracing::trace!(target: "tungstenite::protocol", "received frame {CANARY}");
            tracing::debug!(target: "gateway_client::shard", payload = CANARY, "event");
            tracing::info!(target: "h2::codec", "{CANARY}");
            tracing::warn!(target: "hyper::proto", "connection reset");
            let span = tracing::info_span!(target: "command_framework::dispatch", "dispatch", custom_id = CANARY);
            let _inside = span.enter();
            tracing::trace!(answers = 5, "herald's own trace line");
        });
        out.text()
    }

    #[test]
    fn at_rust_log_trace_other_crates_print_only_their_warnings() {
        let log = log_of("trace", None);
        assert!(!log.contains("canary-3c1f7"), "{log}");
        assert!(log.contains("connection reset"), "{log}");
        assert!(log.contains("herald's own trace line"), "{log}");
    }

    #[test]
    fn a_directive_naming_a_crate_cannot_reopen_it() {
        let log = log_of(
            "warn,gateway_client=trace,tungstenite=trace,command_framework=trace",
            None,
        );
        assert!(!log.contains("canary-3c1f7"), "{log}");
    }

    #[test]
    fn herald_log_unsafe_takes_rust_log_as_written() {
        let log = log_of("trace", Some("1"));
        assert!(log.contains("received frame canary-3c1f7"), "{log}");
        assert!(log.contains("custom_id"), "{log}");
    }

    #[test]
    fn only_the_exact_one_lifts_the_cap() {
        for flag in ["0", "true", "", "yes"] {
            let log = log_of("trace", Some(flag));
            assert!(
                !log.contains("canary-3c1f7"),
                "HERALD_LOG_UNSAFE={flag}: {log}"
            );
        }
    }
}
