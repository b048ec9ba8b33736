//! The desktop app's core, without a window. The Tauri shell (and any other
//! front end) holds one [`Desk`] and calls one method per command; backend →
//! UI traffic is one enum, [`DeskEvent`].
//!
//! Order of operations for everything the user sees: write it to history,
//! then emit it, then notify. A crash between two steps loses nothing that
//! was ever shown.

// `ipc_commands.rs` names types by their crate path, also from inside.
extern crate self as stormdesk_desk;

pub use api::{bindings, commands, link};
pub use events::{event_channel, next_event, DeskEvent};
pub use stormdesk_client::ErrorKind;

use events::Events;

mod api;
pub mod autostart;
mod events;
mod forwarded;
pub mod host;
pub mod inquiries;
pub mod ipc;
pub mod live;
pub mod prefs;
pub mod relay_runner;
pub mod tray_look;
pub mod webhooks;

use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use serde_json::Value;
use stormdesk_alias::render::{alias_result_text, chatops_result};
use stormdesk_alias::{Palette, Suggestion};
use stormdesk_client::{new_request_id, Ack, Control};
use stormdesk_client::{AliasSource, CommandRequest, MatchedAlias};
use stormdesk_client::{ClientError, Credentials, Profile, Secret, St2Client};
use stormdesk_history::{AnnouncementData, Entry, History, HistoryError, NewEntry, Payload, Via};
use stormdesk_notify::{notice_for_announcement, notice_for_result, Notice, NotifierHandle, Sink};
use stormdesk_routing::{Destination, DestinationKey, Route};
use stormdesk_sim::{SimConfig, Simulator};
use stormdesk_stream::{
    ConnectionState, Delivery, InquiryScope, ListenerConfig, SessionControl, StreamSession,
};
use tokio::sync::broadcast;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// One error type for the UI: `{kind, message}`.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    History(#[from] HistoryError),
    #[error("{0}")]
    Input(String),
    #[error("the demo server could not start: {0}")]
    Demo(String),
    #[error(transparent)]
    Secrets(#[from] stormdesk_secrets::SecretsError),
    /// The local socket between Stormdesk's processes.
    #[error("{0}")]
    Link(String),
}

impl DeskError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            DeskError::Client(e) => e.kind(),
            DeskError::History(_) => ErrorKind::History,
            DeskError::Input(_) => ErrorKind::Input,
            DeskError::Demo(_) => ErrorKind::Demo,
            DeskError::Secrets(e) => e.kind(),
            DeskError::Link(_) => ErrorKind::Desk,
        }
    }
}

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

/// The palette's aliases are the ones commands are matched against.
impl AliasSource for Desk {
    fn match_command(&self, command: &str) -> Result<MatchedAlias, ClientError> {
        let palette = self.palette.read().unwrap_or_else(|e| e.into_inner());
        stormdesk_client::match_command(palette.index(), command)
    }

    async fn refresh(&self) -> Result<(), ClientError> {
        refresh_palette(&self.client, &self.palette)
            .await
            .map(|_| ())
    }
}

/// How often the palette asks the server for its aliases (besides when the
/// window gains focus and when a command matches none).
const ALIAS_REFRESH: Duration = Duration::from_secs(300);

