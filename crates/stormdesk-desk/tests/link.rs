//! The desk over its local socket, as a front end in another process uses
//! it: the demo host behind a real Unix socket, calls and events both ways,
//! bad requests, a second desk, a desk that goes away.

#![cfg(unix)]

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use stormdesk_desk::commands::{Commands, HeadlessShell};
use stormdesk_desk::host::{Host, StartMode};
use stormdesk_desk::link::{LinkClient, LinkServer};
use stormdesk_secrets::{CredentialStore, MemoryStore};

mod common;
use common::Recorder;

async fn demo_desk(dir: &std::path::Path) -> (Arc<Host<Recorder>>, LinkServer) {
    let host = common::host_in(
        dir,
        Arc::new(MemoryStore::default()) as Arc<dyn CredentialStore>,
        Recorder::default(),
        0.02,
    );
    host.start(StartMode::Demo).await;
    let server = LinkServer::bind(
        &dir.join("run").join("desk.sock"),
        Commands::new(Arc::clone(&host), Arc::new(HeadlessShell)),
    )
    .await
    .unwrap();
    (host, server)
}

async fn next_event(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<Value>,
    want: impl Fn(&Value) -> bool,
) -> Value {
    loop {
        let ev = tokio::time::timeout(Duration::from_secs(20), rx.recv())
            .await
            .expect("an event within 20 s")
            .expect("the link open");
        if want(&ev) {
            return ev;
        }
    }
}

#[tokio::test]
async fn a_front_end_runs_commands_and_follows_events_over_the_socket() {
    let dir = tempfile::tempdir().unwrap();
    let (_host, server) = demo_desk(dir.path()).await;
    let (tx, mut events) = tokio::sync::mpsc::unbounded_channel();
    let client = LinkClient::connect(server.path(), tx).await.unwrap();

    let status = client.call("get_status", json!({})).await.unwrap();
    assert_eq!(status["demo"], true, "{status}");
    let suggestions = client
        .call("suggest_aliases", json!({"text": "genp", "limit": 5}))
        .await
        .unwrap();
    assert!(
        suggestions
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["display"].as_str().unwrap_or("").contains("genpass")),
        "{suggestions}"
    );

    // Several calls at once: each answer finds its own caller.
    let (a, b, c) = tokio::join!(
        client.call(
            "run_command",
            json!({"text": "genpass", "confirmed": false})
        ),
        client.call("load_history", json!({"before": null, "limit": 5})),
        client.call("get_prefs", json!({})),
    );
    let ran = a.unwrap();
    let kinds: Vec<&str> = ran
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"command"), "{ran}");
    assert!(b.unwrap().is_array());
    assert!(c.unwrap()["shortcut"].is_string());

    // The result arrives as the events the UI listens to.
    let result = next_event(&mut events, |e| {
        e["type"] == "entry" && e["entry"]["kind"] == "result"
    })
    .await;
    assert!(result["entry"]["text"].as_str().is_some(), "{result}");

    // An error keeps its kind, as the UI reacts to it.
    let err = client
        .call(
            "run_command",
            json!({"text": "no such alias here", "confirmed": false}),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind, "no_match", "{err:?}");
}

/// Writes lines to the desk and reads its answers (events skipped).
struct Raw {
    write: std::os::unix::net::UnixStream,
    read: BufReader<std::os::unix::net::UnixStream>,
}

impl Raw {
    fn connect(path: &std::path::Path) -> Self {
        let s = std::os::unix::net::UnixStream::connect(path).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        Self {
            write: s.try_clone().unwrap(),
            read: BufReader::new(s),
        }
    }

    fn send(&mut self, line: &str) -> Value {
        self.write.write_all(line.as_bytes()).unwrap();
        self.write.write_all(b"\n").unwrap();
        loop {
            let mut l = String::new();
            assert!(self.read.read_line(&mut l).unwrap() > 0, "the desk hung up");
            let v: Value = serde_json::from_str(&l).unwrap();
            if v.get("event").is_none() {
                return v;
            }
        }
    }
}

