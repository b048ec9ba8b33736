//! The relay against real StackStorm: Slack and Teams commands round trip, and a chat
//! answer is the mapped user's, never the requester's.

use super::*;

/// The app's host on a profile for the real server (password in the
/// store), with the relay as `relay` says.
fn real_host(dir: &Path, store: Arc<MemoryStore>, relay: RelayPrefs) -> Arc<Host<Recorder>> {
    std::fs::write(
        dir.join("config.toml"),
        format!("default_profile = \"real\"\n\n[profiles.real]\nbase_url = \"{}\"\nusername = \"{USER}\"\nauth = \"password\"\n", url()),
    )
    .unwrap();
    store
        .set(&profile_account("real"), &Secret::new(PASSWORD))
        .unwrap();
    let prefs_path = dir.join("settings.toml");
    Prefs {
        relay,
        ..Prefs::default()
    }
    .save(&prefs_path)
    .unwrap();
    Host::new(
        HostOptions {
            sources: stormdesk_client::ConfigSources {
                stormdesk_file: Some(dir.join("config.toml")),
                st2_file: None,
                env: Default::default(),
            },
            history_path: dir.join("history.db"),
            prefs_path: Some(prefs_path),
            demo_time_scale: 0.05,
        },
        store as Arc<dyn CredentialStore>,
        Recorder::default(),
        event_channel(),
    )
}

/// The seed's round trip for real: a Slack thread command runs on real
/// StackStorm, and the ack and the result go back to that thread — from
/// StackStorm's announcement with the stormdesk pack, from the desk's own
/// formatting without it; once either way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs real StackStorm: scripts/test.sh real-st2"]
async fn a_slack_thread_command_round_trips_through_real_stackstorm() {
    let fake = FakeSlack::start(vec![vec![envelope(
        "m1",
        "T1",
        json!({"type": "message", "text": "!st2 conf greet slacky", "ts": "1506953521.000382", "user": "U110FGZSQ", "channel": "C110T9SMT", "team": "T1"}),
    )]])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(MemoryStore::default());
    store
        .set(&RelaySecret::SlackBot.account(), &Secret::new("xoxb-real"))
        .unwrap();
    store
        .set(&RelaySecret::SlackApp.account(), &Secret::new("xapp-real"))
        .unwrap();
    let relay = RelayPrefs {
        slack: true,
        slack_api: Some(fake.api.clone()),
        allowed_users: vec!["slack:U110FGZSQ".into()],
        ..RelayPrefs::default()
    };
    let h = real_host(dir.path(), store, relay);
    h.start(StartMode::Auto).await;
    until(
        "ack and result in the thread",
        Duration::from_secs(60),
        || (fake.posts().len() >= 2).then_some(()),
    )
    .await;
    // Late doubles would land in this time (the chatops chain takes ~3 s).
    tokio::time::sleep(Duration::from_secs(6)).await;
    let posts: Vec<Value> = fake.posts().into_iter().map(|(_, b)| b).collect();
    assert_eq!(posts.len(), 2, "{posts:#?}");
    assert!(
        posts
            .iter()
            .all(|b| b["channel"] == "C110T9SMT" && b["thread_ts"] == "1506953521.000382"),
        "{posts:#?}"
    );
    assert_eq!(
        posts[0]["text"],
        "Greeting slacky (stormdesk_conformance.conf_greet)"
    );
    assert_eq!(posts[1]["text"], "Greeting done: hello slacky");
    // The pane followed the relayed execution to its end.
    let desk = h.desk().unwrap();
    let all = desk.history_page(None, 100).unwrap();
    assert_eq!(
        all.iter().filter(|e| e.kind() == EntryKind::Result).count(),
        1,
        "{all:#?}"
    );
    h.shutdown().await;
}

/// A fresh RSA key (openssl) and its public JWK, as Bot Framework's identity
/// provider publishes them.
fn rsa_key(dir: &Path) -> (Vec<u8>, Value) {
    use base64::Engine;
    let path = dir.join("bot-key.pem");
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
    let hex = String::from_utf8(out.stdout).unwrap();
    let hex = hex.trim().trim_start_matches("Modulus=");
    let n: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    let n = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(n);
    (
        std::fs::read(&path).unwrap(),
        json!({"kty": "RSA", "use": "sig", "kid": "k1", "n": n, "e": "AQAB", "endorsements": ["msteams"]}),
    )
}

