//! One execution's live output, as st2web's live feed reads it:
//! `GET /stream/v1/executions/{id}/output`.
//!
//! StackStorm sends what was printed so far, then each line as it is
//! printed, then an `EOF` event once the execution ended (or paused). It
//! subscribes before it reads what was printed, so a line can come twice:
//! chunks are told apart by their id. A dropped connection is reopened; the
//! replay that follows is de-duplicated the same way.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use stormdesk_client::{ClientError, St2Client};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::sse::{Frame, SseDecoder};

/// The event StackStorm names an output chunk.
pub const OUTPUT_EVENT: &str = "st2.execution.output__create";
/// The event that ends the output stream.
const EOF_EVENT: &str = "EOF";
/// Reopening a dropped output stream gives up after this many failures in
/// a row (the execution is followed by the main stream regardless).
const MAX_FAILURES: u32 = 5;
/// Chunk ids remembered for de-duplication. A flood of output cannot grow
/// this without bound: past it the set starts afresh, and at worst a replay
/// after a reconnect shows lines again (the card keeps a bounded tail).
const MAX_SEEN: usize = 100_000;

/// A piece of output, as `ActionExecutionOutputAPI` has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputChunk {
    #[serde(default)]
    pub id: String,
    pub execution_id: String,
    /// `stdout` or `stderr` (runners may add others).
    #[serde(default)]
    pub output_type: String,
    #[serde(default)]
    pub data: String,
    #[serde(default)]
    pub timestamp: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("the output stream of {execution_id} kept failing: {reason}")]
    Lost {
        execution_id: String,
        reason: String,
    },
}

/// How following ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Followed {
    /// StackStorm said there is no more (`EOF`): the execution ended or paused.
    Ended,
    /// Cancelled, or the receiver went away.
    Stopped,
}

/// Send `execution_id`'s output chunks to `tx`, each once, until StackStorm
/// says it is over or `cancel` fires.
pub async fn follow_output(
    client: Arc<St2Client>,
    execution_id: &str,
    tx: mpsc::Sender<OutputChunk>,
    cancel: CancellationToken,
) -> Result<Followed, OutputError> {
    let mut seen = HashSet::new();
    let mut failures = 0u32;
    loop {
        let opened = tokio::select! {
            _ = cancel.cancelled() => return Ok(Followed::Stopped),
            r = client.open_execution_output(execution_id) => r,
        };
        let reason = match opened {
            // Unknown execution, no permission: reopening changes nothing.
            Err(e @ (ClientError::NotFound(_) | ClientError::Unauthorized(_))) => {
                return Err(e.into())
            }
            Err(e) => e.to_string(),
            Ok(mut resp) => {
                let mut decoder = SseDecoder::new();
                let mut lost = None;
                while lost.is_none() {
                    let chunk = tokio::select! {
                        _ = cancel.cancelled() => return Ok(Followed::Stopped),
                        c = resp.chunk() => c,
                    };
                    let bytes = match chunk {
                        Ok(Some(b)) => b,
                        Ok(None) => {
                            lost = Some("the server closed the output stream".to_string());
                            break;
                        }
                        Err(e) => {
                            lost = Some(format!("connection failed: {e}"));
                            break;
                        }
                    };
                    for frame in decoder.feed(&bytes) {
                        let Frame::Event { name, data } = frame else {
                            continue;
                        };
                        if name == EOF_EVENT {
                            return Ok(Followed::Ended);
                        }
                        if name != OUTPUT_EVENT {
                            continue;
                        }
                        let chunk: OutputChunk = match serde_json::from_str(&data) {
                            Ok(c) => c,
                            Err(e) => {
                                tracing::warn!(error = %e, "skipping an output chunk that does not decode");
                                continue;
                            }
                        };
                        if seen.len() >= MAX_SEEN {
                            seen.clear();
                        }
                        if !chunk.id.is_empty() && !seen.insert(chunk.id.clone()) {
                            continue;
                        }
                        // Something came through: this connection was healthy.
                        failures = 0;
                        if tx.send(chunk).await.is_err() {
                            return Ok(Followed::Stopped);
                        }
                    }
                }
                lost.unwrap_or_default()
            }
        };
        failures += 1;
        if failures >= MAX_FAILURES {
            return Err(OutputError::Lost {
                execution_id: execution_id.to_string(),
                reason,
            });
        }
        tracing::info!(%reason, execution_id, "output stream lost; reopening");
        let delay = Duration::from_millis(250 * (1 << failures.min(4)));
        tokio::select! {
            _ = cancel.cancelled() => return Ok(Followed::Stopped),
            _ = tokio::time::sleep(delay) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stackstorms_chunk_decodes() {
        // As st2stream sent it for a local-shell-cmd action (probed on a
        // real server).
        let data = r#"{"id": "6929a8e2b8f5c2d1e0a1b2c3", "execution_id": "6929a8e0b8f5c2d1e0a1b2c0", "action_ref": "stormdesk_conformance.ticker", "runner_ref": "local-shell-cmd", "timestamp": "2026-11-28T10:00:01.123456Z", "output_type": "stdout", "data": "tick 1\n"}"#;
        let c: OutputChunk = serde_json::from_str(data).unwrap();
        assert_eq!(c.output_type, "stdout");
        assert_eq!(c.data, "tick 1\n");
        assert_eq!(c.execution_id, "6929a8e0b8f5c2d1e0a1b2c0");
    }
}
