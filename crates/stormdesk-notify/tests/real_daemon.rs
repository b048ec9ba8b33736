//! Against a real notification daemon (Debian's notification-daemon under
//! Xvfb) in its own dbus-run-session; delivery proved by capturing the
//! `Notify` calls with dbus-monitor. Ignored unless asked for (`-- --ignored`).

use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::json;
use stormdesk_client::model::Execution;
use stormdesk_notify::{
    notice_for_announcement, notice_for_result, spawn, DesktopSink, NoticeAction, Sink,
    OPEN_ACTION, RERUN_ACTION,
};

/// Both tests share one daemon; the first counts every Notify call.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn exec(id: &str, status: &str, action: &str, stdout: &str) -> Execution {
    serde_json::from_value(json!({"id": id, "status": status, "action": {"ref": action}, "result": {"stdout": stdout}})).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a real notification daemon: scripts/test.sh daemons"]
async fn notices_reach_the_daemon_with_urgency_text_and_coalescing() {
    let _one = ONE_AT_A_TIME.lock().await;
    let log = tempfile_path();
    let mut monitor = Command::new("dbus-monitor")
        .arg("interface=org.freedesktop.Notifications,member=Notify")
        .stdout(Stdio::from(std::fs::File::create(&log).unwrap()))
        .spawn()
        .expect("dbus-monitor");
    tokio::time::sleep(Duration::from_millis(500)).await;

    let n = spawn(DesktopSink::default());
    n.notify(notice_for_result(
        &exec("e-fail", "failed", "ops.deploy", "refusing to deploy"),
        None,
    ))
    .await;
    n.notify(notice_for_announcement(
        "stormdesk",
        "<b>not bold</b> & <img src=x onerror=alert(1)>",
    ))
    .await;
    for i in 0..8 {
        n.notify(notice_for_result(
            &exec(
                &format!("e{i}"),
                "succeeded",
                "ops.echo",
                &format!("burst {i}"),
            ),
            None,
        ))
        .await;
    }
    // Do-not-disturb: nothing reaches the daemon.
    tokio::time::sleep(Duration::from_millis(300)).await;
    n.set_paused(true);
    n.notify(notice_for_result(
        &exec("e-dnd", "succeeded", "ops.quiet", "while paused"),
        None,
    ))
    .await;
    // Let the burst window close and the summary go out.
    tokio::time::sleep(Duration::from_secs(4)).await;
    n.stop().await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    monitor.kill().unwrap();
    monitor.wait().unwrap();

    let text = std::fs::read_to_string(&log).unwrap();
    let calls: Vec<&str> = text.split("member=Notify").skip(1).collect();
    assert_eq!(calls.len(), 6, "5 shown + 1 summary:\n{text}");
    assert!(calls[0].contains("✖ ops.deploy failed"), "{}", calls[0]);
    assert!(
        calls[0].contains("\"urgency\"") && calls[0].contains("byte 2"),
        "failed is critical: {}",
        calls[0]
    );
    assert!(
        calls[0].contains("\"open\"") && calls[0].contains("\"Open\""),
        "an Open action: {}",
        calls[0]
    );
    assert!(
        calls[0].contains("\"rerun\"") && calls[0].contains("\"Re-run\""),
        "a failed result offers Re-run: {}",
        calls[0]
    );
    assert!(
        calls[2].contains("\"open\"") && !calls[2].contains("\"rerun\""),
        "a success does not: {}",
        calls[2]
    );
    assert!(
        calls[1].contains("&lt;b&gt;not bold&lt;/b&gt; &amp; &lt;img src=x onerror=alert(1)&gt;"),
        "{}",
        calls[1]
    );
    assert!(
        calls[5].contains("5 more results"),
        "the summary: {}",
        calls[5]
    );
    assert!(
        !text.contains("while paused"),
        "paused notices are not shown"
    );
    assert!(text.contains("Stormdesk"), "app name");
}

/// Clicking "Open" (the daemon's ActionInvoked signal for that
/// notification) reaches the handler with the execution id; another
/// notification's click or another action does not; "Re-run" on a failed
/// result's notification asks for a re-run of that execution.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a real notification daemon: scripts/test.sh daemons"]
async fn the_open_and_rerun_actions_report_the_execution() {
    let _one = ONE_AT_A_TIME.lock().await;
    let (tx, rx) = std::sync::mpsc::channel::<(NoticeAction, String)>();
    let tx = std::sync::Mutex::new(tx);
    let sink = DesktopSink::default().on_action(move |action, id| {
        let _ = tx.lock().unwrap().send((action, id));
    });
    let notice = notice_for_result(&exec("exec-open-1", "succeeded", "core.local", "hi"), None);
    sink.show(&notice).unwrap();
    let id = sink.last_id();
    assert!(id > 0, "the daemon gave the notification an id");
    let signal = |nid: u32, action: &str| {
        let ok = Command::new("dbus-send")
            .args([
                "--session",
                "--type=signal",
                "/org/freedesktop/Notifications",
                "org.freedesktop.Notifications.ActionInvoked",
                &format!("uint32:{nid}"),
                &format!("string:{action}"),
            ])
            .status()
            .unwrap();
        assert!(ok.success());
    };
    // Give the waiting thread time to subscribe before the signals.
    tokio::time::sleep(Duration::from_millis(500)).await;
    signal(id + 1000, OPEN_ACTION);
    assert!(
        rx.recv_timeout(Duration::from_millis(500)).is_err(),
        "another notification's click"
    );
    signal(id, OPEN_ACTION);
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(5)).unwrap(),
        (NoticeAction::Open, "exec-open-1".to_string())
    );

    let failed = notice_for_result(&exec("exec-fail-1", "failed", "core.local", "no"), None);
    sink.show(&failed).unwrap();
    let id = sink.last_id();
    tokio::time::sleep(Duration::from_millis(500)).await;
    signal(id, RERUN_ACTION);
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(5)).unwrap(),
        (NoticeAction::Rerun, "exec-fail-1".to_string())
    );
}

fn tempfile_path() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("stormdesk-notify-{}.log", std::process::id()))
}
