//! Story updates: templates in `messages/stories/` rendered with live figures —
//! readiness, acknowledgement rates, champions, recognitions, wins and the pulse trend —
//! each already in words, so missing data reads "no readiness data yet", never "None".
//! Scheduled in plan.toml (`template = "stories/…"`) or posted with `/story post` after
//! a private preview. A preview is a stored draft that "Post it" claims once, and each
//! team's post carries a nonce from the draft and channel: a double click, a replay or
//! two instances racing post the story once.

use std::fmt::Write;

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use super::access::{require, Actor, Need};
use super::champions::ranking;
use super::pulse::readiness::{adkar_history, adkar_line, team_scores};
use super::pulse::results::signed;
use super::App;
use crate::app::jobs::{self, Done};
use crate::chat::OutMessage;
use crate::domain::ids::GuildId;
use crate::error::{AppError, AppResult};
use crate::plan::render::{empty_story, message_off_runtime, Subject};
use crate::plan::Plan;
use crate::store::outbox::{Kind, NewSend, Queued};
use crate::store::stories::{StoryDraft, StoryStatus};

/// Whether a plan template is a story (it gets live figures).
pub fn is_story(template: &str) -> bool {
    template.starts_with("stories/")
}

/// At most this many teams per figure, so a story stays within Discord's limits.
const MAX_TEAMS: usize = 8;

/// `text` on one line, cut to `n` characters with an ellipsis.
pub fn clip(text: &str, n: usize) -> String {
    let one_line = text.replace('\n', " ");
    if one_line.chars().count() <= n {
        return one_line;
    }
    let mut s: String = one_line.chars().take(n.saturating_sub(1)).collect();
    s.push('…');
    s
}

/// The first `MAX_TEAMS` parts, and how many more there are.
fn capped(mut parts: Vec<String>, more: &str) -> Vec<String> {
    if parts.len() > MAX_TEAMS {
        let extra = parts.len() - MAX_TEAMS;
        parts.truncate(MAX_TEAMS);
        parts.push(format!("… and {extra} more {more}"));
    }
    parts
}

fn lines_or(lines: Vec<String>, none: &Value) -> Value {
    if lines.is_empty() {
        none.clone()
    } else {
        json!(lines.join("\n"))
    }
}

/// The live figures for a story told to `team` (or to everyone).
pub async fn figures(app: &App, guild: GuildId, team: Option<&str>) -> AppResult<Value> {
    let empty = empty_story();
    let mut story = empty.clone();
    let history = adkar_history(app, guild, |_| true).await?;
    let latest: Vec<(String, String)> = history
        .iter()
        .filter_map(|(name, h)| {
            h.last().map(|(id, g)| {
                (
                    name.clone(),
                    format!(
                        "{name}: {} (pulse #{id}, {} answered)",
                        adkar_line(g),
                        g.answers.len()
                    ),
                )
            })
        })
        .collect();
    let lines = capped(
        latest.iter().map(|(_, l)| l.clone()).collect(),
        "teams (see /readiness)",
    );
    story["readiness"] = lines_or(lines, &empty["readiness"]);
    if let Some((_, line)) = latest
        .iter()
        .find(|(n, _)| team.is_some_and(|t| t.eq_ignore_ascii_case(n)))
    {
        story["readiness_team"] = json!(line);
    }
    story["ack_rate"] = ack_rates(app, guild)
        .await?
        .map_or(empty["ack_rate"].clone(), Value::from);
    let champions = app.store.champions(guild).await?;
    if !champions.is_empty() {
        let mut per_team: Vec<(String, usize)> = Vec::new();
        for c in &champions {
            match per_team.iter_mut().find(|(t, _)| *t == c.team) {
                Some((_, n)) => *n += 1,
                None => per_team.push((c.team.clone(), 1)),
            }
        }
        let parts = capped(
            per_team.iter().map(|(t, n)| format!("{t} {n}")).collect(),
            "teams",
        );
        story["champions"] = json!(format!(
            "{} champion(s): {}",
            champions.len(),
            parts.join(" · ")
        ));
    }
    let week_ago = app.now_ms() - Duration::days(7).num_milliseconds();
    let recs = app.store.recognitions_since(guild, week_ago).await?;
    let ranked: Vec<String> = ranking(&recs, None)
        .iter()
        .take(5)
        .map(|(m, n, _)| format!("<@{}> ({n})", m.0))
        .collect();
    if !ranked.is_empty() {
        story["champions_of_week"] = json!(ranked.join(" · "));
    }
    let latest_recs: Vec<String> = recs
        .iter()
        .rev()
        .take(5)
        .map(|r| {
            format!(
                "<@{}> for {}: “{}”",
                r.member.0,
                r.value,
                clip(&r.reason, 160)
            )
        })
        .collect();
    story["recognitions"] = lines_or(latest_recs, &empty["recognitions"]);
    let wins: Vec<String> = app
        .store
        .wins(guild, 3)
        .await?
        .iter()
        .map(|w| {
            format!(
                "**{}**{}: {}",
                w.title,
                w.team
                    .as_ref()
                    .map(|t| format!(" ({t})"))
                    .unwrap_or_default(),
                clip(&w.description, 200)
            )
        })
        .collect();
    story["wins"] = lines_or(wins, &empty["wins"]);
    story["sentiment"] = sentiment_words(app, guild)
        .await?
        .map_or(empty["sentiment"].clone(), Value::from);
    Ok(story)
}

