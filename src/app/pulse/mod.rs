//! Pulse polls: change leads open them (from the plan or `/pulse start`), members answer
//! in a private step-by-step flow, Herald reminds non-respondents by direct message and,
//! at close, posts results that never show a group smaller than `privacy.min_group_size`.

pub mod flow;
pub mod key;
pub mod readiness;
pub mod replies;
pub mod results;
pub mod run;
mod told;

use std::fmt::Write;

use super::access::{require, Actor, Need};
use super::App;
use crate::domain::ids::GuildId;
use crate::domain::poll::QuestionSet;
use crate::error::{AppError, AppResult};
use crate::store::pulses::{NewPulse, PulseRow, PulseTeam};

/// A stored pulse with its frozen question set.
#[derive(Debug, Clone)]
pub struct Pulse {
    pub row: PulseRow,
    pub set: QuestionSet,
}

impl Pulse {
    pub fn id(&self) -> i64 {
        self.row.id
    }

    pub fn is_open(&self, now_ms: i64) -> bool {
        self.row.closed_at_ms.is_none() && self.row.closes_at_ms > now_ms
    }

    /// "#4 Atlas readiness (ADKAR)".
    pub fn label(&self) -> String {
        format!("#{} {}", self.row.id, self.row.title)
    }
}

/// Loads a pulse by id; a clear message when there is none.
pub async fn load(app: &App, id: i64) -> AppResult<Pulse> {
    let row = app.store.pulse(id).await?.ok_or_else(|| {
        AppError::user(format!(
            "There is no pulse #{id}. `/pulse list` shows the pulses there are."
        ))
    })?;
    let set = serde_json::from_str(&row.questions).map_err(|e| {
        AppError::Internal(anyhow::anyhow!("pulse {id} has unreadable questions: {e}"))
    })?;
    Ok(Pulse { row, set })
}

/// `"12"` or `"#12"` → 12.
pub fn parse_id(text: &str) -> AppResult<i64> {
    text.trim().trim_start_matches('#').parse().map_err(|_| {
        AppError::user(format!(
            "`{}` is not a pulse number; `/pulse list` shows them (e.g. `#3`).",
            text.trim()
        ))
    })
}

/// `"48h"`, `"2d"`, `"1d12h"`, `"90m"` → hours and minutes in milliseconds, 1 h to 28 d.
pub fn parse_duration_ms(text: &str) -> Result<i64, String> {
    let hint =
        "Write how long the pulse stays open like `48h`, `2d` or `1d12h` (1 hour to 28 days).";
    let mut total = 0i64;
    let mut number = String::new();
    for c in text.trim().chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c.to_ascii_lowercase() {
            'm' => 60_000,
            'h' => 3_600_000,
            'd' => 86_400_000,
            ' ' => continue,
            _ => return Err(format!("`{}`: {hint}", text.trim())),
        };
        let n: i64 = number
            .parse()
            .map_err(|_| format!("`{}`: {hint}", text.trim()))?;
        total = total.saturating_add(n.saturating_mul(unit));
        number.clear();
    }
    if !number.is_empty() || !(3_600_000..=28 * 86_400_000).contains(&total) {
        return Err(format!("`{}`: {hint}", text.trim()));
    }
    Ok(total)
}

/// The teams a pulse goes to, as they are now, with their head counts.
pub async fn teams_for(app: &App, guild: GuildId, names: &[String]) -> AppResult<Vec<PulseTeam>> {
    let known = app.store.list_teams(guild).await?;
    let mut out = Vec::new();
    for name in names {
        let team = known
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| {
                let all: Vec<&str> = known.iter().map(|t| t.name.as_str()).collect();
                AppError::user(format!(
                    "There is no team `{}`. Teams: {}. Write `all`, or names separated by commas.",
                    name.trim(),
                    if all.is_empty() {
                        "none yet (add one with `/team add`)".to_string()
                    } else {
                        all.join(", ")
                    }
                ))
            })?;
        if out.iter().any(|t: &PulseTeam| t.name == team.name) {
            continue;
        }
        let members =
            app.chat.role_members(guild, team.role).await.map_err(|e| {
                AppError::Internal(anyhow::anyhow!("could not list team members: {e}"))
            })?;
        out.push(PulseTeam {
            name: team.name.clone(),
            role: team.role,
            channel: team.channel,
            members_at_open: members.len() as i64,
            message: None,
            results_posted: false,
        });
    }
    Ok(out)
}

