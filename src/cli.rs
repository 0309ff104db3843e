//! The command line: `run`, `migrate`, `plan`, `sentiment rebuild`, `export` (each with
//! `--config FILE`), and `init`, `demo`, `sim` and `bench`, which take their flags only.
//!
//! Bad input (a setting, a URL, a missing token) exits with code 2 and one clear line.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::Settings;
use crate::startup::RunError;

#[derive(Debug, Parser)]
#[command(
    name = "herald",
    version,
    about = "Herald: change communications in Discord"
)]
struct Cli {
    /// Configuration file (default: $HERALD_CONFIG, then ./herald.toml if present).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the bot: migrate the database, connect to Discord, serve /healthz.
    Run,
    /// Apply database migrations and exit (safe to repeat).
    Migrate,
    /// Check or preview the communication plan in messages/.
    Plan {
        #[command(subcommand)]
        action: PlanAction,
    },
    /// The sentiment record.
    Sentiment {
        #[command(subcommand)]
        action: SentimentAction,
    },
    /// Adoption figures from the new tool (and the old one).
    Adoption {
        #[command(subcommand)]
        action: AdoptionAction,
    },
    /// Write every team's calendar weeks (Monday to Sunday), each with that week's own figures.
    Export {
        #[arg(long, value_enum, default_value = "csv")]
        format: crate::startup::ExportFormat,
        /// Where to write; the file is replaced.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// How many weeks back.
        #[arg(long, default_value_t = 6)]
        weeks: i64,
    },
    /// Write the leadership dashboard, every team, as one self-contained HTML file (no
    /// external asset) to forward or print.
    Report {
        #[arg(long, value_enum, default_value = "html")]
        format: crate::startup::ReportFormat,
        /// Where to write; the file is replaced.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Rehearse a campaign: the simulator, Herald on a fast clock and a scripted
    /// organisation play the plan from four weeks before go-live to four weeks after.
    Demo {
        /// The plan folder to rehearse (default: the shipped `messages`).
        #[arg(long, value_name = "DIR", default_value = "messages")]
        messages: PathBuf,
        /// Decides every choice the scripted people make: the same seed gives the same
        /// transcript and the same figures on every run.
        #[arg(long, default_value_t = crate::demo::DEFAULT_SEED)]
        seed: u64,
        /// Only the pace, never what happens: at speed N a simulated day takes 1.5 s / N
        /// of real time (about a minute for the whole campaign at 1), or as long as the
        /// work takes.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
        speed: u32,
        /// Where the database and the report folder go.
        #[arg(long, value_name = "DIR", default_value = "herald-demo")]
        out: PathBuf,
    },
    /// Run the benchmarks (all, or those named) and print every figure as one table.
    /// Sizes come from BENCH_* variables; see the README's benchmark section.
    Bench {
        /// Only these benches: interactions, broadcast, pulse, scheduler, sentiment.
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
    },
    /// Start a campaign of your own: a commented plan, templates and question sets in DIR.
    Init {
        /// The new campaign's folder; it must not exist or be empty.
        #[arg(default_value = "my-campaign")]
        dir: PathBuf,
        /// The go-live date (YYYY-MM-DD); asked for on a terminal when missing.
        #[arg(long, value_name = "DATE")]
        go_live: Option<String>,
        /// The plan's IANA time zone, e.g. Europe/London; asked for when missing.
        #[arg(long, value_name = "ZONE")]
        timezone: Option<String>,
        /// What the change is called in messages, e.g. "the new CRM".
        #[arg(long)]
        name: Option<String>,
    },
    /// Serve a local Discord simulator for tests, demos and scripts.
    Sim {
        /// Address to listen on; port 0 picks a free one.
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: SocketAddr,
        /// A JSON world file (guilds, channels, roles, members) instead of the default world.
        #[arg(long, value_name = "FILE")]
        world: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum SentimentAction {
    /// Recompute the running record from the raw signals.
    Rebuild,
}

#[derive(Subcommand, Debug)]
pub enum AdoptionAction {
    /// Take in a CSV file of adoption rows (a nightly export from the CRM): a header
    /// naming source, metric, team and/or member, value and at, then one row a line. The
    /// whole file is taken or, when a row is wrong, none of it; sending it again changes
    /// nothing.
    Import {
        /// The CSV file.
        #[arg(value_name = "FILE.csv")]
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum PlanAction {
    /// Validate plan.toml and every template; print each problem as file:line:col.
    Check {
        /// The plan folder (default: messages.dir, normally `messages`).
        dir: Option<PathBuf>,
    },
    /// The timeline of sends in the plan's local time, with each message's first line.
    Preview {
        dir: Option<PathBuf>,
        /// First day (YYYY-MM-DD, plan timezone); default today.
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        #[arg(long, default_value_t = 14)]
        days: i64,
        /// Only this team's sends.
        #[arg(long)]
        team: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: crate::app::plan_cli::Format,
    },
}

/// Parses arguments, runs the subcommand and maps failures to exit codes (2 = bad input).
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(1, &format!("cannot start the async runtime: {e}")),
    };
    if let Some(why) = ignores_config(&cli) {
        return fail(2, &why);
    }
    if let Command::Sim { listen, world } = &cli.command {
        crate::telemetry::init(crate::config::LogFormat::Pretty);
        return match runtime.block_on(crate::sim::run_cli(*listen, world.clone())) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(2, &format!("{e:#}")),
        };
    }
    if let Command::Demo {
        messages,
        seed,
        speed,
        out,
    } = &cli.command
    {
        let opts = crate::demo::DemoOptions {
            messages: messages.clone(),
            seed: *seed,
            speed: *speed,
            out: out.clone(),
        };
        if let Some(why) = crate::app::plan_cli::no_plan_folder(messages) {
            return fail(
                2,
                &why.replace(
                    "herald plan check path/to/plan",
                    "herald demo --messages path/to/plan",
                ),
            );
        }
        return demo(&runtime, &opts);
    }
    if let Command::Init {
        dir,
        go_live,
        timezone,
        name,
    } = &cli.command
    {
        return crate::app::init::init(&crate::app::init::InitOptions {
            dir,
            go_live: go_live.as_deref(),
            timezone: timezone.as_deref(),
            name: name.as_deref(),
        });
    }
    if let Command::Bench { only } = &cli.command {
        return bench(&runtime, only);
    }
    if let Command::Plan { action } = &cli.command {
        let settings = Settings::from_process(cli.config.as_deref()).ok();
        return match action {
            PlanAction::Check { dir } => {
                crate::app::plan_cli::check(dir.as_deref(), settings.as_ref())
            }
            PlanAction::Preview {
                dir,
                from,
                days,
                team,
                format,
            } => crate::app::plan_cli::preview(
                dir.as_deref(),
                settings.as_ref(),
                *from,
                *days,
                team.as_deref(),
                *format,
            ),
        };
    }
    let settings = match Settings::from_process(cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) => return fail(2, &e.to_string()),
    };
    crate::telemetry::init(settings.log_format);
    let outcome = runtime.block_on(async {
        match cli.command {
            Command::Run => crate::startup::run(settings).await,
            Command::Migrate => crate::startup::migrate(&settings).await,
            Command::Sentiment {
                action: SentimentAction::Rebuild,
            } => crate::startup::rebuild_sentiment(&settings).await,
            Command::Export { format, out, weeks } => {
                crate::startup::export(settings, format, &out, weeks).await
            }
            Command::Report { format, out } => crate::startup::report(settings, format, &out).await,
            Command::Adoption {
                action: AdoptionAction::Import { file },
            } => crate::startup::adoption_import(settings, &file).await,
            Command::Sim { .. }
            | Command::Plan { .. }
            | Command::Demo { .. }
            | Command::Init { .. }
            | Command::Bench { .. } => Ok(()),
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(RunError::Setup(msg)) => fail(2, &msg),
        Err(RunError::Failed(e)) => fail(1, &format!("{e:#}")),
    }
}

/// `demo`, `sim` and `bench` take no configuration file: their flags are their settings,
/// so a `--config` given to them is refused rather than silently ignored.
fn ignores_config(cli: &Cli) -> Option<String> {
    let (name, flags) = match cli.command {
        Command::Demo { .. } => ("demo", "--messages, --seed, --speed and --out"),
        Command::Sim { .. } => ("sim", "--listen and --world"),
        Command::Bench { .. } => ("bench", "--only and the BENCH_* variables"),
        Command::Init { .. } => ("init", "DIR, --go-live, --timezone and --name"),
        _ => return None,
    };
    cli.config.as_ref().map(|file| {
        format!(
            "`herald {name}` reads no configuration file, so {} would be ignored; its settings are {flags}. Drop --config.",
            file.display()
        )
    })
}

fn fail(code: u8, message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(code)
}

/// `herald demo`: plays the campaign; a broken plan prints its problems and exits 1.
fn demo(runtime: &tokio::runtime::Runtime, opts: &crate::demo::DemoOptions) -> ExitCode {
    match runtime.block_on(crate::demo::run(opts, true)) {
        Ok(o) => {
            println!(
                "\nseed {}: {} in {:.0} s of real time; report written to {}",
                opts.seed,
                crate::domain::words::count(o.transcript.len() as i64, "message", "messages"),
                o.took.as_secs_f64(),
                o.report.display()
            );
            ExitCode::SUCCESS
        }
        Err(crate::demo::DemoError::Plan(problems)) => {
            for p in &problems {
                eprintln!("{p}");
            }
            let n = problems.len() as i64;
            eprintln!(
                "the plan has {}; fix {} and run the demo again",
                crate::domain::words::count(n, "problem", "problems"),
                crate::domain::words::noun(n, "it", "them")
            );
            ExitCode::from(1)
        }
        Err(crate::demo::DemoError::Failed(e)) => fail(1, &format!("{e:#}")),
    }
}

/// `herald bench`: runs the benches and prints one table; a bench that fails exits 1.
fn bench(runtime: &tokio::runtime::Runtime, only: &[String]) -> ExitCode {
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => return fail(1, &format!("cannot find Herald's own binary: {e}")),
    };
    match runtime.block_on(crate::bench::run(only, &exe)) {
        Ok(figures) => {
            print!("{}", crate::bench::table(&figures));
            ExitCode::SUCCESS
        }
        Err(e) => fail(1, &format!("{e:#}")),
    }
}
