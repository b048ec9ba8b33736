//! The relay as a task you hold a handle to: inbound chat messages are
//! decided (allow-list, prefix), run on StackStorm, and answered in their
//! conversation; every relayed or refused command is reported as an event
//! (for history). Stopped by its cancellation token.

use std::sync::Arc;

use serde_json::Value;
use stormdesk_client::model::AliasExecutionResult;
use stormdesk_client::{Ack, AliasCache, ClientError, CommandRequest, RunRecorder, St2Client};
use stormdesk_routing::{Destination, DestinationKey, Route};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::inbound::{decide, run_with, Decision, Inbound, InboundMessage, InboundPolicy};
use crate::outbound::Relay;

/// What happened to one inbound message (history keeps every one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelayEvent {
    /// A message came from this conversation, or the bot joined it (thread
    /// and activity dropped): kept as a place results can be shared to.
    Heard {
        conversation: Destination,
        place: String,
    },
    /// The bot is no longer in this conversation: not a share target now.
    Left { conversation: Destination },
    /// Run on StackStorm; these executions will answer in `origin`.
    Ran {
        user_id: String,
        command: String,
        origin: Destination,
        execution_ids: Vec<String>,
        /// StackStorm's ack of each execution; those `shown` were posted to
        /// the chat.
        acks: Vec<Ack>,
    },
    Refused {
        user_id: String,
        /// The conversation it came from.
        origin: Destination,
        text: String,
        reply: String,
    },
    /// An allow-listed chat user answered an inquiry (`!st2 respond ID
    /// key=value …`); StackStorm accepted `answer`.
    Answered {
        user_id: String,
        origin: Destination,
        inquiry_id: String,
        answer: serde_json::Map<String, Value>,
    },
    /// StackStorm or the chat service failed; the user was told if possible.
    Failed {
        user_id: String,
        origin: Destination,
        command: String,
        error: String,
    },
}

pub struct RelayService {
    cancel: CancellationToken,
    join: JoinHandle<()>,
}

impl RelayService {
    pub fn spawn(
        client: Arc<St2Client>,
        relay: Arc<Relay>,
        policy: InboundPolicy,
        route: String,
        key: DestinationKey,
        mut inbound: mpsc::Receiver<Inbound>,
        events: mpsc::Sender<RelayEvent>,
    ) -> Self {
        let cancel = CancellationToken::new();
        let token = cancel.clone();
        let join = tokio::spawn(async move {
            // Fetched at the first command, refreshed when one is stale.
            let mut aliases: Option<AliasCache> = None;
            loop {
                let msg = tokio::select! {
                    _ = token.cancelled() => break,
                    m = inbound.recv() => match m { Some(m) => m, None => break },
                };
                let (conversation, place, msg) = match msg {
                    Inbound::Message(m) => (m.origin.conversation(), m.place.clone(), Some(m)),
                    Inbound::Joined {
                        conversation,
                        place,
                    } => (conversation.conversation(), place, None),
                    Inbound::Left { conversation } => {
                        let left = RelayEvent::Left {
                            conversation: conversation.conversation(),
                        };
                        if events.send(left).await.is_err() {
                            break;
                        }
                        continue;
                    }
                };
                let heard = RelayEvent::Heard {
                    conversation,
                    place,
                };
                if events.send(heard).await.is_err() {
                    break;
                }
                let Some(msg) = msg else { continue };
                let ev = handle(&client, &mut aliases, &relay, &policy, &route, &key, msg).await;
                if let Some(ev) = ev {
                    let _ = events.send(ev).await;
                }
            }
        });
        Self { cancel, join }
    }

    pub async fn stop(self) {
        self.cancel.cancel();
        let _ = self.join.await;
    }
}

async fn reply(relay: &Relay, origin: &Destination, text: &str) {
    if let Err(e) = relay
        .post(&Route::To(origin.clone()), text, &Value::Null)
        .await
    {
        tracing::warn!(error = %e, "relay reply not delivered");
    }
}

async fn handle(
    client: &Arc<St2Client>,
    aliases: &mut Option<AliasCache>,
    relay: &Relay,
    policy: &InboundPolicy,
    route: &str,
    key: &DestinationKey,
    msg: InboundMessage,
) -> Option<RelayEvent> {
    match decide(policy, &msg) {
        Decision::Ignore => None,
        Decision::Refuse { reply: r } => {
            reply(relay, &msg.origin, &r).await;
            Some(RelayEvent::Refused {
                user_id: msg.user_id,
                origin: msg.origin,
                text: msg.text,
                reply: r,
            })
        }
        Decision::Run { command } => {
            if let Some((id, pairs)) = inquiry_answer(&command) {
                let id = id.to_string();
                return Some(answered(client, relay, policy, msg, command, &id, &pairs).await);
            }
            let mut chat = ChatRun {
                relay,
                origin: &msg.origin,
                acks: Vec::new(),
            };
            match run_loaded(client, aliases, &msg, &command, route, key, &mut chat).await {
                Ok(results) => {
                    let acks = chat.acks;
                    Some(RelayEvent::Ran {
                        user_id: msg.user_id,
                        command,
                        origin: msg.origin,
                        execution_ids: results.iter().map(|r| r.execution.id.clone()).collect(),
                        acks,
                    })
                }
                Err(e) => Some(failed(relay, msg, command, &e).await),
            }
        }
    }
}