/// "for `kickoff`: Sales 83 % (5 of 6) · …" for the latest acknowledged item sent.
async fn ack_rates(app: &App, guild: GuildId) -> AppResult<Option<String>> {
    let Some((item, rates)) = super::acks::latest_item_rates(app, guild).await? else {
        return Ok(None);
    };
    let parts: Vec<String> = rates
        .iter()
        .map(|(team, acked, size)| {
            let pct = (acked * 100).checked_div(*size).unwrap_or(0);
            format!("{team} {pct} % ({acked} of {size})")
        })
        .collect();
    let parts = capped(parts, "teams");
    Ok(Some(format!("for `{item}`: {}", parts.join(" · "))))
}

/// "Sales +0.45 · Support −0.10" from the latest closed pulse score per team.
async fn sentiment_words(app: &App, guild: GuildId) -> AppResult<Option<String>> {
    let scores = team_scores(app, guild).await?;
    let mut latest: Vec<(String, f64)> = Vec::new();
    for s in scores {
        match latest.iter_mut().find(|(t, _)| *t == s.team) {
            Some(entry) => entry.1 = s.score,
            None => latest.push((s.team.clone(), s.score)),
        }
    }
    if latest.is_empty() {
        return Ok(None);
    }
    let parts: Vec<String> = latest
        .iter()
        .map(|(t, v)| format!("{t} {}", signed(*v, 2)))
        .collect();
    let parts = capped(parts, "teams");
    Ok(Some(format!(
        "{} (from pulses, −1 to +1)",
        parts.join(" · ")
    )))
}

/// The campaign phase in force: that of the latest plan item whose first firing has passed.
pub fn current_phase(plan: &Plan, now: DateTime<Utc>) -> Option<u32> {
    plan.items
        .iter()
        .filter_map(|i| {
            Some((
                i.next_after(DateTime::<Utc>::MIN_UTC, &plan.campaign)?,
                i.phase?,
            ))
        })
        .filter(|(t, _)| *t <= now)
        .max_by_key(|(t, _)| *t)
        .map(|(_, p)| p)
}

fn template_name(plan: &Plan, name: &str) -> AppResult<String> {
    let file = name.trim().trim_start_matches("stories/");
    let file = if file.ends_with(".md") {
        file.to_string()
    } else {
        format!("{file}.md")
    };
    let full = format!("stories/{file}");
    if plan.templates.get(&full).is_some() {
        return Ok(full);
    }
    let names: Vec<&str> = plan
        .templates
        .map
        .keys()
        .filter_map(|k| k.strip_prefix("stories/"))
        .collect();
    Err(AppError::user(format!(
        "There is no story `{}`. Stories: {}.",
        name.trim(),
        if names.is_empty() {
            "none (add them to messages/stories/)".into()
        } else {
            names.join(", ")
        }
    )))
}

