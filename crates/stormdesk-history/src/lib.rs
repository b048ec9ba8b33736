//! Durable history. Every command, ack, status change, result and
//! announcement is written here — and committed — before it is shown or
//! notified, so a crash loses nothing that was ever on screen.
//!
//! SQLite in WAL mode with `synchronous=FULL`: a committed entry survives a
//! killed process (and a power cut). Full-text search uses FTS5.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("history database {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("history database {path}: {source}")]
    Access {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("history: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the history database was written by a newer Stormdesk (version {found}; this one knows up to {known}): update Stormdesk, or move the file away to start a new history")]
    Newer { found: u32, known: u32 },
    #[error("history entry has data that is not JSON: {0}")]
    Data(#[from] serde_json::Error),
}

mod payload;
mod retention;
mod schema;

pub use retention::{Retention, RetentionReport};
use schema::migrate;
pub use schema::SCHEMA_VERSION;

pub use payload::{
    AckData, AnnouncementData, CommandData, EntryKind, ErrorData, InquiryData, NoteData, Payload,
    ResultData, StatusData, Via,
};

/// An entry to write.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEntry {
    pub profile: String,
    pub execution_id: Option<String>,
    /// Plain text, as shown; searchable.
    pub text: String,
    /// The entry's kind and what it carries besides the text.
    pub payload: Payload,
}

/// An entry as stored. On the wire (and in TypeScript) the payload is two
/// fields, `kind` and `data`, the data's type following from the kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Entry {
    pub id: i64,
    /// RFC 3339, UTC, milliseconds.
    pub ts: String,
    pub profile: String,
    pub execution_id: Option<String>,
    pub text: String,
    #[serde(flatten)]
    pub payload: Payload,
}

impl Entry {
    pub fn kind(&self) -> EntryKind {
        self.payload.kind()
    }

    /// The data as the UI receives it, as JSON (tests read it by name).
    pub fn data_json(&self) -> serde_json::Value {
        self.payload.data()
    }

    /// An entry that could not be written to history: shown anyway, with
    /// no id (the UI does not offer to share or page it).
    pub fn unsaved(e: NewEntry) -> Self {
        Self {
            id: -1,
            ts: now(),
            profile: e.profile,
            execution_id: e.execution_id,
            text: e.text,
            payload: e.payload,
        }
    }
}

/// A chat conversation the relay has heard from (a share target).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Conversation {
    /// The routing reference (`stormdesk:v1:slack:…` / `…:teams:…`).
    pub reference: String,
    /// `slack` or `teams`.
    pub service: String,
    pub label: String,
    /// RFC 3339, UTC: when a message last came from it.
    pub last_seen: String,
}

fn now() -> String {
    let f = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    OffsetDateTime::now_utc().format(&f).unwrap_or_default()
}

/// The history store. Cheap to share behind an `Arc`.
pub struct History {
    conn: Mutex<Connection>,
}

impl std::fmt::Debug for History {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("History")
    }
}

