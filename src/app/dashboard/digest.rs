//! The weekly leadership digest (`[digest]` in the plan): when its schedule fires, each
//! reader (the sponsor role, the change lead role, or both) gets a direct message with
//! three to five lines of what changed, the teams' weeks as one PNG, and a dashboard link
//! that opens once within [`LINK_MS`]. It is an outbox job like any send: a reader
//! messaged once is not messaged again on a retry (each message carries its own nonce).

use chrono::{DateTime, Utc};

use super::board::{board, Board, Scope};
use crate::app::jobs::{self, Done};
use crate::app::App;
use crate::chat::{by_name, Attachment, ChatError, OutMessage};
use crate::domain::ids::{GuildId, MemberId, RoleId};
use crate::plan::{DigestReader, Plan};
use crate::store::outbox::Queued;

/// How long a digest's dashboard link opens: a day, since a digest is read when it is
/// read, not within minutes. It still opens once and then signs in for 8 hours.
pub const LINK_MS: i64 = 24 * 3_600_000;
/// A digest this late is not sent: the next one will be.
const STALE_MS: i64 = 24 * 3_600_000;
/// The most lines of change a digest lists below its headline.
const MAX_CHANGES: usize = 4;

pub async fn deliver(
    app: &App,
    plan: Option<&Plan>,
    row: &Queued,
    now: DateTime<Utc>,
) -> anyhow::Result<Done> {
    let Some(digest) = plan.and_then(|p| p.digest.as_ref()) else {
        return Ok(Done::skipped("the plan has no [digest] any more"));
    };
    if now.timestamp_millis() - row.fire_at_ms > STALE_MS {
        return Ok(Done::skipped("a day late: the next digest will go"));
    }
    let readers = match readers(app, row.guild, &digest.readers).await {
        Ok(r) => r,
        Err(e) => return Ok(jobs::post_failed(row, &e, now, |_| None)),
    };
    if readers.is_empty() {
        return Ok(Done::Skipped {
            reason: "nobody to send the digest to".into(),
            report: Some(nobody(app, &digest.readers)),
        });
    }
    let board = board(app, row.guild, &Scope::All).await?;
    let chart = crate::chart::heat_map(&views(&board)).ok();
    let day = crate::domain::record::day_of(row.fire_at_ms);
    let reached = jobs::dm_each(app, row, &readers, true, |reader| {
        compose(&board, day, &link(app, row.guild, reader), chart.clone())
    })
    .await?;
    let (first, refused) = match reached {
        jobs::DmEach::Reached(r) => (r.first, r.refused),
        jobs::DmEach::Failed(e) => return Ok(jobs::post_failed(row, &e, now, |_| None)),
    };
    let refused: Vec<String> = refused.iter().map(|m| format!("<@{}>", m.0)).collect();
    if !refused.is_empty() {
        let report = format!(
            "The leadership digest could not reach {} (direct messages closed?); the others have it.",
            refused.join(", ")
        );
        jobs::report(app, &[report]).await;
    }
    Ok(first.map_or_else(|| Done::skipped("no reader could be messaged"), Done::sent))
}

/// What the change team is told when the digest has no reader.
fn nobody(app: &App, wanted: &[DigestReader]) -> String {
    let roles: Vec<String> = wanted
        .iter()
        .map(|r| match r {
            DigestReader::Sponsors => format!("`{}` (roles.sponsor)", app.settings.sponsor_role),
            DigestReader::ChangeLeads => "the change lead role".to_string(),
        })
        .collect();
    format!(
        "The leadership digest went to nobody: no member holds {}. Give leaders the role, or change `[digest] audience` in the plan.",
        roles.join(" or ")
    )
}

/// The members holding any of the readers' roles, each once, in id order.
async fn readers(
    app: &App,
    guild: GuildId,
    wanted: &[DigestReader],
) -> Result<Vec<MemberId>, ChatError> {
    let mut out = Vec::new();
    for reader in wanted {
        let Some(role) = role_of(app, guild, *reader).await? else {
            continue;
        };
        out.extend(app.chat.role_members(guild, role).await?);
    }
    out.sort_by_key(|m| m.0);
    out.dedup();
    Ok(out)
}

async fn role_of(
    app: &App,
    guild: GuildId,
    reader: DigestReader,
) -> Result<Option<RoleId>, ChatError> {
    if reader == DigestReader::ChangeLeads {
        let configured = app
            .store
            .role_config(guild)
            .await
            .ok()
            .and_then(|c| c.change_lead);
        if configured.is_some() {
            return Ok(configured);
        }
    }
    let name = match reader {
        DigestReader::Sponsors => &app.settings.sponsor_role,
        DigestReader::ChangeLeads => &app.settings.change_lead_role,
    };
    Ok(by_name(&app.chat.roles(guild).await?, name))
}

/// A link to the whole dashboard for `reader`, opening once within [`LINK_MS`].
fn link(app: &App, guild: GuildId, reader: MemberId) -> String {
    let token = app
        .dashboard_key
        .sign(guild, reader, "all", app.now_ms() + LINK_MS);
    format!("{}/dashboard/open?t={token}", app.settings.public_base())
}

fn views(board: &Board) -> Vec<crate::app::sentiment::TeamView> {
    board.panels.iter().map(|p| p.view.clone()).collect()
}

/// The headline: how many teams, and how many have a figure the group rule allows.
fn headline(board: &Board) -> String {
    let teams = board.panels.len();
    let shown = board.panels.iter().filter(|p| p.view.shown).count();
    let mut line = format!(
        "{teams} {}, sentiment shown for {shown}",
        if teams == 1 { "team" } else { "teams" }
    );
    if shown < teams {
        line.push_str(&format!(
            " (the others have fewer than {} contributors)",
            board.min_group
        ));
    }
    line.push('.');
    line
}

/// The digest as one direct message, titled with the day it is for (its schedule's,
/// however late it goes out).
pub fn compose(board: &Board, day: i64, link: &str, chart: Option<Vec<u8>>) -> OutMessage {
    let mut text = format!(
        "**{}: the week for leaders** ({})\n",
        board.campaign,
        super::html::date(day)
    );
    text.push_str(&format!("• {}\n", headline(board)));
    for line in board.changes.iter().take(MAX_CHANGES) {
        text.push_str(&format!("• {line}\n"));
    }
    text.push_str(&format!(
        "\nEvery team's figures, with the trend and readiness: {link}\n\
The link opens once, within 24 hours, and signs you in on that browser for 8 hours. It is yours: do not forward it."
    ));
    OutMessage {
        content: text,
        attachments: chart
            .map(|bytes| Attachment {
                filename: "digest.png".into(),
                bytes,
            })
            .into_iter()
            .collect(),
        ..OutMessage::default()
    }
}
