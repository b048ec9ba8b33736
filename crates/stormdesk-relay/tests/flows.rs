//! The relay's round trips over loopback: a fake Slack Web API and a fake
//! Bot Framework (token endpoint + connector) record exactly what they
//! receive; the simulator plays StackStorm (alias execution, stream
//! announcement). The Teams flow is the seed's: the reply must find the
//! conversation the command came from.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use stormdesk_client::{AliasCache, Secret};
use stormdesk_relay::inbound::{decide, run, Decision, InboundMessage, InboundPolicy};
use stormdesk_relay::outbound::{PostedTo, Relay};
use stormdesk_relay::slack::{post_webhook, SlackClient};
use stormdesk_relay::teams::{reference_from_activity, TeamsBot};
use stormdesk_routing::{decode, Destination, Route};
use stormdesk_stream::{Delivery, ListenerConfig, StreamSession};

mod common;
use common::{seed_slack_message, stackstorm};

const ROUTE: &str = "stormdesk";
const SEED_CONVERSATION: &str = "a:1tjtnFy9YhaDQe_FWcXBL_wC4CsaRSs4EG6OedQ_6OmEwUqzey76DQLoEkAkJBYq5hKtQX0utNbtJXc-Ow0XfSFsKTxrAAy5D7atE7Ydo6T6E3droyiKiYsjkC6876Rpu";
const SEED_USER: &str =
    "29:1pm0yCoquliuVpq6Y_sCJ4xyDcl4fF3tCGUjfsixDb1VlQZtjSUOFsYPuEQFkr-n8eZgYnHSyCqUU4Fydi3mizA";

/// One request as the fake received it.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    auth: Option<String>,
    content_type: Option<String>,
    body: String,
    at: Instant,
}

impl Seen {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

#[derive(Default)]
struct FakeState {
    seen: Vec<Seen>,
    /// Answer this many Slack calls with 429 first.
    rate_limit: usize,
    tokens_issued: usize,
    /// The connector refuses this bearer token with 401.
    revoked: Option<String>,
}

#[derive(Clone)]
struct Fake {
    url: String,
    state: Arc<Mutex<FakeState>>,
}

impl Fake {
    async fn start() -> Self {
        let state = Arc::new(Mutex::new(FakeState::default()));
        let st = Arc::clone(&state);
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let st = Arc::clone(&st);
                async move { handle(&st, method, uri, headers, body) }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { url, state }
    }

    fn seen(&self, path_prefix: &str) -> Vec<Seen> {
        self.state
            .lock()
            .unwrap()
            .seen
            .iter()
            .filter(|s| s.path.starts_with(path_prefix))
            .cloned()
            .collect()
    }
}

fn handle(
    st: &Mutex<FakeState>,
    _method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut s = st.lock().unwrap();
    let seen = Seen {
        path: uri.path().to_string(),
        auth: headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        content_type: headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        body: String::from_utf8_lossy(&body).into_owned(),
        at: Instant::now(),
    };
    let path = seen.path.clone();
    let auth = seen.auth.clone();
    let json_body = seen.json();
    s.seen.push(seen);
    if path == "/api/chat.postMessage" {
        if s.rate_limit > 0 {
            s.rate_limit -= 1;
            return (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "1")], "").into_response();
        }
        if json_body["channel"] == "C_GONE" {
            return axum::Json(json!({"ok": false, "error": "channel_not_found"})).into_response();
        }
        let n = s.seen.len();
        return axum::Json(json!({"ok": true, "channel": json_body["channel"], "ts": format!("1700000000.{n:06}")})).into_response();
    }
    if path.starts_with("/hooks/") {
        return "ok".into_response();
    }
    if path == "/botframework/token" {
        s.tokens_issued += 1;
        let t = format!("tok-{}", s.tokens_issued);
        return axum::Json(json!({"token_type": "Bearer", "expires_in": 3600, "access_token": t}))
            .into_response();
    }
    if path.contains("/v3/conversations/") {
        if auth.is_some() && auth == s.revoked.as_ref().map(|t| format!("Bearer {t}")) {
            return (
                StatusCode::UNAUTHORIZED,
                axum::Json(json!({"error": {"code": "Unauthorized", "message": "token expired"}})),
            )
                .into_response();
        }
        let n = s.seen.len();
        return (
            StatusCode::CREATED,
            axum::Json(json!({"id": format!("reply-{n}")})),
        )
            .into_response();
    }
    StatusCode::NOT_FOUND.into_response()
}

