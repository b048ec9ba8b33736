//! "Settings…": the pane's settings view.

use tauri::menu::MenuItem;
use tauri::{AppHandle, Manager, Wry};

use crate::state::AppState;

pub const ID: &str = "settings";

pub fn item(app: &AppHandle) -> tauri::Result<MenuItem<Wry>> {
    MenuItem::with_id(app, ID, "Settings…", true, Some("CmdOrCtrl+,"))
}

/// Through the host, which remembers it for a pane that is only now being
/// made (a released webview); the window shows on its event.
pub fn run(app: &AppHandle) {
    app.state::<AppState>().host.summon(true);
}
