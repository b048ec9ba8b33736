//! `aliases`: the server's aliases, as the palette knows them.

use crate::output::{CliError, Out};
use serde_json::Value;
use std::process::ExitCode;
use stormdesk_client::St2Client;

pub async fn aliases(
    out: &Out,
    client: &St2Client,
    pack: Option<&str>,
    filter: Option<&str>,
) -> Result<ExitCode, CliError> {
    let help = client.alias_help(filter, pack, 0, 0).await?;
    if out.json {
        out.record(&serde_json::to_value(&help).unwrap_or(Value::Null));
        return Ok(ExitCode::SUCCESS);
    }
    let mut current = "";
    for h in &help.helpstrings {
        if h.pack != current {
            out.line(format!("{}:", h.pack));
            current = &h.pack;
        }
        match h.description.as_deref().filter(|d| !d.is_empty()) {
            Some(d) => out.line(format!("  {:<44} {d}", h.display)),
            None => out.line(format!("  {}", h.display)),
        }
    }
    if help.helpstrings.is_empty() {
        out.line("no aliases");
    }
    Ok(ExitCode::SUCCESS)
}
