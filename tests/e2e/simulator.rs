//! The simulator as any bot sees it (no Herald here): plain HTTP and a raw websocket,
//! checking the contract in the README's "The Discord simulator" section.

use futures::{SinkExt, StreamExt};
use herald::sim::{self, SimHandle, WorldSpec};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::within;

pub(crate) async fn sim() -> (SimHandle, reqwest::Client) {
    let s = sim::start(
        "127.0.0.1:0".parse().expect("addr"),
        &WorldSpec::default_world(),
    )
    .await
    .expect("sim");
    (s, reqwest::Client::new())
}

pub(crate) async fn channel_id(s: &SimHandle, c: &reqwest::Client, name: &str) -> String {
    let world: Value = c
        .get(format!("{}/_sim/world", s.url()))
        .send()
        .await
        .expect("world")
        .json()
        .await
        .expect("json");
    let channels = world["guilds"][0]["channels"]
        .as_array()
        .expect("channels")
        .clone();
    channels
        .iter()
        .find(|x| x["name"] == name)
        .expect("channel")["id"]
        .as_str()
        .expect("id")
        .to_string()
}

pub(crate) async fn post(
    c: &reqwest::Client,
    url: String,
    body: Value,
) -> (u16, Value, reqwest::header::HeaderMap) {
    let r = c
        .post(url)
        .header("authorization", "Bot x")
        .json(&body)
        .send()
        .await
        .expect("answer");
    let (status, headers) = (r.status().as_u16(), r.headers().clone());
    (status, r.json().await.unwrap_or(Value::Null), headers)
}

#[tokio::test]
async fn a_repeated_nonce_returns_the_first_message_instead_of_posting_again() {
    within(30, async {
        let (s, c) = sim().await;
        let ch = channel_id(&s, &c, "sales").await;
        let url = format!("{}/api/v10/channels/{ch}/messages", s.url());
        let body = json!({ "content": "once", "nonce": "n-1", "enforce_nonce": true, "allowed_mentions": { "parse": [] } });
        let (a, first, _) = post(&c, url.clone(), body.clone()).await;
        let (b, second, _) = post(&c, url, body).await;
        assert_eq!((a, b), (200, 200));
        assert_eq!(first["id"], second["id"]);
        let stats: Value = c.get(format!("{}/_sim/stats", s.url())).send().await.expect("stats").json().await.expect("json");
        assert_eq!((stats["messages_created"].clone(), stats["nonce_duplicates_prevented"].clone()), (json!(1), json!(1)));
    })
    .await;
}

#[tokio::test]
async fn limits_are_enforced_with_discord_errors_and_recorded_as_violations() {
    within(30, async {
        let (s, c) = sim().await;
        let ch = channel_id(&s, &c, "sales").await;
        let url = format!("{}/api/v10/channels/{ch}/messages", s.url());
        let other = channel_id(&s, &c, "support").await;
        let too_long = json!({ "content": "x".repeat(2001) });
        let (status, body, _) = post(
            &c,
            format!("{}/api/v10/channels/{other}/messages", s.url()),
            too_long,
        )
        .await;
        assert_eq!((status, body["code"].clone()), (400, json!(50035)));
        let mut last = (0, Value::Null, reqwest::header::HeaderMap::new());
        for i in 0..6 {
            last = post(
                &c,
                url.clone(),
                json!({ "content": format!("m{i}"), "allowed_mentions": { "parse": [] } }),
            )
            .await;
            if i == 4 {
                assert_eq!(
                    last.2
                        .get("x-ratelimit-remaining")
                        .and_then(|v| v.to_str().ok()),
                    Some("0")
                );
            }
        }
        let (status, body, headers) = last;
        assert_eq!(status, 429, "the sixth message in 5 s is limited");
        assert!(
            body["retry_after"]
                .as_f64()
                .is_some_and(|r| r > 0.0 && r <= 5.0),
            "{body}"
        );
        assert_eq!(body["global"], false);
        assert!(
            headers.get("retry-after").is_some() && headers.get("x-ratelimit-bucket").is_some()
        );
        let stats: Value = c
            .get(format!("{}/_sim/stats", s.url()))
            .send()
            .await
            .expect("stats")
            .json()
            .await
            .expect("json");
        assert_eq!(stats["violations"][0]["kind"], "limit");
        assert_eq!(stats["rate_limited"], 1);
        assert_eq!(stats["messages_created"], 5);
    })
    .await;
}

