//! The Bot Framework messaging endpoint over loopback: a fake identity
//! provider serves OpenID metadata and a JWKS (keys made fresh per run with
//! openssl); tokens are signed as Bot Framework signs them. A valid activity
//! runs its command and the ack goes back into the same conversation;
//! forged, expired, mis-addressed or unendorsed tokens are refused and
//! nothing runs.

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::routing::{get, post};
use axum::Json;
use serde_json::{json, Value};
use stormdesk_client::Secret;
use stormdesk_relay::inbound::InboundPolicy;
use stormdesk_relay::outbound::Relay;
use stormdesk_relay::service::{RelayEvent, RelayService};
use stormdesk_relay::teams::TeamsBot;
use stormdesk_relay::teams_endpoint::{serve, BotAuth, ISSUER};
use stormdesk_routing::Destination;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

mod common;

const APP_ID: &str = "app-id-1";

struct Key {
    pem: Vec<u8>,
    jwk: Value,
}

/// A fresh RSA key (openssl) and its public JWK.
fn rsa_key(dir: &std::path::Path, kid: &str) -> Key {
    let path = dir.join(format!("{kid}.pem"));
    let ok = Command::new("openssl")
        .args(["genrsa", "-out"])
        .arg(&path)
        .arg("2048")
        .output()
        .unwrap();
    assert!(ok.status.success(), "openssl genrsa");
    let out = Command::new("openssl")
        .args(["rsa", "-modulus", "-noout", "-in"])
        .arg(&path)
        .output()
        .unwrap();
    let hex = String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .trim_start_matches("Modulus=")
        .to_string();
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    Key {
        pem: std::fs::read(&path).unwrap(),
        jwk: json!({"kty": "RSA", "use": "sig", "kid": kid, "n": b64url(&bytes), "e": "AQAB", "endorsements": ["msteams"]}),
    }
}

fn b64url(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn sign(key: &Key, kid: &str, claims: Value) -> String {
    let mut h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    h.kid = Some(kid.into());
    jsonwebtoken::encode(
        &h,
        &claims,
        &jsonwebtoken::EncodingKey::from_rsa_pem(&key.pem).unwrap(),
    )
    .unwrap()
}

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
    let good = rsa_key(&dir, "k1");
    let forger = rsa_key(&dir, "forger");

    // Identity provider + connector fake.
    let key_fetches = Arc::new(AtomicUsize::new(0));
    let connector: Arc<Mutex<Connector>> = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let idp = format!("http://{}", listener.local_addr().unwrap());
    let jwks = json!({"keys": [good.jwk.clone()]});
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
    let claims = |over: Value| {
        let mut c = json!({"iss": ISSUER, "aud": APP_ID, "exp": now() + 3600, "nbf": now() - 10, "serviceUrl": service_url});
        for (k, v) in over.as_object().unwrap() {
            c[k] = v.clone();
        }
        c
    };
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
                "k1",
                claims(json!({"exp": now() - 600, "nbf": now() - 4000})),
            )),
            activity.clone(),
        ),
        (
            "wrong audience",
            bearer(sign(&good, "k1", claims(json!({"aud": "someone-else"})))),
            activity.clone(),
        ),
        (
            "wrong issuer",
            bearer(sign(
                &good,
                "k1",
                claims(json!({"iss": "https://evil.example"})),
            )),
            activity.clone(),
        ),
        (
            "forged signature",
            bearer(sign(&forger, "k1", claims(json!({})))),
            activity.clone(),
        ),
        (
            "unknown key",
            bearer(sign(&forger, "forger", claims(json!({})))),
            activity.clone(),
        ),
        (
            "another serviceUrl",
            bearer(sign(
                &good,
                "k1",
                claims(json!({"serviceUrl": "https://evil.example/"})),
            )),
            activity.clone(),
        ),
        (
            "channel not endorsed",
            bearer(sign(&good, "k1", claims(json!({})))),
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
    assert!(
        key_fetches.load(Ordering::SeqCst) >= 2,
        "an unknown kid re-reads the keys"
    );
    assert!(ev_rx.try_recv().is_err(), "nothing was relayed");
    assert_eq!(sim.state().executions().len(), executions_before);

    // A valid token: the command runs, the ack goes to the same conversation.
    assert_eq!(
        post(
            bearer(sign(&good, "k1", claims(json!({})))),
            activity.clone()
        )
        .await,
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
        post(bearer(sign(&good, "k1", claims(json!({})))), added).await,
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
