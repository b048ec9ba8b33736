//! Start at login, started hidden in the tray. On Linux the XDG autostart
//! entry is the desk's (`stormdesk_desk::autostart`), the one
//! `stormdesk-tray` writes too, naming the tray when it is installed beside
//! the app; elsewhere the autostart plugin's (a macOS launch agent, the
//! Windows Run key).

use stormdesk_desk::ipc::IpcError;
use tauri::AppHandle;

pub use stormdesk_desk::autostart::HIDDEN_ARG;

/// The entry follows `enabled`. Called at start too, so that the entry is
/// rewritten to name this installation (a moved build or an upgrade never
/// leaves one naming a binary that is gone).
#[cfg(target_os = "linux")]
pub fn apply(_app: &AppHandle, enabled: bool) -> Result<(), IpcError> {
    stormdesk_desk::autostart::apply(enabled)
}

#[cfg(not(target_os = "linux"))]
pub fn apply(app: &AppHandle, enabled: bool) -> Result<(), IpcError> {
    use tauri_plugin_autostart::ManagerExt;
    let launcher = app.autolaunch();
    let r = if enabled {
        launcher.enable()
    } else if launcher.is_enabled().unwrap_or(false) {
        launcher.disable()
    } else {
        Ok(())
    };
    r.map_err(stormdesk_desk::autostart::refused)
}

/// The plugin, where it writes the entry.
pub fn plugin(builder: tauri::Builder<tauri::Wry>) -> tauri::Builder<tauri::Wry> {
    #[cfg(not(target_os = "linux"))]
    let builder = builder.plugin(tauri_plugin_autostart::init(
        tauri_plugin_autostart::MacosLauncher::LaunchAgent,
        Some(vec![HIDDEN_ARG]),
    ));
    builder
}