/// Fetch the aliases; rebuild the palette only when they changed (the
/// palette is read on every keystroke: a swap, never a rebuild in place).
/// Returns how many aliases there are.
async fn refresh_palette(
    client: &St2Client,
    palette: &RwLock<Palette>,
) -> Result<usize, ClientError> {
    let aliases = client.list_aliases().await?;
    let n = aliases.len();
    let same = palette
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .index()
        .aliases()
        == aliases.as_slice();
    if !same {
        let fresh = Palette::new(aliases);
        *palette.write().unwrap_or_else(|e| e.into_inner()) = fresh;
        tracing::info!(aliases = n, "aliases changed on the server");
    }
    Ok(n)
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

    /// Palette suggestions for the text typed so far (offline, per keystroke).
    pub fn suggest(&self, text: &str, limit: usize) -> Vec<Suggestion> {
        self.palette
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .suggest(text, limit.clamp(1, 50))
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

    /// Run a ChatOps command: record it, execute, record the acks, follow
    /// the executions; results arrive as events.
    pub async fn run_command(&self, text: &str) -> Result<Vec<Entry>, DeskError> {
        self.run_command_confirmed(text, false).await
    }

    /// [`run_command`](Self::run_command) with the person's confirmation
    /// given (or not) for an alias that asks for one
    /// (`extra.security.twofactor`). Unconfirmed, such a command is refused
    /// before anything is recorded or sent: the UI asks, then calls again.
    pub async fn run_command_confirmed(
        &self,
        text: &str,
        confirmed: bool,
    ) -> Result<Vec<Entry>, DeskError> {
        let text = text.trim();
        let text = text.strip_prefix("!st2 ").unwrap_or(text).trim();
        if text.is_empty() {
            return Err(DeskError::Input("type a command first".into()));
        }
        // Refused before anything is recorded (the client refuses too).
        if let Ok(m) = self.match_command(text) {
            m.confirmed(text, confirmed)?;
        }
        let request = new_request_id();
        let mut out = vec![self.record(None, text, Payload::command(&request))?];
        self.control.expect(&request).await;
        let req = CommandRequest::from_desk(text, &self.profile, &request);
        let results = match self
            .client
            .run_command_confirmed(self, &req, confirmed)
            .await
        {
            Ok(r) => r,
            Err(e) => {
                out.push(self.record(
                    None,
                    &e.to_string(),
                    Payload::command_failed(e.kind().as_str(), &request),
                )?);
                return Err(e.into());
            }
        };
        for r in &results {
            let ack = Ack::of(r);
            out.push(self.record(
                Some(&ack.execution_id),
                ack.text(),
                Payload::ack(&ack, Via::default()),
            )?);
            self.control.track(&ack.execution_id, Some(&request)).await;
            self.follow_output(&ack.execution_id, ack.workflow);
        }
        Ok(out)
    }

    /// Cancel, pause, resume or re-run an execution (a card's menu, the
    /// tray, a notification). The status StackStorm answers moves the card;
    /// a re-run is a new execution, acknowledged and followed like a
    /// command's. StackStorm's refusal comes back with its reason. A re-run
    /// this way is unconfirmed: one whose alias asks for confirmation is
    /// refused (`rerun_execution` with `confirmed` runs it).
    pub async fn control_execution(
        &self,
        execution_id: &str,
        control: ipc::ExecutionControl,
    ) -> Result<Vec<Entry>, DeskError> {
        use ipc::ExecutionControl as C;
        let control = match control {
            C::Cancel => Control::Cancel,
            C::Pause => Control::Pause,
            C::Resume => Control::Resume,
            C::Rerun => Control::Rerun {
                parameters: Default::default(),
                confirmed: false,
            },
        };
        let e = self
            .client
            .control_execution(execution_id, &control)
            .await?;
        let entry = match control {
            Control::Rerun { .. } => self.rerun_started(execution_id, &e).await?,
            _ => self.record(Some(&e.id), &e.status, Payload::status(&e.status))?,
        };
        Ok(vec![entry])
    }

    /// Re-run an execution with some parameters changed (`key=value`, typed
    /// as the action types them; the rest stay as they were). A change the
    /// action refuses (unknown, immutable, not its type) is an input error
    /// and nothing is sent; so is a change to a parameter the alias that
    /// started it fixes, and, unless `confirmed`, a re-run of an alias that
    /// asks for confirmation (the client checks both for every path).
    pub async fn rerun_execution(
        &self,
        execution_id: &str,
        changes: &[String],
        confirmed: bool,
    ) -> Result<Vec<Entry>, DeskError> {
        let before = self.client.get_execution(execution_id).await?;
        let parameters =
            stormdesk_client::rerun_parameters(&before, changes).map_err(DeskError::Input)?;
        let rerun = Control::Rerun {
            parameters,
            confirmed,
        };
        let e = self.client.control_execution(execution_id, &rerun).await?;
        Ok(vec![self.rerun_started(execution_id, &e).await?])
    }

    /// A re-run's new execution: acknowledged and followed like a command's.
    async fn rerun_started(
        &self,
        of: &str,
        e: &stormdesk_client::model::Execution,
    ) -> Result<Entry, DeskError> {
        let ack = Ack {
            execution_id: e.id.clone(),
            alias: e.action_ref().to_string(),
            status: e.status.clone(),
            web_url: e.web_url.clone(),
            message: None,
            shown: true,
            append_url: false,
            workflow: e.workflow(),
        };
        let text = format!("Re-run of {of}: {}", e.action_ref());
        let entry = self.record(Some(&e.id), &text, Payload::ack(&ack, Via::default()))?;
        self.control.track(&e.id, None).await;
        self.follow_output(&e.id, ack.workflow);
        Ok(entry)
    }

    /// Show what an execution the pane started prints, as it prints it. A
    /// workflow prints nothing of its own (its engine's log aside): its
    /// tasks are followed once they run.
    fn follow_output(&self, execution_id: &str, workflow: bool) {
        if !workflow {
            self.live.follow(execution_id, execution_id);
        }
    }

    /// Output streams open now (tests).
    pub fn outputs_followed(&self) -> usize {
        self.live.followed()
    }

    /// Ask the server for its aliases now (the window gained focus): the
    /// palette has the new ones from the next keystroke. Returns how many.
    pub async fn refresh_aliases(&self) -> Result<usize, DeskError> {
        Ok(refresh_palette(&self.client, &self.palette).await?)
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

/// Refresh the palette's aliases every [`ALIAS_REFRESH`] until `cancel`.
fn spawn_alias_refresh(
    client: Arc<St2Client>,
    palette: Arc<RwLock<Palette>>,
    cancel: CancellationToken,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = tokio::time::sleep(ALIAS_REFRESH) => {}
            }
            if let Err(e) = refresh_palette(&client, &palette).await {
                tracing::warn!(error = %e, "alias refresh failed; the palette keeps the aliases it has");
            }
        }
    })
}

