//! The Tauri shell. Adapters only: every behaviour lives in `crates/`.

mod commands;
mod error;
mod state;
mod tray;

use std::sync::Arc;

use stormdesk_desk::{Desk, DeskError};
use stormdesk_notify::DesktopSink;
use tauri::{Emitter, Manager, WindowEvent};

use crate::error::IpcError;
use crate::state::AppState;

/// The one event name the UI listens to; payloads are `DeskEvent`s.
pub const DESK_EVENT: &str = "desk-event";

async fn start_desk() -> Result<Desk, DeskError> {
    let path = stormdesk_history::History::default_path()
        .ok_or_else(|| DeskError::Input("no data directory on this system".into()))?;
    // Until profiles are wired to the app (settings, keyring), the app runs
    // the built-in demo server; `stormdesk-cli` covers real servers.
    let scale = std::env::var("STORMDESK_DEMO_TIME_SCALE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1.0);
    Desk::start_demo(&path, DesktopSink::default(), scale).await
}

pub fn run() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("STORMDESK_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .try_init();
    let result = tauri::Builder::default()
        .manage(AppState::default())
        .invoke_handler(tauri::generate_handler![
            commands::suggest_aliases::suggest_aliases,
            commands::run_command::run_command,
            commands::load_history::load_history,
            commands::search_history::search_history,
            commands::set_notifications_paused::set_notifications_paused,
            commands::get_status::get_status,
        ])
        .setup(|app| {
            tray::build(app)?;
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                let state = handle.state::<AppState>();
                match start_desk().await {
                    Ok(desk) => {
                        let desk = Arc::new(desk);
                        let mut rx = desk.subscribe();
                        let _ = state.desk.set(Arc::clone(&desk));
                        let _ = handle.emit(DESK_EVENT, serde_json::json!({"type": "ready", "profile": desk.profile().name}));
                        while let Ok(ev) = rx.recv().await {
                            let _ = handle.emit(DESK_EVENT, &ev);
                        }
                    }
                    Err(e) => {
                        let err = IpcError::from(e);
                        tracing::error!(kind = %err.kind, message = %err.message, "desk did not start");
                        *state.startup_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(err.clone());
                        let _ = handle.emit(DESK_EVENT, serde_json::json!({"type": "failed", "error": err}));
                    }
                }
            });
            Ok(())
        })
        .on_window_event(|window, event| {
            // Closing hides to the tray; Quit is in the tray menu.
            if let WindowEvent::CloseRequested { api, .. } = event {
                api.prevent_close();
                let _ = window.hide();
            }
        })
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("stormdesk: {e}");
        std::process::exit(1);
    }
}
