//! "Open": show the pane.

use tauri::menu::MenuItem;
use tauri::{App, AppHandle, Manager, Wry};

pub const ID: &str = "open";

pub fn item(app: &App) -> tauri::Result<MenuItem<Wry>> {
    MenuItem::with_id(app, ID, "Open", true, None::<&str>)
}

pub fn run(app: &AppHandle) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.show();
        let _ = w.set_focus();
    }
}
