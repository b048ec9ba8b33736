//! "Slack: connected", "Teams: listening on …": the relay's links, shown
//! (not clickable) while the relay is on; Settings ▸ Relay changes them.

use stormdesk_desk::ipc::RelayLinks;
use stormdesk_desk::tray_look::relay_lines;
use tauri::menu::MenuItem;
use tauri::{AppHandle, Wry};

pub fn items(app: &AppHandle, links: &RelayLinks) -> tauri::Result<Vec<MenuItem<Wry>>> {
    relay_lines(links)
        .into_iter()
        .map(|line| MenuItem::new(app, line, false, None::<&str>))
        .collect()
}
