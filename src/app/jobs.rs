//! Every job Herald runs on a schedule is an outbox row of a `Kind`. The scheduler
//! claims rows and hands each to `handle`, which sends it to the capability that owns its
//! kind; the handler composes and posts, and says what became of the row as a `Done`,
//! which the scheduler records. The rules every kind shares live here: the nonce, the
//! post that keeps its lease, and what a failed post means.

use chrono::{DateTime, Utc};

use crate::app::App;
use crate::chat::{ChatError, OutMessage};
use crate::domain::ids::{ChannelId, MemberId, MessageId};
use crate::plan::Plan;
use crate::store::outbox::{Kind, Queued};

/// How long a claim is held before another instance may take the row over.
pub const LEASE_MS: i64 = 60_000;
/// Attempts before a post is given up and reported.
pub const MAX_ATTEMPTS: i64 = 5;

/// What became of a claimed row, for the scheduler to record.
#[derive(Debug)]
pub enum Done {
    /// Delivered (a message when one was posted); `then` runs once it is recorded.
    Sent {
        message: Option<MessageId>,
        note: String,
        then: Option<Box<Then>>,
    },
    /// Try again at `at_ms`.
    Retry { at_ms: i64, error: String },
    /// Given up; `report` goes to the change team.
    Failed {
        reason: String,
        report: Option<String>,
    },
    /// Not needed any more; `report` goes to the change team when they should know.
    Skipped {
        reason: String,
        report: Option<String>,
    },
}

impl Done {
    pub fn sent(message: MessageId) -> Self {
        Done::Sent {
            message: Some(message),
            note: String::new(),
            then: None,
        }
    }

    /// Done without a message of its own (a step that queued others, a repeat).
    pub fn finished(note: impl Into<String>) -> Self {
        Done::Sent {
            message: None,
            note: note.into(),
            then: None,
        }
    }

    pub fn skipped(reason: impl Into<String>) -> Self {
        Done::Skipped {
            reason: reason.into(),
            report: None,
        }
    }
}

/// Work that follows a recorded send, and only a recorded one (so it happens once).
#[derive(Debug)]
pub enum Then {
    /// Copies of a plan send to the item's webhooks.
    Mirror {
        targets: Vec<String>,
        campaign: String,
        item: String,
        team: String,
        message: OutMessage,
    },
}

impl Then {
    pub async fn run(self, app: &App) {
        match self {
            Then::Mirror {
                targets,
                campaign,
                item,
                team,
                message,
            } => crate::webhooks::mirror(app, &targets, &campaign, &item, &team, &message).await,
        }
    }
}

/// Sends a claimed row to the handler of its kind.
pub async fn handle(
    app: &App,
    plan: Option<&Plan>,
    row: &Queued,
    now: DateTime<Utc>,
) -> anyhow::Result<Done> {
    match row.kind {
        Kind::Plan | Kind::Resend | Kind::Manual | Kind::Announce => {
            crate::app::comms::deliver::deliver(app, plan, row, now).await
        }
        Kind::PulseOpen => crate::app::pulse::run::open(app, row, now).await,
        Kind::PulseRemind => crate::app::pulse::run::remind(app, row, now).await,
        Kind::PulseDm => crate::app::pulse::run::remind_one(app, row, now).await,
        Kind::PulseClose => crate::app::pulse::run::close(app, row, now).await,
        Kind::Story => crate::app::stories::deliver(app, row).await,
        Kind::Brief => crate::app::comms::brief::deliver(app, plan, row, now).await,
        Kind::Digest => crate::app::dashboard::digest::deliver(app, plan, row, now).await,
        Kind::Action => crate::app::actions::deliver::deliver(app, row, now).await,
    }
}

/// A nonce (≤ 25 characters) that is the same for every delivery of one row and differs
/// between rows, so a re-post after a crash returns the first message.
pub fn nonce_for(row: &Queued) -> String {
    let key = format!(
        "{}|{}|{}|{}|{}",
        row.guild, row.kind, row.item, row.channel, row.fire_at_ms
    );
    format!("h{}", base36(crate::chat::fnv1a(&key)))
}

/// Who a row that messages several people has reached, this try and earlier ones.
#[derive(Debug, Default)]
pub struct Reached {
    /// The first message sent for the row, whichever try sent it.
    pub first: Option<MessageId>,
    /// Members whose direct messages are closed for good.
    pub refused: Vec<MemberId>,
}

