//! "Recent results": the last five; each opens the pane at its result.

use stormdesk_desk::ipc::RecentResult;
use tauri::menu::MenuItem;
use tauri::{AppHandle, Manager, Wry};

use crate::state::AppState;

pub const PREFIX: &str = "recent:";

pub fn item(app: &AppHandle, r: &RecentResult) -> tauri::Result<MenuItem<Wry>> {
    let mark = if r.status == "succeeded" {
        "✔"
    } else {
        "✖"
    };
    let id = format!("{PREFIX}{}", r.execution_id);
    MenuItem::with_id(app, id, format!("{mark} {}", r.label), true, None::<&str>)
}

pub fn run(app: &AppHandle, id: &str) {
    if let Some(execution_id) = id.strip_prefix(PREFIX) {
        app.state::<AppState>().host.open_execution(execution_id);
    }
}
