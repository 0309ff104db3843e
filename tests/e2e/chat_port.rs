//! The Chat port on Discord: posts, DMs, edits, attachments and member lists, and
//! exactly-once delivery when Discord answers 429, 5xx or drops the connection.

use std::collections::HashSet;

use futures::future::join_all;
use herald::chat::{Attachment, OutMessage, Pings};
use herald::domain::ids::{ChannelId, GuildId, MemberId, MessageId, RoleId};
use herald::sim::world::{GuildSpec, MemberSpec, RoleSpec, WorldSpec};
use serde_json::json;

use crate::helpers::{spawn_app, spawn_app_with, within};

#[tokio::test]
async fn posts_dms_edits_attachments_and_role_members_reach_discord() {
    within(60, async {
        let app = spawn_app().await;
        let chat = app.herald().app.chat.clone();
        let sales = ChannelId(app.id_of("channels", "sales").await);
        let png = vec![0x89, b'P', b'N', b'G', 1, 2, 3];
        let mut msg = OutMessage::text("Kick-off is on Monday");
        msg.attachments.push(Attachment {
            filename: "chart.png".into(),
            bytes: png.clone(),
        });
        msg.nonce = Some("kickoff-1".into());
        let id = chat.post(sales, &msg).await.expect("posted");
        let posted = app.messages("sales").await;
        assert_eq!(posted.len(), 1);
        assert_eq!(posted[0]["content"], "Kick-off is on Monday");
        assert_eq!(posted[0]["nonce"], "kickoff-1");
        assert_eq!(
            posted[0]["attachments"],
            json!([{ "filename": "chart.png", "size": png.len() }])
        );
        let bytes = app
            .http
            .get(app.url(&format!("/_sim/attachments/{}/chart.png", id.0)))
            .send()
            .await
            .expect("get")
            .bytes()
            .await
            .expect("bytes");
        assert_eq!(bytes.to_vec(), png);
        chat.edit(sales, id, &OutMessage::text("Kick-off moved to Tuesday"))
            .await
            .expect("edited");
        assert_eq!(
            app.messages("sales").await[0]["content"],
            "Kick-off moved to Tuesday"
        );
        let ava = MemberId(app.id_of("members", "Ava").await);
        chat.dm(ava, &OutMessage::text("Your pulse is open"))
            .await
            .expect("dm");
        let dms = app.get("/_sim/dms/Ava").await;
        assert_eq!(dms[0]["content"], "Your pulse is open");
        let guild = GuildId(app.guild_id().await);
        let members = chat
            .role_members(guild, RoleId(app.id_of("roles", "Sales").await))
            .await
            .expect("members");
        assert_eq!(
            members.len(),
            6,
            "Maya and five colleagues hold the Sales role"
        );
        assert!(members.contains(&ava));
        app.finish().await;
    })
    .await;
}

#[tokio::test]
async fn a_post_pings_only_whom_it_names_and_an_unknown_channel_is_not_retried() {
    within(60, async {
        let app = spawn_app().await;
        let chat = app.herald().app.chat.clone();
        let sales_role = RoleId(app.id_of("roles", "Sales").await);
        let mut msg = OutMessage::text(format!("<@&{sales_role}> training starts now"));
        msg.pings = Pings {
            roles: vec![sales_role],
            members: vec![],
        };
        chat.post(ChannelId(app.id_of("channels", "sales").await), &msg)
            .await
            .expect("posted");
        chat.post(
            ChannelId(app.id_of("channels", "sales").await),
            &OutMessage::text("<@&1> @everyone quiet"),
        )
        .await
        .expect("posted");
        let sales = app.messages("sales").await;
        let role = sales_role.to_string();
        assert_eq!(
            sales[0]["allowed_mentions"]["roles"],
            json!([role]),
            "only the named role is pinged"
        );
        assert_eq!(
            sales[0]["allowed_mentions"]["parse"],
            json!([]),
            "no @everyone, @here or roles by parsing"
        );
        assert_eq!(
            sales[1]["allowed_mentions"]["roles"],
            json!([]),
            "a message without pings pings nobody, whatever it names"
        );
        assert_eq!(sales[1]["allowed_mentions"]["parse"], json!([]));
        let before = app.stats().await["requests"].as_u64().expect("count");
        let err = chat
            .post(ChannelId(42), &OutMessage::text("lost"))
            .await
            .expect_err("no such channel");
        assert!(err.permanent, "{err}");
        assert!(err.message.contains("404"), "{err}");
        let after = app.stats().await["requests"].as_u64().expect("count");
        assert_eq!(after - before, 1, "a 404 is not retried");
        app.finish().await;
    })
    .await;
}

fn forty_channel_world() -> WorldSpec {
    WorldSpec {
        guilds: vec![GuildSpec {
            name: "Busy".into(),
            channels: (0..40).map(|i| format!("team-{i}")).collect(),
            roles: vec![RoleSpec {
                name: "Change Lead".into(),
                permissions: "0".into(),
            }],
            members: vec![MemberSpec {
                name: "Claire".into(),
                roles: vec!["Change Lead".into()],
            }],
            owner: None,
        }],
    }
}

#[tokio::test]
async fn posts_through_429s_5xx_and_dropped_answers_appear_exactly_once() {
    // 200 posts in CI, 1,000 with HERALD_FAULTS_LARGE set.
    let n: usize = if crate::helpers::large_fault_runs() {
        1000
    } else {
        200
    };
    within(60 + n as u64 / 2, async {
        let app = spawn_app_with(forty_channel_world()).await;
        let faults = json!({ "http_429_ratio": 0.3, "http_5xx_ratio": 0.1, "drop_after_commit_ratio": 0.05, "enforce_rate_limits": true });
        app.post("/_sim/faults", faults).await;
        let world = app.get("/_sim/world").await;
        let channels: Vec<u64> = world["guilds"][0]["channels"].as_array().expect("channels").iter().map(|c| c["id"].as_str().expect("id").parse().expect("num")).collect();
        let chat = app.herald().app.chat.clone();
        let sends = (0..n).map(|i| {
            let chat = chat.clone();
            let channel = ChannelId(channels[i % channels.len()]);
            async move {
                let mut msg = OutMessage::text(format!("update {i}"));
                msg.nonce = Some(format!("t-{i}"));
                chat.post(channel, &msg).await
            }
        });
        let results: Vec<Result<MessageId, _>> = join_all(sends).await;
        let failures: Vec<String> = results.iter().filter_map(|r| r.as_ref().err().map(|e| e.to_string())).collect();
        assert!(failures.is_empty(), "failed sends: {failures:?}");
        let stats = app.stats().await;
        assert_eq!(stats["messages_created"], n as u64, "{stats}");
        assert!(stats["rate_limited"].as_u64().unwrap_or(0) > 20, "429s were injected: {stats}");
        let mut seen = HashSet::new();
        for c in &channels {
            for m in app.messages(&c.to_string()).await {
                assert!(seen.insert(m["content"].as_str().expect("text").to_string()), "posted twice: {m}");
            }
        }
        assert_eq!(seen.len(), n);
        assert!((0..n).all(|i| seen.contains(&format!("update {i}"))));
        app.finish().await;
    })
    .await;
}
