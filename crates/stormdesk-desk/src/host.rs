//! The running app without a window: which desk runs (a profile or the
//! demo), switching between them, profiles and their keyring secrets,
//! preferences, unread and recent results, and which links may open.
//! The Tauri shell holds one `Arc<Host>` and forwards its events.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use stormdesk_client::config::{FileProfile, StormdeskFile};
use stormdesk_client::{ConfigSources, Credentials, Profile, SecretSources};
use stormdesk_history::{NoteData, Payload, Via};
use stormdesk_notify::Sink;
use stormdesk_secrets::{profile_account, resolve_credentials, CredentialStore};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;
use url::Url;

use stormdesk_relay::outbound::Delivered;
use stormdesk_secrets::RelaySecret;

use crate::ipc::{
    IpcError, ProfileForm, ProfileSummary, RecentResult, RelayLinks, ShareTarget, Status,
};
use crate::prefs::Prefs;
use crate::relay_runner::service_name;
use crate::webhooks;
use crate::{Desk, DeskError, DeskEvent, NotifyPolicy};

const RECENT: usize = 5;
pub const DEMO_PROFILE: &str = "demo";

pub struct HostOptions {
    pub sources: ConfigSources,
    pub history_path: PathBuf,
    /// `settings.toml`; `None` keeps preferences in memory only.
    pub prefs_path: Option<PathBuf>,
    /// Demo executions run this much faster (tests) or slower.
    pub demo_time_scale: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartMode {
    /// A configured profile if there is one, else the first-run choice.
    Auto,
    /// Straight into the built-in demo (`stormdesk --demo`).
    Demo,
}

pub struct Host<S: Sink + Clone> {
    opts: HostOptions,
    store: Arc<dyn CredentialStore>,
    sink: S,
    events: broadcast::Sender<DeskEvent>,
    desk: RwLock<Option<Arc<Desk>>>,
    /// Serialises switches; holds the running desk's forwarder token.
    switching: tokio::sync::Mutex<Option<CancellationToken>>,
    prefs: RwLock<Prefs>,
    paused: AtomicBool,
    recent: Mutex<VecDeque<RecentResult>>,
    unread: AtomicU32,
    /// The relay of the running desk, if on.
    relay: tokio::sync::Mutex<Option<crate::relay_runner::RunningRelay>>,
    /// Its links' latest states (the tray and `status` read them).
    relay_links: Mutex<RelayLinks>,
    /// Why no desk runs (first run, a failed start), for `status`.
    idle_reason: Mutex<Option<IpcError>>,
    /// Entries passed on, for catching up after falling behind.
    forwarded: Mutex<crate::forwarded::Forwarded>,
}

/// At most this many missed entries are passed on when catching up; the
/// pane reloads from history beyond that.
const CATCH_UP: usize = 2000;

/// How many heard-from conversations the share list offers.
const SHARE_TARGETS: usize = 20;

/// A channel for host events, made before the sink so that the sink's
/// "Open" action can send into it.
pub fn event_channel() -> broadcast::Sender<DeskEvent> {
    broadcast::channel(1024).0
}

impl<S: Sink + Clone> Host<S> {
    pub fn new(
        opts: HostOptions,
        store: Arc<dyn CredentialStore>,
        sink: S,
        events: broadcast::Sender<DeskEvent>,
    ) -> Arc<Self> {
        Arc::new(Self {
            opts,
            store,
            sink,
            events,
            desk: RwLock::new(None),
            switching: tokio::sync::Mutex::new(None),
            prefs: RwLock::new(Prefs::default()),
            paused: AtomicBool::new(false),
            recent: Mutex::new(VecDeque::new()),
            unread: AtomicU32::new(0),
            relay: tokio::sync::Mutex::new(None),
            relay_links: Mutex::new(RelayLinks::default()),
            idle_reason: Mutex::new(Some(IpcError::starting())),
            forwarded: Mutex::default(),
        })
    }

