//! "Pause notifications": do-not-disturb; results still land in history.

use tauri::menu::CheckMenuItem;
use tauri::{AppHandle, Manager, Wry};

use crate::state::AppState;

pub const ID: &str = "pause";

pub fn item(app: &AppHandle, paused: bool) -> tauri::Result<CheckMenuItem<Wry>> {
    CheckMenuItem::with_id(app, ID, "Pause notifications", true, paused, None::<&str>)
}

pub fn run(app: &AppHandle) {
    let host = &app.state::<AppState>().host;
    host.set_notifications_paused(!host.notifications_paused());
}
