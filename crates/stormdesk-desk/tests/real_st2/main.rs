//! The app's core against real StackStorm, with the real notification
//! daemon: `tests/real-st2/run.sh` brings StackStorm up from
//! `../shared/real-st2` with the conformance pack and runs this twice,
//! without and with the stormdesk pack (`STORMDESK_REAL_ST2_PACK`), inside
//! `dbus-run-session -- scripts/with-daemons.sh`, one test at a time (the
//! fault tests stop StackStorm's services). Ignored unless asked for (`-- --ignored`).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use stormdesk_client::{ClientOptions, Profile, Secret, St2Client};
use stormdesk_desk::host::{event_channel, Host, HostOptions, StartMode};
use stormdesk_desk::prefs::{Prefs, RelayPrefs};
use stormdesk_desk::{Desk, DeskEvent};
use stormdesk_history::{Entry, EntryKind};
use stormdesk_notify::DesktopSink;
use stormdesk_relay::fakes::{envelope, FakeSlack};
use stormdesk_secrets::{profile_account, CredentialStore, MemoryStore, RelaySecret};
use stormdesk_stream::{ConnectionState, Delivery, ListenerConfig, StreamSession};

#[path = "../common/mod.rs"]
mod common;
use common::{events_until_result, Recorder};

mod relay;

const USER: &str = "st2admin";
const PASSWORD: &str = "Ch@ngeMe";

fn url() -> String {
    std::env::var("STORMDESK_REAL_ST2_URL")
        .expect("STORMDESK_REAL_ST2_URL: run tests/real-st2/run.sh")
}

fn pack_present() -> bool {
    match std::env::var("STORMDESK_REAL_ST2_PACK").as_deref() {
        Ok("present") => true,
        Ok("absent") => false,
        other => panic!("STORMDESK_REAL_ST2_PACK must be present or absent, not {other:?}"),
    }
}

/// Stop or start one of StackStorm's services (tests/real-st2/service.sh).
fn service(action: &str, name: &str) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/real-st2/service.sh");
    let ok = Command::new(script).args([action, name]).status().unwrap();
    assert!(ok.success(), "{action} {name}");
}

/// Every Notify call the session's notification daemon gets, from now on.
struct NotifyLog {
    path: PathBuf,
    monitor: Child,
}

impl NotifyLog {
    async fn start(dir: &Path) -> Self {
        let path = dir.join("notify.log");
        let monitor = Command::new("dbus-monitor")
            .arg("interface=org.freedesktop.Notifications,member=Notify")
            .stdout(Stdio::from(std::fs::File::create(&path).unwrap()))
            .spawn()
            .expect("dbus-monitor");
        tokio::time::sleep(Duration::from_millis(500)).await;
        Self { path, monitor }
    }

    /// How many Notify calls mention `text`.
    fn count(&self, text: &str) -> usize {
        let log = std::fs::read_to_string(&self.path).unwrap_or_default();
        log.split("member=Notify")
            .skip(1)
            .filter(|call| call.contains(text))
            .count()
    }
}

impl Drop for NotifyLog {
    fn drop(&mut self) {
        let _ = self.monitor.kill();
        let _ = self.monitor.wait();
    }
}

async fn desk(dir: &Path) -> Desk {
    let (profile, creds) = Profile::with_password("real", &url(), USER, Secret::new(PASSWORD));
    let desk = Desk::start(
        profile,
        creds,
        &dir.join("history.db"),
        DesktopSink::default(),
    )
    .await
    .expect("the desk starts against real StackStorm");
    until("the stream is live", Duration::from_secs(30), || {
        (desk.connection_state() == ConnectionState::Live).then_some(())
    })
    .await;
    desk
}

async fn until<T>(what: &str, limit: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Some(v) = f() {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

fn entries_for<'a>(all: &'a [Entry], id: &str, kind: EntryKind) -> Vec<&'a Entry> {
    all.iter()
        .filter(|e| e.kind() == kind && e.execution_id.as_deref() == Some(id))
        .collect()
}