    pub fn subscribe(&self) -> broadcast::Receiver<DeskEvent> {
        self.events.subscribe()
    }

    fn emit(&self, ev: DeskEvent) {
        let _ = self.events.send(ev);
    }

    /// Show an error that happened away from a command (a tray action).
    pub fn report(&self, error: IpcError) {
        self.emit(DeskEvent::Failed { error });
    }

    fn set_idle(&self, why: Option<IpcError>) {
        *self.idle_reason.lock().unwrap_or_else(|e| e.into_inner()) = why;
    }

    /// Load preferences, then start as `mode` says. Never fails: what went
    /// wrong is an event, and the app keeps running to let the user fix it.
    pub async fn start(self: &Arc<Self>, mode: StartMode) {
        if let Some(path) = &self.opts.prefs_path {
            match Prefs::load(path) {
                Ok(p) => *self.prefs.write().unwrap_or_else(|e| e.into_inner()) = p,
                Err(e) => self.emit(DeskEvent::Failed {
                    error: IpcError::new(
                        "settings",
                        format!("{e}; using default settings until you save them"),
                    ),
                }),
            }
        }
        let result = match mode {
            StartMode::Demo => self.start_demo().await.map(|_| ()),
            StartMode::Auto => match self.opts.sources.load(None) {
                Ok((p, _)) if p.base_url.is_some() || p.api_url.is_some() => {
                    self.switch_profile(Some(&p.name)).await.map(|_| ())
                }
                Ok(_) => {
                    self.first_run(None);
                    Ok(())
                }
                Err(e) => {
                    let e = IpcError::from(DeskError::from(e));
                    self.first_run(Some(e.message.clone()));
                    Err(e)
                }
            },
        };
        if let Err(error) = result {
            if self.current().is_none() {
                self.set_idle(Some(error.clone()));
            }
            self.emit(DeskEvent::Failed { error });
        }
    }

    fn first_run(&self, reason: Option<String>) {
        self.set_idle(Some(IpcError::new(
            "not_configured",
            "no StackStorm server is configured yet: try the demo or connect one in Settings",
        )));
        self.emit(DeskEvent::FirstRun { reason });
    }

    /// The running desk, or why there is none.
    pub fn desk(&self) -> Result<Arc<Desk>, IpcError> {
        if let Some(d) = self.current() {
            return Ok(d);
        }
        Err(self
            .idle_reason
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .unwrap_or_else(IpcError::starting))
    }

