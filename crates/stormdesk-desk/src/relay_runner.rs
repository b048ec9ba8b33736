//! The running relay for one desk: Slack Socket Mode and/or the Teams
//! messaging endpoint in, the relay service deciding and running commands,
//! and Slack/Teams-addressed announcements out. Every relayed or refused
//! command lands in history with the chat user who sent it. A task set you
//! hold a handle to, stopped by its cancellation token.

use crate::ErrorKind;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use stormdesk_client::Secret;
use stormdesk_history::{CommandData, NoteData, Payload, Via};
use stormdesk_relay::inbound::InboundPolicy;
use stormdesk_relay::outbound::Relay;
use stormdesk_relay::service::{RelayEvent, RelayService};
use stormdesk_relay::slack::SlackClient;
use stormdesk_relay::teams::TeamsBot;
use stormdesk_relay::{socket_mode, teams, teams_endpoint};
use stormdesk_routing::Destination;
use stormdesk_secrets::{CredentialStore, RelaySecret};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::ipc::{IpcError, RelayLinks};
use crate::prefs::RelayPrefs;
use crate::{Desk, DeskEvent};
use stormdesk_relay::LinkState;

/// The longest one message to a chat may take before the next is tried.
const DELIVER_WITHIN: Duration = Duration::from_secs(30);

/// How often a conversation's "last heard" is written at most.
const HEARD_EVERY: Duration = Duration::from_secs(60);

pub struct RunningRelay {
    cancel: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
    service: Option<RelayService>,
    relay: Arc<Relay>,
}

/// The links' states, shared by the tasks that change them; every change
/// is a `DeskEvent::Relay`.
#[derive(Clone)]
struct Links {
    now: Arc<std::sync::Mutex<RelayLinks>>,
    desk: Arc<Desk>,
}

impl Links {
    fn set(&self, f: impl FnOnce(&mut RelayLinks)) {
        let links = {
            let mut now = self.now.lock().unwrap_or_else(|e| e.into_inner());
            f(&mut now);
            now.clone()
        };
        self.desk.emit(DeskEvent::Relay { links });
    }
}

impl RunningRelay {
    /// The connected chat services (shares go out through them).
    pub fn relay(&self) -> Arc<Relay> {
        Arc::clone(&self.relay)
    }

    pub async fn stop(mut self) {
        self.cancel.cancel();
        if let Some(s) = self.service.take() {
            s.stop().await;
        }
        for t in self.tasks.drain(..) {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), t).await;
        }
    }
}

/// `slack` → `Slack`, for labels.
pub fn service_name(service: &str) -> &'static str {
    match service {
        "slack" => "Slack",
        "teams" => "Teams",
        _ => "Stormdesk",
    }
}

fn origin_of(user_id: &str) -> &'static str {
    if user_id.starts_with("teams:") {
        "teams"
    } else {
        "slack"
    }
}

pub(crate) async fn secret(
    store: &Arc<dyn CredentialStore>,
    which: RelaySecret,
    what: &str,
) -> Result<Secret, IpcError> {
    let store = Arc::clone(store);
    let got = tokio::task::spawn_blocking(move || store.get(&which.account()))
        .await
        .map_err(|e| IpcError::new(ErrorKind::Keyring, format!("keyring task failed: {e}")))?
        .map_err(|e| IpcError::new(e.kind(), e.to_string()))?;
    got.ok_or_else(|| {
        IpcError::new(
            ErrorKind::Relay,
            format!(
                "{what} is on but its {} is not in the keyring: add it in Settings ▸ Relay, or `stormdesk-cli relay-secret {}`",
                which.name().replace('-', " "),
                which.name()
            ),
        )
    })
}

