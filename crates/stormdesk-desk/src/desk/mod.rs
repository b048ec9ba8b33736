//! One profile's desk, without a window: its palette, its runs, its stream
//! presented (history, events, notices, the relay outbox), live output and
//! inquiries. The host holds the desk that runs; front ends reach it through
//! the host and the commands. Backend → UI traffic is one enum, [`DeskEvent`].
//!
//! Order of operations for everything the user sees: write it to history,
//! then emit it, then notify. A crash between two steps loses nothing that
//! was ever shown.

pub mod inquiries;
pub mod live;
mod palette;
mod present;
mod run;

pub(crate) use palette::*;
pub use present::service_name;
pub(crate) use present::*;

use crate::error::DeskError;
use crate::events::{DeskEvent, Events};
use crate::prefs;

use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use serde_json::Value;
use stormdesk_alias::render::{alias_result_text, chatops_result};
use stormdesk_alias::{Palette, Suggestion};
use stormdesk_client::{new_request_id, Ack, Control};
use stormdesk_client::{AliasSource, CommandRequest, MatchedAlias};
use stormdesk_client::{ClientError, Credentials, Profile, Secret, St2Client};
use stormdesk_history::{AnnouncementData, Entry, History, NewEntry, Payload, Via};
use stormdesk_notify::{notice_for_announcement, notice_for_result, Notice, NotifierHandle, Sink};
use stormdesk_routing::{Destination, DestinationKey, Route};
use stormdesk_sim::{SimConfig, Simulator};
use stormdesk_stream::{
    ConnectionState, Delivery, InquiryScope, ListenerConfig, SessionControl, StreamSession,
};
use tokio::sync::broadcast;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Which notices reach the desktop (preferences; history gets everything).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotifyPolicy {
    pub results: prefs::NotifyLevel,
    pub announcements: bool,
}

impl Default for NotifyPolicy {
    fn default() -> Self {
        Self {
            results: prefs::NotifyLevel::All,
            announcements: true,
        }
    }
}

impl NotifyPolicy {
    fn allows_result(&self, status: Option<&str>) -> bool {
        self.results.allows(status)
    }
}

/// An announcement addressed to a chat conversation, for the relay.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub destination: Route,
    pub message: String,
    pub extra: Value,
    /// The channel as it came back through StackStorm, whose signature the
    /// relay checks before sending; `None` for a destination this desk
    /// knows itself (a relayed execution it tracked).
    pub channel: Option<Value>,
}

/// Hand `o` to the relay without waiting: a slow or dead chat must never
/// hold up the pane. A full outbox drops it with a note.
fn to_outbox(outbox: &tokio::sync::mpsc::Sender<Outgoing>, o: Outgoing) -> Result<(), String> {
    use tokio::sync::mpsc::error::TrySendError;
    match outbox.try_send(o) {
        Ok(()) => Ok(()),
        Err(TrySendError::Full(o)) => Err(format!(
            "Not delivered to chat: the chat service is not keeping up ({} messages waiting)\n{}",
            outbox.max_capacity(),
            o.message
        )),
        Err(TrySendError::Closed(o)) => Err(format!(
            "Not delivered to chat: the relay stopped\n{}",
            o.message
        )),
    }
}

type Outbox = Arc<RwLock<Option<tokio::sync::mpsc::Sender<Outgoing>>>>;
type RelayKey = Arc<RwLock<Option<DestinationKey>>>;
type Relayed = Arc<Mutex<std::collections::HashMap<String, Destination>>>;

/// The desk for one profile.
pub struct Desk {
    profile: Profile,
    client: Arc<St2Client>,
    /// Shared with the delivery task: results are formatted with their alias.
    palette: Arc<RwLock<Palette>>,
    history: Arc<History>,
    control: SessionControl,
    events: Events,
    notifier: Arc<NotifierHandle>,
    policy: Arc<RwLock<NotifyPolicy>>,
    /// Where Slack/Teams-addressed announcements go while a relay runs.
    outbox: Outbox,
    /// This install's key for chat destinations, while a relay runs: only a
    /// destination it signed is ours.
    relay_key: RelayKey,
    /// Executions run for a chat user, and the conversation they came from.
    relayed: Relayed,
    /// The notify rule that announces results on our route, if the server
    /// has one (the stormdesk pack's); without it, relayed results are
    /// formatted and sent back here.
    announcing_rule: Arc<RwLock<Option<String>>>,
    cancel: CancellationToken,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    session_stop: Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
    connection: tokio::sync::watch::Receiver<ConnectionState>,
    /// Inquiries waiting for an answer.
    waiting: inquiries::Waiting,
    /// Output streams of running commands.
    live: live::Live,
    /// Keeps the demo server alive for as long as the desk.
    _demo: Option<Simulator>,
}

