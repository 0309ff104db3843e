//! The gateway websocket: HELLO → IDENTIFY → READY → GUILD_CREATE, heartbeats, RESUME,
//! and dispatches filtered by the intents the client asked for.

use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use serde_json::{json, Value};
use tokio::sync::broadcast::error::RecvError;

use super::payloads;
use super::state::{GatewayEvent, SimState};

const HEARTBEAT_INTERVAL_MS: u64 = 41_250;

pub async fn upgrade(State(s): State<Arc<SimState>>, ws: WebSocketUpgrade) -> Response {
    if s.lock().limits.faults.gateway_down {
        use axum::response::IntoResponse;
        return (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "Discord is unavailable.",
        )
            .into_response();
    }
    ws.on_upgrade(move |socket| session(s, socket))
}

struct Session {
    socket: WebSocket,
    seq: u64,
    intents: u64,
}

impl Session {
    async fn send(&mut self, v: Value) -> bool {
        self.socket.send(Message::Text(v.to_string())).await.is_ok()
    }

    async fn dispatch(&mut self, name: &str, data: Value) -> bool {
        self.seq += 1;
        let frame = json!({ "op": 0, "t": name, "s": self.seq, "d": data });
        self.send(frame).await
    }
}

async fn session(state: Arc<SimState>, socket: WebSocket) {
    let mut s = Session {
        socket,
        seq: 0,
        intents: 0,
    };
    if !s
        .send(json!({ "op": 10, "d": { "heartbeat_interval": HEARTBEAT_INTERVAL_MS } }))
        .await
    {
        return;
    }
    let mut events = state.events.subscribe();
    if !handshake(&state, &mut s).await {
        return;
    }
    state.lock().sessions += 1;
    run(&state, &mut s, &mut events).await;
    state.lock().sessions -= 1;
}

/// Waits for IDENTIFY (answers READY and a GUILD_CREATE per guild) or RESUME.
async fn handshake(state: &SimState, s: &mut Session) -> bool {
    loop {
        let Some(Ok(msg)) = s.socket.recv().await else {
            return false;
        };
        let Some(frame) = parse(&msg) else { continue };
        match frame["op"].as_u64() {
            Some(1) if !s.send(json!({ "op": 11 })).await => return false,
            Some(2) => {
                s.intents = frame["d"]["intents"].as_u64().unwrap_or(0);
                let reject = {
                    let mut inner = state.lock();
                    inner.stats.identifies += 1;
                    inner.limits.faults.reject_identify
                };
                if reject {
                    let frame = CloseFrame {
                        code: 4004,
                        reason: "Authentication failed.".into(),
                    };
                    let _ = s.socket.send(Message::Close(Some(frame))).await;
                    return false;
                }
                return identify(state, s).await;
            }
            Some(6) => {
                s.seq = frame["d"]["seq"].as_u64().unwrap_or(0);
                return s.dispatch("RESUMED", json!({})).await;
            }
            _ => {}
        }
    }
}

async fn identify(state: &SimState, s: &mut Session) -> bool {
    let resume = state.base_url().replacen("http://", "ws://", 1) + "/gateway";
    let session_id = format!("sim-{}", uuid::Uuid::new_v4().simple());
    let (ready, guilds) = {
        let inner = state.lock();
        let ready = payloads::ready(&inner, &session_id, &resume);
        let guilds: Vec<Value> = inner
            .guilds
            .iter()
            .filter(|g| !g.bot_left)
            .map(|g| payloads::guild_create(&inner, g.id))
            .collect();
        (ready, guilds)
    };
    if !s.dispatch("READY", ready).await {
        return false;
    }
    for g in guilds {
        if !s.dispatch("GUILD_CREATE", g).await {
            return false;
        }
    }
    true
}

async fn run(
    state: &SimState,
    s: &mut Session,
    events: &mut tokio::sync::broadcast::Receiver<GatewayEvent>,
) {
    loop {
        tokio::select! {
            msg = s.socket.recv() => {
                let Some(Ok(msg)) = msg else { return };
                if matches!(msg, Message::Close(_)) {
                    return;
                }
                if let Some(frame) = parse(&msg) {
                    if !answer(state, s, &frame).await {
                        return;
                    }
                }
            }
            ev = events.recv() => match ev {
                Ok(GatewayEvent::Dispatch { name, data, intent }) => {
                    if intent.is_none_or(|bit| s.intents & bit != 0) && !s.dispatch(name, data).await {
                        return;
                    }
                }
                Ok(GatewayEvent::Disconnect) => {
                    let frame = CloseFrame { code: 4000, reason: "simulated disconnect".into() };
                    let _ = s.socket.send(Message::Close(Some(frame))).await;
                    return;
                }
                Err(RecvError::Lagged(n)) => tracing::warn!(missed = n, "simulator: a gateway session fell behind"),
                Err(RecvError::Closed) => return,
            },
        }
    }
}

/// What a client sends once connected: a heartbeat (op 1, ACKed) or a request for guild
/// members (op 8, answered with GUILD_MEMBERS_CHUNK events). False when the socket closed.
async fn answer(state: &SimState, s: &mut Session, frame: &Value) -> bool {
    match frame["op"].as_u64() {
        Some(1) => s.send(json!({ "op": 11 })).await,
        Some(8) => {
            let chunks = payloads::member_chunks(&state.lock(), &frame["d"]);
            for chunk in chunks {
                if !s.dispatch("GUILD_MEMBERS_CHUNK", chunk).await {
                    return false;
                }
            }
            true
        }
        _ => true,
    }
}

fn parse(msg: &Message) -> Option<Value> {
    match msg {
        Message::Text(t) => serde_json::from_str(t).ok(),
        Message::Binary(b) => serde_json::from_slice(b).ok(),
        _ => None,
    }
}
