//! The database's schema as versioned steps, and how a file is brought to
//! this build's version.

use super::*;

/// The schema, one step per version: a database at version N runs steps
/// N+1… in order, each in its own transaction with the version it reaches.
/// Steps are never edited once released; a change is a new step.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: entries, searchable.
    "
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY,
    ts TEXT NOT NULL,
    profile TEXT NOT NULL,
    kind TEXT NOT NULL,
    execution_id TEXT,
    text TEXT NOT NULL,
    data TEXT NOT NULL DEFAULT 'null'
);
CREATE INDEX IF NOT EXISTS entries_execution ON entries(execution_id);
CREATE INDEX IF NOT EXISTS entries_ts ON entries(ts);
CREATE VIRTUAL TABLE IF NOT EXISTS entries_fts USING fts5(text, content='entries', content_rowid='id');
CREATE TRIGGER IF NOT EXISTS entries_ai AFTER INSERT ON entries BEGIN
    INSERT INTO entries_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER IF NOT EXISTS entries_ad AFTER DELETE ON entries BEGIN
    INSERT INTO entries_fts(entries_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
",
    // 2: chat conversations the relay has heard from: where a share can post.
    "
CREATE TABLE IF NOT EXISTS conversations (
    reference TEXT PRIMARY KEY,
    service TEXT NOT NULL,
    label TEXT NOT NULL,
    last_seen TEXT NOT NULL
);
",
];

/// The version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Bring the database to [`SCHEMA_VERSION`], step by step; refuse one
/// written by a newer Stormdesk rather than guess at it.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), HistoryError> {
    let found: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(HistoryError::Newer {
            found,
            known: SCHEMA_VERSION,
        });
    }
    for (step, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let version = step as u32 + 1;
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::History;

    /// The schema of the first release (version 1), as it was shipped.
    const RELEASED_V1: &str = "
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY,
    ts TEXT NOT NULL,
    profile TEXT NOT NULL,
    kind TEXT NOT NULL,
    execution_id TEXT,
    text TEXT NOT NULL,
    data TEXT NOT NULL DEFAULT 'null'
);
CREATE INDEX IF NOT EXISTS entries_execution ON entries(execution_id);
CREATE INDEX IF NOT EXISTS entries_ts ON entries(ts);
CREATE VIRTUAL TABLE IF NOT EXISTS entries_fts USING fts5(text, content='entries', content_rowid='id');
CREATE TRIGGER IF NOT EXISTS entries_ai AFTER INSERT ON entries BEGIN
    INSERT INTO entries_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER IF NOT EXISTS entries_ad AFTER DELETE ON entries BEGIN
    INSERT INTO entries_fts(entries_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
PRAGMA user_version = 1;
";

    fn version_of(path: &Path) -> u32 {
        Connection::open(path)
            .unwrap()
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn a_database_of_every_earlier_version_opens_and_keeps_what_it_holds() {
        let dir = tempfile::tempdir().unwrap();
        // Version 0: a file that is there and empty (a first start cut short).
        let v0 = dir.path().join("v0.sqlite3");
        Connection::open(&v0).unwrap();
        // Version 1: the first release, with an entry in it.
        let v1 = dir.path().join("v1.sqlite3");
        {
            let c = Connection::open(&v1).unwrap();
            c.execute_batch(RELEASED_V1).unwrap();
            c.execute(
                "INSERT INTO entries (ts, profile, kind, execution_id, text, data) VALUES ('2026-11-28T10:00:00.000Z', 'prod', 'command', 'e1', 'deploy web', '{\"via\": \"pane\"}')",
                [],
            )
            .unwrap();
        }
        for (path, entries) in [(&v0, 0), (&v1, 1)] {
            let h = History::open(path).unwrap();
            assert_eq!(version_of(path), SCHEMA_VERSION, "{path:?}");
            let all = h.page(None, 10).unwrap();
            assert_eq!(all.len(), entries, "{path:?}");
            if entries == 1 {
                assert_eq!(all[0].text, "deploy web");
                assert_eq!(all[0].kind(), EntryKind::Command);
                assert_eq!(h.search("deploy", 10).unwrap().len(), 1);
            }
            // What the later versions added works on the migrated file.
            h.remember_conversation("stormdesk:v1:slack:T1:C1", "slack", "#ops")
                .unwrap();
            assert_eq!(h.conversations(10).unwrap().len(), 1);
            drop(h);
            // Opening again changes nothing.
            History::open(path).unwrap();
            assert_eq!(version_of(path), SCHEMA_VERSION);
        }
    }

    #[test]
    fn a_database_a_newer_stormdesk_wrote_is_refused_in_words_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite3");
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        let e = History::open(&path).unwrap_err();
        assert!(matches!(e, HistoryError::Newer { .. }), "{e:?}");
        assert!(e.to_string().contains("newer Stormdesk"), "{e}");
        assert_eq!(version_of(&path), SCHEMA_VERSION + 1);
    }
}
