//! The Bot Framework messaging endpoint over loopback: a fake identity
//! provider serves OpenID metadata and a JWKS (keys made fresh per run with
//! openssl); tokens are signed as Bot Framework signs them. A valid activity
//! runs its command and the ack goes back into the same conversation;
//! forged, expired, mis-addressed or unendorsed tokens are refused and
//! nothing runs.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::routing::{get, post};
use axum::Json;
use serde_json::{json, Value};
use stormdesk_client::Secret;
use stormdesk_relay::inbound::InboundPolicy;
use stormdesk_relay::outbound::Relay;
use stormdesk_relay::service::{RelayEvent, RelayService};
use stormdesk_relay::teams::TeamsBot;
use stormdesk_relay::teams_endpoint::{serve, serve_with_limits, BotAuth, EndpointLimits, ISSUER};
use stormdesk_routing::Destination;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

mod common;
use common::bot_framework::{claims as bf_claims, now, rsa_key, sign, sign_as};

const APP_ID: &str = "app-id-1";

#[derive(Default)]
struct Connector {
    posts: Vec<(String, Value)>,
}

/// The next relay event, which must be a Teams conversation heard from.
async fn heard_from_teams(
    rx: &mut mpsc::Receiver<RelayEvent>,
) -> (stormdesk_routing::TeamsReference, String) {
    let ev = tokio::time::timeout(Duration::from_secs(15), rx.recv())
        .await
        .expect("a relay event")
        .expect("the relay is running");
    match ev {
        RelayEvent::Heard {
            conversation: Destination::Teams(c),
            place,
        } => (c, place),
        other => panic!("heard: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_valid_bot_framework_tokens_get_in_and_the_reply_finds_the_conversation() {
    let dir = std::env::temp_dir().join(format!("stormdesk-jwt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = rsa_key(&dir, "k1", &["msteams"]);
    let forger = rsa_key(&dir, "forger", &["msteams"]);

    // Identity provider + connector fake.
    let key_fetches = Arc::new(AtomicUsize::new(0));
    let connector: Arc<Mutex<Connector>> = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let idp = format!("http://{}", listener.local_addr().unwrap());
    // Real key sets hold other kinds of keys too: skipped, not fatal.
    let jwks = json!({"keys": [{"kty": "EC", "use": "sig", "kid": "ec-1", "crv": "P-256",
        "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}, good.jwk.clone()]});
    let app = {
        let idp2 = idp.clone();
        let fetches = Arc::clone(&key_fetches);
        let conn = Arc::clone(&connector);
        axum::Router::new()
            .route("/v1/.well-known/openidconfiguration", get(move || {
                let idp = idp2.clone();
                async move { Json(json!({"issuer": ISSUER, "jwks_uri": format!("{idp}/v1/.well-known/keys"), "id_token_signing_alg_values_supported": ["RS256"]})) }
            }))
            .route("/v1/.well-known/keys", get(move || {
                fetches.fetch_add(1, Ordering::SeqCst);
                let j = jwks.clone();
                async move { Json(j) }
            }))
            .route("/token", post(|| async { Json(json!({"access_token": "connector-token", "expires_in": 3600})) }))
            .fallback(move |uri: axum::http::Uri, Json(body): Json<Value>| {
                let conn = Arc::clone(&conn);
                async move {
                    conn.lock().unwrap().posts.push((uri.path().to_string(), body));
                    (axum::http::StatusCode::CREATED, Json(json!({"id": "reply-1"})))
                }
            })
    };
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    // StackStorm, the relay service, and the endpoint.
    let (sim, client) = common::stackstorm().await;
    let relay = Arc::new(Relay {
        slack: None,
        teams: Some(TeamsBot::new(
            &format!("{idp}/token"),
            APP_ID,
            Secret::new("bot-password"),
        )),
    });
    let (in_tx, in_rx) = mpsc::channel(16);
    let (ev_tx, mut ev_rx) = mpsc::channel(16);
    let policy = InboundPolicy {
        allowed: ["teams:29:user-1".to_string()].into(),
        ..InboundPolicy::default()
    };
    let service = RelayService::spawn(
        Arc::clone(&client),
        Arc::clone(&relay),
        policy,
        "stormdesk".into(),
        stormdesk_routing::DestinationKey::from_bytes([1; 32]),
        in_rx,
        ev_tx,
    );
    let ep_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}/api/messages", ep_listener.local_addr().unwrap());
    let cancel = CancellationToken::new();
    let server = tokio::spawn(serve(
        ep_listener,
        BotAuth::new(&format!("{idp}/v1/.well-known/openidconfiguration"), APP_ID),
        in_tx,
        cancel.clone(),
    ));

    let service_url = format!("{idp}/emea/");
    let activity = json!({
        "type": "message", "id": "1625148352141", "channelId": "msteams", "serviceUrl": service_url,
        "from": {"id": "29:user-1", "name": "FirstName Surname"},
        "recipient": {"id": "28:bot", "name": "Stormdesk"},
        "conversation": {"id": "a:personal-conv-1", "conversationType": "personal", "tenantId": "tenant-1"},
        "text": "genpass"
    });
    let claims = |over: Value| bf_claims(APP_ID, &service_url, over);
    let http = reqwest::Client::new();
    let post = |auth: Option<String>, body: Value| {
        let mut r = http.post(&endpoint).json(&body);
        if let Some(a) = auth {
            r = r.header("authorization", a);
        }
        async move { r.send().await.unwrap().status().as_u16() }
    };

    // Refused, each for its own reason; nothing reaches StackStorm.
    let bearer = |t: String| Some(format!("Bearer {t}"));
    let cases: Vec<(&str, Option<String>, Value)> = vec![
        ("no token", None, activity.clone()),
        (
            "not a JWT",
            Some("Bearer not.a.jwt".into()),
            activity.clone(),
        ),
        (
            "expired",
            bearer(sign(
                &good,
                claims(json!({"exp": now() - 600, "nbf": now() - 4000})),
            )),
            activity.clone(),
        ),
        (
            "wrong audience",
            bearer(sign(&good, claims(json!({"aud": "someone-else"})))),
            activity.clone(),
        ),
        (
            "wrong issuer",
            bearer(sign(&good, claims(json!({"iss": "https://evil.example"})))),
            activity.clone(),
        ),
        (
            "forged signature",
            bearer(sign_as(
                &forger,
                "k1",
                jsonwebtoken::Algorithm::RS256,
                claims(json!({})),
            )),
            activity.clone(),
        ),
        (
            "unknown key",
            bearer(sign(&forger, claims(json!({})))),
            activity.clone(),
        ),
        (
            "another serviceurl",
            bearer(sign(
                &good,
                claims(json!({"serviceurl": "https://evil.example/"})),
            )),
            activity.clone(),
        ),
        (
            "serviceUrl spelt as no Microsoft token spells it",
            bearer(sign(
                &good,
                claims(json!({"serviceurl": null, "serviceUrl": service_url})),
            )),
            activity.clone(),
        ),
        (
            "an audience list (the SDK compares the claim as a string)",
            bearer(sign(&good, claims(json!({"aud": [APP_ID]})))),
            activity.clone(),
        ),
        (
            "channel not endorsed",
            bearer(sign(&good, claims(json!({})))),
            {
                let mut a = activity.clone();
                a["channelId"] = json!("slack");
                a
            },
        ),
    ];
    let executions_before = sim.state().executions().len();
    for (why, auth, body) in cases {
        assert_eq!(post(auth, body).await, 401, "{why}");
    }
    assert_eq!(
        key_fetches.load(Ordering::SeqCst),
        1,
        "an unknown kid does not make each unauthenticated request re-read the keys"
    );
    assert!(ev_rx.try_recv().is_err(), "nothing was relayed");
    assert_eq!(sim.state().executions().len(), executions_before);

    // A valid token: the command runs, the ack goes to the same conversation.
    assert_eq!(
        post(bearer(sign(&good, claims(json!({})))), activity.clone()).await,
        200
    );
    // The conversation is stored first (a place to share to later)…
    let (c, place) = heard_from_teams(&mut ev_rx).await;
    assert_eq!(c.conversation_id, "a:personal-conv-1");
    assert_eq!(c.activity_id, None, "the conversation, not the activity");
    assert!(place.starts_with("chat with "), "{place}");
    // …then the command runs.
    let ev = tokio::time::timeout(Duration::from_secs(15), ev_rx.recv())
        .await
        .unwrap()
        .unwrap();
    let RelayEvent::Ran {
        origin: Destination::Teams(r),
        execution_ids,
        ..
    } = ev
    else {
        panic!("ran: {ev:?}")
    };
    assert_eq!(r.conversation_id, "a:personal-conv-1");
    assert_eq!(r.tenant_id.as_deref(), Some("tenant-1"));
    assert_eq!(execution_ids.len(), 1);
    let posts = connector.lock().unwrap().posts.clone();
    assert_eq!(posts.len(), 1);
    assert_eq!(
        posts[0].0,
        "/emea/v3/conversations/a:personal-conv-1/activities/1625148352141"
    );
    assert_eq!(posts[0].1["text"], "Sekunde...");

    // The bot added to a team: a signed conversationUpdate makes the team's
    // General channel a place to share to; nothing runs, nothing is posted.
    let added = json!({
        "type": "conversationUpdate", "id": "f:added-1", "channelId": "msteams", "serviceUrl": service_url,
        "membersAdded": [{"id": "28:bot"}], "recipient": {"id": "28:bot", "name": "Stormdesk"},
        "from": {"id": "29:user-2"},
        "conversation": {"id": "19:general@thread.tacv2", "conversationType": "channel", "isGroup": true, "tenantId": "tenant-1"},
        "channelData": {"team": {"id": "19:general@thread.tacv2", "name": "Platform Ops"}, "eventType": "teamMemberAdded", "tenant": {"id": "tenant-1"}}
    });
    assert_eq!(post(None, added.clone()).await, 401, "unsigned, refused");
    let executions_before = sim.state().executions().len();
    assert_eq!(
        post(bearer(sign(&good, claims(json!({})))), added).await,
        200
    );
    let (c, place) = heard_from_teams(&mut ev_rx).await;
    assert_eq!(
        (
            c.conversation_id.as_str(),
            c.activity_id.as_deref(),
            place.as_str()
        ),
        ("19:general@thread.tacv2", None, "Platform Ops")
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(ev_rx.try_recv().is_err(), "a join runs nothing");
    assert_eq!(sim.state().executions().len(), executions_before);
    assert_eq!(connector.lock().unwrap().posts.len(), 1);

    cancel.cancel();
    server.await.unwrap().unwrap();
    service.stop().await;
    sim.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// What the endpoint answers a message without a token (401 while it
/// answers at all).
async fn untokened_status(addr: std::net::SocketAddr) -> reqwest::StatusCode {
    reqwest::Client::new()
        .post(format!("http://{addr}/api/messages"))
        .json(&json!({"type": "message"}))
        .send()
        .await
        .unwrap()
        .status()
}

/// The endpoint with `limits` on a free loopback port, refusing every token
/// (its identity provider is nowhere): where it is, its stop, its task.
async fn limited_endpoint(
    limits: EndpointLimits,
) -> (
    std::net::SocketAddr,
    CancellationToken,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::channel(4);
    let cancel = CancellationToken::new();
    let token = cancel.clone();
    let server = tokio::spawn(async move {
        // Nothing is let in; the receiver lives as long as the endpoint.
        let _rx = rx;
        serve_with_limits(
            listener,
            BotAuth::new("http://127.0.0.1:9/none", APP_ID),
            tx,
            token,
            limits,
        )
        .await
    });
    (addr, cancel, server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_requests_cannot_hold_the_endpoint() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (addr, cancel, server) = limited_endpoint(EndpointLimits {
        max_connections: 16,
        max_per_peer: 16,
        header_timeout: Duration::from_millis(500),
        body_timeout: Duration::from_millis(500),
        connection_lifetime: Duration::from_secs(3),
    })
    .await;
    // 100 clients that send half a request line and stall.
    let mut stalled = Vec::new();
    for _ in 0..100 {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(b"POST /api/messages HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        stalled.push(s);
    }
    // Every one is closed by the server: over the cap at once, the rest
    // when their headers do not arrive in time.
    for (i, s) in stalled.iter_mut().enumerate() {
        let mut buf = [0u8; 512];
        let closed = tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                match s.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => continue, // a 408 before the close is fine
                }
            }
        })
        .await;
        assert!(closed.is_ok(), "stalled connection {i} still held open");
    }
    // And the endpoint still answers (401: no token).
    assert_eq!(untokened_status(addr).await, 401);
    // A body past the limit is refused before anything reads it.
    let huge = format!(
        "{{\"type\": \"message\", \"text\": \"{}\"}}",
        "x".repeat(3 * 1024 * 1024)
    );
    let status = reqwest::Client::new()
        .post(format!("http://{addr}/api/messages"))
        .header("content-type", "application/json")
        .header("authorization", "Bearer x.y.z")
        .body(huge)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 413);
    cancel.cancel();
    server.await.unwrap().unwrap();
}

/// A client that sends its headers at once and then trickles its body, a
/// byte now and then, is cut off at the body's deadline, not at the
/// connection's lifetime; and one address cannot hold every connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trickled_body_or_one_greedy_address_cannot_hold_the_endpoint() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (addr, cancel, server) = limited_endpoint(EndpointLimits {
        max_connections: 64,
        max_per_peer: 8,
        header_timeout: Duration::from_secs(2),
        body_timeout: Duration::from_secs(2),
        connection_lifetime: Duration::from_secs(60),
    })
    .await;
    // Headers whole, then a byte a second of a 1000-byte body.
    let mut trickle = tokio::net::TcpStream::connect(addr).await.unwrap();
    trickle
        .write_all(b"POST /api/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let closed = tokio::time::timeout(Duration::from_secs(15), async {
        let mut buf = [0u8; 512];
        loop {
            tokio::select! {
                r = trickle.read(&mut buf) => match r {
                    Ok(0) | Err(_) => break,
                    Ok(_) => continue, // its 408, then the close
                },
                _ = tokio::time::sleep(Duration::from_secs(1)) => {
                    if trickle.write_all(b" ").await.is_err() {
                        break;
                    }
                }
            }
        }
    })
    .await;
    assert!(
        closed.is_ok(),
        "a trickled body held the connection past 15 s"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    // Twenty at once from one address: eight are served, the rest closed
    // on arrival; the endpoint still answers once they are gone.
    let mut held = Vec::new();
    for _ in 0..20 {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(b"POST /api/messages HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        held.push(s);
    }
    // Well within the headers' deadline: only the refused ones are closed.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let mut closed_at_once = 0;
    for s in &held {
        let mut buf = [0u8; 64];
        // Closed: an end (or a reset: it had sent bytes nobody read).
        match s.try_read(&mut buf) {
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Ok(0) | Err(_) => closed_at_once += 1,
            Ok(_) => {}
        }
    }
    assert_eq!(closed_at_once, 12, "over the per-address cap");
    drop(held);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(untokened_status(addr).await, 401);
    cancel.cancel();
    server.await.unwrap().unwrap();
}
