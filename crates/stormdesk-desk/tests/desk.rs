//! The desk against the demo simulator: a command's whole life, history
//! before display, notifications, do-not-disturb, restart.

use std::time::Duration;

use stormdesk_desk::{Desk, DeskEvent};
use stormdesk_history::EntryKind;

mod common;
use common::{events_until_result, Recorder};

/// A desk on the demo server at `time_scale`, its history in a fresh
/// directory (kept alive by the caller).
async fn demo(time_scale: f64) -> (tempfile::TempDir, Desk) {
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::start_demo(&dir.path().join("h.db"), Recorder::default(), time_scale)
        .await
        .unwrap();
    (dir, desk)
}

async fn until_result(
    rx: &mut tokio::sync::broadcast::Receiver<DeskEvent>,
) -> Vec<stormdesk_history::Entry> {
    let mut seen = Vec::new();
    loop {
        let ev = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("events")
            .unwrap();
        if let DeskEvent::Entry { entry } = ev {
            let done = entry.kind() == EntryKind::Result;
            seen.push(*entry);
            if done {
                return seen;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_runs_to_its_result_and_everything_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let sink = Recorder::default();
    let desk = Desk::start_demo(&db, sink.clone(), 0.05).await.unwrap();
    let mut rx = desk.subscribe();

    // The palette knows the demo aliases before anything is sent.
    let s = desk.suggest("genp", 5);
    assert_eq!(s[0].alias_ref, "custom_linux.genpass");

    let acks = desk.run_command("genpass").await.unwrap();
    assert_eq!(acks[0].kind(), EntryKind::Command);
    assert_eq!(acks[1].kind(), EntryKind::Ack);
    assert_eq!(acks[1].text, "Sekunde...");
    let seen = until_result(&mut rx).await;
    let kinds: Vec<EntryKind> = seen.iter().map(|e| e.kind()).collect();
    assert_eq!(kinds.first(), Some(&EntryKind::Command));
    assert!(kinds.contains(&EntryKind::Status));
    let result = seen.last().unwrap();
    assert!(result.text.contains("kaffee_wolke_tasse_regen"));
    assert_eq!(result.data_json()["status"], "succeeded");

    // One notification for one result.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let notices = sink.0.lock().unwrap().clone();
    assert_eq!(
        notices
            .iter()
            .filter(|n| n.title.contains("custom_linux.genpass"))
            .count(),
        1,
        "{notices:?}"
    );

    // Do-not-disturb: the result lands in history, no notification.
    desk.set_notifications_paused(true);
    desk.run_command("echo quiet please").await.unwrap();
    let seen = until_result(&mut rx).await;
    assert_eq!(seen.last().unwrap().text, "quiet please");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!sink
        .0
        .lock()
        .unwrap()
        .iter()
        .any(|n| n.body.contains("quiet please")));

    // Bad input is an error with a kind, and the desk goes on.
    let e = desk.run_command("make me a sandwich").await.unwrap_err();
    assert_eq!(e.kind(), "no_match");
    assert_eq!(desk.run_command("   ").await.unwrap_err().kind(), "input");
    desk.stop().await;

    // A new desk on the same file sees it all.
    let desk = Desk::start_demo(&db, Recorder::default(), 0.05)
        .await
        .unwrap();
    let page = desk.history_page(None, 100).unwrap();
    assert!(page.iter().any(|e| e.text.contains("kaffee_wolke")));
    assert!(page
        .iter()
        .any(|e| e.kind() == EntryKind::Error && e.text.contains("matched no patterns")));
    let found = desk.search_history("quiet", 10).unwrap();
    assert_eq!(
        found
            .iter()
            .filter(|e| e.kind() == EntryKind::Command)
            .count(),
        1
    );
    assert_eq!(
        found
            .iter()
            .filter(|e| e.kind() == EntryKind::Result)
            .count(),
        1,
        "one result, not two: {found:?}"
    );
    desk.stop().await;
}

/// A desk on a simulator of the test's own, so the test can publish on it.
async fn desk_on_own_sim(name: &str) -> (stormdesk_sim::Simulator, tempfile::TempDir, Desk) {
    let sim = stormdesk_sim::Simulator::start(stormdesk_sim::SimConfig {
        time_scale: 0.05,
        ..Default::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (profile, creds) = stormdesk_client::Profile::with_password(
        name,
        &sim.base_url(),
        stormdesk_sim::DEMO_USER,
        stormdesk_client::Secret::new(stormdesk_sim::DEMO_PASSWORD),
    );
    let desk = Desk::start(
        profile,
        creds,
        &dir.path().join("h.db"),
        Recorder::default(),
    )
    .await
    .unwrap();
    (sim, dir, desk)
}

/// The key a running relay signs chat destinations with (this install's).
fn relay_key() -> stormdesk_routing::DestinationKey {
    stormdesk_routing::DestinationKey::from_bytes([5; 32])
}

/// A Slack channel as this install's relay addresses it: signed.
fn signed_slack() -> String {
    stormdesk_routing::Destination::Slack {
        team: "T1".into(),
        channel: "C1".into(),
        thread_ts: None,
    }
    .encode_signed(&relay_key())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stuck_chat_relay_never_holds_up_the_panes_own_results() {
    let (sim, _dir, desk) = desk_on_own_sim("stuck").await;
    let mut rx = desk.subscribe();
    // A relay that takes one message and then never another (a dead Slack).
    let (tx, _stuck) = tokio::sync::mpsc::channel(1);
    desk.set_relay_outbox(Some((tx, relay_key())));
    // Give the stream a moment to be live, then chat-addressed announcements.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let route = desk.profile().stream_route.clone();
    for i in 0..5 {
        sim.state().publish(
            &format!("st2.announcement__{route}"),
            &serde_json::json!({"message": format!("to slack {i}"), "channel": signed_slack(), "user": "u", "whisper": false, "extra": {}, "context": {}}),
        );
    }
    // The pane's own command still gets its result.
    desk.run_command("genpass").await.unwrap();
    let seen = until_result(&mut rx).await;
    assert!(seen.last().unwrap().text.contains("kaffee_wolke"));
    let notes: Vec<_> = desk
        .history_page(None, 100)
        .unwrap()
        .into_iter()
        .filter(|e| {
            e.kind() == EntryKind::Announcement
                && e.data_json()["note"]
                    .as_str()
                    .is_some_and(|n| n.contains("not keeping up"))
        })
        .collect();
    assert!(!notes.is_empty(), "the dropped ones say why");
    desk.stop().await;
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whisper_addressed_to_a_chat_is_never_posted_there() {
    let (sim, _dir, desk) = desk_on_own_sim("whisper").await;
    let (tx, mut relay) = tokio::sync::mpsc::channel(8);
    desk.set_relay_outbox(Some((tx, relay_key())));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let route = desk.profile().stream_route.clone();
    for (text, whisper) in [
        ("your new password is hunter2", true),
        ("deploy done", false),
    ] {
        sim.state().publish(
            &format!("st2.announcement__{route}"),
            &serde_json::json!({"message": text, "channel": signed_slack(), "user": "ann", "whisper": whisper, "extra": {}, "context": {}}),
        );
    }
    // The ordinary one goes to the relay; the whisper never does.
    let sent = tokio::time::timeout(Duration::from_secs(10), relay.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sent.message, "deploy done");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(relay.try_recv().is_err());
    // Nor shown to the desk's owner: only that one was kept private.
    let kept = desk.history_page(None, 50).unwrap();
    assert!(
        !kept
            .iter()
            .any(|e| e.text.contains("hunter2") || e.data_json().to_string().contains("hunter2")),
        "{kept:?}"
    );
    assert!(kept
        .iter()
        .any(|e| e.text == "A whisper for ann was not posted: it stays private."));
    desk.stop().await;
    sim.shutdown().await;
}

/// From a card: cancel a running execution (its status moves, its result
/// says canceled), re-run a finished one (a new execution, followed to its
/// result), and a refusal carries StackStorm's reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn executions_are_cancelled_and_rerun_from_the_desk() {
    use stormdesk_desk::ipc::ExecutionControl;
    let (_dir, desk) = demo(1.0).await;
    let mut rx = desk.subscribe();

    let acks = desk.run_command("sleep 20").await.unwrap();
    let sleeping = acks[1].execution_id.clone().unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let moved = desk
        .control_execution(&sleeping, ExecutionControl::Cancel)
        .await
        .unwrap();
    assert_eq!(moved[0].kind(), EntryKind::Status);
    assert_eq!(moved[0].text, "canceling");
    let seen = until_result(&mut rx).await;
    let result = seen.last().unwrap();
    assert_eq!(result.execution_id.as_deref(), Some(sleeping.as_str()));
    assert_eq!(result.data_json()["status"], "canceled");

    // Once it ended it can run again: a new execution, followed likewise.
    let e = desk
        .control_execution(&sleeping, ExecutionControl::Rerun)
        .await
        .unwrap();
    let again = e[0].execution_id.clone().unwrap();
    assert_ne!(again, sleeping);
    assert_eq!(e[0].kind(), EntryKind::Ack);
    assert!(
        e[0].text.starts_with(&format!("Re-run of {sleeping}")),
        "{}",
        e[0].text
    );
    desk.control_execution(&again, ExecutionControl::Cancel)
        .await
        .unwrap();
    let seen = until_result(&mut rx).await;
    assert_eq!(
        seen.last().unwrap().execution_id.as_deref(),
        Some(again.as_str())
    );
    // Again with a parameter changed: typed as the action types it.
    let changed = desk
        .rerun_execution(&again, &["seconds=1".to_string()], false)
        .await
        .unwrap();
    let third = changed[0].execution_id.clone().unwrap();
    let seen = until_result(&mut rx).await;
    let result = seen.last().unwrap();
    assert_eq!(result.execution_id.as_deref(), Some(third.as_str()));
    assert_eq!(result.text, "slept 1s");
    assert_eq!(result.data_json()["parameters"]["seconds"], 1);
    // What the action refuses is an input error, and nothing runs.
    for bad in ["seconds=soon", "colour=red", "nonsense"] {
        let e = desk
            .rerun_execution(&third, &[bad.to_string()], false)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), "input", "{bad}: {e}");
    }
    // A finished one cannot be paused: StackStorm's words come back.
    let refused = desk
        .control_execution(&again, ExecutionControl::Pause)
        .await
        .unwrap_err();
    assert_eq!(refused.kind(), "refused");
    assert!(
        refused.to_string().contains("already in completed state"),
        "{refused}"
    );
    desk.stop().await;
}

/// A workflow's approval (core.ask) on the desk: shown once as a card with
/// its form (once across a restart too), counted while it waits, checked
/// before it is sent, answered, and the workflow's result follows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inquiry_is_shown_once_answered_from_the_desk_and_its_workflow_finishes() {
    use stormdesk_history::Payload;
    let packs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/real-st2/packs");
    let sim = stormdesk_sim::Simulator::start(stormdesk_sim::SimConfig {
        packs: stormdesk_sim::packs::PackSet::load_dir(&packs).unwrap(),
        time_scale: 0.2,
        ..Default::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    let start = || async {
        let (profile, creds) = stormdesk_client::Profile::with_password(
            "approvals",
            &sim.base_url(),
            stormdesk_sim::DEMO_USER,
            stormdesk_client::Secret::new(stormdesk_sim::DEMO_PASSWORD),
        );
        Desk::start(profile, creds, &db, Recorder::default())
            .await
            .unwrap()
    };
    let inquiry_of = |ev: DeskEvent| match ev {
        DeskEvent::Entry { entry } if entry.kind() == EntryKind::Inquiry => Some(*entry),
        _ => None,
    };
    let desk = start().await;
    let mut rx = desk.subscribe();
    let acks = desk.run_command("conf approve web").await.unwrap();
    let workflow = acks[1].execution_id.clone().unwrap();
    let asked = loop {
        let ev = tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("an inquiry")
            .unwrap();
        if let Some(e) = inquiry_of(ev) {
            break e;
        }
    };
    assert_eq!(asked.text, "Deploy web?");
    let Payload::Inquiry(data) = &asked.payload else {
        panic!("{asked:?}")
    };
    assert_eq!(data.parent.as_deref(), Some(workflow.as_str()));
    let names: Vec<&str> = data.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["approved", "reason", "copies", "colour"]);
    assert_eq!(desk.inquiries_waiting(), 1);
    let inquiry = asked.execution_id.clone().unwrap();

    // A restart lists it again: still waiting, not shown twice.
    desk.stop().await;
    let desk = start().await;
    let mut rx = desk.subscribe();
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(desk.inquiries_waiting(), 1);
    let shown: Vec<_> = desk
        .history_page(None, 100)
        .unwrap()
        .into_iter()
        .filter(|e| e.kind() == EntryKind::Inquiry)
        .collect();
    assert_eq!(shown.len(), 1, "{shown:?}");

    let wrong = desk
        .respond_inquiry(&inquiry, serde_json::json!({"approved": "yes"}))
        .await
        .unwrap_err();
    assert_eq!(wrong.kind(), "input");
    assert!(wrong.to_string().contains("approved"), "{wrong}");
    let answered = desk
        .respond_inquiry(
            &inquiry,
            serde_json::json!({"approved": true, "colour": "blue"}),
        )
        .await
        .unwrap();
    assert_eq!(answered[0].text, "Answered: approved=yes, colour=blue");
    assert_eq!(desk.inquiries_waiting(), 0);
    let seen = until_result(&mut rx).await;
    let result = seen.last().unwrap();
    assert_eq!(result.execution_id.as_deref(), Some(workflow.as_str()));
    assert_eq!(
        result.data_json()["result"]["output"]["answer"],
        serde_json::json!({"approved": true, "colour": "blue"}),
        "as answered: real StackStorm fills in no defaults"
    );
    // Answered here: the inquiry's end adds nothing more.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let closing = desk
        .history_page(None, 100)
        .unwrap()
        .into_iter()
        .filter(|e| e.execution_id.as_deref() == Some(inquiry.as_str()))
        .count();
    assert_eq!(closing, 2, "the inquiry and its answer");
    desk.stop().await;
}

/// An alias registered on the server after start-up reaches the palette
/// when the desk refreshes (the window gaining focus asks for it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aliases_added_on_the_server_reach_the_palette_on_refresh() {
    let (sim, _dir, desk) = desk_on_own_sim("fresh").await;
    let before = desk.refresh_aliases().await.unwrap();
    assert!(desk
        .suggest("shout", 5)
        .iter()
        .all(|s| s.alias_ref != "ops.shout"));
    let alias: stormdesk_alias::Alias = serde_json::from_value(serde_json::json!({
        "name": "shout", "pack": "ops", "action_ref": "ops.echo", "enabled": true,
        "description": "Say it loudly", "formats": ["shout {{message}}"]
    }))
    .unwrap();
    sim.state().add_alias(alias);
    assert_eq!(desk.refresh_aliases().await.unwrap(), before + 1);
    let s = desk.suggest("shout", 5);
    assert_eq!(s[0].alias_ref, "ops.shout", "{s:?}");
    let acks = desk.run_command("shout hello").await.unwrap();
    assert_eq!(acks[1].data_json()["alias"], "ops.shout");
    desk.stop().await;
}

/// Live output: what a running command prints reaches its card line by line
/// before its result, each line once, stderr told apart; the output stream
/// is closed once the result is in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_commands_output_reaches_its_card_before_its_result() {
    let (_dir, desk) = demo(1.0).await;
    let mut rx = desk.subscribe();
    let acks = desk.run_command("build web 4").await.unwrap();
    let id = acks[1].execution_id.clone().unwrap();
    let (mut stdout, mut stderr, mut before_result) = (String::new(), String::new(), 0);
    for ev in events_until_result(&mut rx, &id).await {
        if let DeskEvent::Output {
            execution_id,
            chunks,
        } = ev
        {
            assert_eq!(execution_id, id);
            for c in chunks {
                match c.stream.as_str() {
                    "stdout" => stdout.push_str(&c.text),
                    "stderr" => stderr.push_str(&c.text),
                    other => panic!("{other}"),
                }
            }
            before_result += 1;
        }
    }
    // Printed over the run, not at once: several events, all before the end.
    assert!(before_result >= 3, "{before_result} output events");
    assert_eq!(
        stdout,
        "[1/4] fetch sources (web)\n[2/4] resolve dependencies (web)\n[3/4] compile (web)\n[4/4] link (web)\n"
    );
    assert_eq!(stderr, "warning: 2 deprecated calls in web\n");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(desk.outputs_followed(), 0, "the output stream is closed");
    desk.stop().await;
}

/// `extra.security.twofactor`: refused until confirmed, before anything is
/// recorded or sent; confirmed, it runs like any command.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_whose_alias_asks_for_confirmation_runs_only_once_confirmed() {
    let (_dir, desk) = demo(0.05).await;
    let mut rx = desk.subscribe();
    let refused = desk.run_command("failover db1 to r2").await.unwrap_err();
    assert_eq!(refused.kind(), "confirmation_required");
    assert!(
        refused
            .to_string()
            .contains("ops.failover, which asks to be confirmed"),
        "{refused}"
    );
    assert!(
        desk.history_page(None, 10).unwrap().is_empty(),
        "nothing recorded"
    );
    let ran = desk
        .run_command_confirmed("failover db1 to r2", true)
        .await
        .unwrap();
    assert_eq!(ran[1].kind(), EntryKind::Ack);
    let seen = until_result(&mut rx).await;
    assert!(seen.last().unwrap().text.contains("r2 promoted"));
    // Aliases without the mark need nothing.
    assert!(desk.run_command("genpass").await.is_ok());
    until_result(&mut rx).await;

    // Every way of running it again asks too: the card's (and the tray's,
    // a notification's, the socket's) Re-run, and Re-run with…; refused
    // unconfirmed in the same words, nothing recorded, nothing started.
    use stormdesk_desk::ipc::ExecutionControl;
    let id = ran[1].execution_id.clone().unwrap();
    let failovers = stormdesk_client::model::ExecutionFilter {
        action: Some("ops.failover".into()),
        ..Default::default()
    };
    let started = desk
        .client()
        .list_executions(&failovers)
        .await
        .unwrap()
        .len();
    let refused = desk
        .control_execution(&id, ExecutionControl::Rerun)
        .await
        .unwrap_err();
    assert_eq!(refused.kind(), "confirmation_required", "{refused}");
    assert!(
        refused
            .to_string()
            .contains("ops.failover, which asks to be confirmed"),
        "{refused}"
    );
    for changes in [vec![], vec!["replica=r3".to_string()]] {
        let refused = desk
            .rerun_execution(&id, &changes, false)
            .await
            .unwrap_err();
        assert_eq!(
            refused.kind(),
            "confirmation_required",
            "{changes:?}: {refused}"
        );
    }
    assert_eq!(
        desk.client()
            .list_executions(&failovers)
            .await
            .unwrap()
            .len(),
        started,
        "nothing started"
    );
    let again = desk
        .rerun_execution(&id, &["replica=r3".to_string()], true)
        .await
        .unwrap();
    let seen = until_result(&mut rx).await;
    assert!(
        seen.last().unwrap().text.contains("r3 promoted"),
        "{:?}",
        seen.last()
    );
    // A re-run of that re-run: the alias is still found, and still asks.
    let again = again[0].execution_id.clone().unwrap();
    let refused = desk
        .control_execution(&again, ExecutionControl::Rerun)
        .await
        .unwrap_err();
    assert_eq!(refused.kind(), "confirmation_required");
    desk.stop().await;
}

