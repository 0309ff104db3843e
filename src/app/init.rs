//! `herald init [DIR]`: a commented campaign to start from (plan, templates, the ADKAR and
//! eNPS question sets), with the go-live date and time zone given or asked for.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use chrono::NaiveDate;

const PLAN: &str = include_str!("init/plan.toml");
const TEMPLATES: [(&str, &str); 4] = [
    ("kickoff.md", include_str!("init/kickoff.md")),
    ("countdown.md", include_str!("init/countdown.md")),
    ("go-live.md", include_str!("init/go-live.md")),
    ("help.md", include_str!("init/help.md")),
];
/// The ADKAR and eNPS question sets, worded for any change and named after this one.
const POLLS: [(&str, &str); 2] = [
    ("adkar.toml", include_str!("init/adkar.toml")),
    ("enps.toml", include_str!("init/enps.toml")),
];

/// What `herald init` was given; what is missing is asked for on a terminal.
pub struct InitOptions<'a> {
    pub dir: &'a Path,
    pub go_live: Option<&'a str>,
    pub timezone: Option<&'a str>,
    pub name: Option<&'a str>,
}

/// The campaign's three facts, checked.
struct Facts {
    name: String,
    go_live: NaiveDate,
    timezone: chrono_tz::Tz,
}

/// Writes the campaign and prints the next three commands; exit 2 (nothing written) when
/// the folder is taken or an answer is not usable.
pub fn init(opts: &InitOptions) -> ExitCode {
    match run(opts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("error: {why}");
            ExitCode::from(2)
        }
    }
}

fn run(opts: &InitOptions) -> Result<(), String> {
    let dir = opts.dir;
    if dir.exists() && std::fs::read_dir(dir).map_or(true, |mut d| d.next().is_some()) {
        return Err(format!(
            "{} already exists and is not empty; nothing was written. Name a new folder, e.g. `herald init my-campaign`.",
            dir.display()
        ));
    }
    let facts = facts(opts)?;
    write(dir, &facts).map_err(|e| format!("cannot write {}: {e}", dir.display()))?;
    let d = dir.display();
    println!(
        "Created {d}: plan.toml, {} templates and the adkar and enps question sets for \"{}\" (go-live {}, {}).\n\nNext:\n  herald plan check {d}\n  herald plan preview {d} --from {} --days 42\n  herald demo --messages {d}",
        TEMPLATES.len(),
        facts.name,
        facts.go_live,
        facts.timezone.name(),
        facts.go_live - chrono::Duration::days(28),
    );
    Ok(())
}

fn facts(opts: &InitOptions) -> Result<Facts, String> {
    let asked = |flag: &str, question: &str| ask(flag, question);
    let go_live = match opts.go_live {
        Some(v) => v.to_string(),
        None => asked("--go-live", "Go-live date (YYYY-MM-DD)")?,
    };
    let go_live = NaiveDate::parse_from_str(go_live.trim(), "%Y-%m-%d").map_err(|_| {
        format!(
            "go-live `{}` is not a date like 2027-03-01; nothing was written.",
            go_live.trim()
        )
    })?;
    let timezone = match opts.timezone {
        Some(v) => v.to_string(),
        None => asked("--timezone", "Time zone (e.g. Europe/London)")?,
    };
    let timezone = crate::domain::schedule::parse_timezone(timezone.trim())
        .map_err(|why| format!("{why} Nothing was written."))?;
    let name = opts.name.unwrap_or("Our change").trim().to_string();
    Ok(Facts {
        name,
        go_live,
        timezone,
    })
}

/// One answer from a person at a terminal; without one, the flag is required.
fn ask(flag: &str, question: &str) -> Result<String, String> {
    if !std::io::stdin().is_terminal() {
        return Err(format!(
            "give {flag}: there is no terminal to ask on. Nothing was written."
        ));
    }
    print!("{question}: ");
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the answer: {e}"))?;
    Ok(line)
}

fn fill(text: &str, facts: &Facts, dir: &Path) -> String {
    text.replace("{name}", &facts.name)
        .replace("{timezone}", facts.timezone.name())
        .replace("{go_live}", &facts.go_live.to_string())
        .replace("{dir}", &dir.display().to_string())
}

fn write(dir: &Path, facts: &Facts) -> std::io::Result<()> {
    for sub in ["templates", "polls", "stories"] {
        std::fs::create_dir_all(dir.join(sub))?;
    }
    let toml_safe = Facts {
        name: facts.name.replace('\\', "\\\\").replace('"', "\\\""),
        go_live: facts.go_live,
        timezone: facts.timezone,
    };
    std::fs::write(dir.join("plan.toml"), fill(PLAN, &toml_safe, dir))?;
    for (file, text) in TEMPLATES {
        std::fs::write(
            dir.join("templates").join(file),
            fill(text, &toml_safe, dir),
        )?;
    }
    for (file, text) in POLLS {
        std::fs::write(dir.join("polls").join(file), fill(text, &toml_safe, dir))?;
    }
    Ok(())
}
