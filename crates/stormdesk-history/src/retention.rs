//! How much history is kept: age and size limits, applied in rounds, and
//! the space given back to the disk.

use super::*;

/// How much history is kept. `None`: no limit of that kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Retention {
    /// Entries older than this go.
    pub max_age: Option<Duration>,
    /// The oldest entries go until the database holds at most this many
    /// bytes of data.
    pub max_bytes: Option<u64>,
}

/// What [`History::apply_retention`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RetentionReport {
    pub removed: usize,
    /// The file's size before and after (bytes).
    pub bytes_before: u64,
    pub bytes_after: u64,
    pub vacuumed: bool,
}

/// Space left free by deletions is given back to the disk (`VACUUM`) once
/// it is at least this much and a quarter of the file: rewriting the file
/// for less costs more than it saves.
const VACUUM_FREE_BYTES: u64 = 4 * 1024 * 1024;

impl History {
    /// The database's size on disk (pages × page size) and the part of it
    /// holding data (free pages left out).
    pub fn size(&self) -> Result<(u64, u64), HistoryError> {
        let conn = self.conn();
        size_of(&conn)
    }

    /// Retention: entries past `max_age` go, then the oldest until the data
    /// fits `max_bytes`; the search index follows (its delete trigger); the
    /// file is compacted when enough of it is free. Conversations are kept.
    pub fn apply_retention(&self, r: &Retention) -> Result<RetentionReport, HistoryError> {
        let mut report = RetentionReport {
            bytes_before: self.size()?.0,
            ..Default::default()
        };
        report.removed += self.prune(r.max_age, None)?;
        if let Some(max) = r.max_bytes {
            // Entries cost about the same each: keep the newest share that
            // fits, then merge the search index (a deletion there is a
            // marker until merged) and look again; a few rounds at most.
            for _ in 0..4 {
                let (_, used) = self.size()?;
                let count = self.count()?;
                if used <= max || count == 0 {
                    break;
                }
                let keep = (count as f64 * max as f64 / used as f64 * 0.95).floor() as u64;
                let n = count.saturating_sub(keep).max(1);
                let conn = self.conn();
                report.removed += conn.execute(
                    "DELETE FROM entries WHERE id IN (SELECT id FROM entries ORDER BY id ASC LIMIT ?1)",
                    [n as i64],
                )?;
                conn.execute_batch("INSERT INTO entries_fts(entries_fts) VALUES('optimize');")?;
            }
        }
        let (file, used) = self.size()?;
        let free = file.saturating_sub(used);
        if report.removed > 0 && free >= VACUUM_FREE_BYTES && free * 4 >= file {
            let conn = self.conn();
            conn.execute_batch(
                "INSERT INTO entries_fts(entries_fts) VALUES('optimize'); VACUUM; PRAGMA wal_checkpoint(TRUNCATE);",
            )?;
            report.vacuumed = true;
        }
        report.bytes_after = self.size()?.0;
        Ok(report)
    }
}

pub(crate) fn size_of(conn: &Connection) -> Result<(u64, u64), HistoryError> {
    let get = |p: &str| -> Result<u64, HistoryError> {
        Ok(conn.query_row(&format!("PRAGMA {p}"), [], |r| r.get::<_, i64>(0))? as u64)
    };
    let (pages, free, size) = (
        get("page_count")?,
        get("freelist_count")?,
        get("page_size")?,
    );
    Ok((pages * size, pages.saturating_sub(free) * size))
}
