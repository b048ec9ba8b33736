//! Chat-addressed announcements → Slack / Teams. Only a destination this
//! install signed is sent to a chat (through StackStorm anyone can name
//! one); whatever cannot be delivered is a note in the pane.

use std::sync::Arc;
use std::time::Duration;

use stormdesk_history::{Payload, Via};
use stormdesk_relay::outbound::Relay;
use stormdesk_routing::DestinationKey;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::{Desk, ErrorKind, Outgoing};

/// The longest one message to a chat may take before the next is tried.
const DELIVER_WITHIN: Duration = Duration::from_secs(30);

/// The outbox the desk posts into, and the task that empties it.
pub(super) fn spawn(
    d: Arc<Desk>,
    relay: Arc<Relay>,
    key: DestinationKey,
    token: CancellationToken,
) -> (mpsc::Sender<Outgoing>, JoinHandle<()>) {
    let (out_tx, mut out_rx) = mpsc::channel::<Outgoing>(256);
    let task = tokio::spawn(async move {
        loop {
            let o = tokio::select! {
                _ = token.cancelled() => break,
                o = out_rx.recv() => match o { Some(o) => o, None => break },
            };
            // Through StackStorm, anyone can name a destination: only
            // one this install signed is sent to a chat.
            let route = match &o.channel {
                Some(raw) => stormdesk_routing::verify(Some(raw), &key),
                None => o.destination.clone(),
            };
            if let stormdesk_routing::Route::Fallback { note } = &route {
                let _ = d.record(
                    None,
                    &format!("Not delivered to chat: {note}\n{}", o.message),
                    Payload::note("forged_destination", Via::default()),
                );
                continue;
            }
            // One dead chat service holds the queue for a bounded time.
            let sent =
                tokio::time::timeout(DELIVER_WITHIN, relay.post(&route, &o.message, &o.extra))
                    .await;
            let failed = match sent {
                Ok(Ok(_)) => None,
                Ok(Err(e)) => Some((e.to_string(), e.kind())),
                Err(_) => Some((
                    format!("no answer within {} s", DELIVER_WITHIN.as_secs()),
                    ErrorKind::RelayUnreachable,
                )),
            };
            if let Some((e, kind)) = failed {
                let _ = d.record(
                    None,
                    &format!("Not delivered to chat: {e}\n{}", o.message),
                    Payload::note(kind.as_str(), Via::default()),
                );
            }
        }
    });
    (out_tx, task)
}
