//! Story updates: templates in `messages/stories/` rendered with live figures —
//! readiness, acknowledgement rates, champions, recognitions, wins and the pulse trend —
//! each already in words, so missing data reads "no readiness data yet", never "None".
//! Scheduled in plan.toml (`template = "stories/…"`) or posted with `/story post` after
//! a private preview. A preview is a stored draft that "Post it" claims once, and each
//! team's post carries a nonce from the draft and channel: a double click, a replay or
//! two instances racing post the story once. A team's channel reads its own figures (and
//! the organisation's where the group rule allows), never another team's; the change
//! team reads every team's (see [`figures::Readers`]).

mod figures;
pub(crate) mod phrases;

use std::fmt::Write;

use chrono::{DateTime, Utc};

use super::access::{require, Actor, Need};
use super::App;
use crate::app::jobs::{self, Done};
use crate::chat::OutMessage;
use crate::domain::ids::{ChannelId, GuildId};
use crate::domain::words::count;
use crate::error::{AppError, AppResult};
use crate::plan::render::{message_off_runtime, Subject};
use crate::plan::Plan;
use crate::store::outbox::{Kind, NewSend, Queued};
use crate::store::stories::{StoryDraft, StoryStatus};

/// Whether a plan template is a story (it gets live figures).
pub fn is_story(template: &str) -> bool {
    template.starts_with("stories/")
}

pub use figures::{figures, figures_for, gather, Figures, Mood, Readers, Readiness};
pub use phrases::{champion_names, clip, mood, org_allowed, stage, words};

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

/// A story rendered with live figures for a team, as read in `channel`.
pub async fn render(
    app: &App,
    guild: GuildId,
    template: &str,
    team: &str,
    channel: ChannelId,
) -> AppResult<OutMessage> {
    let plan = app
        .plan()
        .ok_or_else(|| AppError::user("No plan is loaded, so there are no stories."))?;
    let name = template_name(&plan, template)?;
    let readers = Readers::of(app, guild, Some(team), Some(channel)).await?;
    let story = figures_for(app, guild, &readers).await?;
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
    let msg = render(app, actor.guild, template, &first.name, first.channel).await?;
    let mut text = format!(
        "**Preview** for {} (posting goes to {}):\n\n",
        first.name,
        count(teams.len() as i64, "team channel", "team channels")
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
    let msg = match render(app, row.guild, &d.template, &row.team, row.channel).await {
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
mod tests;
