//! The global shortcut that summons the palette.

use stormdesk_desk::ipc::IpcError;
use stormdesk_desk::ErrorKind;
use tauri::AppHandle;
use tauri_plugin_global_shortcut::GlobalShortcutExt;

/// Register `shortcut`; an error says why the desktop refused it.
pub fn register(app: &AppHandle, shortcut: &str) -> Result<(), IpcError> {
    app.global_shortcut().register(shortcut).map_err(|e| {
        IpcError::new(
            ErrorKind::Shortcut,
            format!("cannot use {shortcut} as the shortcut: {e}"),
        )
    })
}

/// Swap the old shortcut for a new one; on failure the old one stays.
pub fn replace(app: &AppHandle, old: &str, new: &str) -> Result<(), IpcError> {
    if old == new {
        return Ok(());
    }
    let _ = app.global_shortcut().unregister(old);
    register(app, new).inspect_err(|_| {
        let _ = register(app, old);
    })
}
