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
