//! The relay inside the app's core: with Slack connected (a loopback fake
//! of the Web API and Socket Mode, secrets in the keyring), a chat message
//! runs on the demo server, the ack and the result go to its thread, and
//! history keeps the command with the chat user who sent it — or the
//! refusal. Relay on without its secrets: a clear error, the desk runs on.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use stormdesk_client::{ConfigSources, Secret};
use stormdesk_desk::host::{event_channel, Host, HostOptions, StartMode};
use stormdesk_desk::prefs::{Prefs, RelayPrefs};
use stormdesk_desk::DeskEvent;
use stormdesk_history::EntryKind;
use stormdesk_relay::fakes::{envelope, FakeSlack};
use stormdesk_secrets::{CredentialStore, MemoryStore, RelaySecret};

mod common;
use common::Recorder;

fn host(dir: &std::path::Path, store: Arc<MemoryStore>, relay: RelayPrefs) -> Arc<Host<Recorder>> {
    let prefs_path = dir.join("settings.toml");
    Prefs {
        relay,
        ..Prefs::default()
    }
    .save(&prefs_path)
    .unwrap();
    Host::new(
        HostOptions {
            sources: ConfigSources {
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
async fn slack_commands_run_through_the_desk_and_are_kept_with_their_chat_user() {
    let fake = FakeSlack::start(vec![vec![
        envelope("m1", "T1", json!({"type": "message", "text": "!st2 genpass", "ts": "1506953521.000382", "user": "U110FGZSQ", "channel": "C110T9SMT", "team": "T1"})),
        envelope("m2", "T1", json!({"type": "message", "text": "!st2 genpass", "ts": "1506953600.000100", "user": "USTRANGER", "channel": "C110T9SMT", "team": "T1"})),
    ]])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(MemoryStore::default());
    store
        .set(&RelaySecret::SlackBot.account(), &Secret::new("xoxb-desk"))
        .unwrap();
    store
        .set(&RelaySecret::SlackApp.account(), &Secret::new("xapp-desk"))
        .unwrap();
    let h = host(
        dir.path(),
        store,
        RelayPrefs {
            slack: true,
            slack_api: Some(fake.api.clone()),
            allowed_users: vec!["slack:U110FGZSQ".into()],
            ..RelayPrefs::default()
        },
    );
    h.start(StartMode::Demo).await;
    let desk = h.desk().unwrap();

    // Ack and refusal, then the result, all in their threads.
    let posts = until("ack, refusal and result in Slack", || {
        let p = fake.posts();
        (p.len() >= 3).then_some(p)
    })
    .await;
    assert!(posts
        .iter()
        .all(|(auth, _)| auth.as_deref() == Some("Bearer xoxb-desk")));
    let ours: Vec<_> = posts
        .iter()
        .map(|(_, b)| b)
        .filter(|b| b["thread_ts"] == "1506953521.000382")
        .collect();
    assert_eq!(ours.len(), 2, "{posts:?}");
    assert_eq!(ours[0]["text"], "Sekunde...");
    assert!(ours[1]["text"].as_str().unwrap().contains("kaffee_wolke"));
    let theirs: Vec<_> = posts
        .iter()
        .map(|(_, b)| b)
        .filter(|b| b["thread_ts"] == "1506953600.000100")
        .collect();
    assert!(theirs[0]["text"].as_str().unwrap().contains("not allowed"));

    // History: the relayed command with its chat user, the refusal, and the
    // result announcement marked as sent to Slack.
    let entries = until("history", || {
        let e = desk.history_page(None, 100).unwrap();
        e.iter()
            .any(|x| x.kind == EntryKind::Announcement)
            .then_some(e)
    })
    .await;
    let cmd = entries
        .iter()
        .find(|e| e.kind == EntryKind::Command)
        .expect("the relayed command");
    assert_eq!(cmd.text, "genpass");
    assert_eq!(cmd.data["origin"], "slack");
    assert_eq!(cmd.data["chat_user"], "slack:U110FGZSQ");
    let refused = entries
        .iter()
        .find(|e| e.kind == EntryKind::Note)
        .expect("the refusal");
    assert_eq!(refused.data["chat_user"], "slack:USTRANGER");
    let ann = entries
        .iter()
        .find(|e| e.kind == EntryKind::Announcement)
        .unwrap();
    assert_eq!(ann.data["relayed"], "slack");
    assert!(ann.data["note"].is_null());
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_without_its_secrets_says_which_and_the_desk_runs_on() {
    let dir = tempfile::tempdir().unwrap();
    let h = host(
        dir.path(),
        Arc::new(MemoryStore::default()),
        RelayPrefs {
            slack: true,
            ..RelayPrefs::default()
        },
    );
    let mut rx = h.subscribe();
    h.start(StartMode::Demo).await;
    let error = loop {
        match tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .unwrap()
            .unwrap()
        {
            DeskEvent::Failed { error } => break error,
            _ => continue,
        }
    };
    assert_eq!(error.kind, "relay");
    assert!(
        error
            .message
            .contains("stormdesk-cli relay-secret slack-bot-token"),
        "{}",
        error.message
    );
    let acks = h.desk().unwrap().run_command("genpass").await.unwrap();
    assert_eq!(acks.len(), 2, "the desk still runs commands");
    h.shutdown().await;
}