/// Which rule announces results on `route` (None also when the server
/// cannot say: results are then formatted here, which is never wrong).
async fn announcing_rule_of(client: &St2Client, route: &str) -> Option<String> {
    match client.announcing_rule(route).await {
        Ok(rule) => rule,
        Err(e) => {
            tracing::warn!(error = %e, "cannot tell whether StackStorm announces on route {route}");
            None
        }
    }
}

/// A relayed execution ended: with no announcement coming (no notify rule
/// for our route), send the chatops-formatted result to its conversation.
async fn reply_to_chat(
    relayed: &Relayed,
    palette: &RwLock<Palette>,
    announced: bool,
    outbox: &tokio::sync::mpsc::Sender<Outgoing>,
    d: &Delivery,
) {
    let Delivery::Result { execution, .. } = d else {
        return;
    };
    let origin = relayed
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&execution.id);
    let (Some(origin), false) = (origin, announced) else {
        return;
    };
    let Ok(exec) = serde_json::to_value(execution) else {
        return;
    };
    let message = {
        let palette = palette.read().unwrap_or_else(|e| e.into_inner());
        let alias = palette.index().alias_for_execution(&execution.context);
        chatops_result(alias, &exec)
    };
    if let Some(text) = message.text() {
        let sent = to_outbox(
            outbox,
            Outgoing {
                destination: Route::To(origin),
                message: text.to_string(),
                extra: message.extra(),
                channel: None,
            },
        );
        if let Err(note) = sent {
            tracing::warn!("{note}");
        }
    }
}

/// A result that came without its chatops announcement (none yet, or no
/// notify rule for our route on this server) reads as the alias's
/// `result.format` says, rendered here as `chatops.format_execution_result`
/// renders it. Without a format the result's own text is clearer in the pane
/// than the chatops default template.
fn with_alias_format(palette: &RwLock<Palette>, d: Delivery) -> Delivery {
    match d {
        Delivery::Result {
            execution,
            message: None,
            request,
        } => {
            let formatted = serde_json::to_value(&execution).ok().and_then(|exec| {
                let palette = palette.read().unwrap_or_else(|e| e.into_inner());
                alias_result_text(palette.index(), &exec)
            });
            Delivery::Result {
                execution,
                message: formatted,
                request,
            }
        }
        other => other,
    }
}

/// Connection state → UI, until `cancel`.
fn spawn_connection_events(
    mut state: tokio::sync::watch::Receiver<ConnectionState>,
    events: Events,
    cancel: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = cancel.cancelled() => break,
                r = state.changed() => {
                    if r.is_err() { break; }
                    let st = state.borrow().clone();
                    events.send(DeskEvent::Connection { state: st });
                }
            }
        }
    })
}

/// The delivery task's share of the desk.
struct Presenter {
    history: Arc<History>,
    events: Events,
    notifier: Arc<NotifierHandle>,
    policy: Arc<RwLock<NotifyPolicy>>,
    outbox: Outbox,
    relay_key: RelayKey,
    profile: String,
    own_route: String,
    /// The StackStorm user this desk runs as (whispers to it are its own).
    me: String,
    palette: Arc<RwLock<Palette>>,
    relayed: Relayed,
    announcing: Arc<RwLock<Option<String>>>,
    waiting: inquiries::Waiting,
    live: live::Live,
}

