//! Start at login (an XDG autostart entry, a macOS launch agent, the
//! Windows Run key), started hidden in the tray.

use stormdesk_desk::ipc::IpcError;
use tauri::AppHandle;
use tauri_plugin_autostart::ManagerExt;

pub const HIDDEN_ARG: &str = "--minimized";

pub fn apply(app: &AppHandle, enabled: bool) -> Result<(), IpcError> {
    let launcher = app.autolaunch();
    let now = launcher.is_enabled().unwrap_or(false);
    let r = match (now, enabled) {
        (false, true) => launcher.enable(),
        (true, false) => launcher.disable(),
        _ => Ok(()),
    };
    r.map_err(|e| IpcError::new("autostart", format!("cannot change start at login: {e}")))
}
