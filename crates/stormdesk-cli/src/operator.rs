//! The operator's commands: execution control and inquiries.

use std::process::ExitCode;

use serde_json::{json, Map, Value};
use stormdesk_client::inquiry::{self, Field, FieldType};
use stormdesk_client::model::{Execution, Inquiry};
use stormdesk_client::{rerun_parameters, Control, St2Client};

use crate::output::{CliError, Out};

/// Which control, from the subcommand.
pub enum ControlVerb {
    Cancel,
    Pause,
    Resume,
    /// The changes, and whether the person confirmed it (`--yes`).
    Rerun(Vec<String>, bool),
}

/// `execution cancel|pause|resume|rerun ID`.
pub async fn execution_control(
    out: &Out,
    client: &St2Client,
    id: &str,
    verb: ControlVerb,
) -> Result<ExitCode, CliError> {
    let control = match verb {
        ControlVerb::Cancel => Control::Cancel,
        ControlVerb::Pause => Control::Pause,
        ControlVerb::Resume => Control::Resume,
        ControlVerb::Rerun(pairs, confirmed) => {
            // The original carries its action's parameter types.
            let original = client.get_execution(id).await?;
            Control::Rerun {
                parameters: rerun_parameters(&original, &pairs).map_err(CliError::Usage)?,
                confirmed,
            }
        }
    };
    let e = client.control_execution(id, &control).await?;
    if out.json {
        out.record(&serde_json::to_value(&e).unwrap_or(Value::Null));
    } else if let Control::Rerun { .. } = control {
        out.line(format!("re-run of {id}: execution {} {}", e.id, e.status));
        print_link(out, &e);
    } else {
        out.line(format!("execution {} {}", e.id, e.status));
    }
    Ok(ExitCode::SUCCESS)
}

fn print_link(out: &Out, e: &Execution) {
    if let Some(u) = &e.web_url {
        out.line(u);
    }
}

/// `inquiry list`.
pub async fn inquiry_list(out: &Out, client: &St2Client) -> Result<ExitCode, CliError> {
    let all = client.list_inquiries().await?;
    if out.json {
        for i in &all {
            out.record(&json!({
                "inquiry": i,
                "fields": inquiry::fields(&i.schema),
            }));
        }
        return Ok(ExitCode::SUCCESS);
    }
    if all.is_empty() {
        out.line("no inquiries waiting");
    }
    for i in &all {
        out.line(describe(i));
    }
    Ok(ExitCode::SUCCESS)
}

/// One inquiry, readable: id, who may answer, time to live, then a line a
/// field: `name (type, required): description [default]`.
fn describe(i: &Inquiry) -> String {
    let mut who: Vec<String> = i.users.iter().map(|u| format!("user {u}")).collect();
    who.extend(i.roles.iter().map(|r| format!("role {r}")));
    let who = if who.is_empty() {
        "anyone".to_string()
    } else {
        who.join(", ")
    };
    let ttl = i.ttl.map_or(String::new(), |t| {
        format!(", expires {t} min after it was asked")
    });
    let mut text = format!("{} (route {:?}; may answer: {who}{ttl})", i.id, i.route);
    for f in inquiry::fields(&i.schema) {
        text.push_str(&format!("\n  {}", field_line(&f)));
    }
    text
}

fn field_line(f: &Field) -> String {
    let ty = match &f.kind {
        FieldType::String => "text".to_string(),
        FieldType::Boolean => "yes/no".to_string(),
        FieldType::Integer => "whole number".to_string(),
        FieldType::Number => "number".to_string(),
        FieldType::Choice(c) => format!("one of {}", c.join("|")),
        FieldType::Json => "JSON".to_string(),
    };
    let mut line = format!(
        "{} ({ty}{})",
        f.name,
        if f.required { ", required" } else { "" }
    );
    if let Some(d) = &f.description {
        line.push_str(&format!(": {d}"));
    }
    if let Some(d) = &f.default {
        line.push_str(&format!(" [default {d}]"));
    }
    line
}

/// `inquiry respond ID (--answer '{…}' | key=value …)`: checked against the
/// inquiry's schema first, then sent; StackStorm's refusal is shown as is.
pub async fn inquiry_respond(
    out: &Out,
    client: &St2Client,
    id: &str,
    json_answer: Option<&str>,
    pairs: &[String],
) -> Result<ExitCode, CliError> {
    let inquiry = client.get_inquiry(id).await?;
    let fields = inquiry::fields(&inquiry.schema);
    let answer: Map<String, Value> = match json_answer {
        Some(text) => {
            let answer = match serde_json::from_str(text) {
                Ok(Value::Object(o)) => o,
                _ => return Err(CliError::Usage("--answer must be a JSON object".into())),
            };
            inquiry::check_answer(&fields, &answer).map_err(|e| usage(id, e))?;
            answer
        }
        None => inquiry::answer_from_pairs(&fields, pairs).map_err(|e| usage(id, e))?,
    };
    let accepted = client.respond_inquiry(id, &answer).await?;
    if out.json {
        out.record(&json!({"id": id, "response": accepted}));
    } else {
        out.line(format!(
            "answered inquiry {id}: {}",
            Value::Object(accepted)
        ));
    }
    Ok(ExitCode::SUCCESS)
}

fn usage(id: &str, why: String) -> CliError {
    CliError::Usage(format!("answer to inquiry {id} not sent: {why}"))
}
