//! Turning a plan item into a message for a team, with the live context of the moment.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::limits::RenderError;
use super::template::{parse_colour, Template};
use super::{Item, Plan};
use crate::chat::{Button, Embed, EmbedAuthor, OutMessage};

/// What `team.champions` reads before the team has a champion.
pub const NO_CHAMPION_NAMED: &str = "none named yet";

/// The story figures when there is no data yet: each in plain words. `champion_names`
/// is what plan templates read as `team.champions`.
pub fn empty_story() -> serde_json::Value {
    json!({
        "readiness": "no readiness data yet",
        "readiness_team": "no readiness data yet for this team",
        "ack_rate": "no acknowledgements yet",
        "champions": "no champions yet",
        "champion_names": NO_CHAMPION_NAMED,
        "champions_of_week": "no recognitions this week",
        "recognitions": "no recognitions this week",
        "wins": "no wins logged yet",
        "sentiment": "no sentiment data yet",
        "adoption": "no adoption figures yet",
        "you_said_we_did": "no action done yet: the change team is still working on what you told us",
    })
}

/// What is being rendered: a template, the id templates see as `item.id`, and the phase.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub template: &'a str,
    pub id: &'a str,
    pub phase: Option<u32>,
}

impl<'a> Subject<'a> {
    pub fn of(item: &'a Item) -> Self {
        Self {
            template: &item.template,
            id: &item.id,
            phase: item.phase,
        }
    }
}

/// The context templates see; `days_to_go_live` is left out when there is no go-live.
pub fn context(plan: &Plan, item: &Item, team: &str, at: DateTime<Utc>) -> minijinja::Value {
    context_with(plan, &Subject::of(item), team, at, &empty_story())
}

/// As [`context`], with live story figures (see [`empty_story`] for their names).
pub fn context_with(
    plan: &Plan,
    subject: &Subject<'_>,
    team: &str,
    at: DateTime<Utc>,
    story: &serde_json::Value,
) -> minijinja::Value {
    let today = at.with_timezone(&plan.calendar(team).tz).date_naive();
    let wiifm = plan
        .templates
        .get(plan.template_for(subject.template, team))
        .and_then(|t| wiifm_of(t, team))
        .unwrap_or_default();
    let phase = subject
        .phase
        .and_then(|n| plan.phase(n))
        .or(plan.phases.first());
    let mut ctx = json!({
        "campaign": {
            "name": plan.campaign.name,
            "go_live": plan.campaign.go_live.map(|d| d.format("%A %-d %B %Y").to_string()),
            "timezone": plan.campaign.tz.name(),
        },
        "phase": { "number": phase.map_or(0, |p| p.number), "name": phase.map_or("", |p| p.name.as_str()) },
        "team": { "name": team, "champions": story.get("champion_names").cloned().unwrap_or_else(|| json!(NO_CHAMPION_NAMED)) },
        "item": { "id": subject.id },
        "today": today.format("%A %-d %B").to_string(),
        "story": story,
        "wiifm": wiifm,
    });
    if let Some(go_live) = plan.campaign.go_live {
        let days = (go_live - today).num_days();
        ctx["days_to_go_live"] = json!(days);
        ctx["weeks_to_go_live"] = json!(days / 7);
    }
    minijinja::Value::from_serialize(&ctx)
}

/// The message for `team`, before delivery adds a nonce, pings and the ack button.
pub fn message(
    plan: &Plan,
    item: &Item,
    team: &str,
    at: DateTime<Utc>,
) -> Result<OutMessage, RenderError> {
    message_with(plan, &Subject::of(item), team, at, &empty_story())
}

/// As [`message`], for any subject and with live story figures.
pub fn message_with(
    plan: &Plan,
    subject: &Subject<'_>,
    team: &str,
    at: DateTime<Utc>,
    story: &serde_json::Value,
) -> Result<OutMessage, RenderError> {
    let t = template_of(plan, subject, team)?;
    let ctx = context_with(plan, subject, team, at, story);
    let body = plan.templates.render_body(&t.name, &ctx)?;
    Ok(dress(plan, subject, t, team, &body))
}

/// As [`message_with`], rendered on a blocking thread within a time limit: for the
/// async runtime (send time, stories), which a slow template must never hold up.
pub async fn message_off_runtime(
    plan: &Plan,
    subject: &Subject<'_>,
    team: &str,
    at: DateTime<Utc>,
    story: &serde_json::Value,
) -> Result<OutMessage, RenderError> {
    let t = template_of(plan, subject, team)?;
    let ctx = context_with(plan, subject, team, at, story);
    let body = plan.templates.render_body_off_runtime(&t.name, ctx).await?;
    Ok(dress(plan, subject, t, team, &body))
}