/// The seed's Teams round trip for real: a Teams message to the bot runs on
/// real StackStorm; the ack and the result are posted into the same
/// conversation through the Bot Framework connector (a loopback stand-in
/// with its identity provider), once each, with or without the pack.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs real StackStorm: scripts/test.sh real-st2"]
async fn a_teams_command_round_trips_through_real_stackstorm() {
    use axum::routing::{get, post};
    use stormdesk_relay::teams_endpoint::ISSUER;
    let dir = tempfile::tempdir().unwrap();
    let (pem, jwk) = rsa_key(dir.path());
    let posts: Arc<std::sync::Mutex<Vec<(String, Value)>>> = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let idp = format!("http://{}", listener.local_addr().unwrap());
    let app = {
        let idp2 = idp.clone();
        let posts = Arc::clone(&posts);
        axum::Router::new()
            .route("/v1/.well-known/openidconfiguration", get(move || {
                let idp = idp2.clone();
                async move { axum::Json(json!({"issuer": ISSUER, "jwks_uri": format!("{idp}/v1/.well-known/keys"), "id_token_signing_alg_values_supported": ["RS256"]})) }
            }))
            .route("/v1/.well-known/keys", get(move || {
                let j = json!({"keys": [jwk.clone()]});
                async move { axum::Json(j) }
            }))
            .route("/token", post(|| async { axum::Json(json!({"token_type": "Bearer", "access_token": "connector-token", "expires_in": 3600})) }))
            .fallback(move |uri: axum::http::Uri, axum::Json(body): axum::Json<Value>| {
                let posts = Arc::clone(&posts);
                async move {
                    posts.lock().unwrap().push((uri.path().to_string(), body));
                    (axum::http::StatusCode::CREATED, axum::Json(json!({"id": "reply-1"})))
                }
            })
    };
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let store = Arc::new(MemoryStore::default());
    store
        .set(
            &RelaySecret::TeamsPassword.account(),
            &Secret::new("bot-password"),
        )
        .unwrap();
    let relay = RelayPrefs {
        teams: true,
        teams_app_id: Some("app-1".into()),
        teams_listen: "127.0.0.1:0".into(),
        teams_token_url: Some(format!("{idp}/token")),
        teams_metadata_url: Some(format!("{idp}/v1/.well-known/openidconfiguration")),
        allowed_users: vec!["teams:29:user-1".into()],
        ..RelayPrefs::default()
    };
    let h = real_host(dir.path(), store, relay);
    h.start(StartMode::Auto).await;
    let address = until(
        "the Teams endpoint listening",
        Duration::from_secs(30),
        || match h.relay_links().teams {
            stormdesk_relay::LinkState::Listening { address } => Some(address),
            _ => None,
        },
    )
    .await;

    let service_url = format!("{idp}/emea/");
    let activity = json!({
        "type": "message", "id": "1625148352141", "channelId": "msteams", "serviceUrl": service_url,
        "from": {"id": "29:user-1", "name": "FirstName Surname"},
        "recipient": {"id": "28:bot", "name": "Stormdesk"},
        "conversation": {"id": "a:personal-conv-1", "conversationType": "personal", "tenantId": "tenant-1"},
        "text": "conf greet teams"
    });
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some("k1".into());
    let token = jsonwebtoken::encode(
        &header,
        &json!({"serviceurl": service_url, "nbf": now - 10, "exp": now + 3600, "iss": ISSUER, "aud": "app-1"}),
        &jsonwebtoken::EncodingKey::from_rsa_pem(&pem).unwrap(),
    )
    .unwrap();
    let r = reqwest::Client::new()
        .post(format!("http://{address}/api/messages"))
        .bearer_auth(token)
        .json(&activity)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());

    until(
        "ack and result in the conversation",
        Duration::from_secs(60),
        || (posts.lock().unwrap().len() >= 2).then_some(()),
    )
    .await;
    tokio::time::sleep(Duration::from_secs(6)).await; // no late double
    let posts = posts.lock().unwrap().clone();
    assert_eq!(posts.len(), 2, "{posts:#?}");
    assert!(
        posts.iter().all(
            |(path, _)| path.starts_with("/emea/v3/conversations/a:personal-conv-1/activities")
        ),
        "{posts:#?}"
    );
    assert_eq!(
        posts[0].1["text"],
        "Greeting teams (stormdesk_conformance.conf_greet)"
    );
    assert_eq!(posts[1].1["text"], "Greeting done: hello teams");
    h.shutdown().await;
}

