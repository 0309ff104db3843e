//! The bounds every template render runs within: fuel (a budget of steps), an output
//! cap and, on the async runtime, a blocking thread with a time limit, so a template's
//! loops cannot keep `plan check`, a reload, a send or a story busy.

use std::fmt;
use std::io;
use std::time::Duration;

use minijinja::{Environment, Value};

/// Steps (minijinja instructions) one render may take: about a millisecond of work. The
/// shipped templates take at most 37 (a test keeps them under 1 % of this), a loop over a
/// hundred rows a few thousand, and two nested `range(10000)` loops 200 million.
pub const FUEL: u64 = 20_000;

/// Bytes one render may write. Discord shows at most 6000 characters of a message, so no
/// real message comes near this, and a runaway loop stops before it costs memory.
pub const OUTPUT_CAP: usize = 64 * 1024;

/// How long a render on the async runtime may take. Fuel ends a render long before this;
/// the limit is there so that nothing a template does can hold a sender for longer.
pub const TIME_LIMIT: Duration = Duration::from_secs(2);

/// How long work that renders the whole plan (loading it, drawing a timeline) may take
/// on a blocking thread. It grows with the plan, which is why it is not [`TIME_LIMIT`].
pub const PLAN_TIME_LIMIT: Duration = Duration::from_secs(120);

/// A render that failed: what to tell the author and, when known, where in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderError {
    /// `(line, column)` in the template file.
    pub at: Option<(usize, usize)>,
    pub message: String,
    /// It ran out of fuel or passed the output cap: the same render fails the same way
    /// every time, so retrying it never helps.
    pub over_limit: bool,
}

impl RenderError {
    pub fn plain(message: impl Into<String>) -> Self {
        Self {
            at: None,
            message: message.into(),
            over_limit: false,
        }
    }

    pub(super) fn too_much_work(at: Option<(usize, usize)>) -> Self {
        Self {
            at,
            message: format!(
                "the template does too much work (more than {FUEL} steps); simplify the loops"
            ),
            over_limit: true,
        }
    }

    pub(super) fn too_long() -> Self {
        Self {
            at: None,
            message: format!(
                "the template writes more than {} KiB (Discord shows at most 6000 characters); simplify the loops so it writes less",
                OUTPUT_CAP / 1024
            ),
            over_limit: true,
        }
    }
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RenderError {}

/// What stopped a render, before the template file is known.
#[derive(Debug)]
pub(super) enum Stop {
    Engine(minijinja::Error),
    TooLong,
}

/// Output that refuses to grow past [`OUTPUT_CAP`]; minijinja stops at the refusal.
#[derive(Default)]
struct Capped {
    out: Vec<u8>,
    full: bool,
}

impl io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.out.len() + buf.len() > OUTPUT_CAP {
            self.full = true;
            return Err(io::Error::other("the output cap is reached"));
        }
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Renders `name` within the environment's fuel and the output cap.
pub(super) fn render(env: &Environment<'_>, name: &str, ctx: &Value) -> Result<String, Stop> {
    let template = env.get_template(name).map_err(Stop::Engine)?;
    let mut out = Capped::default();
    match template.render_captured_to(ctx, &mut out) {
        Ok(_) => Ok(String::from_utf8_lossy(&out.out).into_owned()),
        // The cap's own error replaces minijinja's, so the flag says which it was.
        Err(_) if out.full => Err(Stop::TooLong),
        Err(e) => Err(Stop::Engine(e)),
    }
}

/// Why work sent off the runtime came back without an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Abandoned {
    TooSlow(Duration),
    Failed(String),
}

impl fmt::Display for Abandoned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Abandoned::TooSlow(limit) => write!(f, "took longer than {} s", limit.as_secs()),
            Abandoned::Failed(e) => write!(f, "stopped unexpectedly ({e})"),
        }
    }
}

/// Runs `work` on a blocking thread for at most `limit`, so the async runtime keeps
/// serving while it runs. A thread cannot be stopped from outside, so one past its
/// limit is left to finish on its own (fuel ends a render's loops within milliseconds).
pub async fn off_runtime<T: Send + 'static>(
    limit: Duration,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Abandoned> {
    match tokio::time::timeout(limit, tokio::task::spawn_blocking(work)).await {
        Ok(Ok(done)) => Ok(done),
        Ok(Err(e)) => Err(Abandoned::Failed(e.to_string())),
        Err(_) => Err(Abandoned::TooSlow(limit)),
    }
}
