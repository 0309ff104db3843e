//! A small client for the control API, as a person at a keyboard would use Discord:
//! run a command, click a button, send a modal, post, react — and read the answer they see.

use std::time::Duration;

use serde_json::{json, Value};

/// What a person reads after an interaction: (message id, components, content).
pub type Seen = (String, Value, String);

#[derive(Clone)]
pub struct SimClient {
    http: reqwest::Client,
    url: String,
}

/// How long [`SimClient::settled`] waits for the follow-up of a deferred answer.
pub const FOLLOW_UP_WAIT: Duration = Duration::from_secs(30);

impl SimClient {
    pub fn new(url: &str) -> Self {
        Self {
            http: reqwest::Client::new(),
            url: url.to_string(),
        }
    }

    pub async fn post(&self, path: &str, body: Value) -> Option<Value> {
        let r = self
            .http
            .post(format!("{}{path}", self.url))
            .json(&body)
            .send()
            .await
            .ok()?;
        r.json().await.ok()
    }

    /// The answer a person reads: the first response, or after a deferred one, its
    /// follow-up or edit.
    pub async fn answer(&self, started: Option<Value>) -> Option<Seen> {
        let id = started?["interaction_id"].as_str()?.to_string();
        let (_, first) = self.settled(&id).await?;
        Some((
            first["message_id"].as_str().unwrap_or_default().to_string(),
            first["components"].clone(),
            first["content"].as_str().unwrap_or_default().to_string(),
        ))
    }

    /// The simulator's record of an interaction once its answer has settled, and the
    /// response a person reads: the first, or after a deferred one ("thinking…" or a
    /// silent acknowledgement), the follow-up or edit that replaces it. A deferred answer
    /// is waited for up to [`FOLLOW_UP_WAIT`].
    pub async fn settled(&self, interaction: &str) -> Option<(Value, Value)> {
        let deferred = |v: &Value| matches!(v["responses"][0]["type"].as_u64(), Some(5 | 6));
        let mut got = Value::Null;
        let deadline = std::time::Instant::now() + FOLLOW_UP_WAIT;
        while std::time::Instant::now() < deadline {
            got = self
                .http
                .get(format!(
                    "{}/_sim/interactions/{interaction}?wait_ms=5000",
                    self.url
                ))
                .send()
                .await
                .ok()?
                .json()
                .await
                .ok()?;
            if !deferred(&got) || got["responses"].as_array().is_some_and(|r| r.len() > 1) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let first = got["responses"].get(usize::from(deferred(&got)))?.clone();
        Some((got, first))
    }

    pub async fn command(
        &self,
        member: &str,
        channel: &str,
        command: &str,
        options: Value,
    ) -> Option<Seen> {
        let body =
            json!({ "member": member, "channel": channel, "command": command, "options": options });
        self.answer(self.post("/_sim/interactions/command", body).await)
            .await
    }

    pub async fn click(&self, member: &str, message: &str, custom_id: &str) -> Option<Seen> {
        let body = json!({ "member": member, "message_id": message, "custom_id": custom_id });
        self.answer(self.post("/_sim/interactions/component", body).await)
            .await
    }

    pub async fn say(&self, member: &str, channel: &str, content: &str) -> Option<Value> {
        self.post(
            "/_sim/messages",
            json!({ "member": member, "channel": channel, "content": content }),
        )
        .await
    }

    pub async fn react(
        &self,
        member: &str,
        channel: &str,
        message: &str,
        emoji: &str,
    ) -> Option<Value> {
        let body =
            json!({ "member": member, "channel": channel, "message_id": message, "emoji": emoji });
        self.post("/_sim/reactions", body).await
    }
}

/// The custom_id of the button labelled `label`, if there is one.
pub fn button(components: &Value, label: &str) -> Option<String> {
    components
        .as_array()?
        .iter()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .find(|b| b["label"] == label)
        .and_then(|b| b["custom_id"].as_str().map(str::to_string))
}

/// The custom_ids of a message's buttons and selects, in order.
pub fn custom_ids(components: &Value) -> Vec<String> {
    components
        .as_array()
        .map(|rows| {
            rows.iter()
                .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
                .filter_map(|b| b["custom_id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}