/// The result (and, with the stormdesk pack, its announcement) of one
/// execution, waiting long enough for the chatops chain (about 3 s).
async fn settle(desk: &Desk, id: &str) -> Vec<Entry> {
    settle_with(desk, id, pack_present()).await
}

async fn settle_with(desk: &Desk, id: &str, announced: bool) -> Vec<Entry> {
    until("the result", Duration::from_secs(60), || {
        let all = desk.history_page(None, 500).unwrap();
        (!entries_for(&all, id, EntryKind::Result).is_empty()).then_some(())
    })
    .await;
    if announced {
        until("the announcement", Duration::from_secs(60), || {
            let all = desk.history_page(None, 500).unwrap();
            (!entries_for(&all, id, EntryKind::Announcement).is_empty()).then_some(())
        })
        .await;
    }
    // Anything late (a second result, a chatops child) would land by now:
    // the chain posts within ~3 s of the end, and we waited for it above.
    tokio::time::sleep(Duration::from_secs(5)).await;
    desk.history_page(None, 500).unwrap()
}

/// Palette → ack → live status → result → one notification → history; the
/// chatops chain that posts the announcement never shows as results.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs real StackStorm: scripts/test.sh real-st2"]
async fn a_palette_command_runs_to_one_result_one_notification_and_history() {
    let dir = tempfile::tempdir().unwrap();
    let notes = NotifyLog::start(dir.path()).await;
    let desk = desk(dir.path()).await;
    assert_eq!(
        desk.announcing_rule().as_deref(),
        pack_present().then_some("stormdesk.notify_stormdesk")
    );
    let mut rx = desk.subscribe();

    // The palette knows the server's aliases, with StackStorm's parameters.
    let s = desk.suggest("conf gre", 5);
    assert_eq!(s[0].alias_ref, "stormdesk_conformance.conf_greet");

    let acks = desk.run_command("conf greet desk").await.unwrap();
    assert_eq!(acks[0].kind(), EntryKind::Command);
    assert_eq!(acks[1].kind(), EntryKind::Ack);
    assert_eq!(
        acks[1].text,
        "Greeting desk (stormdesk_conformance.conf_greet)"
    );
    let id = acks[1].execution_id.clone().unwrap();

    // Live status, then the result, as events in that order.
    let mut statuses = Vec::new();
    let result = loop {
        let ev = tokio::time::timeout(Duration::from_secs(60), rx.recv())
            .await
            .expect("events")
            .unwrap();
        if let DeskEvent::Entry { entry } = ev {
            if entry.execution_id.as_deref() != Some(id.as_str()) {
                continue;
            }
            match entry.kind() {
                EntryKind::Status => statuses.push(entry.text.clone()),
                EntryKind::Result => break *entry,
                _ => {}
            }
        }
    };
    assert!(statuses.iter().any(|s| s == "running"), "{statuses:?}");
    assert_eq!(result.text, "Greeting done: hello desk");
    assert_eq!(result.data_json()["status"], "succeeded");

    let all = settle(&desk, &id).await;
    assert_eq!(entries_for(&all, &id, EntryKind::Result).len(), 1);
    let announcements = entries_for(&all, &id, EntryKind::Announcement);
    if pack_present() {
        // StackStorm's own text enriches the one result.
        assert_eq!(announcements.len(), 1, "{all:#?}");
        assert_eq!(announcements[0].text, "Greeting done: hello desk");
        assert_eq!(announcements[0].data_json()["enriches"], true);
    } else {
        assert!(announcements.is_empty(), "{announcements:#?}");
    }
    // The chatops pack's own executions are no results of ours.
    assert!(
        all.iter().all(|e| !e.data_json()["action"]
            .as_str()
            .unwrap_or("")
            .starts_with("chatops.")),
        "{all:#?}"
    );
    assert_eq!(
        all.iter().filter(|e| e.kind() == EntryKind::Result).count(),
        1
    );
    assert_eq!(notes.count("stormdesk_conformance.greet succeeded"), 1);
    assert_eq!(notes.count("chatops."), 0);
    assert_eq!(notes.count("Greeting done: hello desk"), 1);

    // A refusal is StackStorm's wording, kept in history; the desk goes on.
    let e = desk.run_command("conf twin x").await.unwrap_err();
    assert_eq!(e.kind(), "ambiguous");
    assert!(e
        .to_string()
        .contains("Command 'conf twin x' matched more than 1 pattern"));
    desk.stop().await;
}