impl Desk {
    /// Start for a profile: load aliases, connect the stream, begin delivering.
    pub async fn start<S: Sink>(
        profile: Profile,
        credentials: Credentials,
        history_path: &Path,
        sink: S,
    ) -> Result<Self, DeskError> {
        let client = Arc::new(St2Client::new(&profile, credentials)?);
        Self::start_with(profile, client, history_path, sink, None).await
    }

    /// Start against a built-in simulator with the demo packs.
    pub async fn start_demo<S: Sink>(
        history_path: &Path,
        sink: S,
        time_scale: f64,
    ) -> Result<Self, DeskError> {
        let sim = Simulator::start(SimConfig {
            time_scale,
            ..SimConfig::default()
        })
        .await
        .map_err(|e| DeskError::Demo(e.to_string()))?;
        let (profile, creds) = Profile::with_password(
            "demo",
            &sim.base_url(),
            stormdesk_sim::DEMO_USER,
            Secret::new(stormdesk_sim::DEMO_PASSWORD),
        );
        let client = Arc::new(St2Client::new(&profile, creds)?);
        Self::start_with(profile, client, history_path, sink, Some(sim)).await
    }

    async fn start_with<S: Sink>(
        profile: Profile,
        client: Arc<St2Client>,
        history_path: &Path,
        sink: S,
        demo: Option<Simulator>,
    ) -> Result<Self, DeskError> {
        let profile = profile.with_personal_route(history_path.parent());
        let started = std::time::Instant::now();
        let ms = |t: std::time::Instant| t.elapsed().as_millis() as u64;
        let history = Arc::new(History::open(history_path)?);
        let history_ms = ms(started);
        let aliases = client.list_aliases().await?;
        let aliases_ms = ms(started);
        let palette = Arc::new(RwLock::new(Palette::new(aliases)));
        let palette_ms = ms(started);
        let events = Events::new();
        let notifier = Arc::new(stormdesk_notify::spawn(sink));
        let policy = Arc::new(RwLock::new(NotifyPolicy::default()));
        let outbox: Outbox = Arc::default();
        let relay_key: RelayKey = Arc::default();
        let relayed: Relayed = Arc::default();
        let waiting: inquiries::Waiting = Arc::default();
        let announcing_rule = Arc::new(RwLock::new(
            announcing_rule_of(&client, &profile.stream_route).await,
        ));
        tracing::debug!(
            history_ms,
            aliases_ms,
            palette_ms,
            rule_ms = ms(started),
            "desk phases"
        );
        let cancel = CancellationToken::new();
        let live = live::Live::new(Arc::clone(&client), events.clone(), cancel.clone());
        // Shown: the inquiries this desk's user may answer and those of its
        // own workflows, until Settings asks for every one (the host says).
        let session = StreamSession::start_scoped(
            Arc::clone(&client),
            ListenerConfig::for_route(&profile.stream_route),
            InquiryScope {
                user: profile.username.clone(),
                all: false,
            },
        );
        let control = session.control();
        let connection = session.state();
        let mut tasks = Vec::new();

        tasks.push(spawn_connection_events(
            session.state(),
            events.clone(),
            cancel.clone(),
        ));
        tasks.push(spawn_alias_refresh(
            Arc::clone(&client),
            Arc::clone(&palette),
            cancel.clone(),
        ));
        // Deliveries → history → UI → notification.
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let presenter = Presenter {
            history: Arc::clone(&history),
            events: events.clone(),
            notifier: Arc::clone(&notifier),
            policy: Arc::clone(&policy),
            outbox: Arc::clone(&outbox),
            relay_key: Arc::clone(&relay_key),
            profile: profile.name.clone(),
            own_route: profile.stream_route.clone(),
            me: profile
                .username
                .clone()
                .unwrap_or_else(|| "stormdesk".into()),
            palette: Arc::clone(&palette),
            relayed: Arc::clone(&relayed),
            announcing: Arc::clone(&announcing_rule),
            waiting: Arc::clone(&waiting),
            live: live.clone(),
        };
        tasks.push(presenter.spawn(session, stop_rx));
        Ok(Self {
            profile,
            client,
            palette,
            history,
            control,
            events,
            notifier,
            policy,
            outbox,
            relay_key,
            relayed,
            announcing_rule,
            cancel,
            tasks: Mutex::new(tasks),
            session_stop: Mutex::new(Some(stop_tx)),
            connection,
            waiting,
            live,
            _demo: demo,
        })
    }

    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The stream's connection state now (events carry later changes).
    pub fn connection_state(&self) -> ConnectionState {
        self.connection.borrow().clone()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<DeskEvent> {
        self.events.subscribe()
    }

    /// Speak into the host's one channel from now on (see [`events`]).
    pub fn attach_events(&self, channel: broadcast::Sender<DeskEvent>) {
        self.events.attach(channel);
    }

    /// The history store (the relay keeps the conversations it heard from).
    pub fn history(&self) -> Arc<History> {
        Arc::clone(&self.history)
    }

    /// Tell the UI something that is not a history entry.
    pub(crate) fn emit(&self, ev: DeskEvent) {
        self.events.send(ev);
    }

    /// Record an entry (history first) and show it.
    pub fn record(
        &self,
        execution_id: Option<&str>,
        text: &str,
        payload: Payload,
    ) -> Result<Entry, DeskError> {
        let entry = self.history.append(&NewEntry {
            profile: self.profile.name.clone(),
            execution_id: execution_id.map(str::to_string),
            text: text.to_string(),
            payload,
        })?;
        self.events.send(DeskEvent::Entry {
            entry: Box::new(entry.clone()),
        });
        Ok(entry)
    }

    /// One page of history, oldest first.
    pub fn history_page(&self, before: Option<i64>, limit: usize) -> Result<Vec<Entry>, DeskError> {
        Ok(self.history.page(before, limit.clamp(1, 500))?)
    }

    pub fn search_history(&self, query: &str, limit: usize) -> Result<Vec<Entry>, DeskError> {
        Ok(self.history.search(query, limit.clamp(1, 500))?)
    }

    /// Do-not-disturb: results still land in history.
    pub fn set_notifications_paused(&self, paused: bool) {
        self.notifier.set_paused(paused);
    }

    pub fn notifications_paused(&self) -> bool {
        self.notifier.paused()
    }

    /// The StackStorm client (the relay runs commands with it).
    pub fn client(&self) -> Arc<St2Client> {
        Arc::clone(&self.client)
    }

    /// Send Slack/Teams-addressed announcements to a relay (None: keep
    /// them in the pane with a note).
    /// The running relay's outbox and this install's destination key, or
    /// none (relay off).
    pub fn set_relay_outbox(
        &self,
        relay: Option<(tokio::sync::mpsc::Sender<Outgoing>, DestinationKey)>,
    ) {
        let (tx, key) = relay.unzip();
        *self.outbox.write().unwrap_or_else(|e| e.into_inner()) = tx;
        *self.relay_key.write().unwrap_or_else(|e| e.into_inner()) = key;
    }

    /// Follow executions started for a chat conversation: their statuses
    /// and result reach the pane, and — when this server announces nothing
    /// on our route — the result goes back to the conversation from here.
    pub async fn track_relayed(&self, origin: &Destination, execution_ids: &[String]) {
        for id in execution_ids {
            self.relayed
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(id.clone(), origin.clone());
            self.control.track(id, None).await;
        }
    }

    /// The server's notify rule for our route (the stormdesk pack's), as
    /// last checked.
    pub fn announcing_rule(&self) -> Option<String> {
        self.announcing_rule
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Which notices reach the desktop.
    pub fn set_notify_policy(&self, policy: NotifyPolicy) {
        *self.policy.write().unwrap_or_else(|e| e.into_inner()) = policy;
    }

    /// Show every inquiry on the server (`all`), or only those this desk's
    /// user may answer and those of the workflows it started.
    pub async fn set_inquiry_scope(&self, all: bool) {
        let scope = InquiryScope {
            user: self.profile.username.clone(),
            all,
        };
        self.control.set_inquiry_scope(scope).await;
    }

    /// Whether this desk runs on the built-in demo server.
    pub fn is_demo(&self) -> bool {
        self._demo.is_some()
    }

    /// Stop the stream session and the tasks (idempotent).
    pub async fn stop(&self) {
        self.cancel.cancel();
        let stop = self
            .session_stop
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(s) = stop {
            let _ = s.send(());
        }
        let tasks: Vec<_> = self
            .tasks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
            .collect();
        for t in tasks {
            let _ = tokio::time::timeout(Duration::from_secs(5), t).await;
        }
    }
}
