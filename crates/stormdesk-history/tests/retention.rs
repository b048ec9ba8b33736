//! Retention on a real SQLite file: by age, by size, the search index in
//! step, the file compacted when worthwhile; conversations kept.

use std::time::Duration;

use stormdesk_history::{History, NewEntry, Payload, Retention};

fn entry(i: usize) -> NewEntry {
    NewEntry {
        profile: "p".into(),
        execution_id: Some(format!("e{i}")),
        // ~1 KB of text each, with a word to search for.
        text: format!("result number{i} {}", "lorem ipsum dolor ".repeat(55)),
        payload: Payload::status("succeeded"),
    }
}

/// Many entries at once (one transaction), as the store writes them.
fn fill(path: &std::path::Path, from: usize, to: usize) {
    let h = History::open(path).unwrap();
    drop(h);
    let mut conn = rusqlite::Connection::open(path).unwrap();
    let tx = conn.transaction().unwrap();
    for i in from..to {
        let e = entry(i);
        tx.execute(
            "INSERT INTO entries (ts, profile, kind, execution_id, text, data) VALUES (strftime('%Y-%m-%dT%H:%M:%fZ','now'), ?1, 'status', ?2, ?3, '{\"status\":\"succeeded\"}')",
            rusqlite::params![e.profile, e.execution_id, e.text],
        )
        .unwrap();
    }
    tx.commit().unwrap();
}

#[test]
fn the_oldest_go_until_the_data_fits_and_search_follows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.db");
    fill(&path, 0, 6000);
    let h = History::open(&path).unwrap();
    h.remember_conversation("stormdesk:v1:slack:T1:C1", "slack", "#ops")
        .unwrap();
    let (before, _) = h.size().unwrap();
    assert!(before > 6_000_000, "{before}");

    let max = 2 * 1024 * 1024;
    let r = h
        .apply_retention(&Retention {
            max_age: None,
            max_bytes: Some(max),
        })
        .unwrap();
    let (file, used) = h.size().unwrap();
    assert!(used <= max, "{used} > {max}");
    assert!(r.removed > 3000 && r.removed < 6000, "{r:?}");
    assert!(r.vacuumed, "{r:?}");
    assert_eq!(r.bytes_after, file);
    assert!(file < before / 2, "{file} of {before}");
    // The newest stayed, the oldest went: the search index agrees.
    assert_eq!(h.count().unwrap() as usize, 6000 - r.removed);
    assert_eq!(h.search("number5999", 5).unwrap().len(), 1);
    assert!(h.search("number0", 5).unwrap().is_empty());
    assert!(h.of_execution("e1").unwrap().is_empty());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("INSERT INTO entries_fts(entries_fts) VALUES('integrity-check');")
        .expect("the search index matches the entries");
    assert_eq!(h.conversations(10).unwrap().len(), 1, "conversations kept");
    // Within the limit: nothing happens.
    let again = h
        .apply_retention(&Retention {
            max_age: None,
            max_bytes: Some(max),
        })
        .unwrap();
    assert_eq!((again.removed, again.vacuumed), (0, false));
}

#[test]
fn entries_past_their_age_go_and_the_rest_stay() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.db");
    fill(&path, 0, 100);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "UPDATE entries SET ts = '2020-01-01T00:00:00.000Z' WHERE id <= 40",
        [],
    )
    .unwrap();
    let h = History::open(&path).unwrap();
    let r = h
        .apply_retention(&Retention {
            max_age: Some(Duration::from_secs(90 * 86_400)),
            max_bytes: None,
        })
        .unwrap();
    assert_eq!(r.removed, 40);
    assert_eq!(h.count().unwrap(), 60);
    assert!(h.search("number1", 100).unwrap().iter().all(|e| e.id > 40));
    // No limits: nothing goes.
    assert_eq!(h.apply_retention(&Retention::default()).unwrap().removed, 0);
}
