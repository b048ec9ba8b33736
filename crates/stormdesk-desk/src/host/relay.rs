//! The relay of the running desk: (re)starting it, its links, its secrets.

use super::{blocking, Host};
use crate::ipc::IpcError;
use crate::ipc::RelayLinks;
use crate::DeskEvent;
use crate::ErrorKind;
use std::sync::Arc;
use stormdesk_notify::Sink;

impl<S: Sink + Clone> Host<S> {
    /// (Re)start the relay of the running desk as the preferences say; a
    /// relay that cannot start is reported, the desk keeps running.
    pub async fn restart_relay(&self) {
        let mut slot = self.relay.lock().await;
        if let Some(r) = slot.take() {
            r.stop().await;
        }
        let Some(desk) = self.current() else {
            return;
        };
        // Off until the new links say otherwise.
        *self.relay_links.lock().unwrap_or_else(|e| e.into_inner()) = RelayLinks::default();
        self.emit(DeskEvent::Relay {
            links: RelayLinks::default(),
        });
        let prefs = self.prefs().relay;
        match crate::relay_runner::start(&desk, &prefs, &self.store).await {
            Ok(r) => *slot = r,
            Err(error) => {
                desk.set_relay_outbox(None);
                self.emit(DeskEvent::Failed { error });
            }
        }
    }

    /// The relay's links now (events carry later changes).
    pub fn relay_links(&self) -> RelayLinks {
        self.relay_links
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Store (or, given an empty one, remove) a relay secret in the
    /// keyring, then restart the relay with it. Never echoed back.
    pub async fn set_relay_secret(
        &self,
        name: &str,
        secret: stormdesk_client::Secret,
    ) -> Result<bool, IpcError> {
        let which = stormdesk_secrets::RelaySecret::parse(name).ok_or_else(|| {
            IpcError::new(
                ErrorKind::Input,
                format!(
                    "\"{name}\" is not a relay secret (one of: {})",
                    stormdesk_secrets::RelaySecret::ALL
                        .map(|s| s.name())
                        .join(", ")
                ),
            )
        })?;
        if !secret.is_empty() {
            which
                .check(secret.expose())
                .map_err(|m| IpcError::new(ErrorKind::Input, m))?;
        }
        let store = Arc::clone(&self.store);
        blocking(ErrorKind::Keyring, move || {
            if secret.is_empty() {
                store.delete(&which.account()).map(|_| ())
            } else {
                store.set(&which.account(), &secret)
            }
        })
        .await?;
        self.restart_relay().await;
        Ok(true)
    }

    /// Which relay secrets are stored (names only).
    pub async fn relay_secrets_stored(&self) -> Vec<String> {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || {
            stormdesk_secrets::RelaySecret::ALL
                .into_iter()
                .filter(|s| matches!(store.get(&s.account()), Ok(Some(_))))
                .map(|s| s.name().to_string())
                .collect()
        })
        .await
        .unwrap_or_default()
    }
}
