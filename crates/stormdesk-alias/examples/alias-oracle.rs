//! Answers alias questions with Stormdesk's engine, one JSON case per line on
//! stdin, one JSON answer per line on stdout — the counterpart of
//! StackStorm's own code in `tests/real-st2/differential.py`.
//!
//! `{"op": "extract", "format": F, "command": C, "match_multiple": bool}` →
//! `{"params": [...]}` or `{"error": "..."}`;
//! `{"op": "match", "aliases": [...], "command": C}` →
//! `{"alias": ref, "representation": R, "params": {...}}` or `{"error": "..."}`;
//! `{"op": "for_alias", "alias": A, "format": F, "command": C, "match_multiple": bool}`
//! (the alias-execution check and extraction) → as `extract`.

use std::io::{BufRead, Write};

use serde_json::{json, Value};
use stormdesk_alias::{Alias, AliasError, AliasIndex, FormatParser};

/// An error, with the reason alone where the format is at fault (StackStorm
/// says only that part, in Python's words).
fn error(e: &AliasError) -> Value {
    match e {
        AliasError::InvalidFormat { reason, .. } | AliasError::BrokenAlias { reason, .. } => {
            json!({ "error": e.to_string(), "reason": reason })
        }
        _ => json!({ "error": e.to_string() }),
    }
}

fn answer(case: &Value) -> Value {
    let s = |k: &str| case[k].as_str().unwrap_or_default();
    match s("op") {
        "extract" => {
            let parsed = FormatParser::new(s("format")).and_then(|p| {
                if case["match_multiple"].as_bool().unwrap_or(false) {
                    p.extract_multiple(s("command"))
                } else {
                    p.extract(s("command")).map(|one| vec![one])
                }
            });
            match parsed {
                Ok(sets) => json!({ "params": sets }),
                Err(e) => error(&e),
            }
        }
        "match" => {
            let aliases: Result<Vec<Alias>, _> = serde_json::from_value(case["aliases"].clone());
            let aliases = match aliases {
                Ok(a) => a,
                Err(e) => return json!({ "error": format!("bad aliases: {e}") }),
            };
            let index = AliasIndex::new(aliases);
            match index.match_command(s("command")) {
                Ok(m) => json!({
                    "alias": m.alias.reference(),
                    "representation": m.representation,
                    "params": m.params,
                }),
                Err(e) => error(&e),
            }
        }
        "for_alias" => {
            let alias: Result<Alias, _> = serde_json::from_value(case["alias"].clone());
            let mut alias = match alias {
                Ok(a) => a,
                Err(e) => return json!({ "error": format!("bad alias: {e}") }),
            };
            // Whether it is enabled is the API's check, made before this one.
            alias.enabled = true;
            let multiple = case["match_multiple"].as_bool().unwrap_or(false);
            match stormdesk_alias::matcher::extract_for_alias(
                &alias,
                s("format"),
                s("command"),
                multiple,
            ) {
                Ok(sets) => json!({ "params": sets }),
                Err(e) => error(&e),
            }
        }
        other => json!({ "error": format!("unknown op {other:?}") }),
    }
}

fn main() {
    let stdin = std::io::stdin();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        let reply = match serde_json::from_str::<Value>(&line) {
            Ok(case) => answer(&case),
            Err(e) => json!({ "error": format!("bad case: {e}") }),
        };
        let _ = writeln!(out, "{reply}");
    }
    let _ = out.flush();
}
