//! kill -9 in the middle of writes loses no committed entry.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use stormdesk_history::History;

#[test]
fn killing_the_writer_loses_no_committed_entry() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("history.sqlite3");
    let mut committed: Vec<i64> = Vec::new();
    for round in 0..5 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_history-crash-writer"))
            .arg(&db)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        // Let it get well into its stride, then kill it mid-write.
        for _ in 0..(200 + round * 50) {
            let id: i64 = lines.next().unwrap().unwrap().parse().unwrap();
            committed.push(id);
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        // Ids it printed before dying were committed too.
        for line in lines.map_while(Result::ok) {
            if let Ok(id) = line.parse() {
                committed.push(id);
            }
        }
    }
    let h = History::open(&db).unwrap();
    let all = h.page(None, 100_000).unwrap();
    let stored: std::collections::HashSet<i64> = all.iter().map(|e| e.id).collect();
    let missing: Vec<_> = committed.iter().filter(|id| !stored.contains(id)).collect();
    assert!(
        missing.is_empty(),
        "{} committed entries lost: {:?}",
        missing.len(),
        &missing[..missing.len().min(10)]
    );
    assert!(committed.len() >= 1_500);
    // Search still works on the recovered database.
    assert!(!h.search("result", 5).unwrap().is_empty());
}
