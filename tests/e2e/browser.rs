//! A headless Chromium driven over the DevTools protocol, for tests that assert on what a
//! person sees in a page. The protocol rather than WebDriver: it needs no chromedriver
//! process and no new crate (a WebSocket client is already here), and it reports console
//! messages, the page's HTTP status and full-page screenshots directly.
//!
//! Chromium is Debian's `chromium` (`HERALD_CHROMIUM` names another binary); `.ci/run`
//! installs it when missing.

use std::process::Stdio;
use std::time::Duration;

use base64::Engine as _;
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A running Chromium and the protocol connection to it.
pub struct Browser {
    child: tokio::process::Child,
    socket: Socket,
    next_id: u64,
    /// Events read while waiting for an answer, in arrival order.
    events: Vec<Value>,
    _profile: tempfile::TempDir,
}

/// One tab in a browser context of its own (its own cookies).
pub struct Tab {
    session: String,
    /// Every console error and uncaught exception seen in this tab.
    pub errors: Vec<String>,
    /// The HTTP status of the last document loaded.
    pub status: Option<u64>,
}

/// What a page shows: its visible text and a few counts.
#[derive(Debug)]
pub struct Seen {
    pub text: String,
    pub row_headers: Vec<String>,
    pub svgs: usize,
    pub url: String,
}

impl Browser {
    pub async fn launch() -> Browser {
        let binary = std::env::var("HERALD_CHROMIUM").unwrap_or_else(|_| "chromium".into());
        let profile = tempfile::tempdir().expect("profile dir");
        let mut child = tokio::process::Command::new(&binary)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--hide-scrollbars",
                "--remote-debugging-port=0",
                "about:blank",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start `{binary}` ({e}): install Debian's chromium package")
            });
        let stderr = child.stderr.take().expect("stderr");
        let mut lines = BufReader::new(stderr).lines();
        let url = tokio::time::timeout(Duration::from_secs(30), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(at) = line.find("ws://") {
                    return line[at..].trim().to_string();
                }
            }
            panic!("chromium exited without a DevTools address")
        })
        .await
        .expect("chromium's DevTools address within 30 s");
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let (socket, _) = tokio_tungstenite::connect_async(url.as_str())
            .await
            .expect("DevTools connection");
        Browser {
            child,
            socket,
            next_id: 0,
            events: Vec::new(),
            _profile: profile,
        }
    }

    /// Sends a command (to a tab's session when given) and returns its result.
    async fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        self.socket
            .send(Message::Text(msg.to_string()))
            .await
            .expect("send to chromium");
        loop {
            let v = self.read().await;
            if v["id"] == id {
                if let Some(e) = v.get("error") {
                    panic!("{method} failed: {e}");
                }
                return v["result"].clone();
            }
            self.events.push(v);
        }
    }

    async fn read(&mut self) -> Value {
        let next = tokio::time::timeout(Duration::from_secs(30), self.socket.next())
            .await
            .expect("chromium answers within 30 s")
            .expect("chromium's connection open")
            .expect("a DevTools message");
        match next {
            Message::Text(t) => serde_json::from_str(&t).expect("DevTools JSON"),
            other => panic!("unexpected DevTools message {other:?}"),
        }
    }

    /// A new tab in a fresh context (no cookies), `width` × `height` CSS pixels.
    pub async fn tab(&mut self, width: u32, height: u32, mobile: bool) -> Tab {
        let context = self
            .call(None, "Target.createBrowserContext", json!({}))
            .await["browserContextId"]
            .clone();
        let target = self
            .call(
                None,
                "Target.createTarget",
                json!({ "url": "about:blank", "browserContextId": context }),
            )
            .await["targetId"]
            .clone();
        let session = self
            .call(
                None,
                "Target.attachToTarget",
                json!({ "targetId": target, "flatten": true }),
            )
            .await["sessionId"]
            .as_str()
            .expect("session")
            .to_string();
        for domain in [
            "Page.enable",
            "Runtime.enable",
            "Log.enable",
            "Network.enable",
        ] {
            self.call(Some(&session), domain, json!({})).await;
        }
        self.call(
            Some(&session),
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile }),
        )
        .await;
        Tab {
            session,
            errors: Vec::new(),
            status: None,
        }
    }

    /// Opens `url` in `tab` and waits until the page (after any redirect) has loaded.
    pub async fn goto(&mut self, tab: &mut Tab, url: &str) -> Seen {
        self.events.clear();
        let s = tab.session.clone();
        self.call(Some(&s), "Page.navigate", json!({ "url": url }))
            .await;
        self.wait_for_load(tab).await;
        self.see(tab).await
    }

    /// Follows a link to `url` from a page of another site (as a click in Discord does),
    /// and waits until the page it leads to has loaded.
    pub async fn follow_from_elsewhere(&mut self, tab: &mut Tab, url: &str) -> Seen {
        let page = elsewhere(format!(
            "<!doctype html><title>Chat</title><a id=go href=\"{url}\">Your dashboard</a>"
        ))
        .await;
        self.goto(tab, &page).await;
        self.events.clear();
        self.eval(tab, "document.getElementById('go').click()")
            .await;
        self.wait_for_load(tab).await;
        self.see(tab).await
    }

    /// Waits for the tab's next finished load; a sign-in page (`/dashboard/open`
    /// answered 200) moves on by itself, so the load after it is the one awaited.
    async fn wait_for_load(&mut self, tab: &mut Tab) {
        let mut i = 0;
        let mut at = String::new();
        loop {
            while i < self.events.len() {
                let e = self.events[i].clone();
                i += 1;
                if e["sessionId"] != tab.session.as_str() {
                    continue;
                }
                note(tab, &e);
                if std::env::var("HERALD_CDP_DEBUG").is_ok() {
                    eprintln!(
                        "CDP {} {}",
                        e["method"],
                        e["params"]
                            .to_string()
                            .chars()
                            .take(300)
                            .collect::<String>()
                    );
                }
                let frame = &e["params"]["frame"];
                if e["method"] == "Page.frameNavigated" && frame.get("parentId").is_none() {
                    at = frame["url"].as_str().unwrap_or_default().to_string();
                }
                let signing_in = at.contains("/dashboard/open") && tab.status == Some(200);
                if e["method"] == "Page.loadEventFired" && !at.is_empty() && !signing_in {
                    return;
                }
            }
            let v = self.read().await;
            self.events.push(v);
        }
    }

    async fn eval(&mut self, tab: &Tab, expression: &str) -> Value {
        let s = tab.session.clone();
        self.call(
            Some(&s),
            "Runtime.evaluate",
            json!({ "expression": expression, "returnByValue": true, "userGesture": true }),
        )
        .await["result"]["value"]
            .clone()
    }

    /// What the tab shows now.
    pub async fn see(&mut self, tab: &mut Tab) -> Seen {
        let v = self
            .eval(
                tab,
                "({ text: document.body ? document.body.innerText : '', url: location.href, \
svgs: document.querySelectorAll('svg').length, \
rows: [...document.querySelectorAll('th[scope=row]')].map(e => e.textContent) })",
            )
            .await;
        // Console messages that arrived with the evaluation.
        for e in std::mem::take(&mut self.events) {
            if e["sessionId"] == tab.session.as_str() {
                note(tab, &e);
            }
        }
        Seen {
            text: v["text"].as_str().unwrap_or_default().to_string(),
            url: v["url"].as_str().unwrap_or_default().to_string(),
            svgs: v["svgs"].as_u64().unwrap_or(0) as usize,
            row_headers: v["rows"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|r| r.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// A full-page PNG of the tab, written to `path`.
    pub async fn screenshot(&mut self, tab: &Tab, path: &std::path::Path) {
        let s = tab.session.clone();
        let shot = self
            .call(
                Some(&s),
                "Page.captureScreenshot",
                json!({ "format": "png", "captureBeyondViewport": true }),
            )
            .await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().expect("screenshot data"))
            .expect("base64 screenshot");
        assert!(bytes.starts_with(b"\x89PNG"), "a PNG screenshot");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("screenshot folder");
        }
        std::fs::write(path, bytes).expect("write the screenshot");
    }

    pub async fn close(mut self) {
        let _ = self.call(None, "Browser.close", json!({})).await;
        let _ = tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await;
    }
}

