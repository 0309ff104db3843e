//! The plan at run time: loading and reloading it, listing and previewing sends,
//! sending an item now, pausing and resuming.

pub mod brief;
pub mod deliver;

use std::fmt::Write;
use std::path::PathBuf;

use chrono::Duration;

use super::access::{require, Actor, Need};
use super::App;
use crate::domain::ids::GuildId;
use crate::domain::words;
use crate::error::{AppError, AppResult};
use crate::plan::{self, preview, Known, Plan, Problem};
use crate::store::outbox::{kind, NewSend};

/// Loads `messages.dir`; problems are returned and the plan in force stays.
pub async fn load(app: &App) -> Result<Option<String>, Vec<Problem>> {
    let dir = app.settings.messages_dir.clone();
    if !dir.join("plan.toml").exists() {
        return Ok(None);
    }
    let guild = app.primary_guild().await.ok().flatten();
    let teams = match guild {
        Some(g) => app
            .store
            .list_teams(g)
            .await
            .map(|t| t.into_iter().map(|t| t.name).collect())
            .unwrap_or_default(),
        None => vec![],
    };
    let known = Known {
        mirrors: app.settings.mirrors.keys().cloned().collect(),
        teams,
    };
    let plan = load_off_runtime(dir, known).await?;
    let mut summary = format!(
        "{}, {}",
        words::count(plan.items.len() as i64, "item", "items"),
        words::count(plan.templates.map.len() as i64, "template", "templates")
    );
    if !plan.warnings.is_empty() {
        let _ = write!(
            summary,
            "; {} (`herald plan check` lists them)",
            words::count(plan.warnings.len() as i64, "warning", "warnings")
        );
    }
    {
        let _gate = app.plan_gate.lock().await;
        app.set_plan(plan);
        if let Some(g) = guild {
            let _ = app.store.reset_future_plan_sends(g, app.now_ms()).await;
        }
    }
    if let Some(g) = guild {
        on_guild_ready(app, g).await;
    }
    app.wake_scheduler();
    Ok(Some(summary))
}

/// Reads and checks the plan on a blocking thread: checking renders every message, and
/// the runtime keeps serving (and sending) while it does.
async fn load_off_runtime(dir: PathBuf, known: Known) -> Result<Plan, Vec<Problem>> {
    let plan_file = dir.join("plan.toml");
    let work = move || plan::load(&dir, &known);
    plan::limits::off_runtime(plan::limits::PLAN_TIME_LIMIT, work)
        .await
        .unwrap_or_else(|why| {
            Err(vec![Problem {
                file: plan_file,
                line: 1,
                col: 1,
                message: format!("checking the plan {why}; simplify the template loops"),
            }])
        })
}

/// Adds the plan's declared teams Herald does not know yet, resolving their role and
/// channel by name, then wakes the scheduler.
pub async fn on_guild_ready(app: &App, guild: GuildId) {
    let Some(plan) = app.plan() else { return };
    let known = app.store.list_teams(guild).await.unwrap_or_default();
    let missing: Vec<_> = plan
        .teams
        .iter()
        .filter(|t| !known.iter().any(|k| k.name.eq_ignore_ascii_case(&t.name)))
        .collect();
    if missing.is_empty() {
        app.wake_scheduler();
        return;
    }
    // Two lookups for every team at once, not two per team.
    let roles = app.chat.roles(guild).await.unwrap_or_default();
    let channels = app.chat.channels(guild).await.unwrap_or_default();
    let mut added = 0;
    for t in missing {
        let role = crate::chat::by_name(&roles, &t.role);
        let channel = crate::chat::by_name(&channels, &t.channel);
        let (Some(role), Some(channel)) = (role, channel) else {
            tracing::warn!(team = %t.name, role = %t.role, channel = %t.channel, "a team in the plan names a role or channel that does not exist");
            continue;
        };
        if let Ok(name) = crate::domain::team::TeamName::parse(&t.name) {
            if app
                .store
                .add_team(guild, &name, role, channel, app.now_ms())
                .await
                .is_ok()
            {
                added += 1;
            }
        }
    }
    if added > 0 {
        teams_changed(app, guild).await;
    }
    app.wake_scheduler();
}

/// The set of teams changed: future plan sends are materialised afresh, so a team added
/// a moment after a firing was queued still gets it (and a removed one does not).
pub async fn teams_changed(app: &App, guild: GuildId) {
    let _gate = app.plan_gate.lock().await;
    if let Err(e) = app.store.reset_future_plan_sends(guild, app.now_ms()).await {
        tracing::warn!(error = %e, "could not re-plan sends after a team change");
    }
    app.wake_scheduler();
}

fn plan_or_refuse(app: &App) -> AppResult<std::sync::Arc<Plan>> {
    app.plan().ok_or_else(|| {
        AppError::user(format!(
            "No plan is loaded. Put a plan.toml in `{}` and run `/comms reload`.",
            app.settings.messages_dir.display()
        ))
    })
}

