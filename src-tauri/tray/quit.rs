//! "Quit": the only way out; closing the window only hides it.

use tauri::menu::MenuItem;
use tauri::{App, AppHandle, Wry};

pub const ID: &str = "quit";

pub fn item(app: &App) -> tauri::Result<MenuItem<Wry>> {
    MenuItem::with_id(app, ID, "Quit Stormdesk", true, Some("CmdOrCtrl+Q"))
}

pub fn run(app: &AppHandle) {
    app.exit(0);
}