/// How [`dm_each`] ended: everyone reached (or refused for good, when allowed), or a
/// failure that stopped it, after which a retry goes on from the next person.
#[derive(Debug)]
pub enum DmEach {
    Reached(Reached),
    Failed(ChatError),
}

/// Messages each of `members` once for this row across retries: whoever an earlier try
/// reached is skipped, and each message is recorded as soon as it is sent. A refusal for
/// good (direct messages closed) is collected when `refusals_allowed`, else it stops;
/// any other failure stops, so the row can be retried.
pub async fn dm_each(
    app: &App,
    row: &Queued,
    members: &[MemberId],
    refusals_allowed: bool,
    message_for: impl Fn(MemberId) -> OutMessage,
) -> anyhow::Result<DmEach> {
    let earlier = app.store.recipients(row.id).await?;
    let mut reached = Reached {
        first: earlier.first().map(|(_, m)| *m),
        refused: Vec::new(),
    };
    for member in members {
        if earlier.iter().any(|(m, _)| m == member) {
            continue;
        }
        let mut msg = message_for(*member);
        msg.nonce = Some(nonce_for_member(row, *member));
        match holding_lease(app, row, app.chat.dm(*member, &msg)).await {
            Ok(id) => {
                app.store
                    .add_recipient(row.id, *member, id, app.now_ms())
                    .await?;
                reached.first = reached.first.or(Some(id));
            }
            Err(e) if e.permanent && refusals_allowed => reached.refused.push(*member),
            Err(e) => return Ok(DmEach::Failed(e)),
        }
    }
    Ok(DmEach::Reached(reached))
}

/// A row's nonce for one member's direct message: rows that message several people (a
/// digest, a briefing) give each message its own, the same on every delivery.
pub fn nonce_for_member(row: &Queued, member: MemberId) -> String {
    let key = format!(
        "{}|{}|{}|{}|{}|{}",
        row.guild, row.kind, row.item, row.channel, row.fire_at_ms, member.0
    );
    format!("m{}", base36(crate::chat::fnv1a(&key)))
}

fn base36(mut n: u64) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// The instance holding `row`'s claim: every change to the row is fenced by it.
pub fn holder(row: &Queued) -> &str {
    row.claimed_by.as_deref().unwrap_or_default()
}

/// Runs `work` (a post, a direct message) while renewing the row's lease every third of
/// it, so one that waits out rate limits, timeouts and retries keeps its claim and no
/// other instance takes the row over meanwhile.
pub async fn holding_lease<T>(
    app: &App,
    row: &Queued,
    work: impl std::future::Future<Output = T>,
) -> T {
    tokio::pin!(work);
    let every = std::time::Duration::from_millis((LEASE_MS / 3) as u64);
    let mut renew = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    loop {
        tokio::select! {
            done = &mut work => return done,
            _ = renew.tick() => {
                let until = app.shared_now_ms() + LEASE_MS;
                match app.store.extend_lease(row.id, holder(row), until).await {
                    Ok(true) => {}
                    Ok(false) => tracing::warn!(row = row.id, "lost the claim of a job in flight"),
                    Err(e) => tracing::warn!(row = row.id, error = %e, "could not renew the lease of a job in flight"),
                }
            }
        }
    }
}

/// Posts `msg` to `channel` with the row's nonce, holding the row's lease.
pub async fn post(
    app: &App,
    row: &Queued,
    channel: ChannelId,
    mut msg: OutMessage,
) -> Result<MessageId, ChatError> {
    msg.nonce = Some(nonce_for(row));
    holding_lease(app, row, app.chat.post(channel, &msg)).await
}

/// What a failed post means for its row: tried again later with a growing pause, or,
/// when Discord refuses it for good or it has failed `MAX_ATTEMPTS` times, given up with
/// `report(why)` for the change team (None: nobody needs telling).
pub fn post_failed(
    row: &Queued,
    e: &ChatError,
    now: DateTime<Utc>,
    report: impl FnOnce(String) -> Option<String>,
) -> Done {
    if e.permanent || row.attempts >= MAX_ATTEMPTS {
        let why = if e.permanent {
            e.message.clone()
        } else {
            format!("{} (after {} attempts)", e.message, row.attempts)
        };
        return Done::Failed {
            reason: e.message.clone(),
            report: report(why),
        };
    }
    retry(row, e, now)
}

