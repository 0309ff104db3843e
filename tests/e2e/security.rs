//! Security and privacy as an attacker meets them: another server, forged clicks, a
//! database reader looking for the order of answers.

use herald::sim::world::{GuildSpec, MemberSpec, RoleSpec};
use herald::sim::WorldSpec;
use serde_json::json;

use crate::helpers::{spawn_app_serving_first_guild, within, TestApp};

/// Acme (the server Herald serves) and "Elsewhere", where Mallory made herself a change
/// lead and an administrator.
fn world_with_a_stranger_server() -> WorldSpec {
    let mut world = WorldSpec::default_world();
    let role = |name: &str, permissions: &str| RoleSpec {
        name: name.into(),
        permissions: permissions.into(),
    };
    world.guilds.push(GuildSpec {
        name: "Elsewhere".into(),
        channels: vec!["lobby".into()],
        roles: vec![role("Change Lead", "0"), role("Boss", "8")],
        members: vec![MemberSpec {
            name: "Mallory".into(),
            roles: vec!["Change Lead".into(), "Boss".into()],
        }],
        owner: Some("Mallory".into()),
    });
    world
}

async fn elsewhere(app: &TestApp) -> serde_json::Value {
    let world = app.get("/_sim/world").await;
    world["guilds"]
        .as_array()
        .and_then(|g| g.iter().find(|g| g["name"] == "Elsewhere").cloned())
        .expect("the Elsewhere guild")
}

#[tokio::test]
async fn another_server_is_refused_left_and_written_nowhere() {
    within(60, async {
        let feedback = vec![(
            "HERALD__SENTIMENT__FEEDBACK_CHANNELS".to_string(),
            "lobby, feedback".to_string(),
        )];
        let app = spawn_app_serving_first_guild(world_with_a_stranger_server(), feedback).await;
        let mut left = false;
        for _ in 0..300 {
            left = elsewhere(&app).await["bot_left"] == true;
            if left {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert!(left, "Herald did not leave the server it is not set up for");
        let commands = app.get("/_sim/commands").await;
        assert!(
            commands
                .as_array()
                .is_some_and(|c| !c.is_empty() && c.iter().all(|c| !c["guild_id"].is_null())),
            "commands are registered in the served server only: {commands}"
        );
        // Discord takes a while to forget global commands an earlier run registered: they
        // can still reach Herald from another server.
        let stale: Vec<serde_json::Value> = commands
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                let mut c = c.clone();
                c.as_object_mut().map(|o| o.remove("guild_id"));
                c
            })
            .collect();
        let app_id = app.get("/_sim/world").await["application_id"]
            .as_str()
            .expect("application id")
            .to_string();
        app.http
            .put(app.url(&format!("/api/v10/applications/{app_id}/commands")))
            .header("authorization", "Bot dummy-test-token")
            .json(&stale)
            .send()
            .await
            .expect("sim answers");

        for (command, options) in [
            ("comms preview", json!({})),
            ("herald status", json!({})),
            (
                "team add",
                json!({ "name": "Spies", "role": "Change Lead", "channel": "lobby" }),
            ),
        ] {
            let reply = app.command("Mallory", "lobby", command, options).await;
            assert!(reply.ephemeral, "/{command}: {reply:?}");
            assert!(
                reply.content.starts_with("Herald is not set up for this server"),
                "/{command} answered: {}",
                reply.content
            );
        }
        let posted = app
            .post(
                "/_sim/messages",
                json!({ "member": "Mallory", "channel": "lobby", "content": "I love this, wonderful!" }),
            )
            .await;
        let message_id = posted["id"].as_str().unwrap_or_default().to_string();
        let click = app.click("Mallory", &message_id, "ack:1").await;
        assert!(click.ephemeral, "{click:?}");
        assert!(
            click.content.starts_with("Herald is not set up for this server"),
            "a click answered: {}",
            click.content
        );

        let ours = app.command("Claire", "change-team", "herald status", json!({})).await;
        assert!(
            !ours.content.contains("not set up"),
            "Acme is served: {}",
            ours.content
        );
        let stranger: u64 = elsewhere(&app).await["id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("id");
        let store = &app.herald().app.store;
        let guilds = store.guilds().await.expect("guilds");
        assert_eq!(guilds.len(), 1, "only Acme is stored: {guilds:?}");
        assert_ne!(guilds[0].0, stranger);
        let tables = crate::helpers::dump_tables(&app).await;
        let mentions: Vec<&String> = tables
            .iter()
            .filter(|(_, (_, rows))| {
                rows.iter()
                    .flatten()
                    .any(|cell| cell.contains(&stranger.to_string()) || cell.contains("Spies"))
            })
            .map(|(name, _)| name)
            .collect();
        assert!(mentions.is_empty(), "tables mention the other server: {mentions:?}");
        let bot = app.get("/_sim/world").await["bot_user_id"].clone();
        assert!(
            app.messages("lobby").await.iter().all(|m| m["author_id"] != bot),
            "Herald posted nothing in the other server"
        );
        app.finish().await;
    })
    .await;
}

/// The byte offset of each needle's first appearance in `haystack` (None: absent).
fn first_offsets(haystack: &[u8], needles: &[String]) -> Vec<Option<usize>> {
    needles
        .iter()
        .map(|n| haystack.windows(n.len()).position(|w| w == n.as_bytes()))
        .collect()
}

/// Everything a database reader could copy, in physical order: SQLite's file, then its
/// write-ahead log; PostgreSQL's rows of every table by transaction id and tuple position.
async fn physical_bytes(app: &TestApp) -> Vec<u8> {
    if !app.db.is_postgres() {
        let path = app.db.url.trim_start_matches("sqlite://").to_string();
        let mut bytes = std::fs::read(&path).expect("the database file");
        for suffix in ["-wal", "-journal"] {
            if let Ok(more) = std::fs::read(format!("{path}{suffix}")) {
                bytes.extend(more);
            }
        }
        return bytes;
    }
    use sqlx::Row;
    let pool = sqlx::PgPool::connect(&app.db.url).await.expect("db");
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'",
    )
    .fetch_all(&pool)
    .await
    .expect("tables");
    let mut rows: Vec<(i64, i64, i64, String)> = vec![];
    for t in tables {
        let sql = format!(
            "SELECT xmin::text::bigint AS x, (ctid::text::point)[0]::bigint AS b, \
             (ctid::text::point)[1]::bigint AS o, r::text AS body FROM {t} r"
        );
        for r in sqlx::query(&sql).fetch_all(&pool).await.expect("rows") {
            rows.push((r.get("x"), r.get("b"), r.get("o"), r.get("body")));
        }
    }
    pool.close().await;
    rows.sort();
    rows.into_iter().flat_map(|r| r.3.into_bytes()).collect()
}