/// A request to open a pulse now.
pub struct StartRequest<'a> {
    pub set: &'a str,
    pub teams: &'a str,
    pub closes_in: &'a str,
    pub anonymous: bool,
}

/// `/pulse start`: opens a pulse now; the scheduler posts it to each team's channel.
pub async fn start(app: &App, actor: &Actor, req: StartRequest<'_>) -> AppResult<String> {
    require(app, actor, Need::ChangeLead).await?;
    let plan = app.plan().ok_or_else(|| {
        AppError::user("No plan is loaded, so there are no question sets. Add messages/polls/*.toml and `/comms reload`.")
    })?;
    let set = plan.polls.get(req.set.trim()).ok_or_else(|| {
        let names: Vec<&str> = plan.polls.keys().map(String::as_str).collect();
        AppError::user(format!(
            "There is no question set `{}`. Sets: {}.",
            req.set.trim(),
            names.join(", ")
        ))
    })?;
    let open_ms = parse_duration_ms(req.closes_in).map_err(AppError::user)?;
    let names: Vec<String> = if req.teams.trim().eq_ignore_ascii_case("all") {
        app.store
            .list_teams(actor.guild)
            .await?
            .into_iter()
            .map(|t| t.name)
            .collect()
    } else {
        req.teams
            .split(',')
            .filter(|t| !t.trim().is_empty())
            .map(|t| t.trim().to_string())
            .collect()
    };
    if names.is_empty() {
        return Err(AppError::user("Name at least one team, or `all`."));
    }
    let teams = teams_for(app, actor.guild, &names).await?;
    let new = open_now(
        app,
        Opening {
            guild: actor.guild,
            set,
            title: &set.name,
            teams,
            open_ms,
            anonymous: req.anonymous,
            source: "manual",
        },
    )
    .await?;
    let id = new.0;
    let names: Vec<&str> = new.1.iter().map(|t| t.name.as_str()).collect();
    Ok(format!(
        "Pulse #{id} **{}** is open for {} until <t:{}:f>. {} Reminders go by direct message {} hours before close to those who have not answered.",
        set.name,
        names.join(", "),
        new.2 / 1000,
        if req.anonymous { "It is anonymous: answers are stored without names." } else { "It is **not** anonymous: change leads can see who answered what." },
        crate::plan::DEFAULT_REMINDERS.map(|h| h.to_string()).join(" and "),
    ))
}

/// A pulse to open now: of `set`, titled `title`, for `teams`, for `open_ms`.
pub struct Opening<'a> {
    pub guild: GuildId,
    pub set: &'a crate::domain::poll::QuestionSet,
    pub title: &'a str,
    pub teams: Vec<PulseTeam>,
    pub open_ms: i64,
    pub anonymous: bool,
    /// `manual`, or what opened it (`action-12`).
    pub source: &'a str,
}

/// Opens a pulse now; its id, teams and close time.
pub async fn open_now(app: &App, o: Opening<'_>) -> AppResult<(i64, Vec<PulseTeam>, i64)> {
    let now = app.now_ms();
    let new = NewPulse {
        guild: o.guild,
        source: o.source.into(),
        set_id: o.set.id.clone(),
        title: o.title.to_string(),
        questions: serde_json::to_string(o.set).map_err(|e| AppError::Internal(e.into()))?,
        anonymous: o.anonymous,
        opened_at_ms: now,
        closes_at_ms: now + o.open_ms,
        reminders: crate::plan::DEFAULT_REMINDERS.to_vec(),
        teams: o.teams,
    };
    let (id, _) = app.store.create_pulse(&new).await?;
    queue(app, id).await?;
    app.wake_scheduler();
    Ok((id, new.teams, new.closes_at_ms))
}