impl History {
    /// Open (or create) the database at `path`.
    pub fn open(path: &Path) -> Result<Self, HistoryError> {
        let err = |source| HistoryError::Open {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent() {
            private_dir(dir);
        }
        private_file(path).map_err(|source| HistoryError::Access {
            path: path.to_path_buf(),
            source,
        })?;
        let mut conn = Connection::open(path).map_err(err)?;
        conn.busy_timeout(Duration::from_secs(5)).map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(err)?;
        migrate(&mut conn).map_err(|e| match e {
            HistoryError::Sqlite(source) => err(source),
            other => other,
        })?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    /// The platform's data directory: `~/.local/share/stormdesk/history.sqlite3` on Linux.
    pub fn default_path() -> Option<PathBuf> {
        std::env::var_os("STORMDESK_DATA_DIR")
            .map(PathBuf::from)
            .or_else(|| dirs_data_dir().map(|d| d.join("stormdesk")))
            .map(|d| d.join("history.sqlite3"))
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves the connection usable: SQLite
        // rolled back whatever was half-done.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Write an entry; when this returns, it is on disk.
    pub fn append(&self, e: &NewEntry) -> Result<Entry, HistoryError> {
        let ts = now();
        let data = e.payload.data_json()?;
        let conn = self.conn();
        conn.execute(
            "INSERT INTO entries (ts, profile, kind, execution_id, text, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![ts, e.profile, e.payload.kind().as_str(), e.execution_id, e.text, data],
        )?;
        Ok(Entry {
            id: conn.last_insert_rowid(),
            ts,
            profile: e.profile.clone(),
            execution_id: e.execution_id.clone(),
            text: e.text.clone(),
            payload: e.payload.clone(),
        })
    }

    fn rows(&self, sql: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Vec<Entry>, HistoryError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(sql)?;
        let rows = stmt.query_map(args, |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, ts, profile, kind, execution_id, text, data) = row?;
            out.push(Entry {
                id,
                ts,
                profile,
                execution_id,
                text,
                // Rows of other versions may hold anything: kept readable.
                payload: Payload::from_row(&kind, &data),
            });
        }
        Ok(out)
    }

    /// The newest `limit` entries before `before` (an id), oldest first:
    /// one page of scroll-back.
    pub fn page(&self, before: Option<i64>, limit: usize) -> Result<Vec<Entry>, HistoryError> {
        let mut v = self.rows(
            "SELECT id, ts, profile, kind, execution_id, text, data FROM entries WHERE id < ?1 ORDER BY id DESC LIMIT ?2",
            &[&before.unwrap_or(i64::MAX), &(limit as i64)],
        )?;
        v.reverse();
        Ok(v)
    }

    /// Up to `limit` entries after `after` (an id), oldest first: what a
    /// listener that fell behind missed.
    pub fn after(&self, after: i64, limit: usize) -> Result<Vec<Entry>, HistoryError> {
        self.rows(
            "SELECT id, ts, profile, kind, execution_id, text, data FROM entries WHERE id > ?1 ORDER BY id ASC LIMIT ?2",
            &[&after, &(limit as i64)],
        )
    }

    /// Full-text search, newest first. Words are matched as prefixes; FTS
    /// syntax in the query is treated as plain text.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<Entry>, HistoryError> {
        let Some(fts) = fts_query(query) else {
            return Ok(vec![]);
        };
        self.rows(
            "SELECT e.id, e.ts, e.profile, e.kind, e.execution_id, e.text, e.data FROM entries_fts f JOIN entries e ON e.id = f.rowid WHERE entries_fts MATCH ?1 ORDER BY e.id DESC LIMIT ?2",
            &[&fts, &(limit as i64)],
        )
    }

    /// One entry by id.
    pub fn get(&self, id: i64) -> Result<Option<Entry>, HistoryError> {
        Ok(self
            .rows(
                "SELECT id, ts, profile, kind, execution_id, text, data FROM entries WHERE id = ?1",
                &[&id],
            )?
            .pop())
    }

    /// The entries of one execution (or inquiry), oldest first.
    pub fn of_execution(&self, execution_id: &str) -> Result<Vec<Entry>, HistoryError> {
        self.rows(
            "SELECT id, ts, profile, kind, execution_id, text, data FROM entries WHERE execution_id = ?1 ORDER BY id",
            &[&execution_id],
        )
    }

    /// Remember (or refresh) a conversation the relay heard from.
    pub fn remember_conversation(
        &self,
        reference: &str,
        service: &str,
        label: &str,
    ) -> Result<Conversation, HistoryError> {
        let last_seen = now();
        self.conn().execute(
            "INSERT INTO conversations (reference, service, label, last_seen) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(reference) DO UPDATE SET label = excluded.label, last_seen = excluded.last_seen",
            params![reference, service, label, last_seen],
        )?;
        Ok(Conversation {
            reference: reference.into(),
            service: service.into(),
            label: label.into(),
            last_seen,
        })
    }

    /// Forget a conversation (the user's choice, or the bot left it);
    /// whether it was known. Heard from again, it comes back.
    pub fn forget_conversation(&self, reference: &str) -> Result<bool, HistoryError> {
        Ok(self.conn().execute(
            "DELETE FROM conversations WHERE reference = ?1",
            [reference],
        )? > 0)
    }

    /// Known conversations, most recently heard from first.
    pub fn conversations(&self, limit: usize) -> Result<Vec<Conversation>, HistoryError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT reference, service, label, last_seen FROM conversations ORDER BY last_seen DESC, rowid DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| {
            Ok(Conversation {
                reference: r.get(0)?,
                service: r.get(1)?,
                label: r.get(2)?,
                last_seen: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn count(&self) -> Result<u64, HistoryError> {
        Ok(self
            .conn()
            .query_row("SELECT count(*) FROM entries", [], |r| r.get::<_, i64>(0))?
            as u64)
    }

    /// Retention: drop entries older than `max_age` and beyond the newest
    /// `max_entries`. Returns how many were dropped.
    pub fn prune(
        &self,
        max_age: Option<Duration>,
        max_entries: Option<u64>,
    ) -> Result<usize, HistoryError> {
        let conn = self.conn();
        let mut n = 0;
        if let Some(age) = max_age {
            let cutoff = OffsetDateTime::now_utc() - age;
            let f = time::macros::format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
            );
            n += conn.execute(
                "DELETE FROM entries WHERE ts < ?1",
                [cutoff.format(&f).unwrap_or_default()],
            )?;
        }
        if let Some(max) = max_entries {
            n += conn.execute(
                "DELETE FROM entries WHERE id <= (SELECT id FROM entries ORDER BY id DESC LIMIT 1 OFFSET ?1)",
                [max as i64],
            )?;
        }
        Ok(n)
    }
}

fn dirs_data_dir() -> Option<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(x));
    }
    if cfg!(target_os = "macos") {
        return std::env::var_os("HOME")
            .map(|h| PathBuf::from(h).join("Library/Application Support"));
    }
    if cfg!(windows) {
        return std::env::var_os("APPDATA").map(PathBuf::from);
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share"))
}

/// The most terms a search uses: more narrow nothing a person typed and
/// cost FTS seconds (50,000 terms took 6 s).
pub const MAX_SEARCH_TERMS: usize = 16;
/// The longest term kept, in characters.
const MAX_TERM_CHARS: usize = 64;

/// Typed words → an FTS5 query: each word a quoted prefix term (so FTS
/// syntax in it is plain text), control characters (a NUL fails FTS5)
/// dropped, at most [`MAX_SEARCH_TERMS`] terms of [`MAX_TERM_CHARS`].
/// `None`: nothing to search for.
fn fts_query(query: &str) -> Option<String> {
    let terms: Vec<String> = query
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|t| !t.is_empty())
        .take(MAX_SEARCH_TERMS)
        .map(|t| {
            let t: String = t.chars().take(MAX_TERM_CHARS).collect();
            format!("\"{}\"*", t.replace('"', "\"\""))
        })
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

/// The history's directory, readable by its owner only when it is ours
/// (created here, or named `stormdesk`): it holds results such as
/// generated passwords.
fn private_dir(dir: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        let existed = dir.exists();
        let _ = std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir);
        if existed && dir.file_name().is_some_and(|n| n == "stormdesk") {
            let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
        }
    }
    #[cfg(not(unix))]
    {
        let _ = std::fs::create_dir_all(dir);
    }
}