pub async fn reload(app: &App, actor: &Actor) -> AppResult<String> {
    require(app, actor, Need::ChangeLead).await?;
    match load(app).await {
        Ok(Some(summary)) => Ok(format!(
            "Plan reloaded: {summary}. Upcoming sends now follow it."
        )),
        Ok(None) => Err(AppError::user(format!(
            "There is no plan.toml in `{}`.",
            app.settings.messages_dir.display()
        ))),
        Err(problems) => {
            let mut text = format!(
                "The plan has {}; the running plan stays in force:\n```\n",
                words::count(problems.len() as i64, "problem", "problems")
            );
            for p in problems.iter().take(12) {
                let line = p.to_string();
                if text.len() + line.len() > 1850 {
                    break;
                }
                let _ = writeln!(text, "{line}");
            }
            text.push_str("```\nFix them and run `/comms reload` again (`herald plan check` shows the same list).");
            Err(AppError::user(text))
        }
    }
}

fn team_names(teams: &[crate::domain::team::Team]) -> Vec<String> {
    teams.iter().map(|t| t.name.clone()).collect()
}

/// Upcoming sends and pulses for the next two weeks, as Discord timestamps each reader
/// sees locally; an empty fortnight names the next one.
pub async fn list(app: &App, actor: &Actor) -> AppResult<String> {
    require(app, actor, Need::ChangeLead).await?;
    let plan = plan_or_refuse(app)?;
    let names = team_names(&app.store.list_teams(actor.guild).await?);
    let paused = app.store.pauses(actor.guild).await?;
    let (sends, next) = timeline_off_runtime(plan, app.shared_now(), 14, names).await?;
    let lines = grouped(&sends);
    let actions = crate::app::actions::deliver::upcoming(app, actor.guild, 14).await?;
    if lines.is_empty() && actions.is_empty() {
        return Ok(nothing_planned("in the next 14 days", next.as_ref()));
    }
    let mut text =
        String::from("**Upcoming in the next 14 days** (sends, manager briefings and pulses)\n");
    for (i, (ts, id, what, to)) in lines.iter().enumerate() {
        let flag = if *what == preview::What::Send && paused.iter().any(|p| p == id || p == "*") {
            " — paused"
        } else {
            ""
        };
        let line = format!("<t:{ts}:F> {} `{id}` → {to}{flag}\n", what_words(*what));
        if text.len() + line.len() > 1900 {
            let _ = write!(
                text,
                "…and {} more (`/comms preview` shows them).",
                lines.len() - i
            );
            break;
        }
        text.push_str(&line);
    }
    if !actions.is_empty() {
        text.push_str("**Actions' follow-ups** (`/actions list` for the actions)\n");
        for line in actions {
            if text.len() + line.len() > 1950 {
                break;
            }
            text.push_str(&line);
            text.push('\n');
        }
    }
    Ok(text)
}

/// One line per moment and item, with its teams joined; skipped sends left out.
fn grouped(sends: &[preview::PlannedSend]) -> Vec<(i64, String, preview::What, String)> {
    let mut out: Vec<(i64, String, preview::What, Vec<&str>)> = Vec::new();
    for s in sends.iter().filter(|s| !s.skipped) {
        let ts = s.at.timestamp();
        match out
            .iter_mut()
            .find(|(t, id, w, _)| *t == ts && *id == s.item && *w == s.what)
        {
            Some((.., teams)) => teams.push(&s.team),
            None => out.push((ts, s.item.clone(), s.what, vec![&s.team])),
        }
    }
    out.into_iter()
        .map(|(t, id, w, teams)| (t, id, w, words::and_list(&teams)))
        .collect()
}

fn what_words(what: preview::What) -> &'static str {
    match what {
        preview::What::Send => "send",
        preview::What::ManagerBriefing => "managers briefed",
        preview::What::PulseOpens => "pulse opens",
        preview::What::PulseReminder => "pulse reminder",
        preview::What::PulseCloses => "pulse closes",
    }
}

fn nothing_planned(when: &str, next: Option<&preview::PlannedSend>) -> String {
    match next {
        Some(n) => format!(
            "Nothing is planned {when}. The next is `{}` to {} on <t:{}:F>.",
            n.item,
            n.team,
            n.at.timestamp()
        ),
        None => format!("Nothing is planned {when}, nor in the year after."),
    }
}

pub async fn preview(app: &App, actor: &Actor, days: i64) -> AppResult<String> {
    require(app, actor, Need::ChangeLead).await?;
    let plan = plan_or_refuse(app)?;
    let names = team_names(&app.store.list_teams(actor.guild).await?);
    let (now, days) = (app.shared_now(), days.clamp(1, 60));
    let tz = plan.campaign.tz.name();
    let (sends, next) = timeline_off_runtime(plan, now, days, names).await?;
    if sends.is_empty() {
        return Ok(nothing_planned(
            &format!("in the next {}", words::count(days, "day", "days")),
            next.as_ref(),
        ));
    }
    let mut text = format!(
        "**Timeline, next {}** ({tz})\n```\n",
        words::count(days, "day", "days")
    );
    let body = preview::render_text(&sends, None);
    for line in body.lines() {
        if text.len() + line.len() > 1900 {
            text.push_str("…\n");
            break;
        }
        let _ = writeln!(text, "{line}");
    }
    text.push_str("```");
    Ok(text)
}