/// Records what a tab's event says about errors and the document's status.
fn note(tab: &mut Tab, e: &Value) {
    let p = &e["params"];
    match e["method"].as_str().unwrap_or_default() {
        "Runtime.consoleAPICalled" if p["type"] == "error" => {
            tab.errors.push(format!("console.error: {}", p["args"]))
        }
        "Runtime.exceptionThrown" => tab
            .errors
            .push(format!("exception: {}", p["exceptionDetails"])),
        "Log.entryAdded" if p["entry"]["level"] == "error" => tab
            .errors
            .push(format!("{}: {}", p["entry"]["source"], p["entry"]["text"])),
        "Network.responseReceived" if p["type"] == "Document" => {
            tab.status = p["response"]["status"].as_u64()
        }
        _ => {}
    }
}

/// A page of another site serving `html`: `localhost`, where Herald is `127.0.0.1`.
async fn elsewhere(html: String) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port for the other site");
    let port = listener.local_addr().expect("address").port();
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = conn.read(&mut buf).await;
            let reply = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{html}",
                html.len()
            );
            let _ = conn.write_all(reply.as_bytes()).await;
        }
    });
    format!("http://localhost:{port}/")
}

/// Where a test keeps what it produced (screenshots): cargo's folder for test output.
pub fn output_dir(test: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("screenshots")
        .join(test)
}