/// Queues a pulse's jobs (its openings, reminders and close) for the scheduler.
async fn queue(app: &App, id: i64) -> AppResult<()> {
    let Some(row) = app.store.pulse(id).await? else {
        return Ok(());
    };
    run::queue_jobs(app, &row).await.map_err(AppError::Internal)
}

/// `/pulse list`: the latest pulses, open ones first in time.
pub async fn list(app: &App, actor: &Actor) -> AppResult<String> {
    require(app, actor, Need::Manager).await?;
    let rows = app.store.recent_pulses(actor.guild, 15).await?;
    if rows.is_empty() {
        return Ok("No pulses yet. A change lead can open one with `/pulse start`.".into());
    }
    let now = app.now_ms();
    let mut text = String::from("**Pulses**\n");
    for row in rows {
        let answered = app.store.ballots(row.id).await?.len() as i64;
        let teams = app.store.pulse_teams(row.id).await?;
        let invited: i64 = teams.iter().map(|t| t.members_at_open).sum();
        let state = match row.closed_at_ms {
            Some(_) => "closed".to_string(),
            None if row.closes_at_ms <= now => "closing now".to_string(),
            None => format!("open, closes <t:{}:R>", row.closes_at_ms / 1000),
        };
        let _ = writeln!(
            text,
            "• #{} {} · {} · {}{}",
            row.id,
            row.title,
            state,
            turnout(answered, invited),
            if row.anonymous { " · anonymous" } else { "" }
        );
    }
    Ok(text)
}

/// "12 of 40 answered (30 %)": how many were asked, how many answered, and the rate.
fn turnout(answered: i64, invited: i64) -> String {
    if invited <= 0 {
        return format!("{answered} answered");
    }
    let rate = (answered as f64 * 100.0 / invited as f64).round();
    format!("{answered} of {invited} answered ({rate} %)")
}

/// `/pulse close`: closes an open pulse now; results follow within moments.
pub async fn close(app: &App, actor: &Actor, pulse: &str) -> AppResult<String> {
    require(app, actor, Need::ChangeLead).await?;
    let pulse = load(app, parse_id(pulse)?).await?;
    if pulse.row.guild != actor.guild {
        return Err(AppError::user(format!(
            "There is no pulse #{} in this server.",
            pulse.id()
        )));
    }
    if !pulse.is_open(app.now_ms()) {
        return Err(AppError::user(format!(
            "Pulse {} is already closed.",
            pulse.label()
        )));
    }
    app.store.set_closes_at(pulse.id(), app.now_ms()).await?;
    queue(app, pulse.id()).await?;
    app.wake_scheduler();
    Ok(format!(
        "Closing pulse {} now; results go to each team's channel and the change team's channel.",
        pulse.label()
    ))
}

/// `/me reminders`: a member turns pulse reminders off, or back on.
pub async fn mute(app: &App, actor: &Actor) -> AppResult<String> {
    let key = app.key.mute(actor.guild, actor.member);
    Ok(if app.store.toggle_pulse_mute(actor.guild, &key).await? {
        "Pulse reminders are off for you. Pulses still appear in your team's channel; run `/me reminders` again to turn them back on.".into()
    } else {
        "Pulse reminders are on again for you.".into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_times_read_like_people_write_them() {
        assert_eq!(parse_duration_ms("48h"), Ok(48 * 3_600_000));
        assert_eq!(parse_duration_ms("2d"), Ok(48 * 3_600_000));
        assert_eq!(parse_duration_ms("1d12h"), Ok(36 * 3_600_000));
        assert_eq!(parse_duration_ms("90m"), Ok(90 * 60_000));
        for bad in ["", "48", "30m", "29d", "two days", "h"] {
            assert!(parse_duration_ms(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn pulse_numbers_may_carry_a_hash() {
        assert_eq!(parse_id("#12").ok(), Some(12));
        assert_eq!(parse_id(" 3 ").ok(), Some(3));
        assert!(parse_id("latest").is_err());
    }
}
