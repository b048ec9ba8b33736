//! "Open Stormdesk": show the pane, the palette focused.

use tauri::menu::MenuItem;
use tauri::{AppHandle, Wry};

pub const ID: &str = "open";

pub fn item(app: &AppHandle) -> tauri::Result<MenuItem<Wry>> {
    MenuItem::with_id(app, ID, "Open Stormdesk", true, None::<&str>)
}

pub fn run(app: &AppHandle) {
    crate::summon_main(app);
}
