//! The stream side against the simulator over real HTTP/SSE on loopback:
//! forced disconnects with results in flight, heartbeat loss, token expiry
//! mid-stream, malformed frames, announcements.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use stormdesk_client::{AliasCache, CommandRequest};
use stormdesk_client::{Credentials, Profile, Secret, St2Client};
use stormdesk_routing::{source_context, Destination, Route};
use stormdesk_sim::{SimConfig, Simulator, DEMO_PASSWORD, DEMO_USER};
use stormdesk_stream::{ConnectionState, Delivery, ListenerConfig, StreamSession};

const ROUTE: &str = "stormdesk";

async fn sim(heartbeat_ms: u64, time_scale: f64) -> Simulator {
    Simulator::start(SimConfig {
        time_scale,
        heartbeat: Duration::from_millis(heartbeat_ms),
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

fn client(sim: &Simulator) -> Arc<St2Client> {
    Arc::new(
        St2Client::new(
            &Profile::for_base_url("test", &sim.base_url()),
            Credentials::Password {
                username: DEMO_USER.into(),
                password: Secret::new(DEMO_PASSWORD),
            },
        )
        .unwrap(),
    )
}

fn config(heartbeat_ms: u64) -> ListenerConfig {
    ListenerConfig {
        heartbeat: Duration::from_millis(heartbeat_ms),
        backoff_initial: Duration::from_millis(10),
        backoff_max: Duration::from_millis(200),
        // These tests drop connections on purpose, many times: each counts
        // as healthy so the back-off does not grow across them.
        healthy_after: Duration::ZERO,
        ..ListenerConfig::for_route(ROUTE)
    }
}

async fn start(client: &Arc<St2Client>, request: &str, command: &str) -> String {
    let req = CommandRequest {
        command: command.into(),
        user: "tester".into(),
        source_channel: Destination::Pane {
            profile: "test".into(),
        }
        .encode(),
        notification_route: Some(ROUTE.into()),
        source_context: Some(source_context(request, "test")),
    };
    let aliases = AliasCache::load(Arc::clone(client)).await.unwrap();
    client
        .run_command(&aliases, &req)
        .await
        .unwrap()
        .remove(0)
        .execution
        .id
}

async fn next(s: &mut StreamSession) -> Delivery {
    tokio::time::timeout(Duration::from_secs(20), s.next())
        .await
        .expect("a delivery in time")
        .expect("session open")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_result_is_delivered_exactly_once_through_100_forced_disconnects() {
    // Results carry no announcement: the notify route is not the one we
    // listen on, so only execution updates and backfill can deliver them.
    let mut sim = sim(1_000, 0.2).await;
    let c = client(&sim);
    let mut s = StreamSession::start(Arc::clone(&c), config(1_000));
    assert!(s.wait_live(Duration::from_secs(5)).await);

    let mut started = Vec::new();
    for i in 0..100 {
        // Each round cuts a live stream: wait for the reconnect after the last cut.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while s.stats().connects.load(Ordering::Relaxed) < i + 1 {
            assert!(
                tokio::time::Instant::now() < deadline,
                "round {i}: never reconnected"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let id = start(&c, &format!("r{i}"), &format!("echo message {i}")).await;
        s.track(&id, Some(&format!("r{i}"))).await;
        started.push(id);
        // Kill the stream while the execution is in flight (it takes ~40 ms);
        // every third time take the whole server down through its end.
        if i % 3 == 0 {
            sim.stop().await;
            tokio::time::sleep(Duration::from_millis(60)).await;
            sim.restart().await.unwrap();
        } else {
            sim.faults().drop_streams();
            tokio::time::sleep(Duration::from_millis(if i % 5 == 0 { 60 } else { 5 })).await;
        }
    }
    let mut results: HashMap<String, usize> = HashMap::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while results.len() < started.len() && tokio::time::Instant::now() < deadline {
        if let Ok(Some(Delivery::Result { execution, .. })) =
            tokio::time::timeout(Duration::from_secs(5), s.next()).await
        {
            assert_eq!(execution.status, "succeeded");
            *results.entry(execution.id.clone()).or_default() += 1;
        }
    }
    // Anything more would arrive now.
    while let Ok(Some(d)) = tokio::time::timeout(Duration::from_millis(500), s.next()).await {
        if let Delivery::Result { execution, .. } = d {
            *results.entry(execution.id.clone()).or_default() += 1;
        }
    }
    let missing: Vec<_> = started
        .iter()
        .filter(|id| !results.contains_key(*id))
        .collect();
    assert!(missing.is_empty(), "never delivered: {missing:?}");
    let twice: Vec<_> = results.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "delivered more than once: {twice:?}");
    assert!(
        s.stats().connects.load(Ordering::Relaxed) >= 100,
        "the stream really was cut: {:?}",
        s.stats()
    );
    s.stop().await;
}

#[tokio::test]
async fn heartbeat_loss_trips_the_watchdog_and_reconnects() {
    let sim = sim(100, 0.05).await;
    let c = client(&sim);
    let mut s = StreamSession::start(Arc::clone(&c), config(100));
    assert!(s.wait_live(Duration::from_secs(5)).await);
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert!(
        s.stats().heartbeats.load(Ordering::Relaxed) >= 2,
        "heartbeats arrive"
    );

    // The connection stays open but goes silent.
    sim.faults().silence_streams.store(true, Ordering::SeqCst);
    let mut st = s.state();
    tokio::time::timeout(
        Duration::from_secs(5),
        st.wait_for(|x| {
            matches!(
                x,
                ConnectionState::BackingOff { .. } | ConnectionState::Connecting { .. }
            )
        }),
    )
    .await
    .expect("the watchdog notices")
    .unwrap();
    assert!(s.stats().watchdog_trips.load(Ordering::Relaxed) >= 1);
    sim.faults().silence_streams.store(false, Ordering::SeqCst);
    assert!(s.wait_live(Duration::from_secs(5)).await);

    // And it works afterwards.
    let id = start(&c, "after-silence", "echo back").await;
    s.track(&id, Some("after-silence")).await;
    loop {
        if let Delivery::Result { execution, .. } = next(&mut s).await {
            assert_eq!(execution.id, id);
            break;
        }
    }
    s.stop().await;
}

#[tokio::test]
async fn token_expiry_mid_stream_renews_and_reconnects() {
    let sim = sim(200, 0.05).await;
    let c = client(&sim);
    let s = StreamSession::start(Arc::clone(&c), config(200));
    assert!(s.wait_live(Duration::from_secs(5)).await);
    assert_eq!(sim.state().tokens_issued(), 1);
    sim.state().expire_all_tokens();
    sim.faults().drop_streams();
    let mut st = s.state();
    st.wait_for(|x| *x != ConnectionState::Live).await.unwrap();
    assert!(
        s.wait_live(Duration::from_secs(5)).await,
        "back without user action"
    );
    assert_eq!(sim.state().tokens_issued(), 2, "renewed once");
    s.stop().await;
}

#[tokio::test]
async fn a_refused_token_is_reported_as_auth_failed() {
    let sim = sim(200, 0.05).await;
    let c = Arc::new(
        St2Client::new(
            &Profile::for_base_url("t", &sim.base_url()),
            Credentials::Token(Secret::new("bogus")),
        )
        .unwrap(),
    );
    let s = StreamSession::start(c, config(200));
    let mut st = s.state();
    tokio::time::timeout(
        Duration::from_secs(5),
        st.wait_for(|x| matches!(x, ConnectionState::AuthFailed { .. })),
    )
    .await
    .expect("auth failure is visible")
    .unwrap();
    let shown = format!("{:?}", *st.borrow());
    assert!(!shown.contains("bogus"), "{shown}");
    s.stop().await;
}

#[tokio::test]
async fn malformed_frames_are_skipped_and_the_stream_goes_on() {
    let sim = sim(1_000, 0.05).await;
    let c = client(&sim);
    let mut s = StreamSession::start(Arc::clone(&c), config(1_000));
    assert!(s.wait_live(Duration::from_secs(5)).await);
    sim.state()
        .publish_raw("st2.execution__update", "{this is not json");
    sim.state()
        .publish_raw("st2.announcement__stormdesk", "[1, 2, 3]");
    sim.state()
        .publish_raw("st2.execution__update", "{\"no\": \"id\"}");
    let id = start(&c, "after-garbage", "echo still here").await;
    s.track(&id, Some("after-garbage")).await;
    loop {
        if let Delivery::Result { execution, .. } = next(&mut s).await {
            assert_eq!(execution.result["stdout"], "still here");
            break;
        }
    }
    assert_eq!(s.stats().malformed.load(Ordering::Relaxed), 3);
    assert_eq!(
        s.stats().connects.load(Ordering::Relaxed),
        1,
        "no reconnect needed"
    );
    s.stop().await;
}

#[tokio::test]
async fn a_result_and_its_announcement_make_one_result() {
    let sim = sim(1_000, 0.05).await;
    let c = client(&sim);
    let mut s = StreamSession::start(Arc::clone(&c), config(1_000));
    assert!(s.wait_live(Duration::from_secs(5)).await);
    s.expect("dedupe").await;
    let id = start(&c, "dedupe", "genpass").await;
    s.track(&id, Some("dedupe")).await;
    let mut results = 0;
    let mut messages = Vec::new();
    while let Ok(Some(d)) = tokio::time::timeout(Duration::from_secs(2), s.next()).await {
        match d {
            Delivery::Result {
                execution, message, ..
            } => {
                assert_eq!(execution.id, id);
                results += 1;
                messages.extend(message);
            }
            Delivery::ResultMessage {
                execution_id,
                message,
            } => {
                assert_eq!(execution_id, id);
                messages.push(message);
            }
            Delivery::Status { .. }
            | Delivery::Task { .. }
            | Delivery::Inquiry { .. }
            | Delivery::InquiryClosed { .. } => {}
            Delivery::Announcement { .. } => {
                panic!("our own announcement must not show up as a foreign one")
            }
        }
    }
    assert_eq!(results, 1);
    assert_eq!(
        messages.len(),
        1,
        "the chatops message arrives once: {messages:?}"
    );
    assert!(messages[0].contains("kaffee_wolke_tasse_regen"));
    s.stop().await;
}

#[tokio::test]
async fn foreign_and_undecodable_announcements_fall_back_to_the_pane_with_a_note() {
    let sim = sim(1_000, 0.05).await;
    let c = client(&sim);
    let mut s = StreamSession::start(Arc::clone(&c), config(1_000));
    assert!(s.wait_live(Duration::from_secs(5)).await);
    // The seed's failing Teams announcement, as an errbot would have got it,
    // but on our route.
    let seed = json!({"payload": {"extra": {}, "context": null, "message": "<random_text1>\n<random_text2>", "whisper": false,
        "channel": "{\"id\": \"29:1pm0yCoquliuVpq6Y_sCJ4xyDcl4fF3tCGUjfsixDb1VlQZtjSUOFsYPuEQFkr-n8eZgYnHSyCqUU4Fydi3mizA\", \"name\": \"FirstName Surname\"}",
        "user": "{\"id\": \"29:1pm0\", \"name\": \"FirstName Surname\"}"}, "trace_context": null});
    sim.state()
        .publish_raw("st2.announcement__stormdesk", &seed.to_string());
    let pane = json!({"payload": {"message": "<img src=x onerror=alert(1)>", "channel": Destination::Pane { profile: "test".into() }.encode()}});
    sim.state()
        .publish_raw("st2.announcement__stormdesk", &pane.to_string());
    let mut got = Vec::new();
    while got.len() < 2 {
        if let Delivery::Announcement {
            payload,
            destination,
            ..
        } = next(&mut s).await
        {
            got.push((payload.message, destination));
        }
    }
    assert!(
        matches!(&got[0].1, Route::Fallback { note } if note.contains("29:1pm0yCoq")),
        "{:?}",
        got[0]
    );
    assert_eq!(got[0].0, "<random_text1>\n<random_text2>");
    assert_eq!(
        got[1].1,
        Route::To(Destination::Pane {
            profile: "test".into()
        })
    );
    assert_eq!(
        got[1].0, "<img src=x onerror=alert(1)>",
        "kept as text, untouched"
    );
    s.stop().await;
}

#[tokio::test]
async fn connection_state_follows_a_server_restart() {
    let mut sim = sim(1_000, 0.05).await;
    let c = client(&sim);
    let s = StreamSession::start(Arc::clone(&c), config(1_000));
    assert!(s.wait_live(Duration::from_secs(5)).await);
    sim.stop().await;
    let mut st = s.state();
    tokio::time::timeout(
        Duration::from_secs(5),
        st.wait_for(|x| matches!(x, ConnectionState::BackingOff { .. })),
    )
    .await
    .expect("backing off while the server is down")
    .unwrap();
    sim.restart().await.unwrap();
    assert!(s.wait_live(Duration::from_secs(5)).await);
    s.stop().await;
}

/// A server that accepts the stream and closes it at once, every time.
async fn slamming_server() -> (String, Arc<std::sync::atomic::AtomicU64>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let count = Arc::clone(&accepted);
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::Relaxed);
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf).await;
                let _ = sock
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
            });
        }
    });
    (url, accepted)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_accepts_and_closes_is_backed_off_from_not_hammered() {
    let (url, accepted) = slamming_server().await;
    let client = Arc::new(
        St2Client::new(
            &Profile::for_base_url("slam", &url),
            Credentials::Token(Secret::new("t")),
        )
        .unwrap(),
    );
    let config = ListenerConfig {
        backoff_initial: Duration::from_millis(50),
        backoff_max: Duration::from_millis(1000),
        ..ListenerConfig::for_route(ROUTE)
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let cancel = tokio_util::sync::CancellationToken::new();
    let handle = stormdesk_stream::listener::spawn(client, config, tx, cancel);
    tokio::spawn(async move { while rx.recv().await.is_some() {} });
    tokio::time::sleep(Duration::from_secs(3)).await;
    handle.stop().await;
    // Backing off from 25–50 ms doubling to 0.5–1 s, the delays before
    // connect 11 add up to at least 3.27 s: at most 10 connects in 3 s.
    // Restarting the back-off on every accepted connection gives ~80.
    let n = accepted.load(Ordering::Relaxed);
    assert!((2..=10).contains(&n), "{n} connects in 3 s");
}

/// One execution's live output: every line once and in order, through a
/// dropped connection (the replay after reopening is de-duplicated), then
/// StackStorm's EOF; following a finished one replays it all; an unknown
/// one is StackStorm's 404, not a retry loop.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_is_followed_once_in_order_through_a_dropped_connection() {
    use stormdesk_stream::{follow_output, Followed, OutputChunk};
    let sim = sim(1_000, 0.3).await;
    let c = client(&sim);
    let id = start(&c, "out", "build web 10").await;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<OutputChunk>(64);
    let (c2, id2) = (Arc::clone(&c), id.clone());
    let follower = tokio::spawn(async move {
        follow_output(c2, &id2, tx, tokio_util::sync::CancellationToken::new()).await
    });
    let mut got = Vec::new();
    while let Some(ch) = rx.recv().await {
        got.push(ch);
        if got.len() == 3 {
            sim.state().faults.drop_streams();
        }
    }
    assert_eq!(follower.await.unwrap().unwrap(), Followed::Ended);
    let lines: Vec<String> = got.iter().map(|c| c.data.clone()).collect();
    let mut want: Vec<String> = (1..=10)
        .map(|i| {
            let step = [
                "fetch sources",
                "resolve dependencies",
                "compile",
                "link",
                "run unit tests",
                "package",
            ][(i - 1) % 6];
            format!("[{i}/10] {step} (web)\n")
        })
        .collect();
    want.push("warning: 2 deprecated calls in web\n".into());
    assert_eq!(lines, want);
    assert_eq!(got.last().unwrap().output_type, "stderr");
    let mut ids: Vec<&str> = got.iter().map(|c| c.id.as_str()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 11, "no chunk twice");

    // Ended: the whole output again, then EOF at once.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<OutputChunk>(64);
    let again = follow_output(
        Arc::clone(&c),
        &id,
        tx,
        tokio_util::sync::CancellationToken::new(),
    );
    let ended = tokio::time::timeout(Duration::from_secs(5), again)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ended, Followed::Ended);
    let mut replayed = 0;
    while rx.try_recv().is_ok() {
        replayed += 1;
    }
    assert_eq!(replayed, 11);

    let (tx, _rx) = tokio::sync::mpsc::channel::<OutputChunk>(1);
    let unknown = follow_output(
        Arc::clone(&c),
        "000000000000000000000000",
        tx,
        tokio_util::sync::CancellationToken::new(),
    )
    .await;
    assert!(
        matches!(
            unknown,
            Err(stormdesk_stream::OutputError::Client(
                stormdesk_client::ClientError::NotFound(_)
            ))
        ),
        "{unknown:?}"
    );
}

