//! The running app without a window: which desk runs (a profile or the
//! demo), switching between them, profiles and their keyring secrets,
//! preferences, unread and recent results, and which links may open.
//! The Tauri shell holds one `Arc<Host>` and forwards its events.

use crate::ErrorKind;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use stormdesk_client::config::FileProfile;
use stormdesk_client::{ConfigSources, Credentials, Profile, SecretSources};
use stormdesk_notify::Sink;
use stormdesk_secrets::{resolve_credentials, CredentialStore};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::ipc::{IpcError, ProfileSummary, RecentResult, RelayLinks, Status};
use crate::prefs::Prefs;
use crate::{Desk, DeskError, DeskEvent};

pub mod autostart;
mod forwarded;
mod ledger;
mod prefs;
mod profiles;
mod relay;
pub mod relay_runner;
mod retention;
mod share;
pub mod tray_look;
pub mod tray_menu;
pub mod webhooks;

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

impl HostOptions {
    /// This user's files, as the app and `stormdesk-cli desk serve` use
    /// them (and `STORMDESK_DEMO_TIME_SCALE`). `None`: the system has no
    /// data directory to keep history in.
    pub fn for_this_user() -> Option<Self> {
        let history_path = stormdesk_history::History::default_path()?;
        let sources = ConfigSources::from_system();
        let prefs_path = Prefs::default_path(sources.stormdesk_file.as_deref());
        let demo_time_scale = std::env::var("STORMDESK_DEMO_TIME_SCALE")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1.0);
        Some(Self {
            sources,
            history_path,
            prefs_path,
            demo_time_scale,
        })
    }
}

/// The OS keyring, under `STORMDESK_KEYRING_SERVICE` when that is set:
/// tests point it elsewhere, never at a user's entries.
pub fn system_store() -> Arc<dyn CredentialStore> {
    match std::env::var("STORMDESK_KEYRING_SERVICE") {
        Ok(s) if !s.is_empty() => Arc::new(stormdesk_secrets::KeyringStore::new(&s)),
        _ => Arc::new(stormdesk_secrets::KeyringStore::default()),
    }
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
    /// Executions started here and still running (the tray offers Cancel).
    running: Mutex<VecDeque<crate::ipc::RunningExecution>>,
    /// The execution last asked to be shown, and when.
    opened: Mutex<Option<(String, std::time::Instant)>>,
    /// When Settings was last asked for (the tray's Settings…).
    settings_asked: Mutex<Option<std::time::Instant>>,
    unread: AtomicU32,
    /// The relay of the running desk, if on.
    relay: tokio::sync::Mutex<Option<crate::relay_runner::RunningRelay>>,
    /// Its links' latest states (the tray and `status` read them).
    relay_links: Mutex<RelayLinks>,
    /// Why no desk runs (first run, a failed start), for `status`.
    idle_reason: Mutex<Option<IpcError>>,
    /// Entries passed on, for catching up after falling behind.
    forwarded: Mutex<forwarded::Forwarded>,
    /// The profiles as last listed, for the tray's menu (rebuilt on every
    /// result): reading config.toml and the keyring each time cost a D-Bus
    /// round trip per profile. Dropped when profiles change.
    profiles: Mutex<Option<Vec<ProfileSummary>>>,
}

/// At most this many missed entries are passed on when catching up; the
/// pane reloads from history beyond that.
const CATCH_UP: usize = 2000;

/// How long an "open this execution" or "open Settings" request waits for
/// a pane to start.
const OPEN_FRESH: std::time::Duration = std::time::Duration::from_secs(15);

/// How many heard-from conversations the share list offers.
const SHARE_TARGETS: usize = 20;

