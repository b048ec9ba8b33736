//! The Tauri shell. Adapters only: every behaviour lives in `crates/`
//! (the host in stormdesk-desk); this file wires plugins, the tray, the
//! window and the one event the UI listens to.

mod attached;
mod autostart;
mod commands;
mod network_process;
mod relaunch;
mod shortcut;
mod state;
mod tray;
mod webview;

use std::sync::Arc;

use stormdesk_desk::host::{event_channel, system_store, Host, HostOptions, StartMode};
use stormdesk_desk::DeskEvent;
use stormdesk_notify::{DesktopSink, NoticeAction};
use tauri::{AppHandle, Emitter, Manager, WindowEvent};
use tauri_plugin_global_shortcut::ShortcutState;

use crate::state::{AppHost, AppState};

/// The one event name the UI listens to; payloads are `DeskEvent`s.
pub const DESK_EVENT: &str = "desk-event";

struct Args {
    demo: bool,
    hidden: bool,
    attach: bool,
}

const USAGE: &str = "\
Usage: stormdesk [--demo] [--minimized] [--attach]

StackStorm ChatOps on your desktop: a tray icon, a command palette
(Ctrl+Shift+Space), a pane with your history, desktop notifications.

Options:
  --demo        Start against the built-in demo server (nothing to configure)
  --minimized   Start hidden in the tray (how start-at-login runs it)
  --attach      Be the window of a desk already running in another process
                (stormdesk-tray, stormdesk-cli desk serve): no tray or desk
                of its own
  --version     Print the version and exit
  --help        Print this help and exit

