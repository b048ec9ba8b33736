//! What the relay service reports (heard, left, ran, refused, failed) →
//! history: every relayed or refused command with the chat user who sent
//! it, and the conversations results can be shared to.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use stormdesk_history::{CommandData, NoteData, Payload, Via};
use stormdesk_relay::outbound::Relay;
use stormdesk_relay::service::RelayEvent;
use stormdesk_routing::Destination;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::service_name;
use crate::Desk;

/// How often a conversation's "last heard" is written at most.
const HEARD_EVERY: Duration = Duration::from_secs(60);

pub(super) fn spawn(
    desk: Arc<Desk>,
    relay: &Relay,
    mut ev_rx: mpsc::Receiver<RelayEvent>,
) -> JoinHandle<()> {
    let d = desk;
    // Channel names are looked up with the bot token.
    let names = relay.slack.clone().map(Arc::new);
    tokio::spawn(async move {
        // A busy channel is written down once a minute, not per message.
        let mut written: HashMap<String, Instant> = HashMap::new();
        // Slack channel names, looked up aside, come back here so they
        // are written in order with the bot leaving the channel.
        let (named_tx, mut named_rx) = mpsc::unbounded_channel::<(String, Instant, String)>();
        loop {
            let ev = tokio::select! {
                ev = ev_rx.recv() => match ev { Some(ev) => ev, None => break },
                Some((reference, stamp, label)) = named_rx.recv() => {
                    // Not if the bot left the channel meanwhile.
                    if written.get(&reference) == Some(&stamp) {
                        if let Err(e) = d.history().remember_conversation(&reference, "slack", &label) {
                            tracing::error!(error = %e, "conversation not kept");
                        }
                    }
                    continue;
                }
            };
            let r = match ev {
                RelayEvent::Heard {
                    conversation,
                    place,
                } => {
                    let reference = conversation.encode();
                    if written
                        .get(&reference)
                        .is_some_and(|t| t.elapsed() < HEARD_EVERY)
                    {
                        continue;
                    }
                    let stamp = Instant::now();
                    written.insert(reference.clone(), stamp);
                    let history = d.history();
                    // Slack's events carry channel ids only; its name
                    // (when the app may read it) makes the share list
                    // readable. Looked up aside: history waits for no
                    // network.
                    if let (Destination::Slack { channel, .. }, Some(slack)) =
                        (&conversation, names.clone())
                    {
                        if place == format!("channel {channel}") {
                            let (channel, named) = (channel.clone(), named_tx.clone());
                            tokio::spawn(async move {
                                let place = match slack.channel_name(&channel).await {
                                    Ok(Some(name)) => format!("#{name}"),
                                    _ => place,
                                };
                                let _ = named.send((reference, stamp, format!("Slack · {place}")));
                            });
                            continue;
                        }
                    }
                    let service = conversation.service();
                    let label = format!("{} · {place}", service_name(service));
                    history
                        .remember_conversation(&reference, service, &label)
                        .map(|_| ())
                        .map_err(crate::DeskError::from)
                }
                RelayEvent::Left { conversation } => {
                    let reference = conversation.encode();
                    written.remove(&reference);
                    d.history()
                        .forget_conversation(&reference)
                        .map(|_| ())
                        .map_err(crate::DeskError::from)
                }
                RelayEvent::Ran {
                    user_id,
                    command,
                    origin,
                    execution_ids,
                    acks,
                } => {
                    d.track_relayed(&origin, &execution_ids).await;
                    let via = Via::chat(origin.service(), Some(&user_id));
                    let mut r = d
                        .record(
                            None,
                            &command,
                            Payload::Command(CommandData {
                                request: None,
                                via: via.clone(),
                                executions: execution_ids,
                            }),
                        )
                        .map(|_| ());
                    // The acks, under their executions, as a pane
                    // command's are: their status then moves with the
                    // stream like the pane's.
                    for ack in &acks {
                        let payload = Payload::ack(ack, via.clone());
                        r = r.and(
                            d.record(Some(&ack.execution_id), ack.text(), payload)
                                .map(|_| ()),
                        );
                    }
                    r
                }
                RelayEvent::Refused {
                    user_id,
                    origin,
                    text,
                    reply,
                } => d
                    .record(
                        None,
                        &format!("Refused a command from {user_id}: {text}"),
                        Payload::Note(NoteData {
                            kind: Some("refused".into()),
                            via: Via::chat(origin.service(), Some(&user_id)),
                            reply: Some(reply),
                            shared: None,
                        }),
                    )
                    .map(|_| ()),
                RelayEvent::Failed {
                    user_id,
                    origin,
                    command,
                    error,
                } => d
                    .record(
                        None,
                        &format!("{command}: {error}"),
                        Payload::error("relay", Via::chat(origin.service(), Some(&user_id))),
                    )
                    .map(|_| ()),
            };
            if let Err(e) = r {
                tracing::error!(error = %e, "relay history write failed");
            }
        }
    })
}