#[tokio::test]
async fn bad_requests_are_refused_clearly_and_the_connection_lives_on() {
    let dir = tempfile::tempdir().unwrap();
    let (_host, server) = demo_desk(dir.path()).await;
    let path = server.path().to_owned();
    tokio::task::spawn_blocking(move || {
        let mut raw = Raw::connect(&path);
        let r = raw.send("this is not json");
        assert_eq!(r["err"]["kind"], "input", "{r}");
        assert!(r["id"].is_null());
        let r = raw.send(r#"{"command": "get_status", "args": {}}"#);
        assert!(r["err"]["message"].as_str().unwrap().contains("id"), "{r}");
        let r = raw.send(r#"{"id": 1, "command": "format_disk", "args": {}}"#);
        assert_eq!((r["id"].as_u64(), r["err"]["kind"].as_str()), (Some(1), Some("input")), "{r}");
        assert!(r["err"]["message"].as_str().unwrap().contains("format_disk"), "{r}");
        // A secret of the wrong type is refused without being quoted back.
        let r = raw.send(
            r#"{"id": 2, "command": "set_relay_secret", "args": {"name": "slack_bot_token", "secret": 987654321}}"#,
        );
        assert_eq!(r["err"]["kind"], "input", "{r}");
        assert!(!r.to_string().contains("987654321"), "{r}");
        // Still answering, in the same connection.
        let r = raw.send(r#"{"id": 3, "command": "get_status", "args": {}}"#);
        assert_eq!((r["id"].as_u64(), r["ok"]["demo"].as_bool()), (Some(3), Some(true)), "{r}");
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn a_second_desk_does_not_start_and_a_stale_socket_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let (host, server) = demo_desk(dir.path()).await;
    let path = server.path().to_owned();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(path.parent().unwrap()), 0o700);

    let commands = || Commands::new(Arc::clone(&host), Arc::new(HeadlessShell));
    let second = LinkServer::bind(&path, commands()).await.err().unwrap();
    assert!(second.to_string().contains("already running"), "{second}");
    assert_eq!(second.kind(), "desk");

    // Stopped: the socket file goes with it.
    server.stop().await;
    assert!(!path.exists());
    // Killed: the file stays, nobody answers; the next desk replaces it.
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    assert!(path.exists());
    let again = LinkServer::bind(&path, commands()).await.unwrap();
    again.stop().await;
    // Going away: its socket still accepts, nothing answers. Replaced too.
    let dying = std::os::unix::net::UnixListener::bind(&path).unwrap();
    assert!(!stormdesk_desk::link::answers(&path).await);
    let again = LinkServer::bind(&path, commands()).await.unwrap();
    drop(dying);
    let (tx, _events) = tokio::sync::mpsc::unbounded_channel();
    let client = LinkClient::connect(&path, tx).await.unwrap();
    assert_eq!(
        client.call("get_status", json!({})).await.unwrap()["demo"],
        true
    );
    again.stop().await;
}

#[tokio::test]
async fn a_desk_that_goes_away_fails_calls_clearly_and_closes_events() {
    let dir = tempfile::tempdir().unwrap();
    let (_host, server) = demo_desk(dir.path()).await;
    let path = server.path().to_owned();
    let (tx, mut events) = tokio::sync::mpsc::unbounded_channel();
    let client = LinkClient::connect(&path, tx).await.unwrap();
    server.stop().await;
    let err = client.call("get_status", json!({})).await.unwrap_err();
    assert_eq!(err.kind, "desk", "{err:?}");
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        while events.recv().await.is_some() {}
    })
    .await;
    assert!(closed.is_ok(), "the events end with the desk");

    let (tx, _events) = tokio::sync::mpsc::unbounded_channel();
    let none = LinkClient::connect(&path, tx).await.err().unwrap();
    assert!(none.to_string().contains("not running"), "{none}");
}

/// An answer may be far longer than a request may be: a history page of
/// long outputs reaches the front end whole.
#[tokio::test]
async fn a_long_answer_reaches_the_front_end_whole() {
    let dir = tempfile::tempdir().unwrap();
    let (host, server) = demo_desk(dir.path()).await;
    let long = "x".repeat(3 * stormdesk_desk::link::MAX_LINE);
    host.desk()
        .unwrap()
        .record(
            Some("long-1"),
            &long,
            stormdesk_history::Payload::Result(stormdesk_history::ResultData {
                status: "succeeded".into(),
                ..Default::default()
            }),
        )
        .unwrap();
    let (tx, _events) = tokio::sync::mpsc::unbounded_channel();
    let client = LinkClient::connect(server.path(), tx).await.unwrap();
    let page = client
        .call("load_history", json!({"before": null, "limit": 5}))
        .await
        .unwrap();
    assert!(
        page.as_array()
            .unwrap()
            .iter()
            .any(|e| e["text"].as_str().map(str::len) == Some(long.len())),
        "the long entry, whole"
    );
}

/// A launch's first step: a running desk is summoned (its pane shows) and
/// the launch ends; with none, or after it stopped, the launch starts.
#[tokio::test]
async fn a_launch_summons_a_running_desk_and_starts_when_there_is_none() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run").join("desk.sock");
    assert!(!stormdesk_desk::link::summon_running(&path).await);
    let (host, server) = demo_desk(dir.path()).await;
    let mut rx = host.subscribe();
    assert!(stormdesk_desk::link::summon_running(&path).await);
    let summoned = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let stormdesk_desk::DeskEvent::Summon = rx.recv().await.unwrap() {
                return;
            }
        }
    })
    .await;
    assert!(summoned.is_ok(), "the running desk was summoned");
    server.stop().await;
    assert!(!stormdesk_desk::link::summon_running(&path).await);
}