Without --demo, the profile in ~/.config/stormdesk/config.toml (or the st2
CLI's ~/.st2/config and ST2_* variables) is used; with nothing configured,
the pane offers the demo. If a desk already runs (stormdesk-tray, another
stormdesk), it shows its pane and this launch ends. On Linux the menu entry
starts stormdesk-tray, which runs this as its pane. The headless front end
is stormdesk-cli.";

/// What the command line asks for: run, or print and exit.
enum Launch {
    Run(Args),
    Print(String),
    Refuse(String),
}

fn launch(argv: &[String]) -> Launch {
    let mut args = Args {
        demo: false,
        hidden: false,
        attach: false,
    };
    for a in argv {
        match a.as_str() {
            "--demo" => args.demo = true,
            autostart::HIDDEN_ARG => args.hidden = true,
            "--attach" => args.attach = true,
            "--version" | "-V" => {
                return Launch::Print(format!("stormdesk {}", env!("CARGO_PKG_VERSION")))
            }
            "--help" | "-h" => return Launch::Print(USAGE.to_owned()),
            other => {
                return Launch::Refuse(format!(
                    "stormdesk: unknown argument '{other}' (try --help)"
                ))
            }
        }
    }
    Launch::Run(args)
}

/// Notification clicks, from the notifier's threads to the host.
type Clicks = tokio::sync::mpsc::UnboundedReceiver<(NoticeAction, String)>;

fn host(
    events: tokio::sync::broadcast::Sender<DeskEvent>,
) -> Result<(Arc<state::AppHost>, Clicks), String> {
    let options = HostOptions::for_this_user().ok_or("no data directory on this system")?;
    let (clicked, clicks) = tokio::sync::mpsc::unbounded_channel();
    let sink = DesktopSink::default().on_action(move |action, execution_id| {
        let _ = clicked.send((action, execution_id));
    });
    let host = Host::new(options, system_store(), sink, events);
    Ok((host, clicks))
}

/// Summoned (the shortcut, a second launch, the tray): the pane shown with
/// the palette focused, whichever way it was asked for.
pub fn summon_main(app: &AppHandle) {
    show_main(app);
    let _ = app.emit(DESK_EVENT, DeskEvent::Summon);
}

/// Show the pane, focused (its webview built again if it was released).
pub fn show_main(app: &AppHandle) {
    if let Some(w) = webview::main_window(app) {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
        tracing::info!("window shown");
    }
}

pub fn run() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("STORMDESK_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .try_init();
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let args = match launch(&argv) {
        Launch::Run(a) => a,
        Launch::Print(text) => {
            println!("{text}");
            return;
        }
        Launch::Refuse(why) => {
            eprintln!("{why}");
            std::process::exit(2);
        }
    };
    if args.attach {
        attached::run(args.hidden);
        return;
    }
    // A desk already running in another process (stormdesk-tray, as the
    // menu entry starts it, or `desk serve`) shows its pane (a start at
    // login only finds it there); a second desk would run a second stream,
    // notifier and relay beside it.
    #[cfg(unix)]
    {
        use stormdesk_desk::link;
        let path = link::default_socket_path();
        if tauri::async_runtime::block_on(async {
            if args.hidden {
                link::answers(&path).await
            } else {
                link::summon_running(&path).await
            }
        }) {
            tracing::info!("a desk is already running");
            return;
        }
    }
    let events = event_channel();
    let (host, clicks) = match host(events.clone()) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("stormdesk: {e}");
            std::process::exit(1);
        }
    };
    let mode = if args.demo {
        StartMode::Demo
    } else {
        StartMode::Auto
    };
    // Subscribed now: what the host says while the tray is being built
    // reaches the tray and the UI.
    let early_events = events.subscribe();
    let (desk_started, desk_start) = tokio::sync::oneshot::channel();
    let builder = tauri::Builder::default()
        // First: a second launch only brings the running one forward.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            summon_main(app)
        }))
        // Second: known to be the only instance, the host starts (keyring,
        // history, aliases, stream) alongside the other plugins, the tray
        // and the window rather than after them.
        .plugin(host_start(Arc::clone(&host), mode, desk_started));
    let result = autostart::plugin(pane(builder))
        .plugin(
            tauri_plugin_global_shortcut::Builder::new()
                .with_handler(|app, _shortcut, event| {
                    if event.state() == ShortcutState::Pressed {
                        summon_main(app);
                    }
                })
                .build(),
        )
        .invoke_handler(commands::handle)
        .setup(move |app| {
            tray::build(app)?;
            tracing::info!("tray ready");
            // The shortcut before the window: it is how the pane is asked
            // for, and building the webview holds the event loop that
            // registering it needs.
            apply_shell_prefs(app.handle(), &host);
            // Waited for off the event loop, which builds the webview next.
            tauri::async_runtime::spawn(async move {
                let _ = desk_start.await;
                tracing::info!("desk ready");
            });
            spawn_event_consumers(app.handle().clone(), early_events);
            if let Some(after) = webview::release_after() {
                webview::spawn_release(app.handle().clone(), after, webview::Release::Webview);
            }
            tauri::async_runtime::spawn(Arc::clone(&host).handle_notice_actions(clicks));
            // Last: the window is not made with the app (`create: false`),
            // and a start at login (--minimized) makes no webview at all
            // until the pane is summoned.
            if !args.hidden {
                let handle = app.handle().clone();
                let _ = app.handle().run_on_main_thread(move || {
                    webview::main_window(&handle);
                });
            }
            Ok(())
        })
        .build(tauri::generate_context!())
        .map(|app| {
            app.run(|_, event| {
                // A released webview is not the end of the app: only Quit
                // (an explicit exit code) is.
                if let tauri::RunEvent::ExitRequested {
                    api, code: None, ..
                } = event
                {
                    api.prevent_exit();
                }
            })
        });
    if let Err(e) = result {
        relaunch::after_failed_start(&e.to_string());
        eprintln!("stormdesk: {e}");
        std::process::exit(1);
    }
}

/// What the pane's window needs in either mode: its size and place kept,
/// links opened, closing that hides, a log line when the UI has loaded.
fn pane(builder: tauri::Builder<tauri::Wry>) -> tauri::Builder<tauri::Wry> {
    builder
        .plugin(
            tauri_plugin_window_state::Builder::default()
                .with_state_flags(
                    tauri_plugin_window_state::StateFlags::SIZE
                        | tauri_plugin_window_state::StateFlags::POSITION,
                )
                .build(),
        )
        .plugin(tauri_plugin_opener::init())
        .on_window_event(|window, event| {
            // Closing hides to the tray; Quit is in the tray menu.
            if let WindowEvent::CloseRequested { api, .. } = event {
                api.prevent_close();
                let _ = window.hide();
            }
        })
        .on_page_load(|_, payload| {
            if payload.event() == tauri::webview::PageLoadEvent::Finished {
                tracing::info!("webview loaded");
            }
        })
}

