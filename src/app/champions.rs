//! Champions: recognitions given by managers (a card in the channel, a thank-you by
//! direct message), the roster with its coverage per team, leaderboards and the wins log.

use std::collections::HashMap;
use std::fmt::Write;

use chrono::{Duration, TimeZone};

use super::access::{require, Actor, Need};
use super::App;
use crate::chat::{by_name, Embed, OutMessage, Pings};
use crate::domain::ids::{ChannelId, MemberId, RoleId};
use crate::domain::words::count;
use crate::error::{AppError, AppResult};
use crate::store::champions::{Champion, Recognition, Win};
use crate::store::StoreError;

/// A member named in a command, as the interaction resolved them.
#[derive(Debug, Clone)]
pub struct Person {
    pub id: MemberId,
    pub roles: Vec<RoleId>,
    pub bot: bool,
}

/// People per champion above which a team has too few.
pub const PEOPLE_PER_CHAMPION: usize = 30;

/// The team a person belongs to (the first, in name order, whose role they hold).
async fn team_of(
    app: &App,
    actor: &Actor,
    person: &Person,
) -> AppResult<Option<(String, ChannelId)>> {
    Ok(app
        .store
        .list_teams(actor.guild)
        .await?
        .into_iter()
        .find(|t| person.roles.contains(&t.role))
        .map(|t| (t.name, t.channel)))
}

/// Midnight today in the campaign's time zone (UTC without a plan), in milliseconds.
fn day_start_ms(app: &App) -> i64 {
    let now = app.shared_now();
    let tz = app.plan().map_or(chrono_tz::UTC, |p| p.campaign.tz);
    let local = now.with_timezone(&tz).date_naive();
    tz.from_local_datetime(&local.and_hms_opt(0, 0, 0).unwrap_or_default())
        .earliest()
        .map_or(now.timestamp_millis() - 86_400_000, |t| {
            t.timestamp_millis()
        })
}

/// A recognition request.
pub struct Recognize<'a> {
    pub member: Person,
    pub reason: &'a str,
    pub value: Option<&'a str>,
}

/// `/recognize`: checks, stores, posts the card and thanks the member.
pub async fn recognize(app: &App, actor: &Actor, req: Recognize<'_>) -> AppResult<String> {
    require(app, actor, Need::Manager).await?;
    let member = &req.member;
    if member.id == actor.member {
        return Err(AppError::user(
            "You cannot recognise yourself; recognise someone who helped you instead.",
        ));
    }
    if member.bot {
        return Err(AppError::user("Bots cannot be recognised; pick a person."));
    }
    let values = &app.settings.recognition_values;
    let value = match req.value.map(str::trim).filter(|v| !v.is_empty()) {
        None => values[0].clone(),
        Some(v) => values
            .iter()
            .find(|x| x.eq_ignore_ascii_case(v))
            .cloned()
            .ok_or_else(|| {
                AppError::user(format!(
                    "`{v}` is not one of the values: {}.",
                    values.join(", ")
                ))
            })?,
    };
    let reason = req.reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(AppError::user("Say in up to 500 characters what they did."));
    }
    let team = team_of(app, actor, member).await?;
    let rec = Recognition {
        id: 0,
        giver: actor.member,
        member: member.id,
        team: team.as_ref().map(|t| t.0.clone()),
        value: value.clone(),
        reason: reason.to_string(),
        at_ms: app.now_ms(),
    };
    let cap = app.settings.recognition_daily_cap;
    let Some(id) = app
        .store
        .add_recognition(actor.guild, &rec, day_start_ms(app), i64::from(cap))
        .await?
    else {
        return Err(AppError::user(format!(
            "You have given {} today, the daily cap (champions.daily_cap); nothing was recorded. Try again tomorrow.",
            count(cap, "recognition", "recognitions")
        )));
    };
    let channel = match &app.settings.champions_channel {
        Some(name) => {
            let channels = app
                .chat
                .channels(actor.guild)
                .await
                .map_err(|e| AppError::Internal(e.into()))?;
            by_name(&channels, name)
        }
        None => team.as_ref().map(|t| t.1),
    };
    let card = OutMessage {
        content: format!("<@{}>", member.id.0),
        embeds: vec![Embed {
            title: Some(format!("🌟 Recognition: {value}")),
            description: Some(format!(
                "<@{}> — {reason}\n\nRecognised by <@{}>.",
                member.id.0, actor.member.0
            )),
            colour: Some(0xF2C94C),
            footer: team.as_ref().map(|t| format!("Team {}", t.0)),
            ..Embed::default()
        }],
        pings: Pings {
            roles: vec![],
            members: vec![member.id],
        },
        nonce: Some(format!("rc{id}")),
        ..OutMessage::default()
    };
    let posted = match channel {
        Some(c) => app
            .chat
            .post(c, &card)
            .await
            .map(|_| c)
            .map_err(|e| e.message),
        None => Err("no team channel for them and no champions.channel is set".into()),
    };
    let thanks = OutMessage::text(format!(
        "Thank you! <@{}> recognised you for **{value}**: “{reason}”",
        actor.member.0
    ));
    if let Err(e) = app.chat.dm(member.id, &thanks).await {
        tracing::info!(error = %e, "could not send a recognition thank-you");
    }
    Ok(match posted {
        Ok(c) => format!(
            "Recognised <@{}> for **{value}**; the card is in <#{}> and they got a thank-you.",
            member.id.0, c.0
        ),
        Err(why) => format!(
            "Recognised <@{}> for **{value}** (recorded), but the card was not posted: {why}.",
            member.id.0
        ),
    })
}