#[tokio::test]
async fn an_interaction_takes_one_initial_response_only() {
    within(30, async {
        let (s, c) = sim().await;
        let app_id = c.get(format!("{}/_sim/world", s.url())).send().await.expect("w").json::<Value>().await.expect("j")["application_id"].as_str().expect("id").to_string();
        let cmds = json!([{ "name": "ping", "description": "p", "type": 1, "options": [] }]);
        let r = c.put(format!("{}/api/v10/applications/{app_id}/commands", s.url())).json(&cmds).send().await.expect("put");
        assert_eq!(r.status(), 200);
        let (_, started, _) = post(&c, format!("{}/_sim/interactions/command", s.url()), json!({ "member": "Ava", "channel": "sales", "command": "ping" })).await;
        let id = started["interaction_id"].as_str().expect("id").to_string();
        let token = format!("sim-token-{id}");
        let answer = json!({ "type": 4, "data": { "content": "pong", "flags": 64, "allowed_mentions": { "parse": [] } } });
        let url = format!("{}/api/v10/interactions/{id}/{token}/callback", s.url());
        let (first, body, _) = post(&c, format!("{url}?with_response=true"), answer.clone()).await;
        assert_eq!(first, 200);
        assert_eq!(body["resource"]["message"]["content"], "pong");
        let (second, body, _) = post(&c, url, answer).await;
        assert_eq!((second, body["code"].clone()), (400, json!(40060)));
        let seen: Value = c.get(format!("{}/_sim/interactions/{id}", s.url())).send().await.expect("get").json().await.expect("json");
        assert_eq!(seen["responses"][0]["content"], "pong");
        assert_eq!(seen["responses"][0]["ephemeral"], true);
        let stats: Value = c.get(format!("{}/_sim/stats", s.url())).send().await.expect("stats").json().await.expect("json");
        assert_eq!(stats["interactions"]["double_acks"], 1);
    })
    .await;
}

#[tokio::test]
async fn the_gateway_greets_identifies_and_accepts_zlib_stream_in_the_url() {
    within(30, async {
        let (s, c) = sim().await;
        let bot: Value = c
            .get(format!("{}/api/v10/gateway/bot", s.url()))
            .send()
            .await
            .expect("gw")
            .json()
            .await
            .expect("json");
        assert_eq!(bot["shards"], 1);
        let url = format!(
            "{}?v=10&encoding=json&compress=zlib-stream",
            bot["url"].as_str().expect("url")
        );
        let (mut ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("websocket");
        assert_eq!(next_frame(&mut ws).await["op"], 10, "HELLO first");
        ws.send(Message::Text(
            json!({ "op": 2, "d": { "token": "x", "intents": 513, "properties": {} } }).to_string(),
        ))
        .await
        .expect("identify");
        let ready = next_frame(&mut ws).await;
        assert_eq!(
            (ready["t"].clone(), ready["s"].clone()),
            (json!("READY"), json!(1))
        );
        assert_eq!(next_frame(&mut ws).await["t"], "GUILD_CREATE");
        ws.send(Message::Text(json!({ "op": 1, "d": 2 }).to_string()))
            .await
            .expect("heartbeat");
        assert_eq!(next_frame(&mut ws).await["op"], 11, "heartbeat ACK");
    })
    .await;
}

pub(crate) type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub(crate) async fn next_frame(ws: &mut Ws) -> Value {
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(t))) => return serde_json::from_str(&t).expect("json frame"),
            Some(Ok(_)) => continue,
            other => panic!("the gateway closed: {other:?}"),
        }
    }
}