/// An orquesta workflow notifies once, for the top level: its tasks are
/// executions of their own and never results.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs real StackStorm: scripts/test.sh real-st2"]
async fn a_workflow_notifies_once() {
    let dir = tempfile::tempdir().unwrap();
    let notes = NotifyLog::start(dir.path()).await;
    let desk = desk(dir.path()).await;
    let acks = desk.run_command("conf flow amy").await.unwrap();
    let id = acks[1].execution_id.clone().unwrap();
    let all = settle(&desk, &id).await;
    let results: Vec<_> = all
        .iter()
        .filter(|e| e.kind() == EntryKind::Result)
        .collect();
    assert_eq!(results.len(), 1, "{all:#?}");
    assert_eq!(results[0].execution_id.as_deref(), Some(id.as_str()));
    assert_eq!(
        results[0].text,
        "Workflow said: hello amy / hello again amy"
    );
    assert_eq!(notes.count("stormdesk_conformance.flow succeeded"), 1);
    assert_eq!(notes.count("stormdesk_conformance.greet"), 0);
    desk.stop().await;
}

/// The operator's desk on real StackStorm: a workflow's approval (core.ask)
/// arrives from the stream as one card with its form and one "Approval
/// needed" notification; answered from the desk, the workflow finishes with
/// that answer; a second answer is refused with StackStorm's reason. A
/// running execution is cancelled from the desk.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs real StackStorm: scripts/test.sh real-st2"]
async fn an_inquiry_is_answered_and_an_execution_cancelled_from_the_desk() {
    use stormdesk_desk::ipc::ExecutionControl;
    use stormdesk_history::Payload;
    if pack_present() {
        return; // the stormdesk pack changes nothing here: once is enough
    }
    let dir = tempfile::tempdir().unwrap();
    let notes = NotifyLog::start(dir.path()).await;
    let desk = desk(dir.path()).await;
    let what = format!("desk-{}", std::process::id());
    let acks = desk
        .run_command(&format!("conf approve {what}"))
        .await
        .unwrap();
    let workflow = acks[1].execution_id.clone().unwrap();
    let asked = until("the inquiry", Duration::from_secs(60), || {
        desk.history_page(None, 500)
            .unwrap()
            .into_iter()
            .find(|e| matches!(&e.payload, Payload::Inquiry(d) if d.parent.as_deref() == Some(workflow.as_str())))
    })
    .await;
    assert_eq!(asked.text, format!("Deploy {what}?"));
    let Payload::Inquiry(data) = &asked.payload else {
        unreachable!()
    };
    let names: Vec<&str> = data.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["approved", "reason", "copies", "colour"]);
    assert_eq!((data.route.as_str(), data.ttl), ("stormdesk", Some(60)));
    // (Others may wait too: the server lists every pending inquiry.)
    let waiting = desk.inquiries_waiting();
    assert!(waiting >= 1);
    let inquiry = asked.execution_id.clone().unwrap();
    until("the approval notification", Duration::from_secs(10), || {
        (notes.count(&format!("Deploy {what}?")) == 1).then_some(())
    })
    .await;

    let wrong = desk
        .respond_inquiry(&inquiry, json!({"reason": "no answer"}))
        .await
        .unwrap_err();
    assert_eq!(wrong.kind(), "input", "{wrong}");
    let answered = desk
        .respond_inquiry(&inquiry, json!({"approved": true, "copies": 3}))
        .await
        .unwrap();
    assert_eq!(answered[0].text, "Answered: approved=yes, copies=3");
    assert_eq!(desk.inquiries_waiting(), waiting - 1);
    let all = settle(&desk, &workflow).await;
    let result = entries_for(&all, &workflow, EntryKind::Result)[0];
    assert_eq!(result.data_json()["status"], "succeeded", "{result:?}");
    assert_eq!(
        result.data_json()["result"]["output"]["answer"],
        json!({"approved": true, "copies": 3})
    );
    // One card, one answer: the inquiry's end adds no third entry.
    assert_eq!(
        all.iter()
            .filter(|e| e.execution_id.as_deref() == Some(inquiry.as_str()))
            .count(),
        2
    );
    let again = desk
        .respond_inquiry(&inquiry, json!({"approved": false}))
        .await
        .unwrap_err();
    assert_eq!(again.kind(), "refused");
    assert!(
        again.to_string().contains("has already been responded to"),
        "{again}"
    );
    assert_eq!(notes.count(&format!("Deploy {what}?")), 1);

    // Cancel from the desk: canceling now, canceled as its result.
    let acks = desk.run_command("conf slow desk-cancel 30").await.unwrap();
    let slow = acks[1].execution_id.clone().unwrap();
    until("running", Duration::from_secs(30), || {
        let all = desk.history_page(None, 500).unwrap();
        entries_for(&all, &slow, EntryKind::Status)
            .iter()
            .any(|e| e.text == "running")
            .then_some(())
    })
    .await;
    let moved = desk
        .control_execution(&slow, ExecutionControl::Cancel)
        .await
        .unwrap();
    assert_eq!(moved[0].text, "canceling");
    let all = settle(&desk, &slow).await;
    let result = entries_for(&all, &slow, EntryKind::Result)[0];
    assert_eq!(result.data_json()["status"], "canceled");
    desk.stop().await;
}