/// `/champion nominate`: managers nominate in their own teams, change leads anywhere;
/// the new champion hears by direct message what the role is and how to help.
pub async fn nominate(app: &App, actor: &Actor, member: &Person) -> AppResult<String> {
    require(app, actor, Need::Manager).await?;
    let teams = app.store.list_teams(actor.guild).await?;
    let Some(found) = teams.iter().find(|t| member.roles.contains(&t.role)) else {
        return Err(AppError::user(
            "They are not in any team yet; a champion champions a team (see `/team list`).",
        ));
    };
    let lead = require(app, actor, Need::ChangeLead).await.is_ok();
    if !lead && !actor.roles.iter().any(|(r, _)| *r == found.role) {
        return Err(AppError::user(format!(
            "<@{}> is in {}, not one of your teams, so nothing changed. You can nominate \
champions in your own team; {}'s manager or a change lead nominates there.",
            member.id.0, found.name, found.name
        )));
    }
    let team = found.name.clone();
    let c = Champion {
        member: member.id,
        team: team.clone(),
        nominated_by: actor.member,
        at_ms: app.now_ms(),
    };
    match app.store.nominate(actor.guild, &c).await {
        Ok(()) => {
            let told = app.chat.dm(member.id, &welcome(app, actor, &team)).await;
            if let Err(e) = &told {
                tracing::info!(error = %e, "could not tell a new champion");
            }
            Ok(format!(
                "<@{}> is now a champion for {team}{}.",
                member.id.0,
                match told {
                    Ok(_) => "; they got a direct message explaining the role",
                    Err(_) => " (their direct messages are closed, so tell them yourself)",
                }
            ))
        }
        Err(StoreError::Conflict { .. }) => Err(AppError::user(format!(
            "<@{}> is already a champion.",
            member.id.0
        ))),
        Err(e) => Err(e.into()),
    }
}

/// What a new champion reads: the role, how to help, and who nominated them.
fn welcome(app: &App, actor: &Actor, team: &str) -> OutMessage {
    let change = app
        .plan()
        .map_or("the change".to_string(), |p| p.campaign.name.clone());
    OutMessage::text(format!(
        "You are now a change champion for **{team}**, nominated by <@{}>.\n\n\
A champion is the first person on the team people can turn to about {change}. You can help by:\n\
• trying the new ways of working early and showing others what you learn;\n\
• helping colleagues who are stuck, and passing on questions you cannot answer to the change team;\n\
• telling the change team what {team} is saying, the good and the worrying.\n\n\
Your name is now on `/champion list`, where {team} looks for who to ask. If the role is not for you, tell <@{}>.",
        actor.member.0, actor.member.0
    ))
}

/// `/champion remove`.
pub async fn remove(app: &App, actor: &Actor, member: MemberId) -> AppResult<String> {
    require(app, actor, Need::Manager).await?;
    if app.store.remove_champion(actor.guild, member).await? {
        Ok(format!(
            "<@{}> is no longer on the champion roster.",
            member.0
        ))
    } else {
        Err(AppError::user(format!(
            "<@{}> is not a champion, so there is nothing to remove.",
            member.0
        )))
    }
}

/// A team's champion coverage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    pub team: String,
    pub people: usize,
    pub champions: Vec<MemberId>,
}

impl Coverage {
    /// Champions a team of this size needs: one per 30 people, at least one.
    pub fn needed(&self) -> usize {
        self.people.div_ceil(PEOPLE_PER_CHAMPION).max(1)
    }

