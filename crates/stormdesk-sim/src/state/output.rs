//! Live output, as StackStorm's shell and Python runners produce it: each
//! printed line is an `st2.execution.output__create` event on the stream and
//! is kept, so `GET /stream/v1/executions/{id}/output` can replay it first.

use std::time::Duration;

use serde_json::{json, Value};
use time::OffsetDateTime;
use tokio::sync::watch;

use super::{timestamp, SimState};
use super::{Ctl, Stop};

/// The event an output chunk is published as.
pub const OUTPUT_EVENT: &str = "st2.execution.output__create";

/// Runners whose output StackStorm streams while they run.
pub fn streams_output(runner: &str) -> bool {
    runner.contains("shell") || runner == "python-script"
}

/// Statuses after which the output stream says `EOF` (st2stream's
/// `CLOSE_STREAM_LIVEACTION_STATES`).
pub const CLOSING_STATUSES: [&str; 7] = [
    "succeeded",
    "failed",
    "timeout",
    "abandoned",
    "canceled",
    "pausing",
    "resuming",
];

impl SimState {
    /// Print `stdout`, then `stderr`, a line at a time spread over `over`,
    /// as the runner would while the action works; pausing and cancelling
    /// apply between lines.
    pub(crate) async fn print(
        &self,
        exec: &mut Value,
        ctl: &mut watch::Receiver<Ctl>,
        stdout: &str,
        stderr: &str,
        over: Duration,
    ) -> Result<(), Stop> {
        let lines: Vec<(&str, &str)> = [("stdout", stdout), ("stderr", stderr)]
            .into_iter()
            .flat_map(|(kind, text)| text.lines().map(move |l| (kind, l)))
            .collect();
        let slot = over / (lines.len() as u32 + 1);
        for (kind, line) in lines {
            self.wait(exec, ctl, slot).await?;
            self.emit_output(exec, kind, &format!("{line}\n"));
        }
        self.wait(exec, ctl, slot).await
    }

    fn emit_output(&self, exec: &Value, output_type: &str, data: &str) {
        let id = exec["id"].as_str().unwrap_or_default().to_string();
        let chunk = json!({
            "id": self.new_execution_id(),
            "execution_id": id,
            "action_ref": exec["action"]["ref"],
            "runner_ref": exec["runner"]["name"],
            "timestamp": timestamp(OffsetDateTime::now_utc()),
            "output_type": output_type,
            "data": data,
        });
        self.outputs
            .lock()
            .expect("lock")
            .entry(id)
            .or_default()
            .push(chunk.clone());
        self.publish(OUTPUT_EVENT, &chunk);
    }

    /// What an execution printed so far, oldest first.
    pub fn output_of(&self, execution_id: &str) -> Vec<Value> {
        self.outputs
            .lock()
            .expect("lock")
            .get(execution_id)
            .cloned()
            .unwrap_or_default()
    }
}
