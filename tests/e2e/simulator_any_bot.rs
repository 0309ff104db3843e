//! The simulator as a bot on another library uses it: discord.py's `?with_response=1`
//! and the documented callback response body, channels and users by id, the bot's own
//! reactions, no editing of other people's messages, and gateway op 8.

use futures::SinkExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::within;
use crate::simulator::{channel_id, next_frame, post, sim};

async fn get(c: &reqwest::Client, url: String) -> (u16, Value) {
    let r = c.get(url).send().await.expect("answer");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn world(s: &herald::sim::SimHandle, c: &reqwest::Client) -> Value {
    get(c, format!("{}/_sim/world", s.url())).await.1
}

/// Registers `/ping` and has Ava use it in #sales: the interaction's id and token.
async fn a_ping(s: &herald::sim::SimHandle, c: &reqwest::Client) -> (String, String) {
    let app = world(s, c).await["application_id"]
        .as_str()
        .expect("app")
        .to_string();
    let cmds = json!([{ "name": "ping", "description": "p", "type": 1, "options": [] }]);
    let url = format!("{}/api/v10/applications/{app}/commands", s.url());
    assert_eq!(
        c.put(url).json(&cmds).send().await.expect("put").status(),
        200
    );
    let control = format!("{}/_sim/interactions/command", s.url());
    let started = json!({ "member": "Ava", "channel": "sales", "command": "ping" });
    let (_, started, _) = post(c, control, started).await;
    let id = started["interaction_id"].as_str().expect("id").to_string();
    let token = format!("sim-token-{id}");
    (id, token)
}

#[tokio::test]
async fn a_callback_with_response_1_gets_discords_callback_response_body() {
    within(30, async {
        let (s, c) = sim().await;
        let (id, token) = a_ping(&s, &c).await;
        let url = format!("{}/api/v10/interactions/{id}/{token}/callback", s.url());
        let answer = json!({ "type": 4, "data": { "content": "pong", "flags": 64 } });
        let (status, body, _) =
            post(&c, format!("{url}?with_response=maybe"), answer.clone()).await;
        assert_eq!(
            (status, body["code"].clone()),
            (400, json!(50035)),
            "{body}"
        );
        let (status, body, _) = post(&c, format!("{url}?with_response=1"), answer).await;
        assert_eq!(
            status, 200,
            "a refused flag left the interaction unanswered: {body}"
        );
        assert_eq!(body["interaction"]["id"], id.as_str());
        assert_eq!(
            body["interaction"]["type"], 2,
            "the interaction's type: a command"
        );
        assert_eq!(body["resource"]["type"], 4, "the callback's type");
        let message = &body["resource"]["message"];
        assert_eq!(message["content"], "pong");
        assert_eq!(body["interaction"]["response_message_id"], message["id"]);
        assert_eq!(body["interaction"]["response_message_ephemeral"], true);
        assert_eq!(body["interaction"]["response_message_loading"], false);
    })
    .await;
}

#[tokio::test]
async fn channels_and_users_are_served_by_id_and_unknown_ones_are_discords_404s() {
    within(30, async {
        let (s, c) = sim().await;
        let sales = channel_id(&s, &c, "sales").await;
        let api = format!("{}/api/v10", s.url());
        let (status, channel) = get(&c, format!("{api}/channels/{sales}")).await;
        assert_eq!((status, channel["name"].clone()), (200, json!("sales")));
        let w = world(&s, &c).await;
        let ava = w["guilds"][0]["members"]
            .as_array()
            .expect("members")
            .iter()
            .find(|m| m["name"] == "Ava")
            .expect("Ava")["id"]
            .as_str()
            .expect("id")
            .to_string();
        let (status, user) = get(&c, format!("{api}/users/{ava}")).await;
        assert_eq!((status, user["username"].clone()), (200, json!("Ava")));
        let (status, me) = get(&c, format!("{api}/users/@me")).await;
        assert_eq!((status, me["id"].clone()), (200, w["bot_user_id"].clone()));
        let (status, body) = get(&c, format!("{api}/users/42")).await;
        assert_eq!((status, body["code"].clone()), (404, json!(10013)));
        let (status, body) = get(&c, format!("{api}/channels/42")).await;
        assert_eq!((status, body["code"].clone()), (404, json!(10003)));
    })
    .await;
}

#[tokio::test]
async fn the_bot_adds_and_removes_its_own_reaction_and_cannot_edit_a_members_message() {
    within(30, async {
        let (s, c) = sim().await;
        let sales = channel_id(&s, &c, "sales").await;
        let api = format!("{}/api/v10", s.url());
        let (_, mine, _) = post(&c, format!("{api}/channels/{sales}/messages"), json!({ "content": "Kick-off at ten" })).await;
        let mine = mine["id"].as_str().expect("id").to_string();
        let reaction = format!("{api}/channels/{sales}/messages/{mine}/reactions/%F0%9F%91%8D/@me");
        for _ in 0..2 {
            let r = c.put(&reaction).send().await.expect("put");
            assert_eq!(r.status(), 204);
        }
        let (_, m) = get(&c, format!("{api}/channels/{sales}/messages/{mine}")).await;
        assert_eq!(m["reactions"], json!([{ "count": 1, "count_details": { "burst": 0, "normal": 1 }, "me": true, "me_burst": false, "emoji": { "id": null, "name": "👍" }, "burst_colors": [] }]));
        assert_eq!(c.delete(&reaction).send().await.expect("delete").status(), 204);
        let (_, m) = get(&c, format!("{api}/channels/{sales}/messages/{mine}")).await;
        assert_eq!(m["reactions"], json!([]));
        let said = json!({ "member": "Ava", "channel": "sales", "content": "Where is the training?" });
        let (_, said, _) = post(&c, format!("{}/_sim/messages", s.url()), said).await;
        let theirs = said["id"].as_str().expect("id");
        let edit = c.patch(format!("{api}/channels/{sales}/messages/{theirs}")).json(&json!({ "content": "edited by the bot" })).send().await.expect("patch");
        assert_eq!(edit.status(), 403);
        assert_eq!(edit.json::<Value>().await.expect("json")["code"], 50005);
        let (_, m) = get(&c, format!("{api}/channels/{sales}/messages/{theirs}")).await;
        assert_eq!(m["content"], "Where is the training?", "the member's words are unchanged");
    })
    .await;
}

#[tokio::test]
async fn gateway_op_8_is_answered_with_the_guilds_members_in_a_chunk() {
    within(30, async {
        let (s, c) = sim().await;
        let w = world(&s, &c).await;
        let guild = w["guilds"][0]["id"].as_str().expect("guild").to_string();
        let everyone = w["guilds"][0]["members"].as_array().expect("members").len();
        let bot: Value = get(&c, format!("{}/api/v10/gateway/bot", s.url())).await.1;
        let (mut ws, _) = tokio_tungstenite::connect_async(bot["url"].as_str().expect("url"))
            .await
            .expect("websocket");
        assert_eq!(next_frame(&mut ws).await["op"], 10);
        let identify = json!({ "op": 2, "d": { "token": "x", "intents": 3, "properties": {} } });
        ws.send(Message::Text(identify.to_string()))
            .await
            .expect("identify");
        while next_frame(&mut ws).await["t"] != "GUILD_CREATE" {}
        let request = |d: Value| Message::Text(json!({ "op": 8, "d": d }).to_string());
        ws.send(request(
            json!({ "guild_id": guild, "query": "", "limit": 0, "nonce": "all" }),
        ))
        .await
        .expect("op 8");
        let chunk = loop {
            let f = next_frame(&mut ws).await;
            if f["t"] == "GUILD_MEMBERS_CHUNK" {
                break f["d"].clone();
            }
        };
        assert_eq!(
            (chunk["nonce"].clone(), chunk["chunk_count"].clone()),
            (json!("all"), json!(1))
        );
        assert_eq!(
            chunk["members"].as_array().expect("members").len(),
            everyone
        );
        ws.send(request(
            json!({ "guild_id": guild, "query": "av", "limit": 5, "nonce": "av" }),
        ))
        .await
        .expect("op 8");
        let chunk = loop {
            let f = next_frame(&mut ws).await;
            if f["t"] == "GUILD_MEMBERS_CHUNK" {
                break f["d"].clone();
            }
        };
        let names: Vec<&str> = chunk["members"]
            .as_array()
            .expect("members")
            .iter()
            .filter_map(|m| m["user"]["username"].as_str())
            .collect();
        assert!(
            !names.is_empty() && names.iter().all(|n| n.to_lowercase().starts_with("av")),
            "{names:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn an_autocomplete_takes_only_choices_within_discords_limits() {
    within(30, async {
        let (s, c) = sim().await;
        let app = world(&s, &c).await["application_id"].as_str().expect("app").to_string();
        let option = json!({ "name": "item", "description": "i", "type": 3, "autocomplete": true });
        let cmds = json!([{ "name": "send", "description": "s", "type": 1, "options": [option] }]);
        let url = format!("{}/api/v10/applications/{app}/commands", s.url());
        assert_eq!(c.put(url).json(&cmds).send().await.expect("put").status(), 200);
        let typing = json!({ "member": "Ava", "channel": "sales", "command": "send", "options": { "item": "ki" }, "focused": "item" });
        let (_, started, _) = post(&c, format!("{}/_sim/interactions/autocomplete", s.url()), typing).await;
        let id = started["interaction_id"].as_str().expect("id").to_string();
        let url = format!("{}/api/v10/interactions/{id}/sim-token-{id}/callback", s.url());
        let choice = |name: String| json!({ "name": name, "value": "v" });
        let too_many: Vec<Value> = (0..26).map(|i| choice(format!("c{i}"))).collect();
        let refused = [
            json!({ "type": 4, "data": { "content": "a message" } }),
            json!({ "type": 8, "data": { "choices": too_many } }),
            json!({ "type": 8, "data": { "choices": [choice("n".repeat(101))] } }),
        ];
        for body in refused {
            let (status, answer, _) = post(&c, url.clone(), body.clone()).await;
            assert_eq!((status, answer["code"].clone()), (400, json!(50035)), "{body}");
        }
        let (status, _, _) = post(&c, url, json!({ "type": 8, "data": { "choices": [choice("kickoff".into())] } })).await;
        assert_eq!(status, 204);
        let seen = get(&c, format!("{}/_sim/interactions/{id}", s.url())).await.1;
        assert_eq!(seen["responses"][0]["choices"], json!([{ "name": "kickoff", "value": "v" }]));
    })
    .await;
}