/// `!st2 respond` on real StackStorm: the relay answers with its owner's
/// credentials, so a chat user answers only as the StackStorm user they are
/// mapped to — one the inquiry names (`users: [st2admin]`), never the one
/// who started the workflow — and only once it has paused; the refusals are
/// said in the conversation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs real StackStorm: scripts/test.sh real-st2"]
async fn a_chat_answer_on_real_stackstorm_is_the_mapped_users_and_never_the_requesters() {
    use stormdesk_relay::approval::ChatIdentity;
    use stormdesk_relay::inbound::{Inbound, InboundMessage, InboundPolicy};
    use stormdesk_relay::outbound::Relay;
    use stormdesk_relay::service::{RelayEvent, RelayService};
    use stormdesk_relay::slack::SlackClient;
    use stormdesk_routing::{Destination, DestinationKey};

    let fake = FakeSlack::start(vec![]).await;
    let (profile, creds) = Profile::with_password("real", &url(), USER, Secret::new(PASSWORD));
    let client = Arc::new(St2Client::new(&profile, creds).unwrap());
    let relay = Arc::new(Relay {
        slack: Some(SlackClient::new(&fake.api, Secret::new("xoxb-real"))),
        teams: None,
    });
    let identity = |user: &str| ChatIdentity {
        st2_user: user.into(),
        ..ChatIdentity::default()
    };
    let policy = InboundPolicy {
        allowed: ["slack:UREQ", "slack:UBOB", "slack:UADM"]
            .map(String::from)
            .into(),
        // The requester is st2admin on StackStorm too: still their own.
        identities: [
            ("slack:UREQ", identity("st2admin")),
            ("slack:UBOB", identity("bob")),
            ("slack:UADM", identity("st2admin")),
        ]
        .map(|(k, v)| (k.to_string(), v))
        .into(),
        ..InboundPolicy::default()
    };
    let (in_tx, in_rx) = tokio::sync::mpsc::channel(8);
    let (ev_tx, mut ev_rx) = tokio::sync::mpsc::channel(8);
    let service = RelayService::spawn(
        Arc::clone(&client),
        relay,
        policy,
        "stormdesk".into(),
        DestinationKey::from_bytes([7; 32]),
        in_rx,
        ev_tx,
    );
    let say = |user: &str, text: &str| {
        Inbound::Message(InboundMessage {
            origin: Destination::Slack {
                team: "T1".into(),
                channel: "C1".into(),
                thread_ts: Some("1.1".into()),
            },
            user_id: format!("slack:{user}"),
            user_name: Some(user.to_lowercase()),
            text: text.into(),
            place: "channel C1".into(),
            direct: false,
        })
    };
    async fn next(rx: &mut tokio::sync::mpsc::Receiver<RelayEvent>) -> RelayEvent {
        loop {
            let ev = tokio::time::timeout(Duration::from_secs(60), rx.recv())
                .await
                .expect("a relay event")
                .expect("relay running");
            if !matches!(ev, RelayEvent::Heard { .. }) {
                return ev;
            }
        }
    }

    let what = format!("db{}", std::process::id());
    in_tx
        .send(say("UREQ", &format!("!st2 conf sign off {what}")))
        .await
        .unwrap();
    let RelayEvent::Ran { execution_ids, .. } = next(&mut ev_rx).await else {
        panic!("the workflow runs")
    };
    let workflow = execution_ids[0].clone();
    let mut inquiry = None;
    for _ in 0..240 {
        inquiry = client
            .list_inquiries()
            .await
            .unwrap()
            .into_iter()
            .find(|i| {
                i.schema["properties"]["approved"]["description"] == format!("Sign off {what}?")
            });
        if inquiry.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let inquiry = inquiry.expect("the workflow asks");
    assert_eq!(inquiry.users, ["st2admin"]);
    let respond = format!("!st2 respond {} approved=yes", inquiry.id);
    for (user, why) in [
        (
            "UBOB",
            "Sorry, ubob (StackStorm user bob) may not answer inquiry",
        ),
        ("UREQ", "nobody approves their own request"),
    ] {
        in_tx.send(say(user, &respond)).await.unwrap();
        match next(&mut ev_rx).await {
            RelayEvent::Refused { reply, .. } => assert!(reply.contains(why), "{user}: {reply}"),
            other => panic!("{user} refused, not {other:?}"),
        }
    }
    assert!(
        client.get_inquiry(&inquiry.id).await.is_ok(),
        "still waiting for an answer"
    );
    in_tx.send(say("UADM", &respond)).await.unwrap();
    let RelayEvent::Answered { user_id, .. } = next(&mut ev_rx).await else {
        panic!("st2admin's answer is sent")
    };
    assert_eq!(user_id, "slack:UADM");
    let done = client
        .wait_for_execution(&workflow, Duration::from_secs(90))
        .await
        .unwrap();
    assert_eq!(done.status, "succeeded", "{:?}", done.result);
    assert_eq!(
        done.result["output"]["answer"]["approved"], true,
        "{}",
        done.result
    );
    let said: Vec<String> = fake
        .posts()
        .into_iter()
        .map(|(_, b)| b["text"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(
        said.iter()
            .any(|t| t.contains("nobody approves their own request")),
        "{said:?}"
    );
    service.stop().await;
}