/// An alias StackStorm serves with `extra.security.twofactor` (real
/// StackStorm stores and returns `extra` as given): the desk refuses it
/// unconfirmed — nothing sent, no execution on the server — and runs it
/// once confirmed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs real StackStorm: scripts/test.sh real-st2"]
async fn a_twofactor_alias_runs_on_real_stackstorm_only_once_confirmed() {
    use stormdesk_client::model::ExecutionFilter;
    if pack_present() {
        return; // the stormdesk pack changes nothing here: once is enough
    }
    let dir = tempfile::tempdir().unwrap();
    let desk = desk(dir.path()).await;
    let greets = || async {
        desk.client()
            .list_executions(&ExecutionFilter {
                action: Some("stormdesk_conformance.greet".into()),
                limit: Some(100),
                ..Default::default()
            })
            .await
            .unwrap()
            .len()
    };
    let before = greets().await;
    let name = format!("guarded{}", std::process::id());
    let refused = desk
        .run_command(&format!("conf guarded greet {name}"))
        .await
        .unwrap_err();
    assert_eq!(refused.kind(), "confirmation_required", "{refused}");
    assert_eq!(greets().await, before, "nothing reached StackStorm");
    let acks = desk
        .run_command_confirmed(&format!("conf guarded greet {name}"), true)
        .await
        .unwrap();
    let id = acks[1].execution_id.clone().unwrap();
    let all = settle(&desk, &id).await;
    let result = entries_for(&all, &id, EntryKind::Result)[0];
    assert!(
        result.text.contains(&format!("hello {name}")),
        "{}",
        result.text
    );
    desk.stop().await;
}

