//! Herald as a child process, for figures that must not include the bench's own work:
//! start-up time, CPU time and resident memory, read from `/proc`.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::sim::SimHandle;

/// Linux reports CPU time in `/proc/PID/stat` in these ticks per second (USER_HZ).
const TICKS_PER_SECOND: f64 = 100.0;

/// A running `herald run`.
pub struct HeraldProcess {
    child: tokio::process::Child,
    pid: u32,
    health: String,
}

impl HeraldProcess {
    /// Starts `herald run` with `env` (the `HERALD__…` settings) against `sim`; its log goes
    /// to `log`.
    pub fn spawn(
        exe: &Path,
        sim: &SimHandle,
        env: &[(&str, String)],
        log: &Path,
    ) -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let child = tokio::process::Command::new(exe)
            .arg("run")
            .env("DISCORD_TOKEN", "bench-token")
            .env("HERALD__DISCORD__API_BASE", sim.url())
            .env("HERALD__HTTP__LISTEN", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "warn")
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(log)?)
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()?;
        let pid = child
            .id()
            .ok_or_else(|| anyhow::anyhow!("the child has no pid"))?;
        Ok(Self {
            child,
            pid,
            health: format!("http://127.0.0.1:{port}/healthz"),
        })
    }

    /// Waits until `/healthz` answers 200 (database and gateway up) and the commands are
    /// registered; how long that took from `since`.
    pub async fn ready(
        &mut self,
        sim: &SimHandle,
        since: Instant,
        limit: Duration,
    ) -> anyhow::Result<Duration> {
        let client = reqwest::Client::new();
        while since.elapsed() < limit {
            if let Some(status) = self.child.try_wait()? {
                anyhow::bail!("Herald exited during start-up: {status}");
            }
            let healthy = client
                .get(&self.health)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if healthy && sim.commands_registered() {
                return Ok(since.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        anyhow::bail!("Herald was not ready within {limit:?}")
    }

    /// User plus system CPU time so far, in seconds.
    pub fn cpu_seconds(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).unwrap_or_default();
        // The command name may hold spaces; the fields after its closing parenthesis are fixed.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace().collect())
            .unwrap_or_default();
        let tick = |i: usize| {
            fields
                .get(i)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
        (tick(11) + tick(12)) / TICKS_PER_SECOND
    }

    /// Resident memory now and at its peak, in MiB.
    pub fn memory_mib(&self) -> (f64, f64) {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid)).unwrap_or_default();
        let kib = |key: &str| {
            status
                .lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(f64::NAN)
        };
        (kib("VmRSS:") / 1024.0, kib("VmHWM:") / 1024.0)
    }

    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}
