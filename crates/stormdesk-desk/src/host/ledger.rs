//! The host's ledger, one consumer of the one event channel: results
//! counted as unread and kept as recent (each once, caught up from history
//! after falling behind), posted to the result webhooks; relay link states.

use super::Host;
use super::CATCH_UP;
use super::RECENT;
use crate::ipc::RecentResult;
use crate::webhooks;
use crate::DeskEvent;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use stormdesk_history::{Entry, Payload, ResultData};
use tokio_util::sync::CancellationToken;

use super::blocking;
use crate::{next_event, ErrorKind};
use stormdesk_notify::Sink;

impl<S: Sink + Clone> Host<S> {
    /// The ledger: the host's consumer of the one event channel, until
    /// `stop`. It keeps what the tray and `status` read (unread count,
    /// recent results, relay links) and posts results to the webhooks; when
    /// it falls behind it catches up from history, which has every entry.
    pub(super) fn spawn_ledger(self: &Arc<Self>, stop: CancellationToken) {
        let host = Arc::clone(self);
        let mut rx = self.events.subscribe();
        tokio::spawn(async move {
            loop {
                let ev = tokio::select! {
                    _ = stop.cancelled() => break,
                    ev = next_event(&mut rx) => ev,
                };
                match ev {
                    Some(DeskEvent::Missed { count }) => {
                        tracing::warn!(
                            missed = count,
                            "the ledger fell behind; catching up from history"
                        );
                        host.catch_up().await;
                    }
                    Some(ev) => host.keep(&ev),
                    None => break,
                }
            }
        });
    }

    /// Entries the ledger missed, from history (each once).
    async fn catch_up(&self) {
        let Some(desk) = self.current() else { return };
        let after = self
            .forwarded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .newest();
        let history = desk.history();
        match blocking(ErrorKind::History, move || history.after(after, CATCH_UP)).await {
            Ok(missed) => {
                for entry in missed {
                    self.keep(&DeskEvent::Entry {
                        entry: Box::new(entry),
                    });
                }
            }
            Err(e) => tracing::error!(error = %e.message, "catching up from history failed"),
        }
    }