/// The next announcement from the stream (results of relayed commands come
/// back as announcements addressed by their source_channel).
async fn next_announcement(session: &mut StreamSession) -> (String, Value, Route) {
    loop {
        let d = tokio::time::timeout(Duration::from_secs(15), session.next())
            .await
            .expect("an announcement within 15 s")
            .expect("session open");
        if let Delivery::Announcement {
            payload,
            destination,
            ..
        } = d
        {
            return (payload.message.clone(), payload.extra.clone(), destination);
        }
    }
}

fn key() -> stormdesk_routing::DestinationKey {
    stormdesk_routing::DestinationKey::from_bytes([1; 32])
}

fn allow(ids: &[&str]) -> InboundPolicy {
    InboundPolicy {
        allowed: ids.iter().map(|s| s.to_string()).collect(),
        ..InboundPolicy::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slack_message_runs_and_ack_and_result_land_in_its_thread() {
    let fake = Fake::start().await;
    let (sim, client) = stackstorm().await;
    let mut session = StreamSession::start(Arc::clone(&client), ListenerConfig::for_route(ROUTE));
    assert!(session.wait_live(Duration::from_secs(10)).await);
    let relay = Relay {
        slack: Some(SlackClient::new(
            &format!("{}/api", fake.url),
            Secret::new("xoxb-relay-test"),
        )),
        teams: None,
    };
    // The seed's Slack message; a message outside a thread starts one.
    let msg = seed_slack_message();
    let Decision::Run { command } = decide(&allow(&["slack:U110FGZSQ"]), &msg) else {
        panic!("allowed user's command runs")
    };
    let aliases = AliasCache::load(Arc::clone(&client)).await.unwrap();
    let results = run(&client, &aliases, &msg, &command, ROUTE, &key())
        .await
        .unwrap();
    assert_eq!(results.len(), 1);
    let ack = results[0].message.clone().unwrap();
    assert_eq!(ack, "Sekunde...");
    relay
        .post(&Route::To(msg.origin.clone()), &ack, &Value::Null)
        .await
        .unwrap();

    let (message, extra, destination) = next_announcement(&mut session).await;
    assert_eq!(
        destination,
        Route::To(msg.origin.clone()),
        "the result is addressed to the thread"
    );
    let PostedTo::Slack(posted) = relay.post(&destination, &message, &extra).await.unwrap() else {
        panic!("delivered to Slack")
    };
    assert_eq!(posted[0].channel, "C110T9SMT");

    let calls = fake.seen("/api/chat.postMessage");
    assert_eq!(calls.len(), 2, "{calls:?}");
    for c in &calls {
        assert_eq!(c.auth.as_deref(), Some("Bearer xoxb-relay-test"));
        assert!(c
            .content_type
            .as_deref()
            .unwrap_or("")
            .starts_with("application/json"));
        let b = c.json();
        assert_eq!(b["channel"], "C110T9SMT");
        assert_eq!(b["thread_ts"], "1506953521.000382");
    }
    assert_eq!(calls[0].json()["text"], "Sekunde...");
    assert!(
        calls[1].json()["text"]
            .as_str()
            .unwrap()
            .contains("kaffee_wolke"),
        "{}",
        calls[1].body
    );
    // StackStorm saw who asked, through whom.
    let execs = sim.state().executions();
    assert_eq!(execs.last().unwrap()["context"]["api_user"], "ch");
    session.stop().await;
    sim.shutdown().await;
}

/// The seed's MS Teams failure, now a passing round trip: the conversation
/// reference goes to StackStorm in source_channel and comes back on the
/// announcement, and the reply is posted into that same conversation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teams_activity_runs_and_the_reply_finds_its_conversation() {
    let fake = Fake::start().await;
    let (sim, client) = stackstorm().await;
    let mut session = StreamSession::start(Arc::clone(&client), ListenerConfig::for_route(ROUTE));
    assert!(session.wait_live(Duration::from_secs(10)).await);
    let bot = TeamsBot::new(
        &format!("{}/botframework/token", fake.url),
        "app-id-1",
        Secret::new("bot-password"),
    );
    let relay = Relay {
        slack: None,
        teams: Some(bot),
    };
    let activity = json!({
        "type": "message",
        "id": "1625148352141",
        "serviceUrl": format!("{}/emea/", fake.url),
        "channelId": "msteams",
        "from": {"id": SEED_USER, "name": "FirstName Surname"},
        "recipient": {"id": "28:862d35f5-8de3-4200-8af0-31da71510155", "name": "username_nick"},
        "conversation": {"id": SEED_CONVERSATION, "conversationType": "personal", "tenantId": "tenant-1"},
        "text": "pwgen"
    });
    let reference = reference_from_activity(&activity).unwrap();
    let msg = InboundMessage {
        origin: Destination::Teams(reference.clone()),
        user_id: format!("teams:{SEED_USER}"),
        user_name: Some("FirstName Surname".into()),
        text: "pwgen".into(),
        place: "chat with FirstName Surname".into(),
        direct: true,
    };
    let Decision::Run { command } = decide(&allow(&[&format!("teams:{SEED_USER}")]), &msg) else {
        panic!("a direct message from an allowed user runs")
    };
    let aliases = AliasCache::load(Arc::clone(&client)).await.unwrap();
    let results = run(&client, &aliases, &msg, &command, ROUTE, &key())
        .await
        .unwrap();
    let ack = results[0].message.clone().unwrap();
    relay
        .post(&Route::To(msg.origin.clone()), &ack, &Value::Null)
        .await
        .unwrap();

    let (message, extra, destination) = next_announcement(&mut session).await;
    // What failed in the seed: the announcement must still know the conversation.
    assert_eq!(
        destination,
        Route::To(Destination::Teams(reference.clone()))
    );
    let PostedTo::Teams(ids) = relay.post(&destination, &message, &extra).await.unwrap() else {
        panic!("delivered to Teams")
    };
    assert_eq!(ids.len(), 1);

    let token_calls = fake.seen("/botframework/token");
    assert_eq!(token_calls.len(), 1, "the token is cached between messages");
    let form: Vec<(String, String)> = url::form_urlencoded::parse(token_calls[0].body.as_bytes())
        .into_owned()
        .collect();
    assert!(form.contains(&("grant_type".into(), "client_credentials".into())));
    assert!(form.contains(&("client_id".into(), "app-id-1".into())));
    assert!(form.contains(&(
        "scope".into(),
        "https://api.botframework.com/.default".into()
    )));
    let posts = fake.seen("/emea/v3/conversations/");
    assert_eq!(posts.len(), 2);
    for p in &posts {
        // The path the seed's connector call used, in the same conversation.
        assert_eq!(
            p.path,
            format!("/emea/v3/conversations/{SEED_CONVERSATION}/activities/1625148352141")
        );
        assert_eq!(p.auth.as_deref(), Some("Bearer tok-1"));
        let a = p.json();
        assert_eq!(a["type"], "message");
        assert_eq!(a["conversation"]["id"], SEED_CONVERSATION);
        assert_eq!(a["replyToId"], "1625148352141");
        assert_eq!(a["textFormat"], "plain");
    }
    assert_eq!(posts[0].json()["text"], "Sekunde...");
    assert_eq!(posts[1].json()["text"], message);

    // The seed's own channel value (another bot's JSON identifier) does not
    // crash anything: it goes to the pane with a note.
    let seed_channel = json!(format!(
        "{{\"id\": \"{SEED_USER}\", \"name\": \"FirstName Surname\"}}"
    ));
    let PostedTo::Pane { note: Some(note) } = relay
        .post(&decode(Some(&seed_channel)), "x", &Value::Null)
        .await
        .unwrap()
    else {
        panic!("fallback to the pane")
    };
    assert!(note.contains("JSON identifier"), "{note}");
    session.stop().await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_not_on_the_allow_list_is_refused_and_nothing_runs() {
    let fake = Fake::start().await;
    let (sim, _client) = stackstorm().await;
    let before = sim.state().executions().len();
    let relay = Relay {
        slack: Some(SlackClient::new(
            &format!("{}/api", fake.url),
            Secret::new("xoxb-relay-test"),
        )),
        teams: None,
    };
    let msg = InboundMessage {
        origin: Destination::Slack {
            team: "T1".into(),
            channel: "C1".into(),
            thread_ts: Some("1.000001".into()),
        },
        user_id: "slack:USTRANGER".into(),
        user_name: Some("stranger".into()),
        text: "!st2 deploy web to prod".into(),
        place: "channel C110T9SMT".into(),
        direct: false,
    };
    let Decision::Refuse { reply } = decide(&allow(&["slack:U110FGZSQ"]), &msg) else {
        panic!("refused")
    };
    relay
        .post(&Route::To(msg.origin.clone()), &reply, &Value::Null)
        .await
        .unwrap();
    let calls = fake.seen("/api/chat.postMessage");
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].json()["thread_ts"], "1.000001");
    assert!(calls[0].json()["text"]
        .as_str()
        .unwrap()
        .contains("stranger is not allowed"));
    assert_eq!(sim.state().executions().len(), before, "nothing ran");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slack_rate_limits_are_waited_out_and_errors_are_typed() {
    let fake = Fake::start().await;
    let slack = SlackClient::new(&format!("{}/api", fake.url), Secret::new("xoxb-relay-test"));
    fake.state.lock().unwrap().rate_limit = 1;
    let posted = slack
        .post_message("C1", None, "hello", &json!({"slack": {"color": "#439FE0"}}))
        .await
        .unwrap();
    assert_eq!(posted.len(), 1);
    let calls = fake.seen("/api/chat.postMessage");
    assert_eq!(calls.len(), 2, "one 429, one retry");
    let waited = calls[1].at - calls[0].at;
    assert!(
        waited >= Duration::from_millis(950),
        "Retry-After: 1 obeyed, waited {waited:?}"
    );
    assert_eq!(calls[1].json()["attachments"][0]["color"], "#439FE0");

    // Still limited after the retries: a typed error, not a hang.
    fake.state.lock().unwrap().rate_limit = 10;
    let e = slack
        .post_message("C1", None, "hello", &Value::Null)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "relay_rate_limited");
    fake.state.lock().unwrap().rate_limit = 0;

    let e = slack
        .post_message("C_GONE", None, "hello", &Value::Null)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), "relay_refused");
    assert!(e.to_string().contains("channel_not_found"));

    // A long code block arrives as several messages, each with its fences.
    let long = format!(
        "```\n{}\n```",
        (0..600)
            .map(|i| format!("row {i:04} ........"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let before = fake.seen("/api/chat.postMessage").len();
    let parts = slack
        .post_message("C1", Some("9.9"), &long, &Value::Null)
        .await
        .unwrap();
    assert!(parts.len() > 1);
    let sent = &fake.seen("/api/chat.postMessage")[before..];
    for s in sent {
        let t = s.json()["text"].as_str().unwrap().to_string();
        assert!(t.chars().count() <= 4000);
        assert!(
            t.starts_with("```") && t.ends_with("```"),
            "each part is a whole code block"
        );
        assert_eq!(s.json()["thread_ts"], "9.9");
    }

    // Incoming webhook: posts to its own channel, the URL is the secret.
    let hook = Secret::new(format!("{}/hooks/T000/B000/XXXX", fake.url));
    assert_eq!(
        post_webhook(&hook, "from a webhook", &Value::Null)
            .await
            .unwrap(),
        1
    );
    let h = fake.seen("/hooks/");
    assert_eq!(h[0].json(), json!({"text": "from a webhook"}));
    // Unreachable: the error does not print the webhook URL.
    let dead = Secret::new("http://127.0.0.1:9/hooks/T/B/very-secret");
    let e = post_webhook(&dead, "x", &Value::Null).await.unwrap_err();
    assert_eq!(e.kind(), "relay_unreachable");
    assert!(!e.to_string().contains("very-secret"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_teams_token_is_renewed_once_and_webhooks_get_an_adaptive_card() {
    let fake = Fake::start().await;
    let bot = TeamsBot::new(
        &format!("{}/botframework/token", fake.url),
        "app-id-1",
        Secret::new("bot-password"),
    );
    let reference = stormdesk_routing::TeamsReference {
        service_url: format!("{}/amer", fake.url),
        conversation_id: "19:abc@thread.tacv2".into(),
        tenant_id: Some("t".into()),
        activity_id: None,
    };
    bot.send(&reference, "first").await.unwrap();
    fake.state.lock().unwrap().revoked = Some("tok-1".into());
    bot.send(&reference, "second").await.unwrap();
    let posts = fake.seen("/amer/v3/conversations/");
    let auths: Vec<_> = posts.iter().map(|p| p.auth.clone().unwrap()).collect();
    assert_eq!(auths, vec!["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]);
    assert_eq!(
        posts[2].path,
        "/amer/v3/conversations/19:abc@thread.tacv2/activities"
    );
    assert!(
        posts[2].json().get("replyToId").is_none(),
        "a new message, not a reply"
    );

    let hook = Secret::new(format!("{}/hooks/workflow", fake.url));
    stormdesk_relay::teams::post_webhook(&hook, Some("ops.deploy succeeded"), "<b>done</b>")
        .await
        .unwrap();
    let card = fake.seen("/hooks/workflow")[0].json();
    assert_eq!(
        card["attachments"][0]["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    assert_eq!(
        card["attachments"][0]["content"]["body"][1]["text"],
        "<b>done</b>"
    );
}

/// `!st2 respond ID key=value …` from Slack, answered as the StackStorm user
/// the desk's owner mapped the chat user to: a stranger is refused; the one
/// who started the workflow cannot approve it; a mapped user without the
/// role it asks for cannot either; a wrong answer is explained and not sent;
/// the release manager's answer is sent once the workflow has paused,
/// reported with who gave it, and the workflow goes on. Every refusal is
/// said in the conversation and reported (history keeps it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mapped_chat_user_answers_an_inquiry_and_the_workflow_goes_on() {
    use stormdesk_relay::approval::ChatIdentity;
    use stormdesk_relay::inbound::Inbound;
    use stormdesk_relay::service::{RelayEvent, RelayService};
    let fake = Fake::start().await;
    let (sim, client) = stackstorm().await;
    let relay = Arc::new(Relay {
        slack: Some(SlackClient::new(
            &format!("{}/api", fake.url),
            Secret::new("xoxb-relay-test"),
        )),
        teams: None,
    });
    let (in_tx, in_rx) = tokio::sync::mpsc::channel(8);
    let (ev_tx, mut ev_rx) = tokio::sync::mpsc::channel(8);
    let mut policy = allow(&["slack:U110FGZSQ", "slack:UANN", "slack:UBOB"]);
    let identity = |user: &str, roles: &[&str]| ChatIdentity {
        st2_user: user.into(),
        roles: roles.iter().map(|r| r.to_string()).collect(),
        approver: false,
    };
    policy.identities = [
        // The requester is a release manager too: still not their own.
        ("slack:U110FGZSQ", identity("ch", &["release-managers"])),
        ("slack:UANN", identity("ann", &["release-managers"])),
        ("slack:UBOB", identity("bob", &["ops"])),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let service = RelayService::spawn(
        Arc::clone(&client),
        relay,
        policy,
        ROUTE.into(),
        key(),
        in_rx,
        ev_tx,
    );
    let say = |user: &str, name: &str, text: &str| {
        let mut m = seed_slack_message();
        m.user_id = user.into();
        m.user_name = Some(name.into());
        m.text = text.into();
        Inbound::Message(m)
    };
    async fn next(rx: &mut tokio::sync::mpsc::Receiver<RelayEvent>) -> RelayEvent {
        loop {
            let ev = tokio::time::timeout(Duration::from_secs(15), rx.recv())
                .await
                .expect("a relay event")
                .expect("relay running");
            if !matches!(ev, RelayEvent::Heard { .. }) {
                return ev;
            }
        }
    }
    let refused = |ev: RelayEvent, why: &str| match ev {
        RelayEvent::Refused { reply, .. } => assert!(reply.contains(why), "{reply}"),
        other => panic!("refused ({why}), not {other:?}"),
    };

    in_tx
        .send(say("slack:U110FGZSQ", "ch", "!st2 release web 2.0"))
        .await
        .unwrap();
    let RelayEvent::Ran { execution_ids, .. } = next(&mut ev_rx).await else {
        panic!("the release runs")
    };
    let workflow = execution_ids[0].clone();
    let mut inquiry = None;
    for _ in 0..100 {
        if let Some(i) = client.list_inquiries().await.unwrap().pop() {
            inquiry = Some(i.id);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let id = inquiry.expect("the release asks for approval");
    let respond = |answer: &str| format!("!st2 respond {id} {answer}");

    in_tx
        .send(say("slack:USTRANGER", "eve", &respond("approved=yes")))
        .await
        .unwrap();
    refused(next(&mut ev_rx).await, "not allowed");
    in_tx
        .send(say("slack:U110FGZSQ", "ch", &respond("approved=yes")))
        .await
        .unwrap();
    refused(next(&mut ev_rx).await, "nobody approves their own request");
    in_tx
        .send(say("slack:UBOB", "bob", &respond("approved=yes")))
        .await
        .unwrap();
    refused(
        next(&mut ev_rx).await,
        "Sorry, bob (StackStorm user bob) may not answer inquiry",
    );
    in_tx
        .send(say("slack:UANN", "ann", &respond("approved=maybe")))
        .await
        .unwrap();
    let RelayEvent::Failed { error, .. } = next(&mut ev_rx).await else {
        panic!("a wrong answer is not sent")
    };
    assert!(error.contains("not sent: approved"), "{error}");
    assert!(
        client.get_inquiry(&id).await.is_ok(),
        "nothing was answered yet"
    );
    in_tx
        .send(say(
            "slack:UANN",
            "ann",
            &respond("approved=yes note=from-slack"),
        ))
        .await
        .unwrap();
    let RelayEvent::Answered {
        user_id,
        inquiry_id,
        answer,
        ..
    } = next(&mut ev_rx).await
    else {
        panic!("the answer is sent")
    };
    assert_eq!(
        (user_id.as_str(), inquiry_id.as_str()),
        ("slack:UANN", id.as_str())
    );
    assert_eq!(
        Value::Object(answer),
        json!({"approved": true, "note": "from-slack"})
    );
    let done = client
        .wait_for_execution(&workflow, Duration::from_secs(15))
        .await
        .unwrap();
    assert_eq!(done.result["output"], "released web 2.0 (now): from-slack");

    let said: Vec<String> = fake
        .seen("/api/chat.postMessage")
        .iter()
        .map(|c| c.json()["text"].as_str().unwrap_or_default().to_string())
        .collect();
    for words in [
        "not allowed",
        "nobody approves their own request",
        "may not answer inquiry",
        "not sent: approved",
    ] {
        assert!(said.iter().any(|t| t.contains(words)), "{words}: {said:?}");
    }
    assert!(
        said.iter()
            .any(|t| t.starts_with(&format!("Answered inquiry {id}"))),
        "{said:?}"
    );
    service.stop().await;
    sim.shutdown().await;
}