    pub fn flag(&self) -> Option<String> {
        match self.champions.len() {
            0 => Some("no champion".into()),
            n if n < self.needed() => Some(format!(
                "too few: aim for about one per 20–30 people ({} here)",
                self.needed()
            )),
            _ => None,
        }
    }
}

/// Every team's coverage (or one team's), in name order.
pub async fn coverage(app: &App, actor: &Actor, team: Option<&str>) -> AppResult<Vec<Coverage>> {
    let champions = app.store.champions(actor.guild).await?;
    let mut out = Vec::new();
    for t in app.store.list_teams(actor.guild).await? {
        if team.is_some_and(|n| !n.trim().eq_ignore_ascii_case(&t.name)) {
            continue;
        }
        let people = app
            .chat
            .role_members(actor.guild, t.role)
            .await
            .map_err(|e| AppError::Internal(e.into()))?
            .len();
        out.push(Coverage {
            champions: champions
                .iter()
                .filter(|c| c.team == t.name)
                .map(|c| c.member)
                .collect(),
            team: t.name,
            people,
        });
    }
    if out.is_empty() {
        if let Some(n) = team {
            return Err(AppError::user(format!(
                "There is no team `{}`; `/team list` shows them.",
                n.trim()
            )));
        }
    }
    Ok(out)
}

/// `/champion list [team]`.
pub async fn list(app: &App, actor: &Actor, team: Option<&str>) -> AppResult<String> {
    let all = coverage(app, actor, team).await?;
    if all.is_empty() {
        return Ok("No teams yet; add one with `/team add`.".into());
    }
    let mut text = String::from("**Champions**\n");
    for c in all {
        let names: Vec<String> = c.champions.iter().map(|m| format!("<@{}>", m.0)).collect();
        let _ = writeln!(
            text,
            "• {}: {} for {}{}{}",
            c.team,
            count(c.champions.len() as i64, "champion", "champions"),
            count(c.people as i64, "person", "people"),
            c.flag().map(|f| format!(" — ⚠ {f}")).unwrap_or_default(),
            if names.is_empty() {
                String::new()
            } else {
                format!(" ({})", names.join(", "))
            }
        );
    }
    Ok(text)
}

/// The leaderboard's time window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Week,
    Month,
    Campaign,
}

impl Period {
    pub fn parse(s: Option<&str>) -> AppResult<Self> {
        match s.map(|s| s.trim().to_lowercase()).as_deref() {
            None | Some("week") => Ok(Period::Week),
            Some("month") => Ok(Period::Month),
            Some("campaign") => Ok(Period::Campaign),
            Some(other) => Err(AppError::user(format!(
                "`{other}` is not a period; use week, month or campaign."
            ))),
        }
    }

    fn since_ms(self, now_ms: i64) -> i64 {
        match self {
            Period::Week => now_ms - Duration::days(7).num_milliseconds(),
            Period::Month => now_ms - Duration::days(30).num_milliseconds(),
            Period::Campaign => 0,
        }
    }

    fn words(self) -> &'static str {
        match self {
            Period::Week => "in the last 7 days",
            Period::Month => "in the last 30 days",
            Period::Campaign => "since the campaign began",
        }
    }
}

/// Recognitions received per member, most first (ties: who got there first).
pub fn ranking(recs: &[Recognition], team: Option<&str>) -> Vec<(MemberId, usize, Option<String>)> {
    let mut counts: HashMap<MemberId, (usize, i64, Option<String>)> = HashMap::new();
    for r in recs.iter().filter(|r| {
        team.is_none_or(|t| {
            r.team
                .as_deref()
                .is_some_and(|x| x.eq_ignore_ascii_case(t.trim()))
        })
    }) {
        let e = counts
            .entry(r.member)
            .or_insert((0, r.at_ms, r.team.clone()));
        e.0 += 1;
    }
    let mut out: Vec<(MemberId, usize, i64, Option<String>)> = counts
        .into_iter()
        .map(|(m, (n, first, t))| (m, n, first, t))
        .collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)).then(a.0.cmp(&b.0)));
    out.into_iter().map(|(m, n, _, t)| (m, n, t)).collect()
}