/// A story rendered for a team with live figures.
pub async fn render(
    app: &App,
    guild: GuildId,
    template: &str,
    team: &str,
) -> AppResult<OutMessage> {
    let plan = app
        .plan()
        .ok_or_else(|| AppError::user("No plan is loaded, so there are no stories."))?;
    let name = template_name(&plan, template)?;
    let story = figures(app, guild, Some(team)).await?;
    let now = app.shared_now();
    let subject = Subject {
        template: &name,
        id: &name,
        phase: current_phase(&plan, now),
    };
    message_off_runtime(&plan, &subject, team, now, &story)
        .await
        .map_err(|e| AppError::user(format!("The story `{name}` does not render: {e}")))
}

/// The teams a story goes to: the one named, or every team.
async fn audience(
    app: &App,
    actor: &Actor,
    team: Option<&str>,
) -> AppResult<Vec<crate::domain::team::Team>> {
    let teams = app.store.list_teams(actor.guild).await?;
    match team.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(teams),
        Some(name) => teams
            .into_iter()
            .find(|t| t.name.eq_ignore_ascii_case(name))
            .map(|t| vec![t])
            .ok_or_else(|| {
                AppError::user(format!(
                    "There is no team `{name}`; `/team list` shows them."
                ))
            }),
    }
}

/// A post whose instance died is taken over after this long.
const STALE_POST_MS: i64 = 10 * 60 * 1000;

/// A previewed story: the text shown, and the draft "Post it" and "Cancel" carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    pub text: String,
    pub draft: String,
}

/// `/story post`, step one: the story as the first team will read it, privately, and a
/// draft for the buttons under it.
pub async fn preview(
    app: &App,
    actor: &Actor,
    template: &str,
    team: Option<&str>,
) -> AppResult<Preview> {
    require(app, actor, Need::ChangeLead).await?;
    let teams = audience(app, actor, team).await?;
    let first = teams
        .first()
        .ok_or_else(|| AppError::user("There are no teams to tell; add one with `/team add`."))?;
    let msg = render(app, actor.guild, template, &first.name).await?;
    let mut text = format!(
        "**Preview** for {} (posting goes to {} team channel(s)):\n\n",
        first.name,
        teams.len()
    );
    if let Some(e) = msg.embeds.first() {
        let _ = write!(
            text,
            "**{}**\n{}",
            e.title.clone().unwrap_or_default(),
            e.description.clone().unwrap_or_default()
        );
    } else {
        text.push_str(&msg.content);
    }
    let plan = app
        .plan()
        .ok_or_else(|| AppError::user("No plan is loaded, so there are no stories."))?;
    let draft = StoryDraft {
        id: uuid::Uuid::new_v4().simple().to_string()[..12].to_string(),
        guild: actor.guild,
        author: actor.member,
        template: template_name(&plan, template)?,
        team: team
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string),
        status: StoryStatus::Open,
    };
    app.store.create_story_draft(&draft, app.now_ms()).await?;
    Ok(Preview {
        text: text.chars().take(1900).collect(),
        draft: draft.id,
    })
}

/// The draft, if it is the actor's.
async fn own_draft(app: &App, actor: &Actor, id: &str) -> AppResult<StoryDraft> {
    require(app, actor, Need::ChangeLead).await?;
    let d = app.store.story_draft(id).await?.ok_or_else(|| {
        AppError::user("That story preview no longer exists; run `/story post` again.")
    })?;
    if d.author != actor.member || d.guild != actor.guild {
        return Err(AppError::user(
            "Only the person who previewed this story can post or cancel it.",
        ));
    }
    Ok(d)
}

fn settled(status: StoryStatus) -> AppError {
    AppError::user(match status {
        StoryStatus::Posted => "This story was posted already; nothing changed.",
        StoryStatus::Cancelled => "This story was cancelled, so nothing was posted.",
        StoryStatus::Open | StoryStatus::Posting => {
            "This story is being posted; the preview says when it is done."
        }
    })
}