/// `!st2 respond …`: the answer sent, told in the chat, reported; or, when
/// this chat user may not answer it, refused in plain words (and kept).
async fn answered(
    client: &St2Client,
    relay: &Relay,
    policy: &InboundPolicy,
    msg: InboundMessage,
    command: String,
    id: &str,
    pairs: &[String],
) -> RelayEvent {
    match answer_inquiry(client, policy, &msg, id, pairs).await {
        Ok(answer) => {
            let words = format!("Answered inquiry {id}: {}", Value::Object(answer.clone()));
            reply(relay, &msg.origin, &words).await;
            RelayEvent::Answered {
                user_id: msg.user_id,
                origin: msg.origin,
                inquiry_id: id.to_string(),
                answer,
            }
        }
        Err(crate::RelayError::NotAllowed(why)) => {
            reply(relay, &msg.origin, &why).await;
            RelayEvent::Refused {
                user_id: msg.user_id,
                origin: msg.origin,
                text: msg.text,
                reply: why,
            }
        }
        Err(e) => failed(relay, msg, command, &e).await,
    }
}

/// The chat is told what it may know of `e`; history gets all of it.
async fn failed(
    relay: &Relay,
    msg: InboundMessage,
    command: String,
    e: &crate::RelayError,
) -> RelayEvent {
    reply(relay, &msg.origin, &chat_reply_for(e)).await;
    RelayEvent::Failed {
        user_id: msg.user_id,
        origin: msg.origin,
        command,
        error: e.to_string(),
    }
}

/// `respond ID key=value …`, where ID is a StackStorm id (24 hex digits):
/// an inquiry's answer, not a command (an alias "respond …" with other
/// words still runs as one).
fn inquiry_answer(command: &str) -> Option<(&str, Vec<String>)> {
    let mut words = command.split_whitespace();
    if words.next()? != "respond" {
        return None;
    }
    let id = words.next()?;
    if id.len() != 24 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some((id, words.map(str::to_string).collect()))
}

/// The answer, read as the inquiry's fields type it, checked, then sent.
/// Only for a chat user who may answer it (`approval`), only an answer its
/// form accepts, and only once its workflow has paused (an answer before
/// that leaves a real StackStorm workflow paused for good).
async fn answer_inquiry(
    client: &St2Client,
    policy: &InboundPolicy,
    msg: &InboundMessage,
    id: &str,
    pairs: &[String],
) -> Result<serde_json::Map<String, Value>, crate::RelayError> {
    use stormdesk_client::inquiry;
    let asked = client.get_inquiry(id).await?;
    let origin = client.inquiry_origin(id).await?;
    let who = crate::approval::Answerer {
        chat_user: &msg.user_id,
        name: msg.user_name.as_deref(),
        identity: policy.identities.get(&msg.user_id),
    };
    crate::approval::may_answer(who, &asked, origin.requested_by.as_deref())
        .map_err(crate::RelayError::NotAllowed)?;
    let answer =
        inquiry::answer_from_pairs(&inquiry::fields(&asked.schema), pairs).map_err(|why| {
            crate::RelayError::Input(format!("answer to inquiry {id} not sent: {why}"))
        })?;
    if let Some(workflow) = &origin.workflow {
        client.until_paused(workflow).await;
    }
    Ok(client.respond_inquiry(id, &answer).await?)
}

/// What a chat is told when a command fails. StackStorm's own words about
/// the command (no match, ambiguity, a disabled alias, a refused parameter)
/// help the person who typed it; anything about the desk itself (URLs,
/// TLS, the keyring, unreadable answers) stays with the desk's owner.
pub fn chat_reply_for(e: &crate::RelayError) -> String {
    use stormdesk_client::ClientError as C;
    match e {
        crate::RelayError::NotAllowed(m) | crate::RelayError::Input(m) => m.clone(),
        crate::RelayError::StackStorm(
            c @ (C::NoMatch { .. } | C::Ambiguous { .. } | C::AliasDisabled(_) | C::Refused { .. }),
        ) => c.to_string(),
        // A chat message is not a person at the desk confirming: not run here.
        crate::RelayError::StackStorm(C::NeedsConfirmation { command, alias }) => format!(
            "\"{command}\" runs {alias}, which asks to be confirmed before it runs; it is not run from chat. Run it from the Stormdesk desk, where it asks for confirmation."
        ),
        crate::RelayError::StackStorm(C::Server { status, faultstring })
            if (400..500).contains(status) && *status != 401 && *status != 403 =>
        {
            format!("StackStorm refused the command: {faultstring}")
        }
        crate::RelayError::StackStorm(C::Unauthorized(_)) => {
            "Stormdesk could not run that: StackStorm refused its credentials. Its owner has the details.".into()
        }
        crate::RelayError::StackStorm(C::Unreachable { .. } | C::Timeout { .. }) => {
            "Stormdesk could not run that: StackStorm cannot be reached right now. Its owner has the details.".into()
        }
        _ => "Stormdesk could not run that command. Its owner has the details.".into(),
    }
}

