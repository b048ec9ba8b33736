//! Slack Socket Mode end to end over loopback: a fake Slack (Web API +
//! a real WebSocket server) delivers the seed's message as an events_api
//! envelope; the relay acknowledges it, runs the command on the simulator,
//! answers in the message's thread, and the result follows in that thread.
//! Also: Slack's `disconnect` → reconnect, our own bot echo ignored, a user
//! not on the allow-list refused.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use stormdesk_client::Secret;
use stormdesk_relay::fakes::{envelope, FakeSlack};
use stormdesk_relay::inbound::InboundPolicy;
use stormdesk_relay::outbound::Relay;
use stormdesk_relay::service::{RelayEvent, RelayService};
use stormdesk_relay::slack::SlackClient;
use stormdesk_relay::{socket_mode, LinkState};
use stormdesk_routing::Destination;
use stormdesk_stream::{Delivery, ListenerConfig, StreamSession};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

mod common;

/// First connection: our own reply echoed back (ignored), the bot added to
/// a channel, then Slack's refresh. Second: the seed's message from an allowed user, and the same
/// command from a stranger.
fn script() -> Vec<Vec<String>> {
    vec![
        vec![
            envelope(
                "echo-1",
                "T0V6H6HCJ",
                json!({"type": "message", "bot_id": "B0BOT", "channel": "C110T9SMT", "ts": "1.1", "text": "Sekunde..."}),
            ),
            // The bot added to another channel: known before anyone there
            // addresses it.
            envelope(
                "join-1",
                "T0V6H6HCJ",
                json!({"type": "member_joined_channel", "user": "U0BOT", "channel": "C0JOINED", "channel_type": "C", "team": "T0V6H6HCJ", "inviter": "U110FGZSQ"}),
            ),
            json!({"type": "disconnect", "reason": "refresh_requested"}).to_string(),
        ],
        vec![
            envelope(
                "msg-1",
                "T0V6H6HCJ",
                json!({"text": "!st2 genpass", "ts": "1506953521.000382", "user": "U110FGZSQ", "type": "message", "channel": "C110T9SMT", "team": "T0V6H6HCJ"}),
            ),
            envelope(
                "msg-2",
                "T0V6H6HCJ",
                json!({"text": "!st2 genpass", "ts": "1506953600.000100", "user": "USTRANGER", "type": "message", "channel": "C110T9SMT", "team": "T0V6H6HCJ"}),
            ),
        ],
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_socket_mode_message_runs_and_ack_and_result_go_to_its_thread() {
    let fake = FakeSlack::start(script()).await;
    let (sim, client) = common::stackstorm().await;
    let mut session =
        StreamSession::start(Arc::clone(&client), ListenerConfig::for_route("stormdesk"));
    assert!(session.wait_live(Duration::from_secs(10)).await);

    let relay = Arc::new(Relay {
        slack: Some(SlackClient::new(&fake.api, Secret::new("xoxb-bot"))),
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
        stormdesk_routing::DestinationKey::from_bytes([1; 32]),
        in_rx,
        ev_tx,
    );
    let cancel = CancellationToken::new();
    // Every state the link goes through, in order.
    let states = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = Arc::clone(&states);
    let socket = tokio::spawn(socket_mode::run(
        fake.api.clone(),
        Secret::new("xapp-1-app-token"),
        in_tx,
        cancel.clone(),
        move |s| seen.lock().unwrap().push(s),
    ));

    // The allowed user's command ran; the stranger's was refused.
    let mut ran = None;
    let mut refused = None;
    let mut heard = Vec::new();
    while ran.is_none() || refused.is_none() {
        match tokio::time::timeout(Duration::from_secs(15), ev_rx.recv())
            .await
            .expect("relay events")
            .unwrap()
        {
            e @ RelayEvent::Ran { .. } => ran = Some(e),
            e @ RelayEvent::Refused { .. } => refused = Some(e),
            RelayEvent::Heard {
                conversation,
                place,
            } => heard.push((conversation, place)),
            other => panic!("unexpected {other:?}"),
        }
    }
    let Some(RelayEvent::Ran {
        command,
        execution_ids,
        acks,
        ..
    }) = ran
    else {
        unreachable!()
    };
    assert_eq!(command, "genpass");
    assert_eq!(execution_ids.len(), 1);
    let reported: Vec<_> = acks
        .iter()
        .map(|a| (a.execution_id.clone(), a.message.clone(), a.shown))
        .collect();
    assert_eq!(
        reported,
        vec![(
            execution_ids[0].clone(),
            Some("Sekunde...".to_string()),
            true
        )],
        "the ack posted to chat is reported (for history)"
    );
    // The joined channel, then both messages heard from their channel
    // itself (no thread): the places a result can later be shared to.
    assert_eq!(heard.len(), 3, "{heard:?}");
    assert_eq!(
        heard[0],
        (
            Destination::Slack {
                team: "T0V6H6HCJ".into(),
                channel: "C0JOINED".into(),
                thread_ts: None
            },
            "channel C0JOINED".to_string()
        )
    );
    for (conversation, place) in &heard[1..] {
        assert_eq!(
            conversation,
            &Destination::Slack {
                team: "T0V6H6HCJ".into(),
                channel: "C110T9SMT".into(),
                thread_ts: None
            }
        );
        assert_eq!(place, "channel C110T9SMT");
    }
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
    relay.post(&destination, &message, &extra).await.unwrap();

    let s = common::until("three posts and four acks", || {
        let s = fake.record.lock().unwrap();
        (s.posts.len() >= 3 && s.acks.len() >= 4).then(|| {
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
    assert!(posts
        .iter()
        .all(|(auth, _)| auth.as_deref() == Some("Bearer xoxb-bot")));
    let posts: Vec<serde_json::Value> = posts.into_iter().map(|(_, b)| b).collect();
    // Every envelope acknowledged, the bot's echo included (and ignored).
    for id in ["echo-1", "join-1", "msg-1", "msg-2"] {
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
    // The link's states: connecting → connected, Slack's refresh shown as
    // a reconnect, connected again, and off once stopped.
    let states = states.lock().unwrap().clone();
    let first_connected = states
        .iter()
        .position(|s| *s == LinkState::Connected)
        .expect("connected");
    assert_eq!(states[first_connected - 1], LinkState::Connecting);
    let retry = states
        .iter()
        .position(
            |s| matches!(s, LinkState::Retrying { reason } if reason.contains("refresh_requested")),
        )
        .unwrap_or_else(|| panic!("a reconnect: {states:?}"));
    assert!(retry > first_connected);
    assert!(
        states[retry..].contains(&LinkState::Connected),
        "{states:?}"
    );
    assert_eq!(states.last(), Some(&LinkState::Off));
    // Channel names for the share list: known → its name, else none.
    fake.record
        .lock()
        .unwrap()
        .channel_names
        .insert("C110T9SMT".into(), "ops".into());
    let slack = relay.slack.as_ref().unwrap();
    assert_eq!(
        slack.channel_name("C110T9SMT").await.unwrap().as_deref(),
        Some("ops")
    );
    assert_eq!(slack.channel_name("D0DM").await.unwrap(), None);
    service.stop().await;
    session.stop().await;
    sim.shutdown().await;
}

/// Run Socket Mode against `fake` until `done` says so (or 20 s), keeping
/// every link state it reports.
async fn socket_states(
    fake: &FakeSlack,
    done: impl Fn(&[LinkState]) -> bool,
) -> (
    Vec<LinkState>,
    Option<Result<(), stormdesk_relay::RelayError>>,
) {
    let states = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (tx, _rx) = mpsc::channel(16);
    let cancel = CancellationToken::new();
    let seen = Arc::clone(&states);
    let run = tokio::spawn(socket_mode::run(
        fake.api.clone(),
        Secret::new("xapp-test"),
        tx,
        cancel.clone(),
        move |s| seen.lock().unwrap().push(s),
    ));
    let started = std::time::Instant::now();
    while !done(&states.lock().unwrap())
        && !run.is_finished()
        && started.elapsed() < Duration::from_secs(20)
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let ended = if run.is_finished() {
        Some(run.await.unwrap())
    } else {
        cancel.cancel();
        let _ = run.await;
        None
    };
    let states = states.lock().unwrap().clone();
    (states, ended)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_and_slack_errors_are_retried_and_only_a_refused_token_stops_it() {
    // Rate-limited, then an error of Slack's own: retried (waiting out
    // Retry-After), then connected.
    let fake = FakeSlack::start(vec![vec![]]).await;
    fake.record.lock().unwrap().open_errors = [
        (429, "ratelimited".to_string()),
        (200, "internal_error".to_string()),
    ]
    .into();
    let (states, ended) = socket_states(&fake, |s| s.contains(&LinkState::Connected)).await;
    assert!(ended.is_none(), "stopped: {ended:?} after {states:?}");
    let retries: Vec<_> = states
        .iter()
        .filter_map(|s| match s {
            LinkState::Retrying { reason } => Some(reason.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(retries.len(), 2, "{states:?}");
    assert!(retries[0].contains("rate-limiting"), "{retries:?}");
    assert!(retries[1].contains("internal_error"), "{retries:?}");
    assert_eq!(fake.record.lock().unwrap().opens.len(), 3);

    // A refused app token: stopped for good, and the tray says why.
    let fake = FakeSlack::start(vec![vec![]]).await;
    fake.record.lock().unwrap().open_errors = [(200, "invalid_auth".to_string())].into();
    let (states, ended) = socket_states(&fake, |_| false).await;
    assert!(matches!(ended, Some(Err(_))), "{ended:?}");
    assert!(
        matches!(states.last(), Some(LinkState::Failed { reason }) if reason.contains("invalid_auth")),
        "{states:?}"
    );
    assert_eq!(fake.record.lock().unwrap().opens.len(), 1);
}