/// The template `team` reads for the subject: its own variant, its language's, or the one
/// the plan names.
fn template_of<'p>(
    plan: &'p Plan,
    subject: &Subject<'_>,
    team: &str,
) -> Result<&'p Template, RenderError> {
    plan.templates
        .get(plan.template_for(subject.template, team))
        .ok_or_else(|| RenderError::plain(format!("no template `{}`", subject.template)))
}

/// The template's "what's in it for you" for `team`, else for `everyone`.
pub fn wiifm_of(t: &Template, team: &str) -> Option<String> {
    let of = |key: &str| {
        t.front
            .wiifm
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.trim().to_string())
    };
    of(team)
        .or_else(|| of("everyone"))
        .filter(|v| !v.is_empty())
}

/// A rendered body with its template's front matter: an embed when it has a title or is
/// sent as a sponsor. A "what's in it for you" the body does not place closes it.
fn dress(plan: &Plan, subject: &Subject<'_>, t: &Template, team: &str, body: &str) -> OutMessage {
    let mut body = body.trim().to_string();
    if let Some(w) = wiifm_of(t, team).filter(|_| !t.body.contains("wiifm")) {
        body = format!("{body}\n\n**What it means for you:** {w}");
    }
    let sponsor = plan
        .item(subject.id)
        .and_then(|i| i.sponsor.as_ref())
        .and_then(|s| plan.sponsors.get(s));
    let mut msg = OutMessage::default();
    if t.front.title.is_some() || sponsor.is_some() {
        msg.embeds.push(Embed {
            title: t.front.title.clone(),
            description: Some(body),
            colour: t.front.colour.as_deref().and_then(|c| parse_colour(c).ok()),
            image_url: t.front.image.clone(),
            author: sponsor.map(|s| EmbedAuthor {
                name: match &s.title {
                    Some(title) => format!("{}, {title}", s.name),
                    None => s.name.clone(),
                },
                icon_url: s.avatar.clone(),
            }),
            ..Embed::default()
        });
    } else {
        msg.content = body;
    }
    msg.buttons = t
        .front
        .buttons
        .iter()
        .map(|b| Button::Link {
            url: b.url.clone(),
            label: b.label.clone(),
        })
        .collect();
    msg
}

/// The first line a person would read, for timelines and transcripts.
pub fn first_line(msg: &OutMessage) -> String {
    let text = msg
        .embeds
        .first()
        .and_then(|e| e.title.clone())
        .unwrap_or_else(|| msg.content.clone());
    let line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .replace("**", "");
    let line = line.trim().trim_start_matches('#').trim();
    let mut s: String = line.chars().take(80).collect();
    if line.chars().count() > 80 {
        s.push('…');
    }
    s
}

/// Every Discord limit the message breaks.
pub fn limit_problems(msg: &OutMessage) -> Vec<String> {
    let mut out = Vec::new();
    let n = msg.content.chars().count();
    if n > 2000 {
        out.push(format!("the rendered message is {n} characters; Discord allows 2000 (shorten it, or give the template a title so the body goes in an embed, up to 4096)"));
    }
    let mut total = 0;
    for e in &msg.embeds {
        let title = e.title.as_deref().map_or(0, |t| t.chars().count());
        let desc = e.description.as_deref().map_or(0, |d| d.chars().count());
        total += title
            + desc
            + e.fields
                .iter()
                .map(|(a, b)| a.chars().count() + b.chars().count())
                .sum::<usize>();
        if title > 256 {
            out.push(format!(
                "the embed title is {title} characters; Discord allows 256"
            ));
        }
        if desc > 4096 {
            out.push(format!(
                "the embed body is {desc} characters; Discord allows 4096"
            ));
        }
    }
    if total > 6000 {
        out.push(format!(
            "the embeds hold {total} characters; Discord allows 6000 across a message's embeds"
        ));
    }
    if msg.buttons.len() > 25 {
        out.push(format!(
            "{} buttons; Discord allows 25 (5 rows of 5)",
            msg.buttons.len()
        ));
    }
    for b in &msg.buttons {
        let label = match b {
            Button::Action { label, .. }
            | Button::Cancel { label, .. }
            | Button::Link { label, .. } => label,
        };
        if label.chars().count() > 80 {
            out.push(format!("button label `{label}` is over 80 characters"));
        }
    }
    out
}
