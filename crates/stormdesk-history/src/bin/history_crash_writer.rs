//! Appends history entries as fast as it can, printing each id once its
//! commit returned, until it is killed. Used by the crash-durability test.

use std::io::Write;

use stormdesk_history::{History, NewEntry, Payload, ResultData};

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: history-crash-writer DB");
        std::process::exit(2);
    };
    let h = match History::open(std::path::Path::new(&path)) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let mut out = std::io::stdout().lock();
    for i in 0u64.. {
        let e = NewEntry {
            profile: "crash".into(),
            execution_id: Some(format!("exec-{i}")),
            text: format!("result {i} {}", "x".repeat((i % 200) as usize)),
            payload: Payload::Result(ResultData {
                status: "succeeded".into(),
                result: serde_json::json!({"i": i}),
                ..Default::default()
            }),
        };
        match h.append(&e) {
            Ok(entry) => {
                if writeln!(out, "{}", entry.id)
                    .and_then(|_| out.flush())
                    .is_err()
                {
                    return;
                }
            }
            Err(err) => {
                eprintln!("{err}");
                std::process::exit(1);
            }
        }
    }
}