/// As `post_failed`, for a job that must happen however long Discord fails (a pulse's
/// opening or close): a transient failure is tried again every time, the pause growing to
/// eight minutes; only a refusal for good gives it up.
pub fn post_failed_keep_trying(
    row: &Queued,
    e: &ChatError,
    now: DateTime<Utc>,
    report: impl FnOnce(String) -> Option<String>,
) -> Done {
    if e.permanent {
        return Done::Failed {
            reason: e.message.clone(),
            report: report(e.message.clone()),
        };
    }
    retry(row, e, now)
}

/// Another try after 30 s, doubling with each attempt up to 8 minutes.
fn retry(row: &Queued, e: &ChatError, now: DateTime<Utc>) -> Done {
    let wait = 30_000i64 << (row.attempts.clamp(1, 5) - 1);
    Done::Retry {
        at_ms: now.timestamp_millis() + wait,
        error: e.message.clone(),
    }
}

/// Posts skipped and failed jobs to the change team's reports channel, in one message.
pub async fn report(app: &App, lines: &[String]) {
    if lines.is_empty() {
        return;
    }
    for l in lines {
        tracing::warn!(report = %l, "a job was not delivered");
    }
    let Ok(Some(guild)) = app.primary_guild().await else {
        return;
    };
    let Ok(Some(channel)) = app.reports_channel(guild).await else {
        return;
    };
    let mut text = String::from("**Herald delivery report**\n");
    for l in lines {
        if text.len() + l.len() > 1900 {
            text.push_str("…and more; see Herald's log.");
            break;
        }
        text.push_str(&format!("• {l}\n"));
    }
    if let Err(e) = app.chat.post(channel, &OutMessage::text(text)).await {
        tracing::error!(error = %e, "could not post the delivery report");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::GuildId;

    fn row(fire: i64) -> Queued {
        Queued {
            id: 1,
            guild: GuildId(1),
            kind: Kind::Plan,
            item: "weekly-update".into(),
            team: "Sales".into(),
            channel: ChannelId(99),
            fire_at_ms: fire,
            status: "claimed".into(),
            attempts: 1,
            message: None,
            sent_at_ms: None,
            body: None,
            ref_id: None,
            last_error: None,
            claimed_by: Some("herald-test".into()),
        }
    }

    #[test]
    fn a_nonce_is_short_stable_and_differs_per_firing() {
        let a = nonce_for(&row(1_000));
        assert_eq!(
            a,
            nonce_for(&row(1_000)),
            "the same row gets the same nonce on every delivery"
        );
        assert_ne!(a, nonce_for(&row(2_000)));
        let dm = |slot: &str| Queued {
            kind: Kind::PulseDm,
            item: format!("7:24:{slot}"),
            channel: ChannelId(0),
            ..row(1_000)
        };
        assert_ne!(
            nonce_for(&dm("0a1b")),
            nonce_for(&dm("2c3d")),
            "each member's reminder of one step has a nonce of its own"
        );
        assert!(a.len() <= 25 && a.starts_with('h'), "{a}");
    }

    #[test]
    fn a_failed_post_is_retried_with_a_growing_pause_then_given_up_and_reported() {
        let now = DateTime::from_timestamp_millis(0).unwrap_or_default();
        let busy = ChatError {
            message: "Discord answered 500".into(),
            permanent: false,
        };
        let mut r = row(0);
        match post_failed(&r, &busy, now, |_| None) {
            Done::Retry { at_ms, .. } => assert_eq!(at_ms, 30_000),
            other => panic!("{other:?}"),
        }
        r.attempts = 3;
        match post_failed(&r, &busy, now, |_| None) {
            Done::Retry { at_ms, .. } => assert_eq!(at_ms, 120_000),
            other => panic!("{other:?}"),
        }
        r.attempts = MAX_ATTEMPTS;
        match post_failed(&r, &busy, now, |why| Some(format!("tell them: {why}"))) {
            Done::Failed { report, .. } => assert_eq!(
                report.as_deref(),
                Some("tell them: Discord answered 500 (after 5 attempts)")
            ),
            other => panic!("{other:?}"),
        }
        r.attempts = 40;
        match post_failed_keep_trying(&r, &busy, now, |_| None) {
            Done::Retry { at_ms, .. } => assert_eq!(at_ms, 480_000, "a close is never given up"),
            other => panic!("{other:?}"),
        }
    }
}
