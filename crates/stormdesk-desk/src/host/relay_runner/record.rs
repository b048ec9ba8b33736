//! What the relay service reports (heard, left, ran, refused, failed) →
//! history: every relayed or refused command with the chat user who sent
//! it, and the conversations results can be shared to.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use stormdesk_client::Ack;
use stormdesk_history::{CommandData, NoteData, Payload, Via};
use stormdesk_relay::outbound::Relay;
use stormdesk_relay::service::RelayEvent;
use stormdesk_relay::slack::SlackClient;
use stormdesk_routing::Destination;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::service_name;
use crate::{Desk, DeskError};

/// How often a conversation's "last heard" is written at most.
const HEARD_EVERY: Duration = Duration::from_secs(60);

/// A Slack channel's name, looked up aside: (reference, when heard, label).
type Named = (String, Instant, String);

pub(super) fn spawn(
    desk: Arc<Desk>,
    relay: &Relay,
    mut events: mpsc::Receiver<RelayEvent>,
) -> JoinHandle<()> {
    // Slack channel names, looked up aside, come back here so they are
    // written in order with the bot leaving the channel.
    let (named_tx, mut named_rx) = mpsc::unbounded_channel::<Named>();
    let mut book = Book {
        desk,
        // Channel names are looked up with the bot token.
        names: relay.slack.clone().map(Arc::new),
        written: HashMap::new(),
        named_tx,
    };
    tokio::spawn(async move {
        loop {
            let r = tokio::select! {
                ev = events.recv() => match ev {
                    Some(ev) => book.record(ev).await,
                    None => break,
                },
                Some(named) = named_rx.recv() => book.named(named),
            };
            if let Err(e) = r {
                tracing::error!(error = %e, "relay history write failed");
            }
        }
    })
}

/// The history side of the relay.
struct Book {
    desk: Arc<Desk>,
    names: Option<Arc<SlackClient>>,
    /// When each conversation was last written: a busy channel is written
    /// down once a minute, not per message.
    written: HashMap<String, Instant>,
    named_tx: mpsc::UnboundedSender<Named>,
}

impl Book {
    async fn record(&mut self, ev: RelayEvent) -> Result<(), DeskError> {
        match ev {
            RelayEvent::Heard {
                conversation,
                place,
            } => self.heard(conversation, place),
            RelayEvent::Left { conversation } => {
                let reference = conversation.encode();
                self.written.remove(&reference);
                self.desk.history().forget_conversation(&reference)?;
                Ok(())
            }
            RelayEvent::Ran {
                user_id,
                command,
                origin,
                execution_ids,
                acks,
            } => {
                self.desk.track_relayed(&origin, &execution_ids).await;
                self.ran(&user_id, &command, &origin, execution_ids, &acks)
            }
            RelayEvent::Refused {
                user_id,
                origin,
                text,
                reply,
            } => {
                let payload = Payload::Note(NoteData {
                    kind: Some("refused".into()),
                    via: Via::chat(origin.service(), Some(&user_id)),
                    reply: Some(reply),
                    shared: None,
                });
                let text = format!("Refused a command from {user_id}: {text}");
                self.desk.record(None, &text, payload).map(|_| ())
            }
            // Kept with who answered; it closes the inquiry's card.
            RelayEvent::Answered {
                user_id,
                origin,
                inquiry_id,
                answer,
            } => {
                let payload = Payload::note(
                    crate::inquiries::ANSWERED,
                    Via::chat(origin.service(), Some(&user_id)),
                );
                let text = format!(
                    "Answered by {user_id}: {}",
                    serde_json::Value::Object(answer)
                );
                self.desk
                    .record(Some(&inquiry_id), &text, payload)
                    .map(|_| ())
            }
            RelayEvent::Failed {
                user_id,
                origin,
                command,
                error,
            } => {
                let payload = Payload::error("relay", Via::chat(origin.service(), Some(&user_id)));
                let text = format!("{command}: {error}");
                self.desk.record(None, &text, payload).map(|_| ())
            }
        }
    }

    /// A conversation the bot heard from: a place results can be shared to.
    fn heard(&mut self, conversation: Destination, place: String) -> Result<(), DeskError> {
        let reference = conversation.encode();
        if self
            .written
            .get(&reference)
            .is_some_and(|t| t.elapsed() < HEARD_EVERY)
        {
            return Ok(());
        }
        let stamp = Instant::now();
        self.written.insert(reference.clone(), stamp);
        // Slack's events carry channel ids only; its name (when the app may
        // read it) makes the share list readable. Looked up aside: history
        // waits for no network.
        if let (Destination::Slack { channel, .. }, Some(slack)) =
            (&conversation, self.names.clone())
        {
            if place == format!("channel {channel}") {
                let (channel, named) = (channel.clone(), self.named_tx.clone());
                tokio::spawn(async move {
                    let place = match slack.channel_name(&channel).await {
                        Ok(Some(name)) => format!("#{name}"),
                        _ => place,
                    };
                    let _ = named.send((reference, stamp, format!("Slack · {place}")));
                });
                return Ok(());
            }
        }
        let service = conversation.service();
        let label = format!("{} · {place}", service_name(service));
        self.desk
            .history()
            .remember_conversation(&reference, service, &label)?;
        Ok(())
    }

    /// A Slack channel's name came back.
    fn named(&mut self, (reference, stamp, label): Named) -> Result<(), DeskError> {
        // Not if the bot left the channel meanwhile.
        if self.written.get(&reference) == Some(&stamp) {
            self.desk
                .history()
                .remember_conversation(&reference, "slack", &label)?;
        }
        Ok(())
    }

    /// A relayed command and its acks, under their executions as a pane
    /// command's are: their status then moves with the stream like the pane's.
    fn ran(
        &self,
        user_id: &str,
        command: &str,
        origin: &Destination,
        executions: Vec<String>,
        acks: &[Ack],
    ) -> Result<(), DeskError> {
        let via = Via::chat(origin.service(), Some(user_id));
        let payload = Payload::Command(CommandData {
            request: None,
            via: via.clone(),
            executions,
        });
        self.desk.record(None, command, payload)?;
        for ack in acks {
            let payload = Payload::ack(ack, via.clone());
            self.desk
                .record(Some(&ack.execution_id), ack.text(), payload)?;
        }
        Ok(())
    }
}