/// `/story post`, step two begins: "Post it" claims the draft. Only one click, replay or
/// instance gets it; the others are told the story was (or is being) posted.
pub async fn claim(app: &App, actor: &Actor, id: &str) -> AppResult<StoryDraft> {
    let d = own_draft(app, actor, id).await?;
    let now = app.now_ms();
    if app
        .store
        .claim_story_draft(id, now, now - STALE_POST_MS)
        .await?
    {
        return Ok(d);
    }
    let now = app
        .store
        .story_draft(id)
        .await?
        .map_or(d.status, |d| d.status);
    Err(settled(now))
}

/// Gives a claimed draft back (its post could not start), so "Post it" works again.
pub async fn release(app: &App, d: &StoryDraft) {
    let released = app
        .store
        .move_story_draft(&d.id, StoryStatus::Posting, StoryStatus::Open)
        .await;
    if let Err(e) = released {
        tracing::warn!(error = %e, "could not release a story draft; it is taken over after ten minutes");
    }
}

/// `/story post`, step two: queues one post per team not yet given the story; each is
/// rendered afresh with live figures when its turn comes. The draft is then posted, so
/// another "Post it" changes nothing.
pub async fn post(app: &App, actor: &Actor, d: &StoryDraft) -> AppResult<String> {
    let done = queue_posts(app, actor, d).await;
    match &done {
        Ok(_) => {
            app.store
                .move_story_draft(&d.id, StoryStatus::Posting, StoryStatus::Posted)
                .await?;
            app.wake_scheduler();
        }
        Err(_) => release(app, d).await,
    }
    done
}

async fn queue_posts(app: &App, actor: &Actor, d: &StoryDraft) -> AppResult<String> {
    let teams = audience(app, actor, d.team.as_deref()).await?;
    let already = app.store.story_posts(&d.id).await?;
    let now = app.now_ms();
    let rows: Vec<NewSend> = teams
        .iter()
        .filter(|t| !already.contains(&t.name))
        .map(|t| NewSend::to_team(Kind::Story, &d.id, t, now))
        .collect();
    app.store.enqueue(&rows).await?;
    let names: Vec<&str> = teams.iter().map(|t| t.name.as_str()).collect();
    Ok(format!(
        "Posting the story to {} now; it appears in {} in a moment.",
        names.join(", "),
        if names.len() == 1 {
            "the team's channel"
        } else {
            "each team's channel"
        }
    ))
}

/// A story's post to one team (a `Story` job): rendered now with live figures, posted
/// with the row's nonce. A story that no longer renders is reported, not retried.
pub async fn deliver(app: &App, row: &Queued) -> anyhow::Result<Done> {
    let Some(d) = app.store.story_draft(&row.item).await? else {
        return Ok(Done::skipped("the story draft is gone"));
    };
    if app.store.story_posts(&d.id).await?.contains(&row.team) {
        return Ok(Done::finished("posted already"));
    }
    let msg = match render(app, row.guild, &d.template, &row.team).await {
        Ok(msg) => msg,
        // Words for a person while the database answers: the story itself is wrong.
        Err(AppError::User(words)) if app.store.ping().await.is_ok() => {
            return Ok(Done::Failed {
                reason: words.to_string(),
                report: Some(format!("Could not post the story to {}: {words}", row.team)),
            })
        }
        Err(e) => return Err(crate::app::pulse::run::job_error(app, e).await),
    };
    match jobs::post(app, row, row.channel, msg).await {
        Ok(id) => {
            app.store.record_story_post(&d.id, &row.team, id).await?;
            Ok(Done::sent(id))
        }
        Err(e) => Ok(jobs::post_failed(row, &e, app.shared_now(), |why| {
            Some(format!(
                "Could not post the story to {} (<#{}>): {why}. To try again, `/story post` it with `team: {}`.",
                row.team, row.channel, row.team
            ))
        })),
    }
}