/// `/champions leaderboard [period] [team]`.
pub async fn leaderboard(
    app: &App,
    actor: &Actor,
    period: Option<&str>,
    team: Option<&str>,
) -> AppResult<String> {
    let period = Period::parse(period)?;
    let recs = app
        .store
        .recognitions_since(actor.guild, period.since_ms(app.now_ms()))
        .await?;
    let ranked = ranking(&recs, team);
    if ranked.is_empty() {
        return Ok(format!("No recognitions {} yet.", period.words()));
    }
    let mut text = format!("**Most recognised {}**\n", period.words());
    for (i, (m, n, t)) in ranked.iter().take(10).enumerate() {
        let _ = writeln!(
            text,
            "{}. <@{}> — {}{}",
            i + 1,
            m.0,
            count(*n as i64, "recognition", "recognitions"),
            t.as_ref().map(|t| format!(" ({t})")).unwrap_or_default()
        );
    }
    Ok(text)
}

/// A win to log.
pub struct NewWin<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub team: Option<&'a str>,
    pub recognition: Option<i64>,
}

/// `/win add`.
pub async fn add_win(app: &App, actor: &Actor, w: NewWin<'_>) -> AppResult<String> {
    require(app, actor, Need::Manager).await?;
    let title = w.title.trim();
    if title.is_empty() || title.chars().count() > 100 {
        return Err(AppError::user(
            "Give the win a title of up to 100 characters.",
        ));
    }
    let description = w.description.trim();
    if description.chars().count() > 1000 {
        return Err(AppError::user("Describe the win in up to 1000 characters."));
    }
    let team = match w.team.map(str::trim).filter(|t| !t.is_empty()) {
        Some(name) => Some(
            app.store
                .list_teams(actor.guild)
                .await?
                .into_iter()
                .find(|t| t.name.eq_ignore_ascii_case(name))
                .map(|t| t.name)
                .ok_or_else(|| {
                    AppError::user(format!(
                        "There is no team `{name}`; `/team list` shows them."
                    ))
                })?,
        ),
        None => None,
    };
    if let Some(r) = w.recognition {
        if app.store.recognition(actor.guild, r).await?.is_none() {
            return Err(AppError::user(format!("There is no recognition #{r}.")));
        }
    }
    let id = app
        .store
        .add_win(
            actor.guild,
            &Win {
                id: 0,
                title: title.into(),
                description: description.into(),
                team,
                recognition: w.recognition,
                added_by: actor.member,
                at_ms: app.now_ms(),
            },
        )
        .await?;
    Ok(format!("Win #{id} logged: **{title}**."))
}

/// `/win list`.
pub async fn list_wins(app: &App, actor: &Actor) -> AppResult<String> {
    let wins = app.store.wins(actor.guild, 10).await?;
    if wins.is_empty() {
        return Ok(
            "No wins logged yet. Managers and change leads add them with `/win add`.".into(),
        );
    }
    let mut text = String::from("**Recent wins**\n");
    for w in wins {
        let _ = writeln!(
            text,
            "• #{} **{}**{} — {}",
            w.id,
            w.title,
            w.team.map(|t| format!(" ({t})")).unwrap_or_default(),
            w.description
        );
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(member: u64, team: &str, at_ms: i64) -> Recognition {
        Recognition {
            id: 0,
            giver: MemberId(1),
            member: MemberId(member),
            team: Some(team.into()),
            value: "v".into(),
            reason: "r".into(),
            at_ms,
        }
    }

    #[test]
    fn the_leaderboard_counts_per_member_and_breaks_ties_by_who_came_first() {
        let recs = [
            rec(7, "Sales", 3),
            rec(8, "Support", 1),
            rec(7, "Sales", 4),
            rec(9, "Sales", 2),
            rec(8, "Support", 5),
        ];
        let r = ranking(&recs, None);
        assert_eq!(
            r.iter().map(|(m, n, _)| (m.0, *n)).collect::<Vec<_>>(),
            vec![(8, 2), (7, 2), (9, 1)]
        );
        let sales = ranking(&recs, Some("sales"));
        assert_eq!(
            sales.iter().map(|(m, n, _)| (m.0, *n)).collect::<Vec<_>>(),
            vec![(7, 2), (9, 1)]
        );
    }

    #[test]
    fn coverage_wants_about_one_champion_per_twenty_to_thirty_people() {
        let c = |people, n: u64| Coverage {
            team: "T".into(),
            people,
            champions: (0..n).map(MemberId).collect(),
        };
        assert_eq!(c(6, 0).flag().as_deref(), Some("no champion"));
        assert_eq!(c(6, 1).flag(), None);
        assert_eq!(c(30, 1).flag(), None);
        assert!(c(75, 2).flag().is_some_and(|f| f.contains("(3 here)")));
        assert_eq!(c(75, 3).flag(), None);
    }
}
