//! Fast tests of the app's rules: a real SQLite file, the manual clock and the recording
//! Chat fake, no simulator.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::TimeZone;

use super::access::Actor;
use super::champions::{recognize, Person, Recognize};
use super::App;
use crate::chat::recording::RecordingChat;
use crate::clock::ManualClock;
use crate::config::Settings;
use crate::domain::ids::{ChannelId, GuildId, MemberId, RoleId};
use crate::domain::team::TeamName;

const GUILD: GuildId = GuildId(1);
const SALES_ROLE: RoleId = RoleId(10);
const MANAGER_ROLE: RoleId = RoleId(11);
const SALES_CHANNEL: ChannelId = ChannelId(20);
const MAYA: MemberId = MemberId(100);

/// An app over a fresh SQLite file with `env` settings; the temp dir lives as long as it.
async fn app_with(
    chat: Arc<RecordingChat>,
    env: &[(&str, &str)],
) -> (App, Arc<ManualClock>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/herald.db", dir.path().display());
    let env: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let settings = Settings::load(None, &env).expect("settings");
    let store = crate::store::connect(&url, 2).await.expect("store");
    let start = chrono::Utc
        .with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .single()
        .expect("date");
    let clock = Arc::new(ManualClock::new(start));
    let key = super::pulse::key::PrivacyKey::from_bytes([7; 32]);
    let metrics = Arc::new(crate::metrics::Metrics::default());
    let app = App::new(store, clock.clone(), settings, metrics, chat, key);
    (app, clock, dir)
}

fn maya() -> Actor {
    Actor {
        guild: GUILD,
        member: MAYA,
        roles: vec![
            (SALES_ROLE, "Sales".into()),
            (MANAGER_ROLE, "Manager".into()),
        ],
        is_admin: false,
    }
}

fn colleague(n: u64) -> Person {
    Person {
        id: MemberId(200 + n),
        roles: vec![SALES_ROLE],
        bot: false,
    }
}

#[tokio::test]
async fn a_manager_may_recognise_up_to_the_daily_cap_and_again_the_next_day() {
    let chat = Arc::new(RecordingChat::new().with_channel(SALES_CHANNEL, "sales"));
    let (app, clock, _dir) = app_with(chat.clone(), &[("HERALD__CHAMPIONS__DAILY_CAP", "2")]).await;
    let sales = TeamName::parse("Sales").expect("name");
    app.store
        .add_team(GUILD, &sales, SALES_ROLE, SALES_CHANNEL, 0)
        .await
        .expect("team");
    let give = |n: u64| {
        let app = app.clone();
        async move {
            let req = Recognize {
                member: colleague(n),
                reason: "showed the team the new pipeline view",
                value: None,
            };
            recognize(&app, &maya(), req).await
        }
    };
    assert!(give(1).await.is_ok());
    assert!(give(2).await.is_ok());
    let refused = give(3).await.expect_err("the third of the day");
    assert!(
        refused.to_string().contains("daily cap"),
        "what Maya reads: {refused}"
    );
    let cards = chat.posted_in(SALES_CHANNEL);
    assert_eq!(
        cards,
        ["<@201>", "<@202>"],
        "two cards, each pinging only its member"
    );
    clock.advance(chrono::Duration::hours(24));
    assert!(give(3).await.is_ok(), "a new day, a new allowance");
    assert_eq!(chat.posted_in(SALES_CHANNEL).len(), 3);
    assert!(chat.dm_recipients().iter().all(|m| *m != MAYA));
}

#[tokio::test]
async fn a_digest_retried_after_a_passing_failure_reaches_each_reader_once() {
    use super::jobs::{dm_each, DmEach};
    use crate::chat::recording::Sent;
    use crate::chat::OutMessage;
    use crate::store::outbox::{Kind, Queued};
    let chat = Arc::new(RecordingChat::new());
    let (app, _clock, _dir) = app_with(chat.clone(), &[]).await;
    let row = Queued {
        id: 42,
        guild: GUILD,
        kind: Kind::Digest,
        item: "digest".into(),
        team: String::new(),
        channel: ChannelId(0),
        fire_at_ms: 0,
        status: "claimed".into(),
        attempts: 0,
        message: None,
        sent_at_ms: None,
        body: None,
        ref_id: None,
        last_error: None,
        claimed_by: None,
    };
    let readers = [MemberId(1), MemberId(2), MemberId(3)];
    let message = |m: MemberId| OutMessage::text(format!("Your digest, reader {}", m.0));
    chat.fail_next_dm(MemberId(2));
    let first = dm_each(&app, &row, &readers, true, message)
        .await
        .expect("try");
    assert!(
        matches!(first, DmEach::Failed(ref e) if !e.permanent),
        "{first:?}"
    );
    let again = dm_each(&app, &row, &readers, true, message)
        .await
        .expect("retry");
    let DmEach::Reached(reached) = again else {
        panic!("the retry reaches everyone: {again:?}");
    };
    let dms: Vec<(Sent, String)> = chat
        .sent()
        .into_iter()
        .map(|(to, m)| (to, m.content))
        .collect();
    assert_eq!(
        dms,
        [
            (Sent::Dm(MemberId(1)), "Your digest, reader 1".to_string()),
            (Sent::Dm(MemberId(2)), "Your digest, reader 2".to_string()),
            (Sent::Dm(MemberId(3)), "Your digest, reader 3".to_string()),
        ],
        "reader 1 is not messaged again by the retry"
    );
    assert!(reached.first.is_some() && reached.refused.is_empty());
    let third = dm_each(&app, &row, &readers, true, message)
        .await
        .expect("replay");
    assert!(matches!(third, DmEach::Reached(_)));
    assert_eq!(chat.sent().len(), 3, "a replayed row messages nobody");
}
