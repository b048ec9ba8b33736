//! "Quit": the only way out; closing the window only hides it.

use tauri::menu::MenuItem;
use tauri::{AppHandle, Manager, Wry};

use crate::state::AppState;

pub const ID: &str = "quit";

pub fn item(app: &AppHandle) -> tauri::Result<MenuItem<Wry>> {
    MenuItem::with_id(app, ID, "Quit Stormdesk", true, Some("CmdOrCtrl+Q"))
}

pub fn run(app: &AppHandle) {
    let host = std::sync::Arc::clone(&app.state::<AppState>().host);
    let app = app.clone();
    // Stop the stream session cleanly (the history is already written).
    tauri::async_runtime::spawn(async move {
        let _ = tokio::time::timeout(std::time::Duration::from_secs(3), host.shutdown()).await;
        app.exit(0);
    });
}