pub use crate::event_channel;

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
            running: Mutex::new(VecDeque::new()),
            opened: Mutex::new(None),
            settings_asked: Mutex::new(None),
            unread: AtomicU32::new(0),
            relay: tokio::sync::Mutex::new(None),
            relay_links: Mutex::new(RelayLinks::default()),
            idle_reason: Mutex::new(Some(IpcError::starting())),
            forwarded: Mutex::default(),
            profiles: Mutex::default(),
        })
    }

    pub fn subscribe(&self) -> broadcast::Receiver<DeskEvent> {
        self.events.subscribe()
    }

    /// How a tray shows this host now.
    pub fn tray_look(&self) -> crate::tray_look::TrayLook {
        let status = self.status().ok();
        crate::tray_look::tray_look(
            status.as_ref().map(|s| s.profile.as_str()),
            status.as_ref().map(|s| &s.connection),
            self.notifications_paused(),
            status.as_ref().map_or(0, |s| s.unread),
        )
        .with_inquiries(status.as_ref().map_or(0, |s| s.inquiries))
        .with_relay(&self.relay_links())
    }

    /// Ask every window to show (a second launch, the tray, the shortcut
    /// of a tray in another process): `Summon` focuses the palette,
    /// `ShowSettings` opens Settings.
    /// Settings is remembered for a few seconds, for a pane that starts
    /// only now (its webview or its process was released) and so missed
    /// the event: `Status.settings`.
    pub fn summon(&self, settings: bool) {
        *self
            .settings_asked
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = settings.then(std::time::Instant::now);
        self.emit(if settings {
            DeskEvent::ShowSettings
        } else {
            DeskEvent::Summon
        });
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
        self.load_prefs();
        self.start_desk(mode).await;
    }

    /// Read `settings.toml` (a broken file keeps the defaults and says why).
    /// Separate from [`Host::start_desk`] so that the shell can apply what
    /// depends on the preferences alone while the desk connects.
    pub fn load_prefs(&self) {
        if let Some(path) = &self.opts.prefs_path {
            match Prefs::load(path) {
                Ok(p) => *self.prefs.write().unwrap_or_else(|e| e.into_inner()) = p,
                Err(e) => self.emit(DeskEvent::Failed {
                    error: IpcError::new(
                        ErrorKind::Settings,
                        format!("{e}; using default settings until you save them"),
                    ),
                }),
            }
        }
    }

    /// Start the desk for the configured profile, the demo, or first run.
    /// Never fails, like [`Host::start`]: what went wrong is an event.
    pub async fn start_desk(self: &Arc<Self>, mode: StartMode) {
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
            ErrorKind::NotConfigured,
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

    /// The palette's suggestions, matched on a blocking thread: a slow
    /// alias format must not hold up the runtime that serves the rest.
    pub async fn suggest_aliases(
        &self,
        text: String,
        limit: usize,
    ) -> Result<Vec<stormdesk_alias::Suggestion>, IpcError> {
        let desk = self.desk()?;
        tokio::task::spawn_blocking(move || desk.suggest(&text, limit))
            .await
            .map_err(|e| IpcError::new(ErrorKind::Internal, format!("suggestions failed: {e}")))
    }

    /// A page of history, read off the async workers: a long read (or the
    /// lock a VACUUM holds) must not stall the stream, the relay or the socket.
    pub async fn history_page(
        &self,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<stormdesk_history::Entry>, IpcError> {
        let desk = self.desk()?;
        crate::blocking(ErrorKind::History, move || desk.history_page(before, limit)).await
    }

    /// Full-text search of history, off the async workers.
    pub async fn search_history(
        &self,
        query: String,
        limit: usize,
    ) -> Result<Vec<stormdesk_history::Entry>, IpcError> {
        let desk = self.desk()?;
        crate::blocking(ErrorKind::History, move || {
            desk.search_history(&query, limit)
        })
        .await
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
            inquiries: desk.inquiries_waiting() as u32,
            relay: self.relay_links(),
            stream_route: desk.profile().stream_route.clone(),
            announcing_rule: desk.announcing_rule(),
            transport_warning: desk
                .profile()
                .endpoints()
                .ok()
                .and_then(|e| stormdesk_client::config::plain_http_warning(&e.api)),
            open: self
                .opened
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .as_ref()
                .filter(|(_, at)| at.elapsed() < OPEN_FRESH)
                .map(|(id, _)| id.clone()),
            settings: self
                .settings_asked
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .is_some_and(|at| at.elapsed() < OPEN_FRESH),
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
        blocking(ErrorKind::Keyring, move || {
            resolve_credentials(&p, env, store.as_ref())
        })
        .await
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
        if self.prefs().all_inquiries {
            desk.set_inquiry_scope(true).await;
        }
        self.recent
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        self.unread.store(0, Ordering::Relaxed);
        let token = CancellationToken::new();
        // What history holds now was not missed.
        if let Ok(last) = desk.history_page(None, 1) {
            if let Some(e) = last.last() {
                self.forwarded
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .start_after(e.id);
            }
        }
        self.forget_profiles();
        // The ledger listens before the desk speaks into the channel.
        self.spawn_ledger(token.clone());
        self.spawn_retention(token.clone());
        desk.attach_events(self.events.clone());
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
                ErrorKind::Link,
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

/// A desk's error as the front ends receive it.
impl From<DeskError> for IpcError {
    fn from(e: DeskError) -> Self {
        Self {
            kind: e.kind(),
            message: e.to_string(),
        }
    }
}

/// Blocking work off the async runtime: keyring calls (D-Bus round trips,
/// maybe an unlock prompt) and history queries. `what` names the error
/// kind of a task that died.
pub(crate) async fn blocking<T, E>(
    what: ErrorKind,
    f: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, IpcError>
where
    T: Send + 'static,
    E: Send + 'static,
    DeskError: From<E>,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| IpcError::new(what, format!("{what} task failed: {e}")))?
        .map_err(|e| DeskError::from(e).into())
}
