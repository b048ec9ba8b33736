//! Sharing an entry to a webhook or a conversation the relay heard from.

use super::SHARE_TARGETS;
use super::{blocking, Host};
use crate::ipc::IpcError;
use crate::ipc::ShareTarget;
use crate::relay_runner::service_name;
use crate::webhooks;
use crate::ErrorKind;
use stormdesk_history::NoteData;
use stormdesk_history::Payload;
use stormdesk_history::Via;
use stormdesk_notify::Sink;
use stormdesk_relay::outbound::PostedTo;
use stormdesk_secrets::RelaySecret;

impl<S: Sink + Clone> Host<S> {
    /// Where a result can be shared: configured webhooks, then the
    /// conversations the relay heard from (newest first) of the services
    /// that are on.
    pub async fn share_targets(&self) -> Result<Vec<ShareTarget>, IpcError> {
        let desk = self.desk()?;
        let prefs = self.prefs().relay;
        let stored = self.relay_secrets_stored().await;
        let mut out = Vec::new();
        for (secret, service) in webhooks::WEBHOOKS {
            if stored.iter().any(|s| s == secret.name()) {
                out.push(ShareTarget {
                    id: format!("webhook:{service}"),
                    label: format!("{} webhook", service_name(service)),
                    service: service.into(),
                });
            }
        }
        let history = desk.history();
        let known = blocking(ErrorKind::History, move || {
            history.conversations(SHARE_TARGETS)
        })
        .await?;
        out.extend(
            known
                .into_iter()
                .filter(|c| prefs.service_on(&c.service))
                .map(|c| ShareTarget {
                    id: c.reference,
                    label: c.label,
                    service: c.service,
                }),
        );
        Ok(out)
    }

    /// Take a conversation off the share list (it returns if it is heard
    /// from again); the list that remains. Webhooks go by clearing their
    /// URL in the relay settings.
    pub async fn forget_share_target(&self, target: &str) -> Result<Vec<ShareTarget>, IpcError> {
        if target.starts_with("webhook:") {
            return Err(IpcError::new(
                ErrorKind::Input,
                "a webhook is removed by clearing its URL in Settings ▸ Relay",
            ));
        }
        let history = self.desk()?.history();
        let reference = target.to_string();
        let known = blocking(ErrorKind::History, move || {
            history.forget_conversation(&reference)
        })
        .await?;
        if !known {
            return Err(IpcError::new(
                ErrorKind::Input,
                "that conversation is not on the share list",
            ));
        }
        self.share_targets().await
    }

    /// Post one history entry (a result, an announcement) to a share
    /// target; the share itself is kept in history.
    pub async fn share_entry(&self, entry_id: i64, target: &str) -> Result<ShareTarget, IpcError> {
        let desk = self.desk()?;
        let history = desk.history();
        let entry = blocking(ErrorKind::History, move || history.get(entry_id))
            .await?
            .ok_or_else(|| {
                IpcError::new(
                    ErrorKind::Input,
                    format!("there is no history entry {entry_id}"),
                )
            })?;
        let chosen = self
            .share_targets()
            .await?
            .into_iter()
            .find(|t| t.id == target)
            .ok_or_else(|| {
                IpcError::new(
                    ErrorKind::Share,
                    "that conversation or webhook is not available: turn its service on in Settings ▸ Relay",
                )
            })?;
        let relay_err = |e: stormdesk_relay::RelayError| IpcError::new(e.kind(), e.to_string());
        match chosen.id.as_str() {
            "webhook:slack" => {
                webhooks::post(&self.store, RelaySecret::SlackWebhook, &entry).await?
            }
            "webhook:teams" => {
                webhooks::post(&self.store, RelaySecret::TeamsWebhook, &entry).await?
            }
            reference => {
                let route = stormdesk_routing::decode(Some(&serde_json::Value::String(
                    reference.to_string(),
                )));
                let relay = self.relay.lock().await.as_ref().map(|r| r.relay());
                let Some(relay) = relay else {
                    return Err(IpcError::new(
                        ErrorKind::Share,
                        format!(
                            "{} is not connected: check Settings ▸ Relay",
                            service_name(&chosen.service)
                        ),
                    ));
                };
                if let PostedTo::Pane { note } = relay
                    .post(&route, &webhooks::text_of(&entry), entry.payload.extra())
                    .await
                    .map_err(relay_err)?
                {
                    return Err(IpcError::new(
                        ErrorKind::Share,
                        note.unwrap_or_else(|| "not a chat conversation".into()),
                    ));
                }
            }
        }
        desk.record(
            entry.execution_id.as_deref(),
            &format!("Shared to {}", chosen.label),
            Payload::Note(NoteData {
                kind: Some("shared".into()),
                via: Via::chat(&chosen.service, None),
                reply: None,
                shared: Some(entry_id),
            }),
        )
        .map_err(IpcError::from)?;
        Ok(chosen)
    }
}
