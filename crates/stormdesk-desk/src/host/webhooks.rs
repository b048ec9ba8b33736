//! Slack and Teams webhooks as outputs: a shared entry, or each result the
//! preferences name (`relay.webhook_results`), posted to the webhook URLs
//! kept in the keyring. They need no bot and no running relay.

use crate::ErrorKind;
use std::sync::Arc;

use stormdesk_history::{Entry, Payload, Via};
use stormdesk_secrets::{CredentialStore, RelaySecret};

use crate::ipc::IpcError;
use crate::Desk;

/// The webhook secrets, with the service each posts to.
pub const WEBHOOKS: [(RelaySecret, &str); 2] = [
    (RelaySecret::SlackWebhook, "slack"),
    (RelaySecret::TeamsWebhook, "teams"),
];

/// What an entry says in chat: its text, and its web link if any.
pub fn text_of(entry: &Entry) -> String {
    let mut text = entry.text.clone();
    if let Some(url) = entry.payload.web_url() {
        text.push('\n');
        text.push_str(url);
    }
    text
}

/// Post `entry` through one webhook (its URL read from the keyring).
pub async fn post(
    store: &Arc<dyn CredentialStore>,
    which: RelaySecret,
    entry: &Entry,
) -> Result<(), IpcError> {
    let relay_err = |e: stormdesk_relay::RelayError| IpcError::new(e.kind(), e.to_string());
    let text = text_of(entry);
    match which {
        RelaySecret::SlackWebhook => {
            let url = crate::relay_runner::secret(store, which, "the Slack webhook").await?;
            stormdesk_relay::slack::post_webhook(&url, &text, entry.payload.extra())
                .await
                .map(|_| ())
                .map_err(relay_err)
        }
        RelaySecret::TeamsWebhook => {
            let url = crate::relay_runner::secret(store, which, "the Teams webhook").await?;
            let title = match &entry.payload {
                Payload::Result(r) => r.action.as_deref().unwrap_or("Stormdesk"),
                _ => "Stormdesk",
            };
            stormdesk_relay::teams::post_webhook(&url, Some(title), &text)
                .await
                .map_err(relay_err)
        }
        other => Err(IpcError::new(
            ErrorKind::Input,
            format!("{} is not a webhook", other.name()),
        )),
    }
}

/// Post a result to every configured webhook; a failure is a note in the
/// pane (the result itself is already in history).
pub async fn post_result(store: Arc<dyn CredentialStore>, desk: Arc<Desk>, entry: Entry) {
    for (which, service) in WEBHOOKS {
        let s = Arc::clone(&store);
        let stored = tokio::task::spawn_blocking(move || s.get(&which.account()))
            .await
            .ok()
            .and_then(Result::ok)
            .flatten()
            .is_some();
        if !stored {
            continue;
        }
        if let Err(e) = post(&store, which, &entry).await {
            let _ = desk.record(
                entry.execution_id.as_deref(),
                &format!("Not posted to the {service} webhook: {}", e.message),
                Payload::note(e.kind.as_str(), Via::chat(service, None)),
            );
        }
    }
}
