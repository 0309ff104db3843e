//! `herald bench`: every benchmark behind one command, printed as one table. Each bench
//! is also a `cargo bench --bench NAME` target that prints its own rows.
//!
//! Sizes come from `BENCH_*` environment variables (each bench's module says which), so
//! the same code runs at full size for the README and small in the test that checks every
//! row is printed.

pub mod adoption;
pub mod broadcast;
pub mod dashboard;
pub mod enterprise;
pub mod interactions;
pub mod process;
pub mod pulse;
pub mod scheduler;
pub mod sentiment;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::config::Settings;

/// Every bench, in the order `herald bench` runs them.
pub const ALL: [&str; 7] = [
    "interactions",
    "broadcast",
    "pulse",
    "scheduler",
    "sentiment",
    "adoption",
    "enterprise",
];

/// One measured figure: which bench, what, the value, and the target if there is one.
#[derive(Debug, Clone)]
pub struct Figure {
    pub bench: &'static str,
    pub measure: String,
    pub value: String,
    pub target: &'static str,
}

impl Figure {
    pub fn new(bench: &'static str, measure: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            bench,
            measure: measure.into(),
            value: value.into(),
            target: "",
        }
    }

    pub fn target(mut self, target: &'static str) -> Self {
        self.target = target;
        self
    }
}

/// Runs the named benches (all when `only` is empty), one after another.
pub async fn run(only: &[String], herald_exe: &Path) -> anyhow::Result<Vec<Figure>> {
    let names: Vec<&str> = if only.is_empty() {
        ALL.to_vec()
    } else {
        only.iter().map(String::as_str).collect()
    };
    if let Some(bad) = names.iter().find(|n| !ALL.contains(n)) {
        anyhow::bail!(
            "there is no bench `{bad}`; the benches are {}",
            ALL.join(", ")
        );
    }
    let mut figures = Vec::new();
    for name in names {
        eprintln!("bench {name} …");
        figures.extend(run_one(name, herald_exe).await?);
    }
    Ok(figures)
}

async fn run_one(name: &str, herald_exe: &Path) -> anyhow::Result<Vec<Figure>> {
    match name {
        "interactions" => interactions::run().await,
        "broadcast" => broadcast::run().await,
        "pulse" => pulse::run().await,
        "scheduler" => scheduler::run(herald_exe).await,
        "enterprise" => enterprise::run().await,
        "adoption" => adoption::run().await,
        _ => sentiment::run().await,
    }
}

/// The figures as one Markdown table.
pub fn table(figures: &[Figure]) -> String {
    let mut out = String::from("| bench | measure | value | target |\n|---|---|---|---|\n");
    for f in figures {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            f.bench,
            f.measure,
            f.value,
            if f.target.is_empty() { "—" } else { f.target }
        ));
    }
    out
}

/// The entry point of a `cargo bench --bench NAME` target.
pub fn main_for(name: &str, herald_exe: &str) {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let exe = PathBuf::from(herald_exe);
    match runtime.block_on(run(&[name.to_string()], &exe)) {
        Ok(figures) => print!("{}", table(&figures)),
        Err(e) => {
            eprintln!("bench {name} failed: {e:#}");
            std::process::exit(1);
        }
    }
}

/// A `BENCH_*` size from the environment, or its default.
pub fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The `p`th percentile of sorted values (nearest rank).
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Settings for an in-process Herald against the simulator at `sim_url`, with its SQLite
/// file and privacy key in `dir`, and `extra` settings on top.
pub fn settings(sim_url: &str, dir: &Path, extra: &[(&str, String)]) -> Settings {
    let mut env: HashMap<String, String> = [
        ("DISCORD_TOKEN", "bench-token".to_string()),
        ("HERALD__DISCORD__API_BASE", sim_url.to_string()),
        (
            "HERALD__DATABASE__URL",
            format!("sqlite://{}/bench.db", dir.display()),
        ),
        ("HERALD__HTTP__LISTEN", "127.0.0.1:0".to_string()),
        (
            "HERALD__PRIVACY__KEY_FILE",
            dir.join("key").display().to_string(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.clone())));
    Settings::load(None, &env).expect("bench settings are valid")
}

/// The simulator's ack latency percentiles as figures, the p99 with its target.
pub fn ack_figures(
    bench: &'static str,
    stats: &serde_json::Value,
    p99_target: &'static str,
) -> Vec<Figure> {
    let ack = &stats["interactions"]["ack_ms"];
    let mut out: Vec<Figure> = ["p50", "p90", "p99", "max"]
        .iter()
        .map(|p| {
            let value = format!("{:.2} ms", ack[*p].as_f64().unwrap_or(f64::NAN));
            let figure = Figure::new(bench, format!("ack latency {p}"), value);
            if *p == "p99" {
                figure.target(p99_target)
            } else {
                figure
            }
        })
        .collect();
    out.push(
        Figure::new(
            bench,
            "late acks (> 3 s) / double acks / simulator violations",
            format!(
                "{} / {} / {}",
                stats["interactions"]["late"],
                stats["interactions"]["double_acks"],
                stats["violations"].as_array().map_or(0, Vec::len)
            ),
        )
        .target("0 / 0 / 0"),
    );
    out
}

/// The 429 answers Herald met and the rules it broke, as the simulator counted them.
pub fn rate_limit_figure(bench: &'static str, stats: &serde_json::Value) -> Figure {
    Figure::new(
        bench,
        "429 answers / simulator violations",
        format!(
            "{} / {}",
            stats["rate_limited"],
            stats["violations"].as_array().map_or(0, Vec::len)
        ),
    )
    .target("almost none / 0")
}
