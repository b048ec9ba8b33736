//! The running relay for one desk: Slack Socket Mode and/or the Teams
//! messaging endpoint in, the relay service deciding and running commands,
//! and Slack/Teams-addressed announcements out. Every relayed or refused
//! command lands in history with the chat user who sent it. A task set you
//! hold a handle to, stopped by its cancellation token.

use std::sync::Arc;

use stormdesk_client::Secret;
use stormdesk_relay::inbound::InboundPolicy;
use stormdesk_relay::outbound::Relay;
use stormdesk_relay::service::RelayService;
use stormdesk_secrets::{CredentialStore, RelaySecret};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::ipc::{IpcError, RelayLinks};
use crate::prefs::RelayPrefs;
use crate::{Desk, DeskEvent, ErrorKind};
use chat_service::ChatService;
use slack::Slack;
use teams::Teams;

mod chat_service;
mod outbox;
mod record;
mod slack;
mod teams;

pub struct RunningRelay {
    cancel: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
    service: Option<RelayService>,
    relay: Arc<Relay>,
}

/// The links' states, shared by the tasks that change them; every change
/// is a `DeskEvent::Relay`.
#[derive(Clone)]
pub(crate) struct Links {
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

pub use crate::desk::service_name;

pub(crate) async fn secret(
    store: &Arc<dyn CredentialStore>,
    which: RelaySecret,
    what: &str,
) -> Result<Secret, IpcError> {
    let store = Arc::clone(store);
    let got = crate::blocking(ErrorKind::Keyring, move || store.get(&which.account())).await?;
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
    // Everything is checked (secrets, settings, the Teams port) before
    // anything starts: a relay that cannot start leaves nothing running.
    let mut slack = Slack::prepare(prefs, store).await?;
    let mut teams = Teams::prepare(prefs, store).await?;
    let key = {
        let store = Arc::clone(store);
        crate::blocking(ErrorKind::Keyring, move || {
            stormdesk_secrets::destination_key(store.as_ref())
        })
        .await?
    };
    let mut relay = Relay::default();
    if let Some(s) = &mut slack {
        s.outbound(&mut relay);
    }
    if let Some(t) = &mut teams {
        t.outbound(&mut relay);
    }
    let relay = Arc::new(relay);
    let links = Links {
        now: Arc::new(std::sync::Mutex::new(RelayLinks::default())),
        desk: Arc::clone(desk),
    };
    let cancel = CancellationToken::new();
    let (in_tx, in_rx) = mpsc::channel(64);
    let mut tasks = Vec::new();
    if let Some(s) = slack {
        tasks.push(s.listen(
            in_tx.clone(),
            cancel.clone(),
            links.clone(),
            Arc::clone(desk),
        ));
    }
    if let Some(t) = teams {
        tasks.push(t.listen(
            in_tx.clone(),
            cancel.clone(),
            links.clone(),
            Arc::clone(desk),
        ));
    }
    drop(in_tx);

    // Inbound messages → decided, run on StackStorm, answered in chat.
    let (ev_tx, ev_rx) = mpsc::channel(64);
    let policy = InboundPolicy {
        prefix: prefs.prefix.clone(),
        mention: None,
        allowed: prefs.allowed_users.iter().cloned().collect(),
        identities: prefs.identities(),
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
    tasks.push(record::spawn(Arc::clone(desk), &relay, ev_rx));
    let (out_tx, task) = outbox::spawn(
        Arc::clone(desk),
        Arc::clone(&relay),
        key.clone(),
        cancel.clone(),
    );
    tasks.push(task);
    desk.set_relay_outbox(Some((out_tx, key)));
    Ok(Some(RunningRelay {
        cancel,
        tasks,
        service: Some(service),
        relay,
    }))
}
