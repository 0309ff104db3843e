//! Mirrors: a plan send copied to Slack or Microsoft Teams incoming webhooks, or to a
//! generic JSON webhook. Best effort after Discord has the message: three tries with
//! backoff on 5xx or no answer, none on a 4xx; failures are logged, never block a send.

use std::sync::OnceLock;
use std::time::Duration;

use serde_json::{json, Value};

use crate::app::App;
use crate::chat::OutMessage;
use crate::config::{Mirror, MirrorKind};

const ATTEMPTS: u32 = 3;

fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default()
    })
}

/// The message as plain text: embed title and body, or the content.
fn plain_text(msg: &OutMessage) -> String {
    match msg.embeds.first() {
        Some(e) => format!(
            "{}\n{}",
            e.title.clone().unwrap_or_default(),
            e.description.clone().unwrap_or_default()
        ),
        None => msg.content.clone(),
    }
    .trim()
    .to_string()
}

/// The body a mirror of `kind` expects.
pub fn payload(
    kind: MirrorKind,
    campaign: &str,
    item: &str,
    team: &str,
    msg: &OutMessage,
) -> Value {
    let text = plain_text(msg);
    match kind {
        MirrorKind::Slack => json!({ "text": format!("*{campaign}* · {team}\n{text}") }),
        MirrorKind::Teams => json!({ "text": format!("**{campaign}** · {team}\n\n{text}") }),
        MirrorKind::Json => {
            json!({ "campaign": campaign, "item": item, "team": team, "text": text, "content": msg.content })
        }
    }
}

pub async fn mirror(
    app: &App,
    names: &[String],
    campaign: &str,
    item: &str,
    team: &str,
    msg: &OutMessage,
) {
    for name in names {
        let Some(m) = app.settings.mirrors.get(name) else {
            tracing::warn!(mirror = %name, "a plan item names a mirror that is not configured");
            continue;
        };
        if let Err(e) = post(m, &payload(m.kind, campaign, item, team, msg)).await {
            tracing::warn!(mirror = %name, item = %item, error = %e, "mirror failed");
        }
    }
}

async fn post(m: &Mirror, body: &Value) -> Result<(), String> {
    let mut last = String::new();
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
        }
        match client().post(m.url.expose()).json(body).send().await {
            Ok(r) if r.status().is_success() => return Ok(()),
            Ok(r) if r.status().is_client_error() => {
                return Err(format!("the webhook refused it ({})", r.status()))
            }
            Ok(r) => last = format!("the webhook answered {}", r.status()),
            Err(e) => last = format!("no answer: {}", e.without_url()),
        }
    }
    Err(last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::Embed;

    #[test]
    fn each_kind_of_mirror_gets_its_own_shape() {
        let msg = OutMessage {
            embeds: vec![Embed {
                title: Some("Atlas is live".into()),
                description: Some("Log in today.".into()),
                ..Embed::default()
            }],
            ..OutMessage::default()
        };
        assert_eq!(
            payload(MirrorKind::Slack, "Atlas", "go-live", "Sales", &msg),
            json!({ "text": "*Atlas* · Sales\nAtlas is live\nLog in today." })
        );
        assert_eq!(
            payload(MirrorKind::Teams, "Atlas", "go-live", "Sales", &msg),
            json!({ "text": "**Atlas** · Sales\n\nAtlas is live\nLog in today." })
        );
        let j = payload(MirrorKind::Json, "Atlas", "go-live", "Sales", &msg);
        assert_eq!(
            (j["item"].clone(), j["team"].clone(), j["text"].clone()),
            (
                json!("go-live"),
                json!("Sales"),
                json!("Atlas is live\nLog in today.")
            )
        );
    }
}
