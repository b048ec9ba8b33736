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

fn commands_in(dir: &std::path::Path) -> Commands<Recorder> {
    let host = common::host_in(
        dir,
        Arc::new(MemoryStore::default()) as Arc<dyn CredentialStore>,
        Recorder::default(),
        0.02,
    );
    Commands::new(host, Arc::new(HeadlessShell))
}

fn am_root() -> bool {
    nix::unistd::Uid::current().is_root()
}

/// The socket lives only in a directory that is this user's alone: one
/// open to others, a link, or another user's is refused (nothing is made
/// in it, nothing listens), never fixed up and used.
#[tokio::test]
async fn a_socket_directory_that_is_not_yours_alone_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let commands = commands_in(dir.path());
    let open = dir.path().join("open");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o755)).unwrap();
    let e = LinkServer::bind(&open.join("desk.sock"), commands.clone())
        .await
        .err()
        .expect("refused");
    assert!(e.to_string().contains("open to others"), "{e}");
    assert!(!open.join("desk.sock").exists());
    assert_eq!(
        std::fs::metadata(&open).unwrap().permissions().mode() & 0o777,
        0o755,
        "left as it was"
    );

    let real = dir.path().join("real");
    std::fs::create_dir(&real).unwrap();
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o700)).unwrap();
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let e = LinkServer::bind(&link.join("desk.sock"), commands.clone())
        .await
        .err()
        .expect("refused");
    assert!(e.to_string().contains("not a directory"), "{e}");
    assert!(!real.join("desk.sock").exists());

    if am_root() {
        // Another user made it first (as in /tmp): theirs, so refused.
        let theirs = dir.path().join("theirs");
        std::fs::create_dir(&theirs).unwrap();
        std::fs::set_permissions(&theirs, std::fs::Permissions::from_mode(0o700)).unwrap();
        std::os::unix::fs::chown(&theirs, Some(65534), Some(65534)).unwrap();
        let e = LinkServer::bind(&theirs.join("desk.sock"), commands.clone())
            .await
            .err()
            .expect("refused");
        assert!(e.to_string().contains("another user"), "{e}");
        // Nor does a front end send anything to a socket another user owns.
        let ours = dir.path().join("ours");
        std::fs::create_dir(&ours).unwrap();
        std::fs::set_permissions(&ours, std::fs::Permissions::from_mode(0o700)).unwrap();
        let planted = ours.join("desk.sock");
        let listener = std::os::unix::net::UnixListener::bind(&planted).unwrap();
        listener.set_nonblocking(true).unwrap();
        std::os::unix::fs::chown(&planted, Some(65534), Some(65534)).unwrap();
        let (tx, _events) = tokio::sync::mpsc::unbounded_channel();
        let e = LinkClient::connect(&planted, tx)
            .await
            .err()
            .expect("refused");
        assert!(e.to_string().contains("not your Stormdesk's socket"), "{e}");
        assert!(!stormdesk_desk::link::answers(&planted).await);
        assert!(
            listener.accept().is_err(),
            "nothing connected to the planted socket"
        );
    }
}

/// The desk answers only its own user: another user who reaches the socket
/// (here: its directory and file opened up on purpose) gets nothing.
#[tokio::test]
async fn another_users_connection_is_refused() {
    if !am_root() {
        eprintln!("skipped: needs root to act as another user");
        return;
    }
    use std::os::unix::process::CommandExt;
    let dir = tempfile::tempdir().unwrap();
    let (_host, server) = demo_desk(dir.path()).await;
    let path = server.path().to_owned();
    for d in [dir.path(), path.parent().unwrap()] {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o711)).unwrap();
    }
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
    let probe = r#"
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
# The desk may close the connection before the request is written:
# a broken pipe is a refusal too.
try:
    s.connect(sys.argv[1])
    s.sendall(b'{"id": 1, "command": "get_status", "args": {}}\n')
    print(repr(s.recv(4096)))
except Exception as e:
    print("error", e)
"#;
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3")
            .args(["-c", probe])
            .arg(&path)
            .uid(65534)
            .gid(65534)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!said.contains("demo"), "answered another user: {said}");
    assert!(said.trim() == "b''" || said.starts_with("error"), "{said}");
    // Its own user is still answered (once the directory is theirs alone
    // again: a front end sends nothing into one open to others).
    std::fs::set_permissions(
        server.path().parent().unwrap(),
        std::fs::Permissions::from_mode(0o700),
    )
    .unwrap();
    let (tx, _events) = tokio::sync::mpsc::unbounded_channel();
    let client = LinkClient::connect(server.path(), tx).await.unwrap();
    assert_eq!(
        client.call("get_status", json!({})).await.unwrap()["demo"],
        true
    );
}