/// The timeline renders every send in it, so it is drawn on a blocking thread; with an
/// empty window, the next entry after it.
async fn timeline_off_runtime(
    plan: std::sync::Arc<Plan>,
    now: chrono::DateTime<chrono::Utc>,
    days: i64,
    names: Vec<String>,
) -> AppResult<(Vec<preview::PlannedSend>, Option<preview::PlannedSend>)> {
    let work = move || {
        let sends = preview::timeline(&plan, now, days, None, &names);
        let next = sends
            .is_empty()
            .then(|| preview::next_after(&plan, now + Duration::days(days), None, &names))
            .flatten();
        (sends, next)
    };
    plan::limits::off_runtime(plan::limits::PLAN_TIME_LIMIT, work)
        .await
        .map_err(|why| {
            AppError::user(format!(
                "The timeline could not be drawn: it {why}. Simplify the template loops, then `/comms reload`."
            ))
        })
}

/// Queues an item now, to its whole audience.
pub async fn send_now(app: &App, actor: &Actor, item_id: &str) -> AppResult<String> {
    require(app, actor, Need::ChangeLead).await?;
    let plan = plan_or_refuse(app)?;
    let item = plan
        .item(item_id.trim())
        .ok_or_else(|| unknown_item(&plan, item_id))?;
    let teams = app.store.list_teams(actor.guild).await?;
    let names = team_names(&teams);
    let now = app.now_ms();
    let rows: Vec<NewSend> = plan
        .audience_of(item, &names)
        .iter()
        .filter_map(|n| teams.iter().find(|t| t.name.eq_ignore_ascii_case(n)))
        .map(|t| NewSend::to_team(kind::MANUAL, &item.id, t, now))
        .collect();
    if rows.is_empty() {
        return Err(AppError::user(format!(
            "`{}` goes to no team Herald knows; add its teams with `/team add`.",
            item.id
        )));
    }
    let n = app.store.enqueue(&rows).await?;
    app.wake_scheduler();
    let names: Vec<&str> = rows.iter().map(|r| r.team.as_str()).collect();
    Ok(format!(
        "Sending `{}` now to {}: {}.",
        item.id,
        words::count(n as i64, "team", "teams"),
        words::and_list(&names)
    ))
}

fn unknown_item(plan: &Plan, id: &str) -> AppError {
    let ids: Vec<&str> = plan.items.iter().map(|i| i.id.as_str()).collect();
    AppError::user(format!(
        "There is no item `{}` in the plan. Items: {}.",
        id.trim(),
        ids.join(", ")
    ))
}

/// `all` or an item id.
fn target(plan: &Plan, which: &str) -> AppResult<String> {
    let w = which.trim();
    if w.eq_ignore_ascii_case("all") {
        return Ok("*".into());
    }
    plan.item(w)
        .map(|i| i.id.clone())
        .ok_or_else(|| unknown_item(plan, w))
}

pub async fn pause(app: &App, actor: &Actor, which: &str) -> AppResult<String> {
    require(app, actor, Need::ChangeLead).await?;
    let plan = plan_or_refuse(app)?;
    let t = target(&plan, which)?;
    app.store.pause(actor.guild, &t, app.now_ms()).await?;
    app.wake_scheduler();
    Ok(if t == "*" {
        "Paused: no plan message goes out until `/comms resume`. Sends that fall due meanwhile follow the misfire rules when you resume.".into()
    } else {
        format!("Paused `{t}` until `/comms resume {t}`.")
    })
}

pub async fn resume(app: &App, actor: &Actor, which: &str) -> AppResult<String> {
    require(app, actor, Need::ChangeLead).await?;
    let plan = plan_or_refuse(app)?;
    let t = target(&plan, which)?;
    // What fell due while paused is not sent late in a burst: a pause means "not these".
    // Skipped while the pause still holds, so the scheduler cannot send them in between.
    let paused = app.store.pauses(actor.guild).await?;
    if paused.iter().any(|p| *p == t || t == "*") {
        app.store
            .skip_due_while_paused(actor.guild, &t, app.now_ms())
            .await?;
    }
    let lifted = app.store.resume(actor.guild, &t).await?;
    app.wake_scheduler();
    Ok(match (lifted, t.as_str()) {
        (0, _) => "Nothing was paused.".into(),
        (_, "*") => format!(
            "Resumed: {} lifted.",
            words::count(lifted as i64, "pause", "pauses")
        ),
        _ => format!("Resumed `{t}`."),
    })
}
