//! Executions seen from the host: notification buttons, running executions and their
//! cancel, and history retention from Settings.

use super::*;

/// A notification's buttons, as the shell hands them to the host: "Open"
/// asks the UI to show the execution; "Re-run" on a failure runs it again
/// (a new execution, acknowledged in the pane, followed to its result);
/// a refused re-run is reported, and handling goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notification_buttons_open_and_rerun_through_the_host() {
    use stormdesk_history::EntryKind;
    use stormdesk_notify::NoticeAction;
    let f = Fixture::new();
    let host = f.host();
    host.start(StartMode::Demo).await;
    let desk = host.desk().unwrap();
    let mut rx = host.subscribe();
    desk.run_command("deploy web to prod").await.unwrap();
    let failed = match next_matching(
        &mut rx,
        |e| matches!(e, DeskEvent::Entry { entry } if entry.kind() == EntryKind::Result),
    )
    .await
    {
        DeskEvent::Entry { entry } => entry,
        _ => unreachable!(),
    };
    assert_eq!(failed.data_json()["status"], "failed");
    let id = failed.execution_id.clone().unwrap();
    // The tray's recent list knows it did not succeed (it offers Re-run).
    next_matching(
        &mut rx,
        |e| matches!(e, DeskEvent::Unread { count } if *count > 0),
    )
    .await;
    assert_eq!(host.recent_results()[0].status, "failed");

    let (click, clicks) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(std::sync::Arc::clone(&host).handle_notice_actions(clicks));
    click.send((NoticeAction::Open, id.clone())).unwrap();
    assert_eq!(
        next_matching(&mut rx, |e| matches!(e, DeskEvent::Open { .. })).await,
        DeskEvent::Open {
            execution_id: id.clone()
        }
    );
    click.send((NoticeAction::Rerun, id.clone())).unwrap();
    let ack = match next_matching(
        &mut rx,
        |e| matches!(e, DeskEvent::Entry { entry } if entry.kind() == EntryKind::Ack),
    )
    .await
    {
        DeskEvent::Entry { entry } => entry,
        _ => unreachable!(),
    };
    let again = ack.execution_id.clone().unwrap();
    assert_ne!(again, id);
    assert!(
        ack.text.starts_with(&format!("Re-run of {id}")),
        "{}",
        ack.text
    );
    let result = next_matching(
        &mut rx,
        |e| matches!(e, DeskEvent::Entry { entry } if entry.kind() == EntryKind::Result),
    )
    .await;
    assert!(
        matches!(&result, DeskEvent::Entry { entry } if entry.execution_id.as_deref() == Some(again.as_str())),
        "{result:?}"
    );
    // An execution StackStorm does not know: reported, and clicks still work.
    click
        .send((NoticeAction::Rerun, "000000000000000000000000".into()))
        .unwrap();
    let reported = next_matching(&mut rx, |e| matches!(e, DeskEvent::Failed { .. })).await;
    assert!(
        matches!(&reported, DeskEvent::Failed { error } if error.kind == "not_found"),
        "{reported:?}"
    );
    click.send((NoticeAction::Open, again.clone())).unwrap();
    assert_eq!(
        next_matching(&mut rx, |e| matches!(e, DeskEvent::Open { .. })).await,
        DeskEvent::Open {
            execution_id: again
        }
    );
    host.shutdown().await;
}