#[tokio::test]
async fn the_order_people_answered_in_cannot_be_read_from_the_database() {
    within(120, async {
        let app = crate::pulse_flow::pulse_app(&[("Sales", 8)], "", &[]).await;
        crate::pulse_flow::start(&app, "Sales", "48h").await;
        let canaries: Vec<String> = (1..=8).map(|i| format!("ordercanary{i}q")).collect();
        for (i, canary) in canaries.iter().enumerate() {
            let member = format!("sales-{}", i + 1);
            let said =
                crate::pulse_flow::answer(&app, &member, "sales", &[4, 4, 3, 4, 5], Some(canary))
                    .await;
            assert!(said.contains("Thank"), "{member} read: {said}");
        }
        if !app.db.is_postgres() {
            // Herald empties the write-ahead log within about half a second of an answer.
            let wal = format!("{}-wal", app.db.url.trim_start_matches("sqlite://"));
            for _ in 0..250 {
                if std::fs::metadata(&wal).map_or(true, |m| m.len() == 0) {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        }
        let bytes = physical_bytes(&app).await;
        let offsets = first_offsets(&bytes, &canaries);
        assert!(
            offsets.iter().all(Option::is_some),
            "every comment is stored somewhere: {offsets:?}"
        );
        let mut order: Vec<usize> = (0..8).collect();
        order.sort_by_key(|i| offsets[*i]);
        let answered: Vec<usize> = (0..8).collect();
        let reversed: Vec<usize> = (0..8).rev().collect();
        assert!(
            order != answered && order != reversed,
            "the stored order is the answer order: {order:?}"
        );
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn forged_clicks_on_a_public_pulse_message_change_nothing_anyone_sees() {
    within(60, async {
        let app = crate::pulse_flow::pulse_app(&[("Sales", 5)], "", &[]).await;
        crate::pulse_flow::start(&app, "Sales", "48h").await;
        let (message, open) = crate::pulse_flow::opening(&app, "sales").await;
        let public = |msgs: Vec<serde_json::Value>| {
            msgs.into_iter()
                .find(|m| m["id"] == message.as_str())
                .map(|m| (m["content"].clone(), m["components"].clone()))
                .expect("the pulse message")
        };
        let before = public(app.messages("sales").await);
        for forged in [
            "story:cancel",
            "story:post:front-lines:*",
            "story:post:0123456789ab",
            "story:cancel:0123456789ab",
            "pulse:1:abcdefgh:q:0:",
            "pulse:1:abcdefgh:s:5:44344",
            "announce:cancel:1",
            "announce:confirm:1",
        ] {
            let r = app.click("sales-1", &message, forged).await;
            assert_eq!(
                r.kind, 4,
                "{forged}: a new private answer, not an update: {r:?}"
            );
            assert!(r.ephemeral, "{forged}: {r:?}");
            assert!(
                r.content.contains("does not belong to this message"),
                "{forged} answered: {}",
                r.content
            );
        }
        assert_eq!(
            public(app.messages("sales").await),
            before,
            "the team's pulse message is as it was"
        );
        let r = app.click("sales-1", &message, &open).await;
        assert!(
            r.content.contains("question 1 of"),
            "Answer still works: {}",
            r.content
        );
        app.finish().await;
    })
    .await;
}
