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
use stormdesk_desk::prefs::{NotifyLevel, Prefs, RelayPrefs};
use stormdesk_desk::DeskEvent;
use stormdesk_history::EntryKind;
use stormdesk_relay::fakes::{authorization, envelope, FakeSlack};
use stormdesk_relay::LinkState;
use stormdesk_routing::{Destination, TeamsReference};
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
        // The bot invited to a channel and removed again: never a target.
        envelope("j1", "T1", json!({"type": "member_joined_channel", "user": "U0BOT", "channel": "C0GONE", "team": "T1"})),
        envelope("l1", "T1", json!({"type": "channel_left", "channel": "C0GONE", "actor_id": "U110FGZSQ"})),
        envelope("m1", "T1", json!({"type": "message", "text": "!st2 genpass", "ts": "1506953521.000382", "user": "U110FGZSQ", "channel": "C110T9SMT", "team": "T1"})),
        envelope("m2", "T1", json!({"type": "message", "text": "!st2 genpass", "ts": "1506953600.000100", "user": "USTRANGER", "channel": "C110T9SMT", "team": "T1"})),
    ]])
    .await;
    fake.record
        .lock()
        .unwrap()
        .channel_names
        .insert("C110T9SMT".into(), "ops".into());
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
            .any(|x| x.kind() == EntryKind::Announcement)
            .then_some(e)
    })
    .await;
    let cmd = entries
        .iter()
        .find(|e| e.kind() == EntryKind::Command)
        .expect("the relayed command");
    assert_eq!(cmd.text, "genpass");
    assert_eq!(cmd.data_json()["origin"], "slack");
    assert_eq!(cmd.data_json()["chat_user"], "slack:U110FGZSQ");
    let refused = entries
        .iter()
        .find(|e| e.kind() == EntryKind::Note)
        .expect("the refusal");
    assert_eq!(refused.data_json()["chat_user"], "slack:USTRANGER");
    let ann = entries
        .iter()
        .find(|e| e.kind() == EntryKind::Announcement)
        .unwrap();
    assert_eq!(ann.data_json()["relayed"], "slack");
    assert!(ann.data_json()["note"].is_null());
    // The ack the chat saw is in history too, under its execution.
    let ack = entries
        .iter()
        .find(|e| e.kind() == EntryKind::Ack)
        .expect("the relayed command's ack");
    assert_eq!(ack.text, "Sekunde...");
    assert_eq!(
        ack.execution_id.as_deref(),
        cmd.data_json()["executions"][0].as_str()
    );
    assert_eq!(ack.data_json()["chat_user"], "slack:U110FGZSQ");
    // Like a pane command's ack: its alias, link and status, so its badge
    // starts where StackStorm was and moves with the stream.
    assert_eq!(ack.data_json()["alias"], "custom_linux.genpass", "{ack:?}");
    assert!(ack.data_json()["status"].is_string(), "{ack:?}");
    assert!(ack.data_json()["web_url"].is_string(), "{ack:?}");
    let id = ack.execution_id.clone();
    assert!(
        entries
            .iter()
            .any(|e| e.kind() == EntryKind::Result && e.execution_id == id),
        "the relayed execution's result is tracked into history"
    );

    // The link is shown as connected (tray, status).
    until("Slack connected", || {
        (h.relay_links().slack == LinkState::Connected).then_some(())
    })
    .await;
    assert_eq!(h.status().unwrap().relay.slack, LinkState::Connected);
    assert_eq!(h.relay_links().teams, LinkState::Off);

    // The channel was heard from: it is a share target, under the name
    // Slack gives it, and sharing the result's announcement posts it there
    // as a new message (not in a thread).
    // The channel the bot left is not on the list (its leaving was handled
    // before the messages were heard).
    let mut targets = Vec::new();
    for _ in 0..100 {
        targets = h.share_targets().await.unwrap();
        if targets.iter().any(|t| t.label == "Slack · #ops") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(targets.len(), 1, "{targets:?}");
    assert_eq!(targets[0].label, "Slack · #ops");
    assert!(fake
        .record
        .lock()
        .unwrap()
        .infos
        .iter()
        .all(|a| a.as_deref() == Some("Bearer xoxb-desk")));
    assert_eq!(targets[0].service, "slack");
    let result = ann;
    let shared = h.share_entry(result.id, &targets[0].id).await.unwrap();
    assert_eq!(shared, targets[0]);
    let posts = until("the shared result in Slack", || {
        let p = fake.posts();
        (p.len() >= 4).then_some(p)
    })
    .await;
    let (auth, body) = posts.last().unwrap();
    assert_eq!(auth.as_deref(), Some("Bearer xoxb-desk"));
    assert_eq!(body["channel"], "C110T9SMT");
    assert!(body.get("thread_ts").is_none(), "{body}");
    assert!(
        body["text"].as_str().unwrap().contains(&result.text),
        "{body}"
    );
    let note = desk.history_page(None, 1).unwrap().pop().unwrap();
    assert_eq!(note.text, "Shared to Slack · #ops");
    assert_eq!(note.data_json()["shared"], result.id);

    // A target that is not on the list, an entry that does not exist.
    let e = h
        .share_entry(result.id, "stormdesk:v1:slack:T9:C9")
        .await
        .unwrap_err();
    assert_eq!(e.kind, "share", "{e:?}");
    let e = h.share_entry(999_999, &targets[0].id).await.unwrap_err();
    assert_eq!(e.kind, "input", "{e:?}");
    h.shutdown().await;
}