/// The tray's "Running" list: an execution started here is listed until it
/// ends, and Cancel on it cancels it on StackStorm; cancelling one that
/// ended is StackStorm's refusal, reported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn running_executions_are_listed_until_they_end_and_cancel_from_outside_the_pane() {
    use stormdesk_history::EntryKind;
    let f = Fixture::new();
    let host = f.host_at(1.0);
    host.start(StartMode::Demo).await;
    let desk = host.desk().unwrap();
    let mut rx = host.subscribe();
    let acks = desk.run_command("sleep 20").await.unwrap();
    let id = acks[1].execution_id.clone().unwrap();
    let listed = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let r = host.running_executions();
            if !r.is_empty() {
                return r;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap();
    assert_eq!(listed[0].execution_id, id);
    assert_eq!(listed[0].label, "ops.sleep");
    host.cancel_execution(&id).await.unwrap();
    let result = next_matching(
        &mut rx,
        |e| matches!(e, DeskEvent::Entry { entry } if entry.kind() == EntryKind::Result),
    )
    .await;
    assert!(
        matches!(&result, DeskEvent::Entry { entry } if entry.data_json()["status"] == "canceled"),
        "{result:?}"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(host.running_executions().is_empty());
    // Cancelled already: StackStorm answers with it as it is. Ended any
    // other way: refused, and the refusal is reported to the UI.
    host.cancel_execution(&id).await.unwrap();
    let done = desk.run_command("genpass").await.unwrap()[1]
        .execution_id
        .clone()
        .unwrap();
    next_matching(&mut rx, |e| {
        matches!(e, DeskEvent::Entry { entry } if entry.kind() == EntryKind::Result && entry.execution_id.as_deref() == Some(done.as_str()))
    })
    .await;
    let refused = host.cancel_execution(&done).await.unwrap_err();
    assert_eq!(refused.kind, "refused");
    assert!(matches!(
        next_matching(&mut rx, |e| matches!(e, DeskEvent::Failed { .. })).await,
        DeskEvent::Failed { error } if error.kind == "refused"
    ));
    host.shutdown().await;
}

/// History retention from Settings: a tighter limit applies at once, in the
/// background (the oldest entries go, the newest stay, the file shrinks, and
/// the UI is told how much); a limit too small to be meant is refused and
/// nothing changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_retention_from_settings_applies_at_once() {
    let f = Fixture::new();
    let path = f.dir.path().join("history.db");
    {
        drop(stormdesk_history::History::open(&path).unwrap());
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        let tx = conn.transaction().unwrap();
        for i in 0..12_000 {
            tx.execute(
                "INSERT INTO entries (ts, profile, kind, execution_id, text, data) VALUES (strftime('%Y-%m-%dT%H:%M:%fZ','now'), 'demo', 'result', NULL, ?1, '{}')",
                [format!("old result {i} {}", "x".repeat(900))],
            )
            .unwrap();
        }
        tx.commit().unwrap();
    }
    let host = f.host();
    host.start(StartMode::Demo).await;
    let desk = host.desk().unwrap();
    let (before, _) = desk.history().size().unwrap();
    assert!(before > 10 * 1024 * 1024, "{before}");

    let prefs = host.prefs();
    assert_eq!((prefs.history_days, prefs.history_mb), (90, 200));
    let too_small = Prefs {
        history_mb: 3,
        ..prefs.clone()
    };
    assert_eq!(host.save_prefs(too_small).await.unwrap_err().kind, "input");
    assert_eq!(desk.history().size().unwrap().0, before);

    let mut rx = host.subscribe();
    host.save_prefs(Prefs {
        history_mb: 5,
        ..prefs
    })
    .await
    .unwrap();
    // The save does not wait for the trim; the UI hears when it is done.
    let DeskEvent::HistoryTrimmed {
        removed,
        bytes_before,
        bytes_after,
    } = next_matching(&mut rx, |e| matches!(e, DeskEvent::HistoryTrimmed { .. })).await
    else {
        unreachable!()
    };
    assert!(removed > 6_000, "{removed}");
    assert_eq!(bytes_before, before);
    let (after, used) = desk.history().size().unwrap();
    assert_eq!(bytes_after, after);
    assert!(used <= 5 * 1024 * 1024, "{used}");
    assert!(after < before / 2, "{after} of {before}");
    let newest = desk.history_page(None, 1).unwrap();
    assert!(
        newest[0].text.starts_with("old result 11999"),
        "{}",
        newest[0].text
    );
    assert!(desk
        .search_history("result 0", 5)
        .unwrap()
        .iter()
        .all(|e| !e.text.starts_with("old result 0 ")));
    host.shutdown().await;
}