/// The shell's consumers of the one event channel: the tray and the UI.
/// Falling behind is told to the UI (it reloads from history), never the
/// end of the events.
fn spawn_event_consumers(handle: AppHandle, mut rx: tokio::sync::broadcast::Receiver<DeskEvent>) {
    tauri::async_runtime::spawn(async move {
        while let Some(ev) = stormdesk_desk::next_event(&mut rx).await {
            // An Open from a notification, a summon over the desk's socket
            // (`stormdesk-cli desk call summon`, a stormdesk-tray launched
            // beside the app): the pane shows.
            if matches!(
                ev,
                DeskEvent::Open { .. } | DeskEvent::Summon | DeskEvent::ShowSettings
            ) {
                show_main(&handle);
            }
            tray::on_event(&handle, &ev);
            let _ = handle.emit(DESK_EVENT, &ev);
        }
    });
}

/// A plugin whose setup starts the host: plugins are set up in order, so
/// this runs once the single-instance plugin has let this launch go on.
/// `started` is sent when the desk is up (or has said why not).
fn host_start(
    host: Arc<AppHost>,
    mode: StartMode,
    started: tokio::sync::oneshot::Sender<()>,
) -> tauri::plugin::TauriPlugin<tauri::Wry> {
    tauri::plugin::Builder::new("stormdesk-host")
        .setup(move |app, _| {
            let state = AppState::new(app, Arc::clone(&host));
            serve_desk(app, state.commands.clone());
            let commands = state.commands.clone();
            app.manage(webview::Links(Box::new(move |url| {
                let commands = commands.clone();
                tauri::async_runtime::spawn(async move {
                    if let Err(e) = commands.open_link(url).await {
                        tracing::warn!(error = %e.message, "link not opened");
                    }
                });
            })));
            app.manage(state);
            host.load_prefs();
            tauri::async_runtime::spawn(async move {
                let t = std::time::Instant::now();
                host.start_desk(mode).await;
                tracing::debug!(ms = t.elapsed().as_millis() as u64, "host started");
                let _ = started.send(());
            });
            Ok(())
        })
        .build()
}

/// This app's desk answers on the local socket too, so that
/// `stormdesk-cli desk call` reaches it. Not fatal: a desk already serving
/// there (`stormdesk-cli desk serve`) keeps it, and says so.
fn serve_desk(app: &AppHandle, commands: stormdesk_desk::commands::Commands<DesktopSink>) {
    #[cfg(unix)]
    {
        let app = app.clone();
        tauri::async_runtime::spawn(async move {
            let path = stormdesk_desk::link::default_socket_path();
            match stormdesk_desk::link::LinkServer::bind(&path, commands).await {
                Ok(server) => {
                    app.manage(Served(server));
                }
                Err(e) => tracing::warn!(error = %e, "this desk is not on the local socket"),
            }
        });
    }
    #[cfg(not(unix))]
    let _ = (app, commands);
}

/// The socket this app's desk answers on, kept for the app's life.
#[cfg(unix)]
struct Served(#[allow(dead_code)] stormdesk_desk::link::LinkServer);

/// What only the shell can apply from the preferences: start at login and
/// the global shortcut (a refused one leaves the tray usable).
fn apply_shell_prefs(handle: &AppHandle, host: &AppHost) {
    let prefs = host.prefs();
    if let Err(e) = autostart::apply(handle, prefs.start_at_login) {
        tracing::warn!(message = %e.message, "start at login");
    }
    if let Err(e) = shortcut::register(handle, &prefs.shortcut) {
        tracing::warn!(message = %e.message, "global shortcut");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_command_line_runs_prints_or_refuses() {
        assert!(matches!(
            launch(&argv(&[])),
            Launch::Run(Args {
                demo: false,
                hidden: false,
                attach: false
            })
        ));
        assert!(matches!(
            launch(&argv(&["--demo", "--minimized"])),
            Launch::Run(Args {
                demo: true,
                hidden: true,
                attach: false
            })
        ));
        match launch(&argv(&["--version"])) {
            Launch::Print(v) => assert_eq!(v, format!("stormdesk {}", env!("CARGO_PKG_VERSION"))),
            _ => panic!("--version prints"),
        }
        assert!(
            matches!(launch(&argv(&["--help"])), Launch::Print(h) if h.contains("--minimized"))
        );
        assert!(
            matches!(launch(&argv(&["--demo", "--bogus"])), Launch::Refuse(m) if m.contains("--bogus"))
        );
        assert!(matches!(
            launch(&argv(&["--attach"])),
            Launch::Run(Args { attach: true, .. })
        ));
    }
}
