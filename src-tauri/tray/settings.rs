//! "Settings…": the pane's settings view.

use stormdesk_desk::DeskEvent;
use tauri::menu::MenuItem;
use tauri::{AppHandle, Emitter, Wry};

pub const ID: &str = "settings";

pub fn item(app: &AppHandle) -> tauri::Result<MenuItem<Wry>> {
    MenuItem::with_id(app, ID, "Settings…", true, Some("CmdOrCtrl+,"))
}

pub fn run(app: &AppHandle) {
    crate::show_main(app);
    let _ = app.emit(crate::DESK_EVENT, DeskEvent::ShowSettings);
}
