//! Slack Socket Mode end to end over loopback: a fake Slack (Web API +
//! a real WebSocket server) delivers the seed's message as an events_api
//! envelope; the relay acknowledges it, runs the command on the simulator,
//! answers in the message's thread, and the result follows in that thread.
//! Also: Slack's `disconnect` → reconnect, our own bot echo ignored, a user
//! not on the allow-list refused.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::Json;
use serde_json::{json, Value};
use stormdesk_client::{Profile, Secret, St2Client};
use stormdesk_relay::inbound::InboundPolicy;
use stormdesk_relay::outbound::Relay;
use stormdesk_relay::service::{RelayEvent, RelayService};
use stormdesk_relay::slack::SlackClient;
use stormdesk_relay::socket_mode;
use stormdesk_sim::{SimConfig, Simulator, DEMO_PASSWORD, DEMO_USER};
use stormdesk_stream::{Delivery, ListenerConfig, StreamSession};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

#[derive(Default)]
struct Slack {
    base: String,
    opens: Vec<Option<String>>,
    connections: usize,
    acks: Vec<String>,
    posts: Vec<Value>,
}

type Shared = Arc<Mutex<Slack>>;

fn envelope(id: &str, event: Value) -> String {
    json!({"envelope_id": id, "type": "events_api", "accepts_response_payload": false,
           "payload": {"team_id": "T0V6H6HCJ", "type": "event_callback", "event": event}})
    .to_string()
}

async fn open(State(s): State<Shared>, headers: HeaderMap) -> Json<Value> {
    let mut s = s.lock().unwrap();
    s.opens.push(
        headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
    );
    let url = format!("{}/socket", s.base.replace("http://", "ws://"));
    Json(json!({"ok": true, "url": url}))
}

async fn post_message(State(s): State<Shared>, Json(body): Json<Value>) -> Json<Value> {
    let mut s = s.lock().unwrap();
    s.posts.push(body.clone());
    Json(
        json!({"ok": true, "channel": body["channel"], "ts": format!("1700000000.{:06}", s.posts.len())}),
    )
}

async fn socket(State(s): State<Shared>, ws: WebSocketUpgrade) -> axum::response::Response {
    ws.on_upgrade(move |sock| serve_socket(s, sock))
}

async fn serve_socket(s: Shared, mut sock: WebSocket) {
    let n = {
        let mut st = s.lock().unwrap();
        st.connections += 1;
        st.connections
    };
    let mut frames = vec![json!({"type": "hello", "num_connections": 1}).to_string()];
    if n == 1 {
        // Our own reply echoed back as an event, then Slack's refresh.
        frames.push(envelope("echo-1", json!({"type": "message", "bot_id": "B0BOT", "channel": "C110T9SMT", "ts": "1.1", "text": "Sekunde..."})));
        frames.push(json!({"type": "disconnect", "reason": "refresh_requested"}).to_string());
    } else {
        frames.push(envelope("msg-1", json!({"text": "!st2 genpass", "ts": "1506953521.000382", "user": "U110FGZSQ", "type": "message", "channel": "C110T9SMT", "team": "T0V6H6HCJ"})));
        frames.push(envelope("msg-2", json!({"text": "!st2 genpass", "ts": "1506953600.000100", "user": "USTRANGER", "type": "message", "channel": "C110T9SMT", "team": "T0V6H6HCJ"})));
    }
    for f in frames {
        if sock.send(Message::Text(f.into())).await.is_err() {
            return;
        }
    }
    while let Some(Ok(m)) = sock.recv().await {
        if let Message::Text(t) = m {
            let v: Value = serde_json::from_str(&t).unwrap_or(Value::Null);
            if let Some(id) = v["envelope_id"].as_str() {
                s.lock().unwrap().acks.push(id.to_string());
            }
        }
    }
}

async fn fake_slack() -> (String, Shared) {
    let state: Shared = Arc::default();
    let app = axum::Router::new()
        .route("/api/apps.connections.open", post(open))
        .route("/api/chat.postMessage", post(post_message))
        .route("/socket", get(socket))
        .with_state(Arc::clone(&state));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    state.lock().unwrap().base = base.clone();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, state)
}