/// Live output on real StackStorm: a shell action's lines reach its card as
/// printed, before its result, each once; a workflow's tasks arrive as they
/// run, and their output goes to the workflow's card.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs real StackStorm: scripts/test.sh real-st2"]
async fn output_and_tasks_reach_the_card_live() {
    use stormdesk_desk::DeskEvent;
    if pack_present() {
        return; // the stormdesk pack changes nothing here: once is enough
    }
    let dir = tempfile::tempdir().unwrap();
    let desk = desk(dir.path()).await;
    let mut rx = desk.subscribe();
    let acks = desk.run_command("conf tick 3").await.unwrap();
    let id = acks[1].execution_id.clone().unwrap();
    let seen = events_until_result(&mut rx, &id).await;
    let mut stdout = String::new();
    let mut stderr = String::new();
    let mut events = 0;
    for ev in &seen {
        if let DeskEvent::Output {
            execution_id,
            chunks,
        } = ev
        {
            assert_eq!(execution_id, &id);
            events += 1;
            for c in chunks {
                match c.stream.as_str() {
                    "stdout" => stdout.push_str(&c.text),
                    _ => stderr.push_str(&c.text),
                }
            }
        }
    }
    assert_eq!(stdout, "tick 1\ntick 2\ntick 3\n");
    assert_eq!(stderr, "ticked 3\n");
    // A tick a second: not one batch at the end.
    assert!(events >= 3, "{events} output events");

    let acks = desk.run_command("conf long flow live").await.unwrap();
    let flow = acks[1].execution_id.clone().unwrap();
    let seen = events_until_result(&mut rx, &flow).await;
    let tasks: Vec<(String, String)> = seen
        .iter()
        .filter_map(|ev| match ev {
            DeskEvent::Task {
                workflow_id,
                task,
                status,
                ..
            } if *workflow_id == flow => Some((task.clone(), status.clone())),
            _ => None,
        })
        .collect();
    for t in ["one", "two", "three"] {
        for s in ["running", "succeeded"] {
            assert!(
                tasks.contains(&(t.to_string(), s.to_string())),
                "{t} {s} in {tasks:?}"
            );
        }
    }
    let printed: String = seen
        .iter()
        .filter_map(|ev| match ev {
            DeskEvent::Output {
                execution_id,
                chunks,
            } if *execution_id == flow => {
                Some(chunks.iter().map(|c| c.text.clone()).collect::<String>())
            }
            _ => None,
        })
        .collect();
    // Each task's `echo`, in the workflow's card; not the engine's own log.
    for n in 1..=3 {
        assert!(printed.contains(&format!("done live {n}\n")), "{printed:?}");
    }
    assert!(!printed.contains("Workflow execution"), "{printed:?}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(desk.outputs_followed(), 0);
    desk.stop().await;
}

/// With the stormdesk pack, the chatops default message StackStorm posts
/// for an alias without `result.format` has the same lines as the one
/// Stormdesk builds itself when nothing is announced.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs real StackStorm: scripts/test.sh real-st2"]
async fn the_local_default_result_message_reads_as_stackstorms() {
    if !pack_present() {
        // Nothing to compare with: StackStorm announces nothing on our route.
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let desk = desk(dir.path()).await;
    let acks = desk.run_command("conf count to 3").await.unwrap();
    let id = acks[1].execution_id.clone().unwrap();
    let all = settle(&desk, &id).await;
    let theirs = entries_for(&all, &id, EntryKind::Announcement)[0]
        .text
        .clone();
    let exec = desk.client().get_execution(&id).await.unwrap();
    let ours =
        stormdesk_alias::render::default_result_message(&serde_json::to_value(&exec).unwrap());
    let lines = |t: &str| -> Vec<String> {
        t.lines()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect()
    };
    assert_eq!(
        lines(&ours),
        lines(&theirs),
        "ours:\n{ours}\ntheirs:\n{theirs}"
    );
    desk.stop().await;
}

/// st2stream killed while results are in flight, and one command run while
/// it is down: after it is back every result arrives exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs real StackStorm: scripts/test.sh real-st2"]
async fn results_in_flight_survive_a_stream_restart_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let desk = desk(dir.path()).await;
    let a = desk.run_command("conf slow a 3").await.unwrap();
    let b = desk.run_command("conf slow b 5").await.unwrap();
    service("stop", "st2stream");
    until(
        "the desk sees the stream down",
        Duration::from_secs(30),
        || (desk.connection_state() != ConnectionState::Live).then_some(()),
    )
    .await;
    let c = desk.run_command("conf greet while-down").await.unwrap();
    tokio::time::sleep(Duration::from_secs(6)).await; // a and b end meanwhile
    service("start", "st2stream");
    let ids: Vec<String> = [a, b, c]
        .iter()
        .map(|acks| acks[1].execution_id.clone().unwrap())
        .collect();
    // Announcements made while the stream was down are gone for good (the
    // stream has no replay); the results are not: they are backfilled, and
    // read as their alias's result.format says.
    for id in &ids {
        settle_with(&desk, id, false).await;
    }
    let all = desk.history_page(None, 500).unwrap();
    let texts: Vec<String> = ids
        .iter()
        .map(|id| {
            let r = entries_for(&all, id, EntryKind::Result);
            assert_eq!(r.len(), 1, "{id}: {all:#?}");
            assert!(entries_for(&all, id, EntryKind::Announcement).len() <= 1);
            r[0].text.clone()
        })
        .collect();
    assert_eq!(texts[0], "done a");
    assert_eq!(texts[1], "done b");
    assert_eq!(texts[2], "Greeting done: hello while-down");
    assert_eq!(desk.connection_state(), ConnectionState::Live);
    desk.stop().await;
}

/// st2api down: a command fails with a clear error kept in history, the
/// desk keeps running, and works again once st2api is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs real StackStorm: scripts/test.sh real-st2"]
async fn st2api_down_is_a_clear_error_and_recovery_needs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let desk = desk(dir.path()).await;
    service("stop", "st2api");
    let e = desk.run_command("conf greet nobody").await.unwrap_err();
    service("start", "st2api");
    // nginx answers for the missing upstream, in words a person can act on.
    assert_eq!(e.kind(), "server", "{e}");
    assert!(
        e.to_string()
            .contains("StackStorm answered 503: Nginx is unable to reach st2api"),
        "{e}"
    );
    let all = desk.history_page(None, 50).unwrap();
    assert!(all
        .iter()
        .any(|x| x.kind() == EntryKind::Error && x.text.contains("unable to reach st2api")));
    let acks = desk.run_command("conf greet again").await.unwrap();
    let id = acks[1].execution_id.clone().unwrap();
    let all = settle(&desk, &id).await;
    assert_eq!(
        entries_for(&all, &id, EntryKind::Result)[0].text,
        "Greeting done: hello again"
    );
    desk.stop().await;
}

