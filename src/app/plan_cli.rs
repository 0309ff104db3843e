//! `herald plan check` and `herald plan preview`: the plan, offline.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::{NaiveDate, Utc};

use crate::config::Settings;
use crate::domain::schedule::resolve_local;
use crate::plan::{self, preview, Known, Plan};

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

fn dir_of(dir: Option<&Path>, settings: Option<&Settings>) -> PathBuf {
    dir.map(Path::to_path_buf)
        .or_else(|| settings.map(|s| s.messages_dir.clone()))
        .unwrap_or_else(|| PathBuf::from("messages"))
}

fn known(settings: Option<&Settings>) -> Known {
    Known {
        mirrors: settings
            .map(|s| s.mirrors.keys().cloned().collect())
            .unwrap_or_default(),
        teams: vec![],
    }
}

/// Exit 2 with what to do when `dir` is not a plan folder at all.
pub fn no_plan_folder(dir: &Path) -> Option<String> {
    if dir.join("plan.toml").is_file() {
        return None;
    }
    let what = if dir.is_dir() {
        format!("{} has no plan.toml", dir.display())
    } else {
        format!("there is no plan folder at {}", dir.display())
    };
    Some(format!(
        "{what}. Run this from the folder that holds your plan, name it (for example \
`herald plan check path/to/plan`), or create one with `herald init {}`.",
        dir.display()
    ))
}

fn load(dir: &Path, settings: Option<&Settings>) -> Result<Plan, ExitCode> {
    if let Some(why) = no_plan_folder(dir) {
        eprintln!("error: {why}");
        return Err(ExitCode::from(2));
    }
    plan::load(dir, &known(settings)).map_err(|problems| {
        for p in &problems {
            println!("{p}");
        }
        eprintln!(
            "{} problem{} in {}",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" },
            dir.display()
        );
        ExitCode::from(1)
    })
}

/// Exit 0 with a one-line summary, or 1 with every problem.
pub fn check(dir: Option<&Path>, settings: Option<&Settings>) -> ExitCode {
    let dir = dir_of(dir, settings);
    let plan = match load(&dir, settings) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let go_live = plan
        .campaign
        .go_live
        .map_or("no go-live date".into(), |d| format!("go-live {d}"));
    let next = plan
        .items
        .iter()
        .filter_map(|i| i.next_after(Utc::now(), &plan.campaign))
        .min()
        .map_or("no sends ahead".to_string(), |t| {
            format!(
                "next send {}",
                t.with_timezone(&plan.campaign.tz)
                    .format("%a %Y-%m-%d %H:%M")
            )
        });
    println!(
        "plan OK: \"{}\" ({}, {go_live}): {} items, {} templates, {} teams; {next}",
        plan.campaign.name,
        plan.campaign.tz.name(),
        plan.items.len(),
        plan.templates.map.len(),
        plan.teams.len()
    );
    for w in &plan.warnings {
        println!("{w}");
    }
    if !plan.warnings.is_empty() {
        eprintln!(
            "{} in {}: the plan runs, but readers may miss something",
            crate::domain::words::count(plan.warnings.len() as i64, "warning", "warnings"),
            dir.display()
        );
    }
    ExitCode::SUCCESS
}

pub fn preview(
    dir: Option<&Path>,
    settings: Option<&Settings>,
    from: Option<NaiveDate>,
    days: i64,
    team: Option<&str>,
    format: Format,
) -> ExitCode {
    let dir = dir_of(dir, settings);
    let plan = match load(&dir, settings) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let tz = plan.campaign.tz;
    let from_date = from.unwrap_or_else(|| Utc::now().with_timezone(&tz).date_naive());
    let start = resolve_local(tz, from_date.and_hms_opt(0, 0, 0).unwrap_or_default());
    let names = plan.team_names();
    let team = match team.map(|t| known_team(&names, t)).transpose() {
        Ok(t) => t,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let days = days.max(1);
    let sends = preview::timeline(&plan, start, days, team, &names);
    match format {
        Format::Text => {
            let end = start + chrono::Duration::days(days);
            let next = sends
                .is_empty()
                .then(|| preview::next_after(&plan, end, team, &names))
                .flatten();
            println!("{}", preview::render_text(&sends, next.as_ref()))
        }
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&sends).unwrap_or_default()
        ),
    }
    ExitCode::SUCCESS
}

/// The plan's spelling of a team named on the command line, or what to type instead.
fn known_team<'a>(names: &'a [String], asked: &str) -> Result<&'a str, String> {
    names
        .iter()
        .find(|n| n.eq_ignore_ascii_case(asked.trim()))
        .map(String::as_str)
        .ok_or_else(|| {
            format!(
                "there is no team `{}` in the plan; known teams: {} (team names are not case-sensitive)",
                asked.trim(),
                crate::domain::words::and_list(names)
            )
        })
}
