//! The desk's events on their way to the UI: each entry once, results
//! counted as unread and kept as recent, catching up from history after
//! falling behind.

use super::Host;
use super::CATCH_UP;
use super::RECENT;
use crate::ipc::RecentResult;
use crate::webhooks;
use crate::DeskEvent;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use stormdesk_history::Payload;
use stormdesk_notify::Sink;

impl<S: Sink + Clone> Host<S> {
    /// After falling behind the desk's events: pass on the entries missed
    /// (history has them all: results still reach the tray, the unread
    /// count and the webhooks) and the current connection state.
    pub(super) async fn catch_up(&self) {
        let Some(desk) = self.current() else { return };
        let after = self
            .forwarded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .newest();
        let history = desk.history();
        match tokio::task::spawn_blocking(move || history.after(after, CATCH_UP)).await {
            Ok(Ok(missed)) => {
                let full = missed.len() == CATCH_UP;
                for entry in missed {
                    self.forward(DeskEvent::Entry {
                        entry: Box::new(entry),
                    });
                }
                if full {
                    // More than that: the pane reloads from history.
                    self.emit(DeskEvent::Missed { count: u32::MAX });
                }
            }
            Ok(Err(e)) => tracing::error!(error = %e, "catching up from history failed"),
            Err(e) => tracing::error!(error = %e, "catching up from history failed"),
        }
        self.emit(DeskEvent::Connection {
            state: desk.connection_state(),
        });
    }

    pub(super) fn forward(&self, ev: DeskEvent) {
        if let DeskEvent::Entry { entry } = &ev {
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
        }
        if let DeskEvent::Relay { links } = &ev {
            *self.relay_links.lock().unwrap_or_else(|e| e.into_inner()) = links.clone();
        }
        if let DeskEvent::Entry { entry } = &ev {
            if let (Payload::Result(result), Some(id)) = (&entry.payload, &entry.execution_id) {
                let status = result.status.clone();
                let action = result.action.as_deref().unwrap_or("result");
                let first = entry.text.lines().next().unwrap_or("").trim();
                let mut label = format!("{action}: {first}");
                if label.chars().count() > 60 {
                    label = label.chars().take(59).collect::<String>() + "…";
                }
                let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
                recent.retain(|r| &r.execution_id != id);
                recent.push_front(RecentResult {
                    execution_id: id.clone(),
                    label,
                    status,
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
                            (**entry).clone(),
                        ));
                    }
                }
                let n = self.unread.fetch_add(1, Ordering::Relaxed) + 1;
                self.emit(ev);
                self.emit(DeskEvent::Unread { count: n });
                return;
            }
        }
        self.emit(ev);
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
        self.emit(DeskEvent::Open {
            execution_id: execution_id.to_string(),
        });
    }
}
