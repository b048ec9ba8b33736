//! History at scale: search, a page of the pane, and retention at 100,000
//! entries, against the same at 1,000 (the baseline, in the same run). The
//! database's size at each is printed.
//!
//! `cargo bench -p stormdesk-history --bench history`. Under `cargo test
//! --benches` (CI: each bench once) the large store has 10,000 entries.

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use stormdesk_history::{History, Retention};

/// `n` entries in one transaction: results, acks and commands with
/// realistic text (a few hundred bytes), some words to find.
fn fill(path: &Path, n: usize) {
    drop(History::open(path).unwrap());
    let mut conn = rusqlite::Connection::open(path).unwrap();
    let tx = conn.transaction().unwrap();
    for i in 0..n {
        let (kind, text) = match i % 3 {
            0 => ("command", format!("deploy app{} to staging", i % 97)),
            1 => (
                "ack",
                format!("Deploying app{} (execution {i:024x})", i % 97),
            ),
            _ => (
                "result",
                format!(
                    "deployed app{} {} to staging\n{}",
                    i % 97,
                    i % 13,
                    "step done; checks passed; traffic moved. ".repeat(6)
                ),
            ),
        };
        tx.execute(
            "INSERT INTO entries (ts, profile, kind, execution_id, text, data) VALUES (strftime('%Y-%m-%dT%H:%M:%fZ','now'), 'demo', ?1, ?2, ?3, '{}')",
            rusqlite::params![kind, format!("{i:024x}"), text],
        )
        .unwrap();
    }
    tx.commit().unwrap();
}

fn bench(c: &mut Criterion) {
    let full = std::env::args().any(|a| a == "--bench");
    let large = if full { 100_000 } else { 10_000 };
    let dir = tempfile::tempdir().unwrap();
    let mut g = c.benchmark_group("history");
    for n in [1_000usize, large] {
        let path = dir.path().join(format!("h{n}.db"));
        fill(&path, n);
        let h = History::open(&path).unwrap();
        let (bytes, _) = h.size().unwrap();
        eprintln!(
            "history: {n} entries: {:.1} MB on disk, {:.0} bytes per entry",
            bytes as f64 / 1e6,
            bytes as f64 / n as f64
        );
        g.bench_with_input(BenchmarkId::new("search", n), &h, |b, h| {
            b.iter(|| black_box(h.search(black_box("app42 staging"), 100).unwrap()))
        });
        g.bench_with_input(BenchmarkId::new("page", n), &h, |b, h| {
            b.iter(|| black_box(h.page(None, 100).unwrap()))
        });
    }
    g.finish();

    // Retention: the large store cut to half its size, from a fresh copy
    // each time (setup not timed).
    let src = dir.path().join(format!("h{large}.db"));
    let (bytes, _) = History::open(&src).unwrap().size().unwrap();
    let mut g = c.benchmark_group("retention");
    g.sample_size(10);
    g.bench_function(BenchmarkId::new("halve", large), |b| {
        b.iter_batched(
            || {
                let copy = dir.path().join("copy.db");
                let _ = std::fs::remove_file(copy.with_extension("db-wal"));
                std::fs::copy(&src, &copy).unwrap();
                History::open(&copy).unwrap()
            },
            |h| {
                h.apply_retention(&Retention {
                    max_age: None,
                    max_bytes: Some(bytes / 2),
                })
                .unwrap()
            },
            criterion::BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