/// Start the relay for `desk` as `prefs` say (`Ok(None)`: relay off).
pub async fn start(
    desk: &Arc<Desk>,
    prefs: &RelayPrefs,
    store: &Arc<dyn CredentialStore>,
) -> Result<Option<RunningRelay>, IpcError> {
    if !prefs.slack && !prefs.teams {
        desk.set_relay_outbox(None);
        return Ok(None);
    }
    let cancel = CancellationToken::new();
    let mut tasks = Vec::new();
    let (in_tx, in_rx) = mpsc::channel(64);
    let mut relay = Relay::default();
    let mut slack_in = None;
    if prefs.slack {
        let api = prefs
            .slack_api
            .clone()
            .unwrap_or_else(|| stormdesk_relay::slack::DEFAULT_API.into());
        let bot = secret(store, RelaySecret::SlackBot, "Slack").await?;
        let app = secret(store, RelaySecret::SlackApp, "Slack").await?;
        relay.slack = Some(SlackClient::new(&api, bot));
        slack_in = Some((api, app));
    }
    let mut teams_in = None;
    if prefs.teams {
        let app_id = prefs
            .teams_app_id
            .clone()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                IpcError::new(
                    ErrorKind::Relay,
                    "Teams is on but no bot app id is set (relay.teams_app_id)",
                )
            })?;
        let password = secret(store, RelaySecret::TeamsPassword, "Teams").await?;
        let token_url = prefs
            .teams_token_url
            .clone()
            .unwrap_or_else(|| teams::DEFAULT_TOKEN_URL.into());
        relay.teams = Some(TeamsBot::new(&token_url, &app_id, password));
        let addr: std::net::SocketAddr = prefs.teams_listen.parse().map_err(|e| {
            IpcError::new(
                ErrorKind::Relay,
                format!("relay.teams_listen \"{}\": {e}", prefs.teams_listen),
            )
        })?;
        let listener = teams_endpoint::bind(addr).await.map_err(|e| {
            IpcError::new(
                ErrorKind::Relay,
                format!("the Teams endpoint cannot listen on {addr}: {e}"),
            )
        })?;
        let metadata = prefs
            .teams_metadata_url
            .clone()
            .unwrap_or_else(|| teams_endpoint::DEFAULT_METADATA_URL.into());
        teams_in = Some((listener, teams_endpoint::BotAuth::new(&metadata, &app_id)));
    }
    let key = {
        let store = Arc::clone(store);
        tokio::task::spawn_blocking(move || stormdesk_secrets::destination_key(store.as_ref()))
            .await
            .map_err(|e| IpcError::new(ErrorKind::Keyring, format!("keyring task failed: {e}")))?
            .map_err(|e| IpcError::new(e.kind(), e.to_string()))?
    };
    let relay = Arc::new(relay);
    let links = Links {
        now: Arc::new(std::sync::Mutex::new(RelayLinks::default())),
        desk: Arc::clone(desk),
    };

    if let Some((api, app)) = slack_in {
        let (tx, token, d) = (in_tx.clone(), cancel.clone(), Arc::clone(desk));
        let l = links.clone();
        let state = move |s: LinkState| l.set(|n| n.slack = s);
        tasks.push(tokio::spawn(async move {
            if let Err(e) = socket_mode::run(api, app, tx, token, state).await {
                let _ = d.record(
                    None,
                    &e.to_string(),
                    Payload::error(e.kind().as_str(), Via::chat("slack", None)),
                );
            }
        }));
    }
    if let Some((listener, auth)) = teams_in {
        let (tx, token, d) = (in_tx.clone(), cancel.clone(), Arc::clone(desk));
        let address = listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_else(|_| prefs.teams_listen.clone());
        links.set(|n| n.teams = LinkState::Listening { address });
        let l = links.clone();
        tasks.push(tokio::spawn(async move {
            match teams_endpoint::serve(listener, auth, tx, token).await {
                Ok(()) => l.set(|n| n.teams = LinkState::Off),
                Err(e) => {
                    l.set(|n| {
                        n.teams = LinkState::Failed {
                            reason: e.to_string(),
                        }
                    });
                    let _ = d.record(
                        None,
                        &format!("the Teams endpoint stopped: {e}"),
                        Payload::error("relay", Via::chat("teams", None)),
                    );
                }
            }
        }));
    }
    drop(in_tx);

    // Relayed commands → history (with the chat user) → the pane.
    let (ev_tx, mut ev_rx) = mpsc::channel(64);
    let policy = InboundPolicy {
        prefix: prefs.prefix.clone(),
        mention: None,
        allowed: prefs.allowed_users.iter().cloned().collect(),
    };
    let service = RelayService::spawn(
        desk.client(),
        Arc::clone(&relay),
        policy,
        desk.profile().stream_route.clone(),
        key.clone(),
        in_rx,
        ev_tx,
    );
    {
        let d = Arc::clone(desk);
        // Channel names are looked up with the bot token.
        let names = relay.slack.clone().map(Arc::new);
        tasks.push(tokio::spawn(async move {
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
                    RelayEvent::Heard { conversation, place } => {
                        let reference = conversation.encode();
                        if written.get(&reference).is_some_and(|t| t.elapsed() < HEARD_EVERY) {
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
                        d.history().forget_conversation(&reference).map(|_| ()).map_err(crate::DeskError::from)
                    }
                    RelayEvent::Ran { user_id, command, origin, execution_ids, acks } => {
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
                            r = r.and(d.record(Some(&ack.execution_id), ack.text(), payload).map(|_| ()));
                        }
                        r
                    }
                    RelayEvent::Refused { user_id, text, reply } => d.record(
                        None,
                        &format!("Refused a command from {user_id}: {text}"),
                        Payload::Note(NoteData {
                            kind: Some("refused".into()),
                            via: Via::chat(origin_of(&user_id), Some(&user_id)),
                            reply: Some(reply),
                            shared: None,
                        }),
                    ).map(|_| ()),
                    RelayEvent::Failed { user_id, command, error } => d.record(
                        None,
                        &format!("{command}: {error}"),
                        Payload::error("relay", Via::chat(origin_of(&user_id), Some(&user_id))),
                    ).map(|_| ()),
                };
                if let Err(e) = r {
                    tracing::error!(error = %e, "relay history write failed");
                }
            }
        }));
    }
    // Chat-addressed announcements → Slack / Teams; failures are shown.
    let (out_tx, mut out_rx) = mpsc::channel::<crate::Outgoing>(256);
    {
        let (d, relay, token) = (Arc::clone(desk), Arc::clone(&relay), cancel.clone());
        tasks.push(tokio::spawn(async move {
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
                let sent = tokio::time::timeout(
                    DELIVER_WITHIN,
                    relay.deliver(&route, &o.message, &o.extra),
                )
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
        }));
    }
    desk.set_relay_outbox(Some(out_tx));
    Ok(Some(RunningRelay {
        cancel,
        tasks,
        service: Some(service),
        relay,
    }))
}
