//! "Pause notifications": do-not-disturb; results still land in history.

use tauri::menu::CheckMenuItem;
use tauri::{App, AppHandle, Manager, Wry};

use crate::state::AppState;

pub const ID: &str = "pause";

pub fn item(app: &App) -> tauri::Result<CheckMenuItem<Wry>> {
    CheckMenuItem::with_id(app, ID, "Pause notifications", true, false, None::<&str>)
}

pub fn run(app: &AppHandle) {
    if let Ok(desk) = app.state::<AppState>().desk() {
        let paused = !desk.notifications_paused();
        desk.set_notifications_paused(paused);
    }
}