    fn current(&self) -> Option<Arc<Desk>> {
        self.desk.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn status(&self) -> Result<Status, IpcError> {
        let desk = self.desk()?;
        Ok(Status {
            profile: desk.profile().name.clone(),
            demo: desk.is_demo(),
            base_url: desk.profile().base_url.clone(),
            notifications_paused: self.paused.load(Ordering::Relaxed),
            connection: desk.connection_state(),
            unread: self.unread.load(Ordering::Relaxed),
            relay: self.relay_links(),
            stream_route: desk.profile().stream_route.clone(),
            announcing_rule: desk.announcing_rule(),
            transport_warning: desk
                .profile()
                .endpoints()
                .ok()
                .and_then(|e| stormdesk_client::config::plain_http_warning(&e.api)),
        })
    }

    /// The built-in simulator with the demo packs, on loopback.
    pub async fn start_demo(self: &Arc<Self>) -> Result<Status, IpcError> {
        let desk = Desk::start_demo(
            &self.opts.history_path,
            self.sink.clone(),
            self.opts.demo_time_scale,
        )
        .await?;
        self.install(desk).await;
        self.status()
    }

    /// Switch to a configured profile (`None`: the default one). On failure
    /// the desk that was running keeps running.
    pub async fn switch_profile(self: &Arc<Self>, name: Option<&str>) -> Result<Status, IpcError> {
        if name == Some(DEMO_PROFILE) {
            return self.start_demo().await;
        }
        let (profile, env) = self.opts.sources.load(name).map_err(DeskError::from)?;
        if profile.base_url.is_none() && profile.api_url.is_none() {
            return Err(DeskError::Input(format!(
                "profile \"{}\" has no StackStorm URL: set one in Settings",
                profile.name
            ))
            .into());
        }
        let creds = self.credentials(&profile, env).await?;
        let desk = Desk::start(profile, creds, &self.opts.history_path, self.sink.clone()).await?;
        self.install(desk).await;
        self.status()
    }

    async fn credentials(
        &self,
        profile: &Profile,
        env: SecretSources,
    ) -> Result<Credentials, IpcError> {
        let store = Arc::clone(&self.store);
        let p = profile.clone();
        // Keyring calls block (D-Bus round trips, maybe an unlock prompt).
        tokio::task::spawn_blocking(move || resolve_credentials(&p, env, store.as_ref()))
            .await
            .map_err(|e| IpcError::new("keyring", format!("keyring task failed: {e}")))?
            .map_err(|e| DeskError::from(e).into())
    }

    /// Make `desk` the running one: stop the previous, forward its events,
    /// apply preferences, announce it.
    async fn install(self: &Arc<Self>, desk: Desk) {
        let mut forwarder = self.switching.lock().await;
        if let Some(token) = forwarder.take() {
            token.cancel();
        }
        if let Some(r) = self.relay.lock().await.take() {
            r.stop().await;
        }
        let previous = self.desk.write().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(old) = previous {
            old.stop().await;
        }
        let desk = Arc::new(desk);
        desk.set_notifications_paused(self.paused.load(Ordering::Relaxed));
        desk.set_notify_policy(self.policy());
        self.recent
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        self.unread.store(0, Ordering::Relaxed);
        let token = CancellationToken::new();
        let mut rx = desk.subscribe();
        // What history holds now was not missed.
        if let Ok(last) = desk.history_page(None, 1) {
            if let Some(e) = last.last() {
                self.forwarded
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .start_after(e.id);
            }
        }
        let host = Arc::clone(self);
        let stop = token.clone();
        tokio::spawn(async move {
            loop {
                let ev = tokio::select! {
                    _ = stop.cancelled() => break,
                    ev = rx.recv() => ev,
                };
                match ev {
                    Ok(ev) => host.forward(ev),
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!(
                            missed = n,
                            "fell behind the desk's events; catching up from history"
                        );
                        host.catch_up().await;
                    }
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
        });
        *forwarder = Some(token);
        *self.desk.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::clone(&desk));
        self.set_idle(None);
        self.emit(DeskEvent::Ready {
            profile: desk.profile().name.clone(),
            demo: desk.is_demo(),
        });
        self.emit(DeskEvent::Connection {
            state: desk.connection_state(),
        });
        drop(forwarder);
        self.restart_relay().await;
    }

    /// (Re)start the relay of the running desk as the preferences say; a
    /// relay that cannot start is reported, the desk keeps running.
    pub async fn restart_relay(&self) {
        let mut slot = self.relay.lock().await;
        if let Some(r) = slot.take() {
            r.stop().await;
        }
        let Some(desk) = self.current() else {
            return;
        };
        // Off until the new links say otherwise.
        self.forward(DeskEvent::Relay {
            links: RelayLinks::default(),
        });
        let prefs = self.prefs().relay;
        match crate::relay_runner::start(&desk, &prefs, &self.store).await {
            Ok(r) => *slot = r,
            Err(error) => {
                desk.set_relay_outbox(None);
                self.emit(DeskEvent::Failed { error });
            }
        }
    }

    /// The relay's links now (events carry later changes).
    pub fn relay_links(&self) -> RelayLinks {
        self.relay_links
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

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
        let known = tokio::task::spawn_blocking(move || history.conversations(SHARE_TARGETS))
            .await
            .map_err(|e| IpcError::new("history", format!("history task failed: {e}")))?
            .map_err(|e| IpcError::from(DeskError::from(e)))?;
        out.extend(
            known
                .into_iter()
                .filter(|c| match c.service.as_str() {
                    "slack" => prefs.slack,
                    "teams" => prefs.teams,
                    _ => false,
                })
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
                "input",
                "a webhook is removed by clearing its URL in Settings ▸ Relay",
            ));
        }
        let history = self.desk()?.history();
        let reference = target.to_string();
        let known = tokio::task::spawn_blocking(move || history.forget_conversation(&reference))
            .await
            .map_err(|e| IpcError::new("history", format!("history task failed: {e}")))?
            .map_err(|e| IpcError::from(DeskError::from(e)))?;
        if !known {
            return Err(IpcError::new(
                "input",
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
        let entry = tokio::task::spawn_blocking(move || history.get(entry_id))
            .await
            .map_err(|e| IpcError::new("history", format!("history task failed: {e}")))?
            .map_err(|e| IpcError::from(DeskError::from(e)))?
            .ok_or_else(|| {
                IpcError::new("input", format!("there is no history entry {entry_id}"))
            })?;
        let chosen = self
            .share_targets()
            .await?
            .into_iter()
            .find(|t| t.id == target)
            .ok_or_else(|| {
                IpcError::new(
                    "share",
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
                        "share",
                        format!(
                            "{} is not connected: check Settings ▸ Relay",
                            service_name(&chosen.service)
                        ),
                    ));
                };
                if let Delivered::Pane { note } = relay
                    .deliver(&route, &webhooks::text_of(&entry), entry.payload.extra())
                    .await
                    .map_err(relay_err)?
                {
                    return Err(IpcError::new(
                        "share",
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

    /// After falling behind the desk's events: pass on the entries missed
    /// (history has them all: results still reach the tray, the unread
    /// count and the webhooks) and the current connection state.
    async fn catch_up(&self) {
        let Some(desk) = self.current() else { return };
        let after = self
            .forwarded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .newest();
        let history = desk.history();
        match tokio::task::spawn_blocking(move || history.after(after, CATCH_UP)).await {
            Ok(Ok(missed)) => {
                let full = missed.len() == CATCH_UP;
                for entry in missed {
                    self.forward(DeskEvent::Entry {
                        entry: Box::new(entry),
                    });
                }
                if full {
                    // More than that: the pane reloads from history.
                    self.emit(DeskEvent::Missed { count: u32::MAX });
                }
            }
            Ok(Err(e)) => tracing::error!(error = %e, "catching up from history failed"),
            Err(e) => tracing::error!(error = %e, "catching up from history failed"),
        }
        self.emit(DeskEvent::Connection {
            state: desk.connection_state(),
        });
    }

    fn forward(&self, ev: DeskEvent) {
        if let DeskEvent::Entry { entry } = &ev {
            // Once each: catching up may meet entries still queued. (An
            // entry history could not keep has no id, and is not repeated.)
            if entry.id >= 0
                && !self
                    .forwarded
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .first_time(entry.id)
            {
                return;
            }
        }
        if let DeskEvent::Relay { links } = &ev {
            *self.relay_links.lock().unwrap_or_else(|e| e.into_inner()) = links.clone();
        }
        if let DeskEvent::Entry { entry } = &ev {
            if let (Payload::Result(result), Some(id)) = (&entry.payload, &entry.execution_id) {
                let status = result.status.clone();
                let action = result.action.as_deref().unwrap_or("result");
                let first = entry.text.lines().next().unwrap_or("").trim();
                let mut label = format!("{action}: {first}");
                if label.chars().count() > 60 {
                    label = label.chars().take(59).collect::<String>() + "…";
                }
                let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
                recent.retain(|r| &r.execution_id != id);
                recent.push_front(RecentResult {
                    execution_id: id.clone(),
                    label,
                    status,
                });
                recent.truncate(RECENT);
                drop(recent);
                // Results the preferences name go to the webhooks too.
                let level = self.prefs().relay.webhook_results;
                if level.allows(Some(&result.status)) {
                    if let Some(desk) = self.current() {
                        tokio::spawn(webhooks::post_result(
                            Arc::clone(&self.store),
                            desk,
                            (**entry).clone(),
                        ));
                    }
                }
                let n = self.unread.fetch_add(1, Ordering::Relaxed) + 1;
                self.emit(ev);
                self.emit(DeskEvent::Unread { count: n });
                return;
            }
        }
        self.emit(ev);
    }

    /// The last results, newest first (the tray's "recent results").
    pub fn recent_results(&self) -> Vec<RecentResult> {
        self.recent
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect()
    }

    /// The pane was seen: nothing is unread.
    pub fn mark_read(&self) -> u32 {
        if self.unread.swap(0, Ordering::Relaxed) != 0 {
            self.emit(DeskEvent::Unread { count: 0 });
        }
        0
    }

    /// Ask the UI to show one execution (notification "Open", tray).
    pub fn open_execution(&self, execution_id: &str) {
        self.emit(DeskEvent::Open {
            execution_id: execution_id.to_string(),
        });
    }

    pub fn set_notifications_paused(&self, paused: bool) -> bool {
        self.paused.store(paused, Ordering::Relaxed);
        if let Some(d) = self.current() {
            d.set_notifications_paused(paused);
        }
        self.emit(DeskEvent::Paused { paused });
        paused
    }

    pub fn notifications_paused(&self) -> bool {
        self.paused.load(Ordering::Relaxed)
    }

    fn policy(&self) -> NotifyPolicy {
        let p = self.prefs.read().unwrap_or_else(|e| e.into_inner());
        NotifyPolicy {
            results: p.notify_results,
            announcements: p.notify_announcements,
        }
    }

    pub fn prefs(&self) -> Prefs {
        self.prefs.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Validate, write `settings.toml`, apply. The shell applies what only
    /// it can (shortcut, start at login) before calling this.
    pub async fn save_prefs(&self, prefs: Prefs) -> Result<Prefs, IpcError> {
        prefs.validate()?;
        prefs.relay.check_service_urls(&self.prefs().relay)?;
        if let Some(path) = &self.opts.prefs_path {
            prefs.save(path)?;
        }
        let old = std::mem::replace(
            &mut *self.prefs.write().unwrap_or_else(|e| e.into_inner()),
            prefs.clone(),
        );
        if let Some(d) = self.current() {
            d.set_notify_policy(self.policy());
        }
        if old.relay != prefs.relay {
            self.restart_relay().await;
        }
        Ok(prefs)
    }

    /// Store (or, given an empty one, remove) a relay secret in the
    /// keyring, then restart the relay with it. Never echoed back.
    pub async fn set_relay_secret(
        &self,
        name: &str,
        secret: stormdesk_client::Secret,
    ) -> Result<bool, IpcError> {
        let which = stormdesk_secrets::RelaySecret::parse(name).ok_or_else(|| {
            IpcError::new(
                "input",
                format!(
                    "\"{name}\" is not a relay secret (one of: {})",
                    stormdesk_secrets::RelaySecret::ALL
                        .map(|s| s.name())
                        .join(", ")
                ),
            )
        })?;
        if !secret.is_empty() {
            which
                .check(secret.expose())
                .map_err(|m| IpcError::new("input", m))?;
        }
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || {
            if secret.is_empty() {
                store.delete(&which.account()).map(|_| ())
            } else {
                store.set(&which.account(), &secret)
            }
        })
        .await
        .map_err(|e| IpcError::new("keyring", format!("keyring task failed: {e}")))?
        .map_err(|e| IpcError::from(DeskError::from(e)))?;
        self.restart_relay().await;
        Ok(true)
    }

    /// Which relay secrets are stored (names only).
    pub async fn relay_secrets_stored(&self) -> Vec<String> {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || {
            stormdesk_secrets::RelaySecret::ALL
                .into_iter()
                .filter(|s| matches!(store.get(&s.account()), Ok(Some(_))))
                .map(|s| s.name().to_string())
                .collect()
        })
        .await
        .unwrap_or_default()
    }

    /// Profiles in the config file (plus the one in use), with whether a
    /// secret is stored for each. Never the secret.
    pub async fn list_profiles(&self) -> Result<Vec<ProfileSummary>, IpcError> {
        let file = self.read_file()?;
        let current = self.current().map(|d| d.profile().name.clone());
        let mut names: Vec<String> = file.profiles.keys().cloned().collect();
        if let Ok((p, _)) = self.opts.sources.load(None) {
            if (p.base_url.is_some() || p.api_url.is_some()) && !names.contains(&p.name) {
                names.push(p.name);
            }
        }
        let mut out = Vec::new();
        for name in names {
            let Ok((p, env)) = self.opts.sources.load(Some(&name)) else {
                continue;
            };
            let store = Arc::clone(&self.store);
            let account = profile_account(&name);
            let in_keyring = tokio::task::spawn_blocking(move || store.get(&account))
                .await
                .ok()
                .and_then(Result::ok)
                .flatten()
                .is_some();
            out.push(ProfileSummary {
                current: current.as_deref() == Some(name.as_str()),
                has_secret: in_keyring
                    || env.token.is_some()
                    || env.api_key.is_some()
                    || env.password.is_some(),
                name: p.name,
                base_url: p.base_url,
                auth: p.auth,
                username: p.username,
                stream_route: p.stream_route,
            });
        }
        Ok(out)
    }

    /// Forget a profile: its entry in config.toml and its secret in the
    /// keyring. Not the running one (switch away first), so what runs never
    /// loses its footing. History keeps what that profile did.
    pub async fn remove_profile(&self, name: &str) -> Result<Vec<ProfileSummary>, IpcError> {
        if self.current().is_some_and(|d| d.profile().name == name) {
            return Err(IpcError::new(
                "input",
                format!("\"{name}\" is in use: switch to another profile (or the demo) first"),
            ));
        }
        let mut file = self.read_file()?;
        if file.profiles.remove(name).is_none() {
            return Err(IpcError::new(
                "input",
                format!("there is no profile \"{name}\" in the config file"),
            ));
        }
        if file.default_profile.as_deref() == Some(name) {
            file.default_profile = None;
        }
        let Some(path) = self.opts.sources.stormdesk_file.clone() else {
            return Err(DeskError::Input("no config directory on this system".into()).into());
        };
        file.write(&path).map_err(DeskError::from)?;
        let store = Arc::clone(&self.store);
        let account = profile_account(name);
        tokio::task::spawn_blocking(move || store.delete(&account))
            .await
            .map_err(|e| IpcError::new("keyring", format!("keyring task failed: {e}")))?
            .map_err(|e| IpcError::from(DeskError::from(e)))?;
        self.list_profiles().await
    }

    fn read_file(&self) -> Result<StormdeskFile, IpcError> {
        match &self.opts.sources.stormdesk_file {
            Some(p) if p.exists() => Ok(StormdeskFile::read(p).map_err(DeskError::from)?),
            _ => Ok(StormdeskFile::default()),
        }
    }

    /// Save a profile from Settings: the server must accept the
    /// credentials first; then the secret goes to the keyring, the rest to
    /// the config file (as the default profile), and the app switches to it.
    pub async fn save_profile(
        self: &Arc<Self>,
        form: ProfileForm,
    ) -> Result<ProfileSummary, IpcError> {
        let name = form.name.trim().to_string();
        let name_ok = !name.is_empty()
            && name.len() <= 64
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        if !name_ok || name == DEMO_PROFILE {
            return Err(DeskError::Input(format!(
                "\"{name}\" cannot be a profile name: use letters, digits, - _ . (and not \"demo\")"
            ))
            .into());
        }
        let url = stormdesk_client::config::check_server_url(&form.base_url)
            .map_err(|e| DeskError::Input(e.to_string().replace("configuration: ", "")))?;
        let Some(path) = self.opts.sources.stormdesk_file.clone() else {
            return Err(DeskError::Input("no config directory on this system".into()).into());
        };
        let mut file = self.read_file()?;
        let mut entry = file.profiles.get(&name).cloned().unwrap_or_default();
        entry.base_url = Some(url.as_str().trim_end_matches('/').to_string());
        entry.auth = Some(form.auth);
        entry.username = form.username.clone().filter(|u| !u.trim().is_empty());
        entry.stream_route = form.stream_route.clone().filter(|r| !r.trim().is_empty());
        entry.insecure = form.insecure.then_some(true);
        let profile = profile_from(&name, &entry);
        let secret = form.secret.clone().filter(|s| !s.is_empty());
        let creds = match &secret {
            Some(s) => match form.auth {
                stormdesk_client::AuthKind::Password => Credentials::Password {
                    username: entry
                        .username
                        .clone()
                        .ok_or_else(|| DeskError::Input("a password needs a username".into()))?,
                    password: s.clone(),
                },
                stormdesk_client::AuthKind::ApiKey => Credentials::ApiKey(s.clone()),
                stormdesk_client::AuthKind::Token => Credentials::Token(s.clone()),
            },
            None => self.credentials(&profile, SecretSources::default()).await?,
        };
        // Connecting proves the server and the secret; nothing is stored
        // before that, so a typo never reaches the keyring or the file.
        let desk = Desk::start(
            profile.clone(),
            creds,
            &self.opts.history_path,
            self.sink.clone(),
        )
        .await?;
        if let Some(s) = secret {
            let store = Arc::clone(&self.store);
            let account = profile_account(&name);
            let stored = tokio::task::spawn_blocking(move || store.set(&account, &s))
                .await
                .map_err(|e| IpcError::new("keyring", format!("keyring task failed: {e}")))?;
            if let Err(e) = stored {
                desk.stop().await;
                return Err(DeskError::from(e).into());
            }
        }
        file.profiles.insert(name.clone(), entry);
        file.default_profile = Some(name.clone());
        if let Err(e) = file.write(&path) {
            desk.stop().await;
            return Err(DeskError::from(e).into());
        }
        self.install(desk).await;
        Ok(ProfileSummary {
            name,
            base_url: profile.base_url,
            auth: profile.auth,
            username: profile.username,
            stream_route: profile.stream_route,
            has_secret: true,
            current: true,
        })
    }

    /// Links open only to the running profile's StackStorm web UI (the
    /// execution links in acks and results), over http(s).
    pub fn check_link(&self, url: &str) -> Result<Url, IpcError> {
        let desk = self.desk()?;
        let url = Url::parse(url).map_err(|e| DeskError::Input(format!("not a link: {e}")))?;
        let endpoints = desk.profile().endpoints().map_err(DeskError::from)?;
        let web = endpoints.web.unwrap_or(endpoints.api);
        let same_host = url.host_str().is_some() && url.host_str() == web.host_str();
        if !matches!(url.scheme(), "http" | "https") || !same_host {
            return Err(IpcError::new(
                "link",
                format!(
                    "only links to the StackStorm web UI ({}) open from Stormdesk",
                    web.host_str().unwrap_or("?")
                ),
            ));
        }
        Ok(url)
    }

    /// Stop the running desk (quit).
    pub async fn shutdown(&self) {
        if let Some(r) = self.relay.lock().await.take() {
            r.stop().await;
        }
        if let Some(t) = self.switching.lock().await.take() {
            t.cancel();
        }
        let d = self.desk.write().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(d) = d {
            d.stop().await;
        }
    }
}

fn profile_from(name: &str, f: &FileProfile) -> Profile {
    let mut p = Profile::new(name);
    f.apply(&mut p);
    p
}
