//! Stormdesk in the tray without WebKit. This process holds the desk (the
//! host: stream, notifications, relay, history), serves it on the local
//! socket, shows the tray icon and menu (a StatusNotifierItem over D-Bus, no
//! GTK) and owns the global shortcut. The pane is `stormdesk --attach`, a
//! separate process started when summoned; it ends once hidden for a while,
//! and what stays in the tray maps no web engine.
//!
//! Linux only (a StatusNotifierItem, XDG autostart, Unix signals and
//! sockets); elsewhere the app is the tray.
#![cfg(target_os = "linux")]

pub mod icons;
pub mod pane;
pub mod shortcut;
pub mod tray;
pub mod tray_host;

use std::sync::Arc;

use stormdesk_desk::autostart;
use stormdesk_desk::commands::{Commands, HeadlessShell, Shell};
use stormdesk_desk::host::{event_channel, system_store, Host, HostOptions, StartMode};
use stormdesk_desk::ipc::IpcError;
use stormdesk_desk::link::{answers, default_socket_path, summon_running, LinkServer};
use stormdesk_desk::prefs::Prefs;
use stormdesk_desk::DeskEvent;
use stormdesk_notify::DesktopSink;

use crate::pane::Pane;
use crate::shortcut::Shortcut;
use crate::tray::Action;

pub type TrayHost = Host<DesktopSink>;

#[derive(Debug, Default, Clone, Copy)]
pub struct Options {
    pub demo: bool,
    pub minimized: bool,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// Quit, SIGTERM or Ctrl-C; or a second launch that summoned the first.
    Done,
    /// The desktop has only an XEmbed tray, which shows the app's icon and
    /// not this one's: the caller starts the app in this one's place.
    AppTray,
}

/// Run until Quit (the tray menu), SIGTERM or Ctrl-C.
pub fn run(opts: Options) -> Result<Ended, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(serve(opts))
}

/// The shortcut and start at login, applied by this process; links open
/// in the browser as from the command line.
struct TrayShell {
    shortcut: Shortcut,
}

impl Shell for TrayShell {
    fn open_url(&self, url: &url::Url) -> Result<(), IpcError> {
        HeadlessShell.open_url(url)
    }

    fn apply_prefs(&self, current: &Prefs, next: &Prefs) -> Result<(), IpcError> {
        self.shortcut.replace(&current.shortcut, &next.shortcut)?;
        autostart::apply(next.start_at_login)
    }
}

async fn serve(opts: Options) -> Result<Ended, String> {
    let socket = default_socket_path();
    // A second launch: the running one shows its pane (a start at login
    // only finds it there); this one ends.
    if opts.minimized {
        if answers(&socket).await {
            tracing::info!("already running");
            return Ok(Ended::Done);
        }
    } else if summon_running(&socket).await {
        tracing::info!("already running; summoned it");
        return Ok(Ended::Done);
    }
    // A start at login may come before the panel: its tray is waited for.
    let wait = if opts.minimized {
        tray_host::login_wait()
    } else {
        std::time::Duration::ZERO
    };
    match tray_host::find(wait).await {
        tray_host::TrayHost::XEmbedOnly => return Ok(Ended::AppTray),
        found => tracing::info!(?found, "tray host"),
    }
    // Launched from the menu while this one waited for the panel.
    if !wait.is_zero() && answers(&socket).await {
        tracing::info!("started meanwhile by another launch");
        return Ok(Ended::Done);
    }
    let options =
        HostOptions::for_this_user().ok_or("no data directory on this system".to_owned())?;
    let (clicked, clicks) = tokio::sync::mpsc::unbounded_channel();
    let sink = DesktopSink::default().on_action(move |action, execution_id| {
        let _ = clicked.send((action, execution_id));
    });
    let host: Arc<TrayHost> = Host::new(options, system_store(), sink, event_channel());
    let shortcut = Shortcut::start({
        let host = Arc::clone(&host);
        move || host.summon(false)
    });
    let shell = Arc::new(TrayShell {
        shortcut: shortcut.clone(),
    });
    let server = LinkServer::bind(&socket, Commands::new(Arc::clone(&host), shell))
        .await
        .map_err(|e| e.to_string())?;
    host.load_prefs();
    let prefs = host.prefs();
    if let Err(e) = shortcut.register(&prefs.shortcut) {
        tracing::warn!(message = %e.message, "global shortcut");
    }
    if let Err(e) = autostart::apply(prefs.start_at_login) {
        tracing::warn!(message = %e.message, "start at login");
    }
    let pane = Arc::new(Pane::new(pane::pane_exe(), socket.clone()));
    let (actions, mut acted) = tokio::sync::mpsc::unbounded_channel();
    let events = host.subscribe();
    let tray = tray::spawn(actions).await;
    tracing::info!("tray ready");
    tokio::spawn(follow(
        Arc::clone(&host),
        Arc::clone(&pane),
        tray.clone(),
        events,
    ));
    tokio::spawn(Arc::clone(&host).handle_notice_actions(clicks));
    {
        let host = Arc::clone(&host);
        tokio::spawn(async move {
            host.start_desk(if opts.demo {
                StartMode::Demo
            } else {
                StartMode::Auto
            })
            .await;
            tracing::info!("desk ready");
        });
    }
    if !opts.minimized {
        pane.show();
    }
    loop {
        tokio::select! {
            action = acted.recv() => match action {
                Some(Action::Quit) | None => break,
                Some(a) => tray::act(&host, a),
            },
            _ = stopped() => break,
        }
    }
    tracing::info!("quitting");
    // The pane ends with the socket: its link closes.
    server.stop().await;
    let _ = tokio::time::timeout(std::time::Duration::from_secs(3), host.shutdown()).await;
    pane.wait_gone(std::time::Duration::from_secs(5)).await;
    if let Some(t) = tray {
        t.shutdown().await;
    }
    Ok(Ended::Done)
}

/// The desk's events: the tray's look and menu follow them, and a summon
/// (the shortcut, a second launch, a notification's Open) starts the pane
/// when none is running (a running one shows itself on the same event).
async fn follow(
    host: Arc<TrayHost>,
    pane: Arc<Pane>,
    tray: Option<ksni::Handle<tray::StormTray>>,
    mut events: tokio::sync::broadcast::Receiver<DeskEvent>,
) {
    while let Some(ev) = stormdesk_desk::next_event(&mut events).await {
        if matches!(
            ev,
            DeskEvent::Summon | DeskEvent::ShowSettings | DeskEvent::Open { .. }
        ) {
            pane.show();
        }
        if let Some(t) = &tray {
            tray::on_event(t, &host, &ev).await;
        }
    }
}

async fn stopped() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