/// The database file (and SQLite's WAL and shared-memory files, which take
/// the database's mode) readable and writable by its owner only.
fn private_file(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)?;
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            let p = PathBuf::from(p);
            if p.exists() {
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600))?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn the_database_and_its_directory_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("stormdesk");
        let path = dir.join("history.sqlite3");
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        {
            let h = History::open(&path).unwrap();
            h.append(&entry(EntryKind::Result, "password: hunter2", None))
                .unwrap();
            assert_eq!(mode(&dir), 0o700);
            for f in [
                "history.sqlite3",
                "history.sqlite3-wal",
                "history.sqlite3-shm",
            ] {
                assert_eq!(mode(&dir.join(f)), 0o600, "{f}");
            }
        }
        // A database left world-readable by an older version is tightened.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let _h = History::open(&path).unwrap();
        assert_eq!((mode(&dir), mode(&path)), (0o700, 0o600));
        // Someone else's directory named by STORMDESK_DATA_DIR keeps its mode.
        let shared = root.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o755)).unwrap();
        let _h = History::open(&shared.join("h.sqlite3")).unwrap();
        assert_eq!(mode(&shared), 0o755);
        assert_eq!(mode(&shared.join("h.sqlite3")), 0o600);
    }

    #[test]
    fn a_nul_or_a_flood_of_terms_in_a_search_is_harmless() {
        let dir = tempfile::tempdir().unwrap();
        let h = History::open(&dir.path().join("h.sqlite3")).unwrap();
        h.append(&entry(EntryKind::Result, "deploy web done", None))
            .unwrap();
        let found = h.search("deploy\0web", 10).unwrap();
        assert_eq!(found.len(), 1, "a NUL separates words");
        assert!(h.search("\0\u{1}", 10).unwrap().is_empty());
        let flood = "deploy ".repeat(50_000);
        assert_eq!(
            fts_query(&flood).unwrap().matches('*').count(),
            MAX_SEARCH_TERMS
        );
        assert_eq!(h.search(&flood, 10).unwrap().len(), 1);
        let long = "x".repeat(10_000);
        assert_eq!(fts_query(&long).unwrap().len(), MAX_TERM_CHARS + 3);
    }

    fn entry(kind: EntryKind, text: &str, exec: Option<&str>) -> NewEntry {
        NewEntry {
            profile: "p".into(),
            execution_id: exec.map(str::to_string),
            text: text.into(),
            payload: Payload::from_row(kind.as_str(), r#"{"extra": {"k": 1}}"#),
        }
    }

    #[test]
    fn conversations_are_remembered_once_and_newest_first_across_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite3");
        {
            let h = History::open(&path).unwrap();
            h.remember_conversation("stormdesk:v1:slack:T:C1", "slack", "Slack · channel C1")
                .unwrap();
            h.remember_conversation("stormdesk:v1:teams:abc", "teams", "Teams · Ops")
                .unwrap();
            std::thread::sleep(Duration::from_millis(5));
            // Heard from again, under a new name: one row, refreshed.
            h.remember_conversation("stormdesk:v1:slack:T:C1", "slack", "Slack · #ops")
                .unwrap();
        }
        let h = History::open(&path).unwrap();
        let all = h.conversations(10).unwrap();
        assert_eq!(all.len(), 2, "{all:?}");
        assert_eq!(all[0].reference, "stormdesk:v1:slack:T:C1");
        assert_eq!(all[0].label, "Slack · #ops");
        assert_eq!(all[1].service, "teams");
        assert_eq!(h.conversations(1).unwrap().len(), 1);
        assert!(h.forget_conversation("stormdesk:v1:teams:abc").unwrap());
        assert!(!h.forget_conversation("stormdesk:v1:teams:abc").unwrap());
        let left = h.conversations(10).unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].reference, "stormdesk:v1:slack:T:C1");
        let e = h
            .append(&entry(EntryKind::Result, "done", Some("x")))
            .unwrap();
        assert_eq!(h.get(e.id).unwrap().unwrap().text, "done");
        assert!(h.get(e.id + 1).unwrap().is_none());
    }

    #[test]
    fn append_page_search_and_prune() {
        let dir = tempfile::tempdir().unwrap();
        let h = History::open(&dir.path().join("h.db")).unwrap();
        for i in 0..25 {
            h.append(&entry(
                EntryKind::Command,
                &format!("deploy web{i} to prod"),
                None,
            ))
            .unwrap();
        }
        h.append(&entry(EntryKind::Result, "kaffee_wolke_tasse", Some("e1")))
            .unwrap();
        assert_eq!(h.count().unwrap(), 26);

        let last = h.page(None, 10).unwrap();
        assert_eq!(last.len(), 10);
        assert_eq!(last.last().unwrap().text, "kaffee_wolke_tasse");
        let older = h.page(Some(last[0].id), 10).unwrap();
        assert_eq!(older.last().unwrap().id, last[0].id - 1);

        assert_eq!(
            h.search("kaff", 10).unwrap()[0].execution_id.as_deref(),
            Some("e1")
        );
        assert_eq!(
            h.search("web1", 50).unwrap().len(),
            11,
            "prefix: web1, web10..web19"
        );
        // FTS syntax is plain text, not an error.
        assert!(h.search("\"unbalanced AND OR (", 5).is_ok());

        assert_eq!(h.prune(None, Some(5)).unwrap(), 21);
        assert_eq!(h.count().unwrap(), 5);
        assert!(
            h.search("web3", 10).unwrap().is_empty(),
            "the index follows deletes"
        );
        assert_eq!(h.prune(Some(Duration::from_secs(0)), None).unwrap(), 5);
    }

    #[test]
    fn reopening_keeps_everything() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.db");
        {
            let h = History::open(&path).unwrap();
            h.append(&entry(
                EntryKind::Announcement,
                "<script>alert(1)</script>",
                None,
            ))
            .unwrap();
        }
        let h = History::open(&path).unwrap();
        let all = h.page(None, 10).unwrap();
        assert_eq!(all[0].text, "<script>alert(1)</script>");
        assert_eq!(all[0].kind(), EntryKind::Announcement);
        let Payload::Announcement(a) = &all[0].payload else {
            panic!("{:?}", all[0].payload)
        };
        assert_eq!(a.extra, serde_json::json!({"k": 1}));
    }

    #[test]
    fn a_corrupt_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.db");
        std::fs::write(
            &path,
            b"this is not a database, just bytes that happen to be here",
        )
        .unwrap();
        let e = History::open(&path).unwrap_err();
        assert!(e.to_string().contains("h.db"), "{e}");
    }
}