/// A parameter the alias fixes (`immutable_parameters`) cannot be changed
/// by a re-run either: refused in StackStorm's words, nothing started; the
/// others change as before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_cannot_change_a_parameter_the_alias_fixes() {
    let (_dir, desk) = demo(0.05).await;
    let mut rx = desk.subscribe();
    // Through the alias, the server refuses the same change.
    let refused = desk
        .run_command("scale web to 3 environment=production")
        .await
        .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("Immutable arguments cannot be overriden: environment"),
        "{refused}"
    );
    let ran = desk.run_command("scale web to 3").await.unwrap();
    let id = ran[1].execution_id.clone().unwrap();
    until_result(&mut rx).await;
    let refused = desk
        .rerun_execution(&id, &["environment=production".to_string()], false)
        .await
        .unwrap_err();
    assert_eq!(refused.kind(), "refused", "{refused}");
    assert!(
        refused
            .to_string()
            .contains("Immutable arguments cannot be overriden: environment"),
        "{refused}"
    );
    let changed = desk
        .rerun_execution(&id, &["replicas=5".to_string()], false)
        .await
        .unwrap();
    let seen = until_result(&mut rx).await;
    let result = seen.last().unwrap();
    assert_eq!(result.execution_id, changed[0].execution_id);
    assert_eq!(result.data_json()["parameters"]["environment"], "staging");
    assert_eq!(result.data_json()["parameters"]["replicas"], 5);
    desk.stop().await;
}

/// A workflow's tasks reach its card as they start and end, in order, each
/// status once, before its result; nothing of them goes to history.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workflows_tasks_reach_its_card_as_they_run() {
    let (_dir, desk) = demo(0.5).await;
    let mut rx = desk.subscribe();
    let acks = desk.run_command("deploy web to staging").await.unwrap();
    let id = acks[1].execution_id.clone().unwrap();
    let tasks: Vec<String> = events_until_result(&mut rx, &id)
        .await
        .into_iter()
        .filter_map(|ev| match ev {
            DeskEvent::Task {
                workflow_id,
                task,
                status,
                ..
            } => {
                assert_eq!(workflow_id, id);
                Some(format!("{task}:{status}"))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        tasks,
        [
            "build:requested",
            "build:running",
            "build:succeeded",
            "push image:requested",
            "push image:running",
            "push image:succeeded",
            "roll out:requested",
            "roll out:running",
            "roll out:succeeded",
            "smoke test:requested",
            "smoke test:running",
            "smoke test:succeeded"
        ]
    );
    let kept = desk.history_page(None, 100).unwrap();
    assert!(kept.iter().all(|e| !e.text.contains("smoke test")));
    desk.stop().await;
}