impl Presenter {
    /// Take the session's deliveries until `stop`, then stop the session.
    fn spawn(
        self,
        mut session: StreamSession,
        mut stop: tokio::sync::oneshot::Receiver<()>,
    ) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                let d = tokio::select! {
                    _ = &mut stop => break,
                    d = session.next() => match d { Some(d) => d, None => break },
                };
                self.take(d).await;
            }
            session.stop().await;
        })
    }

    /// One delivery: answered in its chat when relayed, then history → UI
    /// → notification.
    async fn take(&self, d: Delivery) {
        let pol = *self.policy.read().unwrap_or_else(|e| e.into_inner());
        let out = self
            .outbox
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if let Some(tx) = out.as_ref() {
            let announced = self
                .announcing
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .is_some();
            reply_to_chat(&self.relayed, &self.palette, announced, tx, &d).await;
        }
        // Others' results (heard on the shared route) and whispers to others
        // never reach this pane. A chat destination is ours only if this
        // install signed it (anyone who can run an alias can name any
        // chat): checked as the outbox checks it, and a foreign one — or
        // any, while no relay runs — is dropped.
        if let Delivery::Announcement {
            route,
            payload,
            destination,
        } = &d
        {
            let ours = match destination {
                Route::To(to) if to.is_chat() => {
                    let key = self.relay_key.read().unwrap_or_else(|e| e.into_inner());
                    key.as_ref().is_some_and(|k| {
                        stormdesk_routing::verify(Some(&payload.channel), k) == *destination
                    })
                }
                _ => payload.is_for(route, &self.own_route, Some(&self.me)),
            };
            if !ours {
                tracing::debug!(route = %route, "an announcement not for this desk, dropped");
                return;
            }
        }
        match &d {
            // Live only: the card shows it, history does not keep it.
            Delivery::Task {
                workflow_id,
                execution_id,
                task,
                status,
            } => {
                if status == "running" {
                    self.live.follow(execution_id, workflow_id);
                }
                self.events.send(DeskEvent::Task {
                    workflow_id: workflow_id.clone(),
                    execution_id: execution_id.clone(),
                    task: task.clone(),
                    status: status.clone(),
                });
                return;
            }
            Delivery::Result { execution, .. } => self.live.ended(&execution.id),
            _ => {}
        }
        let d = with_alias_format(&self.palette, d);
        self.present(pol, out.as_ref(), d).await;
    }

    /// History, then the UI, then the notification.
    async fn present(
        &self,
        policy: NotifyPolicy,
        outbox: Option<&tokio::sync::mpsc::Sender<Outgoing>>,
        d: Delivery,
    ) {
        let (history, tx, profile) = (&self.history, &self.events, self.profile.as_str());
        let Some((execution_id, text, payload, notice)) =
            off_the_workers(|| shown(history, &self.waiting, policy, outbox, profile, d))
        else {
            return;
        };
        let entry = NewEntry {
            profile: profile.to_string(),
            execution_id,
            text,
            payload,
        };
        match off_the_workers(|| history.append(&entry)) {
            Ok(e) => {
                tx.send(DeskEvent::Entry { entry: Box::new(e) });
            }
            Err(err) => {
                // Still show it: losing the on-screen copy too would be worse.
                tracing::error!(error = %err, "history write failed");
                tx.send(DeskEvent::Entry {
                    entry: Box::new(Entry::unsaved(entry)),
                });
            }
        }
        if let Some(n) = notice {
            self.notifier.notify(n).await;
        }
    }
}

/// History's writes (and the reads a delivery makes) can wait on SQLite's
/// lock for long (a VACUUM during retention): on a multi-threaded runtime
/// they tell it so, and other tasks move to another worker meanwhile.
fn off_the_workers<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(f),
        _ => f(),
    }
}

