//! `execution get`: one execution's result.

use crate::output::{CliError, Out};
use serde_json::Value;
use std::process::ExitCode;
use stormdesk_client::St2Client;

pub async fn execution_get(out: &Out, client: &St2Client, id: &str) -> Result<ExitCode, CliError> {
    let e = client.get_execution(id).await?;
    if out.json {
        out.record(&serde_json::to_value(&e).unwrap_or(Value::Null));
    } else {
        out.line(format!(
            "id: {}\naction: {}\nstatus: {}",
            e.id,
            e.action_ref(),
            e.status
        ));
        if let Some(s) = &e.start_timestamp {
            out.line(format!("started: {s}"));
        }
        if let Some(s) = &e.end_timestamp {
            out.line(format!("ended: {s}"));
        }
        if let Some(u) = &e.web_url {
            out.line(format!("web_url: {u}"));
        }
        out.line(format!(
            "parameters: {}",
            Value::Object(e.parameters.clone())
        ));
        let text = e.result_text();
        if !text.is_empty() {
            out.line(format!("result:\n{text}"));
        }
    }
    Ok(ExitCode::SUCCESS)
}
