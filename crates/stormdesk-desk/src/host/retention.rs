//! History retention: the preferences' age and size limits, applied a
//! moment after a desk starts, then daily, and at once when they change
//! (in the background: Settings' save does not wait for a large history to
//! be trimmed; the UI hears [`DeskEvent::HistoryTrimmed`] when it is).

use std::sync::Arc;
use std::time::Duration;

use stormdesk_history::RetentionReport;
use stormdesk_notify::Sink;
use tokio_util::sync::CancellationToken;

use super::{blocking, Host};
use crate::ipc::IpcError;
use crate::{DeskEvent, ErrorKind};

/// After start-up: not in the way of the first paint and the first command.
const FIRST_RUN: Duration = Duration::from_secs(20);
const EVERY: Duration = Duration::from_secs(24 * 60 * 60);

impl<S: Sink + Clone> Host<S> {
    /// Apply the retention preferences to the running desk's history now.
    pub async fn apply_retention(&self) -> Result<RetentionReport, IpcError> {
        let history = self.desk()?.history();
        let retention = self.prefs().retention();
        let report = blocking(ErrorKind::History, move || {
            history.apply_retention(&retention)
        })
        .await?;
        self.emit(DeskEvent::HistoryTrimmed {
            removed: report.removed as u64,
            bytes_before: report.bytes_before,
            bytes_after: report.bytes_after,
        });
        if report.removed > 0 {
            tracing::info!(
                removed = report.removed,
                before = report.bytes_before,
                after = report.bytes_after,
                vacuumed = report.vacuumed,
                "history retention"
            );
        }
        Ok(report)
    }

    /// Apply the retention preferences in the background; a failure is
    /// told to the UI.
    pub(super) fn spawn_apply_retention(self: &Arc<Self>) {
        let host = Arc::clone(self);
        tokio::spawn(async move {
            if let Err(error) = host.apply_retention().await {
                tracing::warn!(message = %error.message, "history retention failed");
                host.emit(DeskEvent::Failed { error });
            }
        });
    }

    /// Retention for the desk just installed, until `stop` (its switch-out).
    pub(super) fn spawn_retention(self: &Arc<Self>, stop: CancellationToken) {
        let host = Arc::clone(self);
        tokio::spawn(async move {
            let mut wait = FIRST_RUN;
            loop {
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = tokio::time::sleep(wait) => {}
                }
                if let Err(e) = host.apply_retention().await {
                    tracing::warn!(message = %e.message, "history retention failed");
                }
                wait = EVERY;
            }
        });
    }
}
