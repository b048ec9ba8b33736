//! Live output: what a running command prints, into its card as it prints
//! it, and a workflow's tasks as they start and end.
//!
//! Each execution the pane started is followed on its own output stream
//! (`/stream/v1/executions/{id}/output`); a workflow's tasks are followed
//! too once they run, their output going to the workflow's card. Nothing of
//! it is kept: the result replaces it when the execution ends, and the
//! followers stop then. Lines are sent to the UI in small batches (one event
//! per [`BATCH`]), each batch at most [`MAX_BATCH_BYTES`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use stormdesk_client::St2Client;
use stormdesk_stream::{follow_output, OutputChunk};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::events::{DeskEvent, Events, OutputText};

/// Lines printed within this long of each other go to the UI together.
const BATCH: Duration = Duration::from_millis(50);
/// A batch's most text: a command that floods its output costs the UI this
/// much per batch at most (the UI keeps its own bounded tail).
pub const MAX_BATCH_BYTES: usize = 64 * 1024;
/// Output streams open at once; past this, new executions are not followed
/// live (their results arrive as ever).
const MAX_FOLLOWED: usize = 16;

/// One execution followed.
struct Follower {
    /// The card its output shows in.
    card: String,
    token: CancellationToken,
    /// Tells this follower from a later one of the same execution.
    serial: u64,
}

type Followers = Arc<Mutex<HashMap<String, Follower>>>;

#[derive(Clone)]
pub(crate) struct Live {
    client: Arc<St2Client>,
    events: Events,
    followers: Followers,
    /// Numbers the followers.
    serials: Arc<std::sync::atomic::AtomicU64>,
    cancel: CancellationToken,
}

impl Live {
    pub(crate) fn new(client: Arc<St2Client>, events: Events, cancel: CancellationToken) -> Self {
        Self {
            client,
            events,
            followers: Arc::default(),
            serials: Arc::default(),
            cancel,
        }
    }

    /// Follow `execution_id`'s output into the card of `card` (itself, or
    /// the workflow it is a task of). Once per execution.
    pub(crate) fn follow(&self, execution_id: &str, card: &str) {
        let token = {
            let mut f = self.followers.lock().unwrap_or_else(|e| e.into_inner());
            if f.contains_key(execution_id) {
                return;
            }
            if f.len() >= MAX_FOLLOWED {
                tracing::debug!(execution_id, "not followed live: too many at once");
                return;
            }
            let token = self.cancel.child_token();
            let serial = self
                .serials
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            f.insert(
                execution_id.to_string(),
                Follower {
                    card: card.to_string(),
                    token: token.clone(),
                    serial,
                },
            );
            (token, serial)
        };
        let (token, serial) = token;
        let (tx, rx) = mpsc::channel(256);
        let (client, id) = (Arc::clone(&self.client), execution_id.to_string());
        let (events, card, followers) = (
            self.events.clone(),
            card.to_string(),
            Arc::clone(&self.followers),
        );
        tokio::spawn(async move {
            let follow = follow_output(client, &id, tx, token.clone());
            let forward = forward(rx, &events, &card);
            let (ended, ()) = tokio::join!(follow, forward);
            if let Err(e) = ended {
                tracing::info!(error = %e, execution_id = %id, "no live output");
            }
            let mut f = followers.lock().unwrap_or_else(|e| e.into_inner());
            // Only our own entry: the id may be followed anew meanwhile.
            if f.get(&id).is_some_and(|x| x.serial == serial) {
                f.remove(&id);
            }
        });
    }

    /// `execution_id` ended: stop following it and the tasks shown in its card.
    pub(crate) fn ended(&self, execution_id: &str) {
        let mut f = self.followers.lock().unwrap_or_else(|e| e.into_inner());
        f.retain(|id, x| {
            let done = id == execution_id || x.card == execution_id;
            if done {
                x.token.cancel();
            }
            !done
        });
    }

    /// How many output streams are open (for tests).
    pub(crate) fn followed(&self) -> usize {
        self.followers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }
}

/// Chunks → `DeskEvent::Output`, batched. Only what a program printed
/// (stdout, stderr): a workflow's own "output" is its engine's log, which
/// the task list says better.
async fn forward(mut rx: mpsc::Receiver<OutputChunk>, events: &Events, card: &str) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        let until = tokio::time::Instant::now() + BATCH;
        while let Ok(Some(c)) = tokio::time::timeout_at(until, rx.recv()).await {
            batch.push(c);
            if batch.iter().map(|c| c.data.len()).sum::<usize>() >= MAX_BATCH_BYTES {
                break;
            }
        }
        let chunks = texts(batch);
        if !chunks.is_empty() {
            events.send(DeskEvent::Output {
                execution_id: card.to_string(),
                chunks,
            });
        }
    }
}

/// Printed chunks as the card's texts: neighbours from the same stream
/// joined, the batch's most recent [`MAX_BATCH_BYTES`] kept.
pub(crate) fn texts(batch: Vec<OutputChunk>) -> Vec<OutputText> {
    let mut out: Vec<OutputText> = Vec::new();
    for c in batch {
        if c.output_type != "stdout" && c.output_type != "stderr" {
            continue;
        }
        match out.last_mut() {
            Some(last) if last.stream == c.output_type => last.text.push_str(&c.data),
            _ => out.push(OutputText {
                stream: c.output_type,
                text: c.data,
            }),
        }
    }
    let mut room = MAX_BATCH_BYTES;
    let mut kept = Vec::new();
    for mut t in out.into_iter().rev() {
        if room == 0 {
            break;
        }
        if t.text.len() > room {
            let mut cut = t.text.len() - room;
            while !t.text.is_char_boundary(cut) {
                cut += 1;
            }
            t.text.drain(..cut);
        }
        room -= t.text.len();
        kept.push(t);
    }
    kept.reverse();
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(kind: &str, data: &str) -> OutputChunk {
        OutputChunk {
            id: String::new(),
            execution_id: "e1".into(),
            output_type: kind.into(),
            data: data.into(),
            timestamp: None,
        }
    }

    #[test]
    fn a_batch_joins_neighbours_drops_engine_logs_and_keeps_the_latest_text() {
        let t = texts(vec![
            chunk("stdout", "a\n"),
            chunk("stdout", "b\n"),
            chunk("output", "Workflow execution is created.\n"),
            chunk("stderr", "oops\n"),
            chunk("stdout", "c\n"),
        ]);
        let got: Vec<(&str, &str)> = t
            .iter()
            .map(|t| (t.stream.as_str(), t.text.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("stdout", "a\nb\n"),
                ("stderr", "oops\n"),
                ("stdout", "c\n")
            ]
        );
        // A flood keeps its end, cut on a character boundary.
        let big = "é".repeat(MAX_BATCH_BYTES);
        let t = texts(vec![chunk("stdout", "first\n"), chunk("stdout", &big)]);
        assert_eq!(t.len(), 1);
        assert!(t[0].text.len() <= MAX_BATCH_BYTES);
        assert!(t[0].text.chars().all(|c| c == 'é'));
    }
}
