//! "Running": executions started here that have not ended, each with Cancel.

use stormdesk_desk::ipc::RunningExecution;
use tauri::menu::MenuItem;
use tauri::{AppHandle, Manager, Wry};

use crate::state::AppState;

pub const PREFIX: &str = "running-cancel:";

pub fn item(app: &AppHandle, r: &RunningExecution) -> tauri::Result<MenuItem<Wry>> {
    MenuItem::with_id(
        app,
        format!("{PREFIX}{}", r.execution_id),
        format!("■ Cancel {}", r.label),
        true,
        None::<&str>,
    )
}

pub fn run(app: &AppHandle, id: &str) {
    let Some(execution_id) = id.strip_prefix(PREFIX) else {
        return;
    };
    let host = std::sync::Arc::clone(&app.state::<AppState>().host);
    let execution_id = execution_id.to_string();
    // A refusal (it ended meanwhile) is reported to the pane by the host.
    tauri::async_runtime::spawn(async move {
        let _ = host.cancel_execution(&execution_id).await;
    });
}