/// Run with the cached aliases, fetching them first if this is the first
/// command.
/// The chat's side of a run: StackStorm's ack words go back to the
/// conversation (as hubot and errbot do, unless the alias turned its ack
/// off); the desk records the command and its acks from [`RelayEvent::Ran`].
struct ChatRun<'a> {
    relay: &'a Relay,
    origin: &'a Destination,
    acks: Vec<Ack>,
}

impl RunRecorder for ChatRun<'_> {
    type Error = crate::RelayError;

    async fn command(&mut self, _req: &CommandRequest) -> Result<(), Self::Error> {
        Ok(())
    }

    async fn failed(&mut self, _error: &ClientError) -> Result<(), Self::Error> {
        Ok(())
    }

    async fn acked(&mut self, ack: &Ack, _r: &AliasExecutionResult) -> Result<(), Self::Error> {
        if let (true, Some(words)) = (ack.shown, &ack.message) {
            reply(self.relay, self.origin, words).await;
        }
        self.acks.push(ack.clone());
        Ok(())
    }
}

#[allow(clippy::too_many_arguments)]
async fn run_loaded(
    client: &Arc<St2Client>,
    aliases: &mut Option<AliasCache>,
    msg: &InboundMessage,
    command: &str,
    route: &str,
    key: &DestinationKey,
    chat: &mut ChatRun<'_>,
) -> Result<Vec<AliasExecutionResult>, crate::RelayError> {
    let cache = match aliases.take() {
        Some(c) => c,
        None => AliasCache::load(Arc::clone(client)).await?,
    };
    let out = run_with(client, &cache, msg, command, route, key, chat).await;
    *aliases = Some(cache);
    out
}

#[cfg(test)]
mod tests {
    use super::chat_reply_for;
    use crate::RelayError;
    use stormdesk_client::ClientError as C;

    #[test]
    fn chat_hears_stackstorms_words_about_the_command_and_nothing_about_the_desk() {
        let no_match = RelayError::StackStorm(C::NoMatch {
            command: "make me a sandwich".into(),
            faultstring: "Command \"make me a sandwich\" matched no patterns".into(),
        });
        assert!(chat_reply_for(&no_match).contains("matched no patterns"));
        let refused = RelayError::StackStorm(C::Server {
            status: 400,
            faultstring: "'prod' is not one of ['staging']".into(),
        });
        assert!(chat_reply_for(&refused).contains("is not one of"));
        // A twofactor alias is never run from chat: the chat is told where.
        let guarded = RelayError::StackStorm(C::NeedsConfirmation {
            command: "failover db1 to r2".into(),
            alias: "ops.failover".into(),
        });
        let said = chat_reply_for(&guarded);
        assert!(said.contains("not run from chat"), "{said}");
        assert!(said.contains("ops.failover"), "{said}");
        for internal in [
            RelayError::StackStorm(C::Unreachable {
                url: "https://st2.internal.corp:9101/api/v1/aliasexecution".into(),
                detail: "connection refused (os error 111)".into(),
            }),
            RelayError::StackStorm(C::Tls {
                url: "https://st2.internal.corp".into(),
                detail: "invalid peer certificate: UnknownIssuer".into(),
            }),
            RelayError::StackStorm(C::Server {
                status: 500,
                faultstring:
                    "Traceback (most recent call last): File \"/opt/stackstorm/st2/lib/python3.8\""
                        .into(),
            }),
            RelayError::StackStorm(C::Malformed {
                what: "alias list".into(),
                detail: "expected value at line 1 column 1".into(),
            }),
            RelayError::StackStorm(C::Unauthorized("token expired at 2026-11-28".into())),
        ] {
            let said = chat_reply_for(&internal);
            for secret in [
                "internal.corp",
                "os error",
                "UnknownIssuer",
                "Traceback",
                "line 1",
                "2026",
            ] {
                assert!(!said.contains(secret), "{said}");
            }
            assert!(said.contains("owner has the details"), "{said}");
        }
    }
}