/// Serve `app` on a loopback port; its base URL.
async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

/// Run genpass on the desk; its result entry.
async fn a_result(desk: &stormdesk_desk::Desk) -> stormdesk_history::Entry {
    desk.run_command("genpass").await.unwrap();
    until("a result", || {
        desk.history_page(None, 50)
            .unwrap()
            .into_iter()
            .find(|e| e.kind() == EntryKind::Result)
    })
    .await
}

/// A loopback webhook that records what is posted to it.
async fn webhook() -> (String, Arc<std::sync::Mutex<Vec<serde_json::Value>>>) {
    let got = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = Arc::clone(&got);
    let app = axum::Router::new().route(
        "/hook/{which}",
        axum::routing::post(move |body: axum::Json<serde_json::Value>| {
            let seen = Arc::clone(&seen);
            async move {
                seen.lock().unwrap().push(body.0);
                "ok"
            }
        }),
    );
    (serve(app).await, got)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_are_shared_through_configured_webhooks_with_the_relay_off() {
    let (url, got) = webhook().await;
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(MemoryStore::default());
    let h = host(dir.path(), Arc::clone(&store), RelayPrefs::default());
    h.start(StartMode::Demo).await;
    assert!(h.share_targets().await.unwrap().is_empty());

    // A webhook URL must be https (http only to this machine); the error
    // never repeats the URL, which is the credential.
    let e = h
        .set_relay_secret(
            "slack-webhook-url",
            Secret::new("http://hooks.example/T0/B0/s3cret"),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind, "input");
    assert!(!e.message.contains("s3cret"), "{}", e.message);
    assert!(store
        .get(&RelaySecret::SlackWebhook.account())
        .unwrap()
        .is_none());
    h.set_relay_secret(
        "slack-webhook-url",
        Secret::new(format!("{url}/hook/slack")),
    )
    .await
    .unwrap();
    h.set_relay_secret(
        "teams-webhook-url",
        Secret::new(format!("{url}/hook/teams")),
    )
    .await
    .unwrap();
    let targets = h.share_targets().await.unwrap();
    let ids: Vec<_> = targets.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["webhook:slack", "webhook:teams"]);
    assert_eq!(targets[1].label, "Teams webhook");
    assert_eq!(h.relay_links(), Default::default(), "no relay links");

    let desk = h.desk().unwrap();
    let result = a_result(&desk).await;
    h.share_entry(result.id, "webhook:slack").await.unwrap();
    h.share_entry(result.id, "webhook:teams").await.unwrap();
    let bodies = got.lock().unwrap().clone();
    assert_eq!(bodies.len(), 2, "{bodies:?}");
    // Slack: the text, and no channel (a webhook posts to its own).
    assert!(bodies[0]["text"].as_str().unwrap().contains(&result.text));
    assert!(bodies[0].get("channel").is_none());
    // Teams: an Adaptive Card titled with the action.
    let card = &bodies[1]["attachments"][0]["content"];
    assert_eq!(card["type"], "AdaptiveCard");
    assert_eq!(card["body"][0]["text"], result.data_json()["action"]);
    assert!(card["body"][1]["text"]
        .as_str()
        .unwrap()
        .contains(&result.text));

    // Results posted as the preferences say: failures only → the failed
    // ping is posted to both webhooks, the successful one is not.
    let mut prefs = h.prefs();
    prefs.relay.webhook_results = NotifyLevel::Failures;
    h.save_prefs(prefs).await.unwrap();
    desk.run_command("ping web-1").await.unwrap();
    desk.run_command("ping db-down").await.unwrap();
    let bodies = until("the failed result at both webhooks", || {
        let b = got.lock().unwrap().clone();
        (b.len() >= 4).then_some(b)
    })
    .await;
    // Both pings have finished by now; give a wrong extra post a moment.
    until("both pings' results", || {
        let n = desk
            .history_page(None, 100)
            .unwrap()
            .iter()
            .filter(|e| e.kind() == EntryKind::Result && e.data_json()["action"] == "ops.ping")
            .count();
        (n == 2).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let bodies_now = got.lock().unwrap().clone();
    assert_eq!(
        bodies_now.len(),
        4,
        "only the failure is posted: {bodies_now:?}"
    );
    assert!(
        bodies[2]["text"].as_str().unwrap().contains("db-down"),
        "{}",
        bodies[2]
    );
    assert_eq!(
        bodies[3]["attachments"][0]["content"]["body"][0]["text"],
        "ops.ping"
    );

    // Removing the secret removes the target.
    h.set_relay_secret("teams-webhook-url", Secret::new(""))
        .await
        .unwrap();
    let ids: Vec<_> = h
        .share_targets()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(ids, ["webhook:slack"]);
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

/// A loopback Bot Framework: the token endpoint and the connector.
async fn bot_framework() -> (
    String,
    Arc<std::sync::Mutex<Vec<(String, Option<String>, serde_json::Value)>>>,
) {
    use axum::http::{HeaderMap, Uri};
    let got = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = Arc::clone(&got);
    let app = axum::Router::new()
        .route(
            "/token",
            axum::routing::post(|| async {
                axum::Json(
                    json!({"token_type": "Bearer", "expires_in": 3600, "access_token": "bf-token"}),
                )
            }),
        )
        .route(
            "/emea/v3/conversations/{id}/activities",
            axum::routing::post(
                move |uri: Uri, headers: HeaderMap, body: axum::Json<serde_json::Value>| {
                    let seen = Arc::clone(&seen);
                    async move {
                        let auth = authorization(&headers);
                        seen.lock()
                            .unwrap()
                            .push((uri.path().to_string(), auth, body.0));
                        axum::Json(json!({"id": "activity-1"}))
                    }
                },
            ),
        );
    (serve(app).await, got)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teams_conversation_heard_before_is_a_share_target_after_a_restart() {
    let (bf, got) = bot_framework().await;
    let dir = tempfile::tempdir().unwrap();
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
        teams_token_url: Some(format!("{bf}/token")),
        teams_metadata_url: Some(format!("{bf}/metadata")),
        ..RelayPrefs::default()
    };
    // A conversation the Teams endpoint heard from in an earlier run, and a
    // Slack channel (Slack is off now: not offered).
    {
        let h = stormdesk_history::History::open(&dir.path().join("history.db")).unwrap();
        let ops = Destination::Teams(TeamsReference {
            service_url: format!("{bf}/emea/"),
            conversation_id: "19:ops@thread.tacv2".into(),
            tenant_id: Some("tenant-1".into()),
            activity_id: None,
        });
        h.remember_conversation(&ops.encode(), "teams", "Teams · Ops")
            .unwrap();
        h.remember_conversation("stormdesk:v1:slack:T1:C1", "slack", "Slack · channel C1")
            .unwrap();
    }
    let h = host(dir.path(), store, relay);
    h.start(StartMode::Demo).await;
    // The endpoint's link says where it listens (the port it really got).
    let address = until("the Teams endpoint listening", || {
        match h.relay_links().teams {
            LinkState::Listening { address } => Some(address),
            _ => None,
        }
    })
    .await;
    assert!(
        address.starts_with("127.0.0.1:") && !address.ends_with(":0"),
        "{address}"
    );
    assert_eq!(h.relay_links().slack, LinkState::Off);

    let targets = h.share_targets().await.unwrap();
    assert_eq!(
        targets.iter().map(|t| t.label.as_str()).collect::<Vec<_>>(),
        ["Teams · Ops"]
    );
    let desk = h.desk().unwrap();
    let result = a_result(&desk).await;
    h.share_entry(result.id, &targets[0].id).await.unwrap();
    let posts = got.lock().unwrap().clone();
    assert_eq!(posts.len(), 1, "{posts:?}");
    let (path, auth, body) = &posts[0];
    // A new message in the conversation (no activity to reply to).
    assert_eq!(
        path,
        "/emea/v3/conversations/19:ops@thread.tacv2/activities"
    );
    assert_eq!(auth.as_deref(), Some("Bearer bf-token"));
    assert_eq!(body["type"], "message");
    assert!(
        body["text"].as_str().unwrap().contains(&result.text),
        "{body}"
    );
    assert_eq!(body["conversation"]["id"], "19:ops@thread.tacv2");

    // Forgotten by the user: off the list, and sharing there is refused.
    let left = h.forget_share_target(&targets[0].id).await.unwrap();
    assert!(left.is_empty(), "{left:?}");
    let again = h.forget_share_target(&targets[0].id).await.unwrap_err();
    assert_eq!(again.kind, "input", "{again:?}");
    let webhook = h.forget_share_target("webhook:slack").await.unwrap_err();
    assert_eq!(webhook.kind, "input");
    assert!(webhook.message.contains("Settings"), "{}", webhook.message);
    assert!(h.share_targets().await.unwrap().is_empty());
    let refused = h.share_entry(result.id, &targets[0].id).await.unwrap_err();
    assert_eq!(refused.kind, "share", "{refused:?}");
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_chat_destination_from_stackstorm_is_never_posted_to() {
    // Anyone who can run an alias on StackStorm can name any
    // source_channel. Here one names a Slack channel and a Teams
    // conversation on their own host, on this desk's route.
    let fake = FakeSlack::start(vec![]).await;
    let (bf, got) = bot_framework().await;
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(MemoryStore::default());
    for (which, value) in [
        (RelaySecret::SlackBot, "xoxb-desk"),
        (RelaySecret::SlackApp, "xapp-desk"),
        (RelaySecret::TeamsPassword, "bot-password"),
    ] {
        store.set(&which.account(), &Secret::new(value)).unwrap();
    }
    let h = host(
        dir.path(),
        store,
        RelayPrefs {
            slack: true,
            slack_api: Some(fake.api.clone()),
            teams: true,
            teams_app_id: Some("app-1".into()),
            teams_listen: "127.0.0.1:0".into(),
            teams_token_url: Some(format!("{bf}/token")),
            teams_metadata_url: Some(format!("{bf}/metadata")),
            ..RelayPrefs::default()
        },
    );
    h.start(StartMode::Demo).await;
    let desk = h.desk().unwrap();
    until("the relay running", || {
        matches!(h.relay_links().teams, LinkState::Listening { .. }).then_some(())
    })
    .await;
    let client = desk.client();
    let aliases = stormdesk_client::AliasCache::load(Arc::clone(&client))
        .await
        .unwrap();
    let forged = [
        Destination::Slack {
            team: "T1".into(),
            channel: "C0EVIL".into(),
            thread_ts: None,
        },
        Destination::Teams(TeamsReference {
            // The attacker's host: the relay would POST there with the
            // bot's Bot Framework token.
            service_url: format!("{bf}/emea/"),
            conversation_id: "a:attacker".into(),
            tenant_id: None,
            activity_id: None,
        }),
    ];
    for (i, d) in forged.iter().enumerate() {
        client
            .run_command(
                &aliases,
                &stormdesk_client::CommandRequest {
                    command: "genpass".into(),
                    user: "mallory".into(),
                    source_channel: d.encode(),
                    notification_route: Some(desk.profile().stream_route.clone()),
                    source_context: Some(json!({"forged": i})),
                },
            )
            .await
            .unwrap();
    }
    // Then one for this pane, on the same route: once it is shown, the two
    // before it have been handled.
    let pane = Destination::Pane {
        profile: desk.profile().name.clone(),
    };
    client
        .run_command(
            &aliases,
            &stormdesk_client::CommandRequest {
                command: "genpass".into(),
                user: "mallory".into(),
                source_channel: pane.encode(),
                notification_route: Some(desk.profile().stream_route.clone()),
                source_context: Some(json!({"forged": "control"})),
            },
        )
        .await
        .unwrap();
    until("the pane's own announcement shown", || {
        let e = desk.history_page(None, 200).unwrap();
        e.iter()
            .any(|x| x.kind() == EntryKind::Announcement)
            .then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    // A destination this install did not sign is not ours: neither posted
    // nor shown (not even as a note that would show its words).
    let all = desk.history_page(None, 200).unwrap();
    let shown: Vec<_> = all
        .iter()
        .filter(|x| matches!(x.kind(), EntryKind::Announcement | EntryKind::Note))
        .collect();
    assert_eq!(shown.len(), 1, "only the pane's own: {shown:#?}");
    assert!(
        fake.posts().is_empty(),
        "posted to Slack: {:?}",
        fake.posts()
    );
    assert!(
        got.lock().unwrap().is_empty(),
        "posted to the forged serviceUrl: {:?}",
        got.lock().unwrap()
    );
    h.shutdown().await;
}
