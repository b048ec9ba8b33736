//! Alias tools that need no server: `alias test` and `match`.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use serde_json::json;
use stormdesk_alias::{Alias, AliasError, AliasIndex, FormatParser, Palette};

use crate::output::{json_line, CliError, Out};

pub fn alias_test(out: &Out, format: &str, command: &str) -> Result<ExitCode, CliError> {
    let parser = FormatParser::new(format).map_err(|e| CliError::Usage(e.to_string()))?;
    let params = parser
        .extract(command)
        .map_err(|e| CliError::NoMatch(e.to_string()))?;
    // Always JSON: this is the engine's public face for scripts and tests.
    let _ = writeln!(
        std::io::stdout().lock(),
        "{}",
        json_line(&serde_json::Value::Object(params))
    );
    let _ = out;
    Ok(ExitCode::SUCCESS)
}

pub fn load_aliases(file: Option<&Path>, pack: Option<&Path>) -> Result<Vec<Alias>, CliError> {
    match (file, pack) {
        (Some(f), _) => {
            let text = std::fs::read_to_string(f)
                .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", f.display())))?;
            serde_json::from_str(&text).map_err(|e| {
                CliError::Usage(format!(
                    "{}: not a JSON array of aliases as GET /api/v1/actionalias returns them: {e}",
                    f.display()
                ))
            })
        }
        (None, Some(dir)) => stormdesk_sim::PackSet::load_dir(dir)
            .map(|p| p.aliases)
            .map_err(|e| CliError::Usage(e.to_string())),
        (None, None) => Err(CliError::Usage("give --aliases FILE or --pack DIR".into())),
    }
}

pub fn match_offline(
    out: &Out,
    file: Option<&Path>,
    pack: Option<&Path>,
    command: &str,
) -> Result<ExitCode, CliError> {
    let index = AliasIndex::new(load_aliases(file, pack)?);
    for (alias, e) in index.invalid_formats() {
        tracing::warn!(alias = %alias.reference(), "skipping a format StackStorm could not compile either: {e}");
    }
    match index.match_command(command) {
        Ok(m) => {
            let _ = writeln!(
                std::io::stdout().lock(),
                "{}",
                json!({
                    "ref": m.alias.reference(),
                    "name": m.alias.name,
                    "action_ref": m.alias.action_ref,
                    "format": m.representation,
                    "parameters": m.params,
                })
            );
            let _ = out;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            let detail = match &e {
                AliasError::Ambiguous { candidates, .. } => {
                    format!("{e}; candidates: {}", candidates.join("; "))
                }
                _ => e.to_string(),
            };
            Err(CliError::NoMatch(detail))
        }
    }
}

pub fn suggest(
    file: Option<&Path>,
    pack: Option<&Path>,
    partial: &str,
    limit: usize,
) -> Result<ExitCode, CliError> {
    let palette = Palette::new(load_aliases(file, pack)?);
    for s in palette.suggest(partial, limit) {
        let _ = writeln!(
            std::io::stdout().lock(),
            "{}",
            json_line(&serde_json::to_value(&s).unwrap_or_default())
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn history(out: &Out, search: Option<&str>, limit: usize) -> Result<ExitCode, CliError> {
    let path = stormdesk_history::History::default_path()
        .ok_or_else(|| CliError::Usage("no data directory on this system".into()))?;
    let h = stormdesk_history::History::open(&path).map_err(|e| CliError::Usage(e.to_string()))?;
    let entries = match search {
        Some(q) => h.search(q, limit),
        None => h.page(None, limit),
    }
    .map_err(|e| CliError::Usage(e.to_string()))?;
    for e in entries {
        out.record(&serde_json::to_value(&e).unwrap_or_default());
        out.line(format!(
            "{} {:<12} {}{}",
            e.ts,
            e.kind().as_str(),
            e.execution_id
                .map(|i| format!("[{i}] "))
                .unwrap_or_default(),
            e.text.replace('\n', "\n    ")
        ));
    }
    Ok(ExitCode::SUCCESS)
}
