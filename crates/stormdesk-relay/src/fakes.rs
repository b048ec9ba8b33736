//! A loopback stand-in for Slack (Web API + a Socket Mode WebSocket) that
//! records what it receives, for tests here and in the desk. Built only
//! with the `fakes` feature.

use std::sync::{Arc, Mutex};

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::Json;
use serde_json::{json, Value};

/// What the fake has seen, and what it will say on each connection.
#[derive(Debug, Default)]
pub struct SlackRecord {
    /// The Authorization header of each `apps.connections.open`.
    pub opens: Vec<Option<String>>,
    pub connections: usize,
    /// Envelope ids acknowledged by the client.
    pub acks: Vec<String>,
    /// `chat.postMessage` bodies, with their Authorization header.
    pub posts: Vec<(Option<String>, Value)>,
    /// Frames for connection N (after `hello`); later connections get none.
    pub script: Vec<Vec<String>>,
    /// Channel id → name, for `conversations.info` (others: not found).
    pub channel_names: std::collections::HashMap<String, String>,
    /// The Authorization header of each `conversations.info`.
    pub infos: Vec<Option<String>>,
    /// Errors `apps.connections.open` answers with, first to last (HTTP
    /// status, Slack error code); then it succeeds. A 429 says
    /// `Retry-After: 1`.
    pub open_errors: std::collections::VecDeque<(u16, String)>,
}

#[derive(Clone)]
pub struct FakeSlack {
    /// `http://127.0.0.1:PORT/api`: the Web API base.
    pub api: String,
    pub record: Arc<Mutex<SlackRecord>>,
}

struct Shared {
    ws_url: String,
    record: Arc<Mutex<SlackRecord>>,
}

/// An `events_api` envelope carrying `event`.
pub fn envelope(id: &str, team: &str, event: Value) -> String {
    json!({"envelope_id": id, "type": "events_api", "accepts_response_payload": false,
           "payload": {"team_id": team, "type": "event_callback", "event": event}})
    .to_string()
}

impl FakeSlack {
    pub async fn start(script: Vec<Vec<String>>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let record = Arc::new(Mutex::new(SlackRecord {
            script,
            ..SlackRecord::default()
        }));
        let shared = Arc::new(Shared {
            ws_url: format!("{}/socket", base.replace("http://", "ws://")),
            record: Arc::clone(&record),
        });
        let app = axum::Router::new()
            .route("/api/apps.connections.open", post(open))
            .route("/api/chat.postMessage", post(post_message))
            .route("/api/conversations.info", get(conversation_info))
            .route("/socket", get(socket))
            .with_state(shared);
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            api: format!("{base}/api"),
            record,
        }
    }

    pub fn posts(&self) -> Vec<(Option<String>, Value)> {
        self.record
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .posts
            .clone()
    }
}

/// The request's Authorization header, as sent.
pub fn authorization(headers: &HeaderMap) -> Option<String> {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

async fn open(State(s): State<Arc<Shared>>, headers: HeaderMap) -> axum::response::Response {
    use axum::response::IntoResponse;
    let auth = authorization(&headers);
    let mut r = s.record.lock().unwrap_or_else(|e| e.into_inner());
    r.opens.push(auth);
    match r.open_errors.pop_front() {
        Some((status, error)) => {
            let status =
                axum::http::StatusCode::from_u16(status).unwrap_or(axum::http::StatusCode::OK);
            let mut resp = (status, Json(json!({"ok": false, "error": error}))).into_response();
            if status == axum::http::StatusCode::TOO_MANY_REQUESTS {
                resp.headers_mut()
                    .insert("retry-after", axum::http::HeaderValue::from_static("1"));
            }
            resp
        }
        None => Json(json!({"ok": true, "url": s.ws_url})).into_response(),
    }
}

async fn post_message(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Json<Value> {
    let auth = authorization(&headers);
    let mut r = s.record.lock().unwrap_or_else(|e| e.into_inner());
    r.posts.push((auth, body.clone()));
    Json(
        json!({"ok": true, "channel": body["channel"], "ts": format!("1700000000.{:06}", r.posts.len())}),
    )
}

async fn conversation_info(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Json<Value> {
    let auth = authorization(&headers);
    let mut r = s.record.lock().unwrap_or_else(|e| e.into_inner());
    r.infos.push(auth);
    let id = q.get("channel").cloned().unwrap_or_default();
    Json(match r.channel_names.get(&id) {
        Some(name) => json!({"ok": true, "channel": {"id": id, "name": name, "is_channel": true}}),
        None => json!({"ok": false, "error": "channel_not_found"}),
    })
}

async fn socket(State(s): State<Arc<Shared>>, ws: WebSocketUpgrade) -> axum::response::Response {
    ws.on_upgrade(move |sock| serve_socket(s, sock))
}

async fn serve_socket(s: Arc<Shared>, mut sock: WebSocket) {
    let frames = {
        let mut r = s.record.lock().unwrap_or_else(|e| e.into_inner());
        r.connections += 1;
        let n = r.connections - 1;
        r.script.get(n).cloned().unwrap_or_default()
    };
    let hello = json!({"type": "hello", "num_connections": 1}).to_string();
    for f in std::iter::once(hello).chain(frames) {
        if sock.send(Message::Text(f.into())).await.is_err() {
            return;
        }
    }
    while let Some(Ok(m)) = sock.recv().await {
        if let Message::Text(t) = m {
            let v: Value = serde_json::from_str(&t).unwrap_or(Value::Null);
            if let Some(id) = v["envelope_id"].as_str() {
                s.record
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .acks
                    .push(id.to_string());
            }
        }
    }
}