/// A token that lives 4 seconds is renewed without anyone asking, and the
/// stream reconnects with the new one after st2stream restarts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs real StackStorm: scripts/test.sh real-st2"]
async fn a_short_lived_token_is_renewed_also_mid_stream() {
    let (profile, creds) = Profile::with_password("real", &url(), USER, Secret::new(PASSWORD));
    let client = Arc::new(
        St2Client::with_options(
            &profile,
            creds,
            ClientOptions {
                token_ttl: Some(4),
                ..ClientOptions::default()
            },
        )
        .unwrap(),
    );
    let first = client.auth_headers().await.unwrap()[0]
        .1
        .expose()
        .to_string();
    let mut session =
        StreamSession::start(Arc::clone(&client), ListenerConfig::for_route("stormdesk"));
    assert!(session.wait_live(Duration::from_secs(30)).await);
    let aliases = stormdesk_client::AliasCache::load(Arc::clone(&client))
        .await
        .unwrap();
    let request = "conformance-ttl";
    session.expect(request).await;
    let r = client
        .run_command(
            &aliases,
            &stormdesk_client::CommandRequest {
                command: "conf slow ttl 7".into(),
                user: USER.into(),
                source_channel: "stormdesk:v1:pane:real".into(),
                notification_route: Some("stormdesk".into()),
                source_context: Some(stormdesk_routing::source_context(request, "real")),
            },
        )
        .await
        .unwrap();
    let id = r[0].execution.id.clone();
    session.track(&id, Some(request)).await;
    tokio::time::sleep(Duration::from_secs(5)).await; // the first token is dead now
    service("stop", "st2stream");
    service("start", "st2stream");
    let done = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            match session.next().await {
                Some(Delivery::Result { execution, .. }) if execution.id == id => break execution,
                Some(_) => continue,
                None => panic!("session ended"),
            }
        }
    })
    .await
    .expect("the result after the restart");
    assert_eq!(done.result["stdout"], "done ttl");
    let now = client.auth_headers().await.unwrap()[0]
        .1
        .expose()
        .to_string();
    assert_ne!(first, now, "the token was renewed");
    session.stop().await;
}