/// Which desk runs is decided by its lock, not by how fast it answers: a
/// desk that holds it but is slow (or going away) is waited for, never
/// replaced while it holds it; once it lets go, the next one starts. A desk
/// stopping removes only the socket it made.
#[tokio::test]
async fn a_slow_desk_is_not_taken_over() {
    use nix::fcntl::{Flock, FlockArg};
    let dir = tempfile::tempdir().unwrap();
    let commands = commands_in(dir.path());
    let run = dir.path().join("run");
    std::fs::create_dir(&run).unwrap();
    std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o700)).unwrap();
    let path = run.join("desk.sock");
    // A desk busy with something long (a VACUUM, say): it holds the lock
    // and its socket accepts, but it answers nothing for now.
    let lock = std::fs::File::create(run.join("desk.sock.lock")).unwrap();
    let held = Flock::lock(lock, FlockArg::LockExclusiveNonblock).unwrap();
    let busy = std::os::unix::net::UnixListener::bind(&path).unwrap();
    let busy_socket = std::fs::metadata(&path).unwrap();
    let started = std::time::Instant::now();
    let e = LinkServer::bind(&path, commands.clone())
        .await
        .err()
        .expect("not taken over");
    assert!(e.to_string().contains("already running"), "{e}");
    assert!(
        started.elapsed() >= Duration::from_secs(10),
        "it waited for the lock"
    );
    use std::os::unix::fs::MetadataExt;
    assert_eq!(
        std::fs::metadata(&path).unwrap().ino(),
        busy_socket.ino(),
        "the busy desk's socket is left alone"
    );
    // It goes away (its lock with it): the next desk starts at once.
    drop(held);
    drop(busy);
    let next = LinkServer::bind(&path, commands.clone()).await.unwrap();
    // Whatever is at the path when it stops and is not its own socket
    // stays (a desk never unlinks another's).
    std::fs::remove_file(&path).unwrap();
    let another = std::os::unix::net::UnixListener::bind(&path).unwrap();
    next.stop().await;
    assert!(path.exists(), "another desk's socket was removed");
    drop(another);
}

/// A front end that sends requests as fast as it can and reads nothing:
/// the desk stops reading it (requests in flight are bounded), drops it
/// once its answers are not read, and keeps answering everyone else; it
/// stops promptly whatever that front end does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_front_end_that_floods_and_reads_nothing_is_bounded_and_dropped() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let (_host, server) = demo_desk(dir.path()).await;
    let path = server.path().to_owned();
    let flood = tokio::task::spawn_blocking(move || {
        let mut s = std::os::unix::net::UnixStream::connect(&path).unwrap();
        s.set_write_timeout(Some(Duration::from_secs(2))).unwrap();
        let line = b"{\"id\": 1, \"command\": \"get_status\", \"args\": {}}\n";
        let until = std::time::Instant::now() + Duration::from_secs(6);
        let mut sent = 0u64;
        while std::time::Instant::now() < until && s.write_all(line).is_ok() {
            sent += 1;
        }
        (sent, s)
    });
    let (sent, mut flooder) = flood.await.unwrap();
    // Bounded by what is in flight and in the socket's buffers, not by how
    // long it writes (unbounded, it was hundreds of thousands of requests).
    assert!(
        sent < 50_000,
        "the desk read {sent} requests it could not answer"
    );
    // Everyone else is still answered.
    let (tx, _events) = tokio::sync::mpsc::unbounded_channel();
    let client = LinkClient::connect(server.path(), tx).await.unwrap();
    let status = tokio::time::timeout(Duration::from_secs(5), client.call("get_status", json!({})))
        .await
        .expect("answered within 5 s")
        .unwrap();
    assert_eq!(status["demo"], true);
    // The flooder is dropped once its answers went unread for 10 s
    // (reading would make it a front end that reads): then what was
    // written to it, and the end.
    tokio::time::sleep(Duration::from_secs(13)).await;
    let dropped = tokio::task::spawn_blocking(move || {
        flooder
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut buf = vec![0u8; 1 << 16];
        loop {
            match flooder.read(&mut buf) {
                Ok(0) => return true,
                Ok(_) => continue,
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
                Err(_) => return false,
            }
        }
    });
    assert!(dropped.await.unwrap(), "the flooding front end was dropped");
    let stopped = tokio::time::timeout(Duration::from_secs(5), server.stop()).await;
    assert!(stopped.is_ok(), "the desk stopped within 5 s");
}