/// The entry (and notice) a delivery becomes; None when there is nothing to
/// show (an inquiry shown already).
fn shown(
    history: &History,
    waiting: &inquiries::Waiting,
    policy: NotifyPolicy,
    outbox: Option<&tokio::sync::mpsc::Sender<Outgoing>>,
    profile: &str,
    d: Delivery,
) -> Option<(Option<String>, String, Payload, Option<Notice>)> {
    Some(match d {
        Delivery::Status {
            execution_id,
            status,
        } => (
            Some(execution_id),
            status.clone(),
            Payload::status(&status),
            None,
        ),
        Delivery::Result {
            execution, message, ..
        } => {
            let text = message.clone().unwrap_or_else(|| execution.result_text());
            let notice = policy
                .allows_result(Some(execution.status.as_str()))
                .then(|| notice_for_result(&execution, message.as_deref()));
            (
                Some(execution.id.clone()),
                text,
                Payload::result(&execution),
                notice,
            )
        }
        // The chatops announcement of a result already shown: attached to
        // that result (same execution id), never a second result.
        Delivery::ResultMessage {
            execution_id,
            message,
        } => (
            Some(execution_id),
            message,
            Payload::Announcement(AnnouncementData {
                enriches: true,
                ..Default::default()
            }),
            None,
        ),
        Delivery::Announcement {
            route,
            payload,
            destination,
        } => announcement(policy, outbox, profile, route, payload, destination),
        Delivery::Inquiry { inquiry, parent } => {
            return inquiries::arrived(history, waiting, &inquiry, parent.as_deref())
        }
        Delivery::InquiryClosed { inquiry_id, status } => {
            return inquiries::closed(history, waiting, &inquiry_id, &status)
        }
        // Shown live, never kept (the presenter sends it).
        Delivery::Task { .. } => return None,
    })
}

/// An announcement: relayed to its chat when addressed to one (and the relay
/// runs), shown in the pane with a note when it had nowhere else to go; a
/// whisper for a chat user is neither posted nor shown.
fn announcement(
    policy: NotifyPolicy,
    outbox: Option<&tokio::sync::mpsc::Sender<Outgoing>>,
    profile: &str,
    route: String,
    payload: Box<stormdesk_stream::Announcement>,
    destination: Route,
) -> (Option<String>, String, Payload, Option<Notice>) {
    let chat = match &destination {
        Route::To(d) if d.is_chat() => Some(relay_runner::service_name(d.service())),
        _ => None,
    };
    let mut full = None;
    // A whisper is for one person: never posted into a
    // conversation everyone there reads.
    if chat.is_some() && payload.whisper {
        full = Some(format!(
            "a whisper for {}: not posted to the conversation, where everyone would read it",
            payload.user.as_str().unwrap_or("someone")
        ));
    }
    let relayed = match (chat, outbox) {
        (Some(_), Some(tx)) if full.is_none() => {
            let sent = to_outbox(
                tx,
                Outgoing {
                    destination: destination.clone(),
                    message: payload.message.clone(),
                    extra: payload.extra.clone(),
                    channel: Some(payload.channel.clone()),
                },
            );
            full = sent.err();
            full.is_none()
        }
        _ => false,
    };
    let note = match &destination {
        _ if relayed => None,
        _ if full.is_some() => full.map(|n| n.lines().next().unwrap_or_default().to_string()),
        Route::To(Destination::Pane { profile: p }) if p == profile => None,
        Route::To(other) => Some(format!(
            "meant for {}",
            serde_json::to_value(other)
                .map(|v| v["kind"].to_string())
                .unwrap_or_default()
        )),
        Route::Fallback { note } => Some(note.clone()),
    };
    // Nor is a chat user's whisper shown to the desk's owner.
    let whisper_to_chat = chat.is_some() && payload.whisper;
    let text = if whisper_to_chat {
        format!(
            "A whisper for {} was not posted: it stays private.",
            payload.user.as_str().unwrap_or("someone")
        )
    } else {
        payload.message.clone()
    };
    let notice = (policy.announcements && !whisper_to_chat)
        .then(|| notice_for_announcement(&route, &payload.message));
    (
        None,
        text,
        Payload::Announcement(AnnouncementData {
            enriches: false,
            route: Some(route),
            channel: payload.channel,
            note,
            extra: if whisper_to_chat {
                Value::Null
            } else {
                payload.extra
            },
            relayed: relayed.then(|| chat.map(str::to_lowercase)).flatten(),
        }),
        notice,
    )
}

/// Blocking work off the async runtime: keyring calls (D-Bus round trips,
/// maybe an unlock prompt) and history queries. `what` names the error
/// kind of a task that died.
pub(crate) async fn blocking<T, E>(
    what: ErrorKind,
    f: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, ipc::IpcError>
where
    T: Send + 'static,
    E: Send + 'static,
    DeskError: From<E>,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ipc::IpcError::new(what, format!("{what} task failed: {e}")))?
        .map_err(|e| DeskError::from(e).into())
}