/// Every desk on a StackStorm sees every inquiry on the stream: it shows
/// those its user may answer and those of the workflows it started, and all
/// of them (at once) when asked to.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_desk_is_given_only_the_inquiries_it_may_answer_or_started() {
    use stormdesk_stream::InquiryScope;
    let packs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/real-st2/packs");
    let sim = Simulator::start(SimConfig {
        packs: stormdesk_sim::packs::PackSet::load_dir(&packs).unwrap(),
        time_scale: 0.05,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let c = client(&sim);
    // `conf sign off …` asks one StackStorm user, st2admin; this desk is
    // someone else's.
    let scope = |all| InquiryScope {
        user: Some("someone-else".into()),
        all,
    };
    let mut s = StreamSession::start_scoped(Arc::clone(&c), config(5_000), scope(false));
    assert!(s.wait_live(Duration::from_secs(10)).await);
    let theirs = start(&c, "q-theirs", "conf sign off theirs").await;
    let mine = start(&c, "q-mine", "conf sign off mine").await;
    s.track(&mine, None).await;
    let asked = |d: &Delivery| match d {
        Delivery::Inquiry { inquiry, .. } => inquiry.schema["properties"]["approved"]
            ["description"]
            .as_str()
            .map(str::to_string),
        _ => None,
    };
    let mut seen = Vec::new();
    while !seen.iter().any(|q: &String| q.contains("mine")) {
        seen.extend(asked(&next(&mut s).await));
    }
    // Both ask by now (started together); a moment more for a stray one.
    tokio::time::sleep(Duration::from_millis(500)).await;
    while let Ok(Some(d)) = tokio::time::timeout(Duration::from_millis(200), s.next()).await {
        seen.extend(asked(&d));
    }
    assert_eq!(seen, ["Sign off mine?"], "not {theirs}'s");
    // Asked for all: the other one arrives now, not at the next reconnect.
    s.control().set_inquiry_scope(scope(true)).await;
    let mut more = Vec::new();
    while more.is_empty() {
        more.extend(asked(&next(&mut s).await));
    }
    assert_eq!(more, ["Sign off theirs?"]);
    s.stop().await;
    sim.shutdown().await;
}