async fn until<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    for _ in 0..300 {
        if let Some(v) = f() {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_mode_message_runs_and_ack_and_result_go_to_its_thread() {
    let (base, slack) = fake_slack().await;
    let sim = Simulator::start(SimConfig {
        time_scale: 0.05,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let (profile, creds) = Profile::with_password(
        "relay",
        &sim.base_url(),
        DEMO_USER,
        Secret::new(DEMO_PASSWORD),
    );
    let client = Arc::new(St2Client::new(&profile, creds).unwrap());
    let mut session =
        StreamSession::start(Arc::clone(&client), ListenerConfig::for_route("stormdesk"));
    assert!(session.wait_live(Duration::from_secs(10)).await);

    let relay = Arc::new(Relay {
        slack: Some(SlackClient::new(
            &format!("{base}/api"),
            Secret::new("xoxb-bot"),
        )),
        teams: None,
    });
    let (in_tx, in_rx) = mpsc::channel(16);
    let (ev_tx, mut ev_rx) = mpsc::channel(16);
    let policy = InboundPolicy {
        allowed: ["slack:U110FGZSQ".to_string()].into(),
        ..InboundPolicy::default()
    };
    let service = RelayService::spawn(
        Arc::clone(&client),
        Arc::clone(&relay),
        policy,
        "stormdesk".into(),
        in_rx,
        ev_tx,
    );
    let cancel = CancellationToken::new();
    let socket = tokio::spawn(socket_mode::run(
        format!("{base}/api"),
        Secret::new("xapp-1-app-token"),
        in_tx,
        cancel.clone(),
    ));

    // The allowed user's command ran; the stranger's was refused.
    let mut ran = None;
    let mut refused = None;
    while ran.is_none() || refused.is_none() {
        match tokio::time::timeout(Duration::from_secs(15), ev_rx.recv())
            .await
            .expect("relay events")
            .unwrap()
        {
            e @ RelayEvent::Ran { .. } => ran = Some(e),
            e @ RelayEvent::Refused { .. } => refused = Some(e),
            other => panic!("unexpected {other:?}"),
        }
    }
    let Some(RelayEvent::Ran {
        command,
        execution_ids,
        ..
    }) = ran
    else {
        unreachable!()
    };
    assert_eq!(command, "genpass");
    assert_eq!(execution_ids.len(), 1);
    assert!(
        matches!(refused, Some(RelayEvent::Refused { user_id, .. }) if user_id == "slack:USTRANGER")
    );

    // The result announcement comes back addressed to the thread.
    let (message, extra, destination) = loop {
        if let Delivery::Announcement {
            payload,
            destination,
            ..
        } = tokio::time::timeout(Duration::from_secs(15), session.next())
            .await
            .unwrap()
            .unwrap()
        {
            break (payload.message.clone(), payload.extra.clone(), destination);
        }
    };
    relay.deliver(&destination, &message, &extra).await.unwrap();

    let s = until("three posts", || {
        let s = slack.lock().unwrap();
        (s.posts.len() >= 3).then(|| {
            (
                s.posts.clone(),
                s.acks.clone(),
                s.opens.clone(),
                s.connections,
            )
        })
    })
    .await;
    let (posts, acks, opens, connections) = s;
    // Every envelope acknowledged, the bot's echo included (and ignored).
    for id in ["echo-1", "msg-1", "msg-2"] {
        assert!(
            acks.contains(&id.to_string()),
            "{id} not acknowledged: {acks:?}"
        );
    }
    assert_eq!(connections, 2, "disconnect → reconnect");
    assert!(opens
        .iter()
        .all(|a| a.as_deref() == Some("Bearer xapp-1-app-token")));
    let in_thread = |ts: &str| {
        posts
            .iter()
            .filter(|p| p["thread_ts"] == ts)
            .cloned()
            .collect::<Vec<_>>()
    };
    let ours = in_thread("1506953521.000382");
    assert_eq!(
        ours.len(),
        2,
        "ack and result in the command's thread: {posts:?}"
    );
    assert_eq!(ours[0]["text"], "Sekunde...");
    assert!(ours[1]["text"].as_str().unwrap().contains("kaffee_wolke"));
    assert!(ours.iter().all(|p| p["channel"] == "C110T9SMT"));
    let theirs = in_thread("1506953600.000100");
    assert_eq!(theirs.len(), 1);
    assert!(theirs[0]["text"].as_str().unwrap().contains("not allowed"));
    assert_eq!(posts.len(), 3, "the bot's own echo was not answered");

    cancel.cancel();
    tokio::time::timeout(Duration::from_secs(5), socket)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    service.stop().await;
    session.stop().await;
    sim.shutdown().await;
}
