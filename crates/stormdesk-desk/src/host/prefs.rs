//! Preferences and do-not-disturb, applied to the running desk.

use std::sync::Arc;

use super::Host;
use crate::ipc::IpcError;
use crate::prefs::Prefs;
use crate::DeskEvent;
use crate::NotifyPolicy;
use std::sync::atomic::Ordering;
use stormdesk_notify::Sink;

impl<S: Sink + Clone> Host<S> {
    pub fn set_notifications_paused(&self, paused: bool) -> bool {
        self.paused.store(paused, Ordering::Relaxed);
        if let Some(d) = self.current() {
            d.set_notifications_paused(paused);
        }
        self.emit(DeskEvent::Paused { paused });
        paused
    }

    pub fn notifications_paused(&self) -> bool {
        self.paused.load(Ordering::Relaxed)
    }

    pub(super) fn policy(&self) -> NotifyPolicy {
        let p = self.prefs.read().unwrap_or_else(|e| e.into_inner());
        NotifyPolicy {
            results: p.notify_results,
            announcements: p.notify_announcements,
        }
    }

    pub fn prefs(&self) -> Prefs {
        self.prefs.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Validate, write `settings.toml`, apply. The shell applies what only
    /// it can (shortcut, start at login) before calling this.
    pub async fn save_prefs(self: &Arc<Self>, prefs: Prefs) -> Result<Prefs, IpcError> {
        prefs.validate()?;
        prefs.relay.check_service_urls(&self.prefs().relay)?;
        if let Some(path) = &self.opts.prefs_path {
            prefs.save(path)?;
        }
        let old = std::mem::replace(
            &mut *self.prefs.write().unwrap_or_else(|e| e.into_inner()),
            prefs.clone(),
        );
        if let Some(d) = self.current() {
            d.set_notify_policy(self.policy());
            if old.all_inquiries != prefs.all_inquiries {
                d.set_inquiry_scope(prefs.all_inquiries).await;
            }
        }
        if old.relay != prefs.relay {
            self.restart_relay().await;
        }
        // Changed limits apply now, not at the next daily run, and without
        // holding the save until a large history is trimmed.
        if old.retention() != prefs.retention() && self.current().is_some() {
            self.spawn_apply_retention();
        }
        Ok(prefs)
    }
}