    /// One event into the ledger.
    fn keep(&self, ev: &DeskEvent) {
        match ev {
            DeskEvent::Relay { links } => {
                *self.relay_links.lock().unwrap_or_else(|e| e.into_inner()) = links.clone();
            }
            DeskEvent::Entry { entry } => {
                // Once each: catching up may meet entries still queued. (An
                // entry history could not keep has no id, and is not repeated.)
                if entry.id >= 0
                    && !self
                        .forwarded
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .first_time(entry.id)
                {
                    return;
                }
                match (&entry.payload, &entry.execution_id) {
                    (Payload::Result(result), Some(id)) => {
                        self.ended(id);
                        self.keep_result(entry, result, id);
                    }
                    (Payload::Ack(ack), Some(id))
                        if !ack.status.as_deref().is_some_and(|s| {
                            stormdesk_client::model::FINAL_STATUSES.contains(&s)
                        }) =>
                    {
                        self.started(entry, ack.alias.as_deref(), id);
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }

    /// An execution started here: the tray lists it, with Cancel, until it ends.
    fn started(&self, entry: &Entry, alias: Option<&str>, id: &str) {
        let mut label = match alias {
            Some(a) if !a.is_empty() => a.to_string(),
            _ => entry.text.lines().next().unwrap_or("").trim().to_string(),
        };
        if label.chars().count() > 50 {
            label = label.chars().take(49).collect::<String>() + "…";
        }
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        running.retain(|r| r.execution_id != id);
        running.push_front(crate::ipc::RunningExecution {
            execution_id: id.to_string(),
            label,
        });
        running.truncate(RECENT);
    }

    fn ended(&self, id: &str) {
        self.running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|r| r.execution_id != id);
    }

    /// Executions started here and still running, newest first (at most five).
    pub fn running_executions(&self) -> Vec<crate::ipc::RunningExecution> {
        self.running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect()
    }

    /// Cancel an execution from outside the pane (the tray); a refusal is
    /// reported to the UI.
    pub async fn cancel_execution(&self, execution_id: &str) -> Result<(), crate::ipc::IpcError> {
        self.control_from_outside(execution_id, crate::ipc::ExecutionControl::Cancel)
            .await
            .map(drop)
    }

    /// A control asked for outside the pane (tray, notification): its
    /// entries reach the pane as events; a refusal is reported to the UI,
    /// which has no card waiting for it.
    async fn control_from_outside(
        &self,
        execution_id: &str,
        control: crate::ipc::ExecutionControl,
    ) -> Result<Vec<Entry>, crate::ipc::IpcError> {
        let done = self
            .desk()?
            .control_execution(execution_id, control)
            .await
            .map_err(crate::ipc::IpcError::from);
        if let Err(e) = &done {
            self.report(e.clone());
        }
        done
    }

    fn keep_result(&self, entry: &Entry, result: &ResultData, id: &str) {
        let action = result.action.as_deref().unwrap_or("result");
        let first = entry.text.lines().next().unwrap_or("").trim();
        let mut label = format!("{action}: {first}");
        if label.chars().count() > 60 {
            label = label.chars().take(59).collect::<String>() + "…";
        }
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        recent.retain(|r| r.execution_id != id);
        recent.push_front(RecentResult {
            execution_id: id.to_string(),
            label,
            status: result.status.clone(),
        });
        recent.truncate(RECENT);
        drop(recent);
        // Results the preferences name go to the webhooks too.
        let level = self.prefs().relay.webhook_results;
        if level.allows(Some(&result.status)) {
            if let Some(desk) = self.current() {
                tokio::spawn(webhooks::post_result(
                    Arc::clone(&self.store),
                    desk,
                    entry.clone(),
                ));
            }
        }
        let n = self.unread.fetch_add(1, Ordering::Relaxed) + 1;
        self.emit(DeskEvent::Unread { count: n });
    }

    /// The last results, newest first (the tray's "recent results").
    pub fn recent_results(&self) -> Vec<RecentResult> {
        self.recent
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect()
    }

    /// The pane was seen: nothing is unread.
    pub fn mark_read(&self) -> u32 {
        if self.unread.swap(0, Ordering::Relaxed) != 0 {
            self.emit(DeskEvent::Unread { count: 0 });
        }
        0
    }

    /// Ask the UI to show one execution (notification "Open", tray).
    pub fn open_execution(&self, execution_id: &str) {
        *self.opened.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((execution_id.to_string(), std::time::Instant::now()));
        self.emit(DeskEvent::Open {
            execution_id: execution_id.to_string(),
        });
    }

    /// Run an execution again from outside the pane (a notification's or
    /// the tray's "Re-run"): acknowledged and followed like the card's
    /// Re-run; the new execution's id, or the refusal, reported to the UI.
    pub async fn rerun_execution(
        &self,
        execution_id: &str,
    ) -> Result<String, crate::ipc::IpcError> {
        let entries = self
            .control_from_outside(execution_id, crate::ipc::ExecutionControl::Rerun)
            .await
            .inspect_err(|e| {
                // A tray item or a notification cannot confirm: the pane
                // opens at the execution, whose card asks first.
                if e.kind == crate::ErrorKind::ConfirmationRequired {
                    self.open_execution(execution_id);
                }
            })?;
        Ok(entries
            .first()
            .and_then(|e| e.execution_id.clone())
            .unwrap_or_default())
    }

    /// Notification buttons: Open shows the execution, Re-run runs it
    /// again. Clicks arrive from the notifier's threads; this is their one
    /// consumer, until the sender is gone.
    pub async fn handle_notice_actions(
        self: Arc<Self>,
        mut clicks: tokio::sync::mpsc::UnboundedReceiver<(stormdesk_notify::NoticeAction, String)>,
    ) {
        while let Some((action, id)) = clicks.recv().await {
            match action {
                stormdesk_notify::NoticeAction::Open => self.open_execution(&id),
                stormdesk_notify::NoticeAction::Rerun => {
                    let _ = self.rerun_execution(&id).await;
                }
            }
        }
    }
}
