//! Start at login (an XDG autostart entry, a macOS launch agent, the
//! Windows Run key), started hidden in the tray.

use stormdesk_desk::ipc::IpcError;
use stormdesk_desk::ErrorKind;
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
    r.map_err(refused)
}

/// At start: the entry follows the preference and is rewritten to name this
/// binary, so installing the package (or moving a build) never leaves an
/// entry that starts a binary which is gone.
pub fn reconcile(app: &AppHandle, enabled: bool) -> Result<(), IpcError> {
    let launcher = app.autolaunch();
    let r = if enabled {
        launcher.enable()
    } else if launcher.is_enabled().unwrap_or(false) {
        launcher.disable()
    } else {
        Ok(())
    };
    r.map_err(refused)
}

fn refused(e: impl std::fmt::Display) -> IpcError {
    IpcError::new(
        ErrorKind::Autostart,
        format!("cannot change start at login: {e}"),
    )
}