/// "Cancel" on a story preview: the draft can no longer be posted.
pub async fn cancel(app: &App, actor: &Actor, id: Option<&str>) -> AppResult<String> {
    if let Some(id) = id {
        own_draft(app, actor, id).await?;
        if !app
            .store
            .move_story_draft(id, StoryStatus::Open, StoryStatus::Cancelled)
            .await?
        {
            let now = app.store.story_draft(id).await?.map(|d| d.status);
            return Err(settled(now.unwrap_or(StoryStatus::Cancelled)));
        }
    }
    Ok("Cancelled; nothing was posted.".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::render::message_with;

    /// The longest figures `figures` can produce.
    fn rich_story() -> Value {
        let team_line = |i: usize| {
            format!(
                "Team-{i:02}-with-a-long-name: Awareness 4.14 · Desire 3.57 · Knowledge 3.86 · Ability 4.00 · Reinforcement 3.86 — main barrier: Reinforcement (pulse #123, 250 answered)"
            )
        };
        let teams: Vec<String> = (0..30).map(team_line).collect();
        let recognitions: Vec<String> = (0..5)
            .map(|i| {
                format!(
                    "<@{}> for Helped a colleague: “{}”",
                    100_000_000_000_000_000u64 + i,
                    clip(&"x".repeat(500), 160)
                )
            })
            .collect();
        let wins: Vec<String> = (0..3)
            .map(|i| {
                format!(
                    "**{}** (Team-{i:02}-with-a-long-name): {}",
                    "W".repeat(100),
                    clip(&"y".repeat(1000), 200)
                )
            })
            .collect();
        let short: Vec<String> = (0..30)
            .map(|i| format!("Team-{i:02}-with-a-long-name 100 % (250 of 250)"))
            .collect();
        json!({
            "readiness": capped(teams, "teams (see /readiness)").join("\n"),
            "readiness_team": team_line(1),
            "ack_rate": format!("for `weekly-update-long-id`: {}", capped(short.clone(), "teams").join(" · ")),
            "champions": format!("240 champion(s): {}", capped(short.clone(), "teams").join(" · ")),
            "champions_of_week": (0..5).map(|i| format!("<@{}> (10)", 100_000_000_000_000_000u64 + i)).collect::<Vec<_>>().join(" · "),
            "recognitions": recognitions.join("\n"),
            "wins": wins.join("\n"),
            "sentiment": format!("{} (from pulses, −1 to +1)", capped(short, "teams").join(" · ")),
        })
    }

    #[test]
    fn every_shipped_story_renders_within_discords_limits_with_no_data_and_with_rich_data() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("messages");
        let plan = crate::plan::load(&dir, &crate::plan::Known::default()).expect("shipped plan");
        let stories: Vec<&String> = plan.templates.map.keys().filter(|k| is_story(k)).collect();
        assert_eq!(stories.len(), 3, "front lines, champion spotlight, urgency");
        let at = chrono::Utc::now();
        for name in stories {
            let subject = Subject {
                template: name,
                id: name,
                phase: Some(7),
            };
            for (label, story) in [("no data", empty_story()), ("rich data", rich_story())] {
                let msg = message_with(&plan, &subject, "Team-01-with-a-long-name", at, &story)
                    .unwrap_or_else(|e| panic!("{name} with {label}: {e}"));
                let problems = crate::plan::render::limit_problems(&msg);
                assert!(problems.is_empty(), "{name} with {label}: {problems:?}");
                let body = msg
                    .embeds
                    .first()
                    .and_then(|e| e.description.clone())
                    .unwrap_or(msg.content.clone());
                for bad in ["None", "{{", "undefined"] {
                    assert!(
                        !body.contains(bad),
                        "{name} with {label} shows `{bad}`:\n{body}"
                    );
                }
                if label == "no data" {
                    assert!(
                        body.contains("no ") && body.contains(" yet"),
                        "{name}: missing data in plain words:\n{body}"
                    );
                }
            }
        }
    }

    #[test]
    fn stories_are_templates_under_stories() {
        assert!(is_story("stories/front-lines.md"));
        assert!(!is_story("kickoff.md"));
    }
}
