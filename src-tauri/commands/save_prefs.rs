use stormdesk_desk::ipc::IpcError;
use stormdesk_desk::prefs::Prefs;
use tauri::AppHandle;

use crate::state::host;

/// The shortcut and start-at-login are applied first (only the shell can),
/// so a shortcut the desktop refuses is an error and nothing is saved.
#[tauri::command(rename_all = "snake_case")]
pub async fn save_prefs(app: AppHandle, prefs: Prefs) -> Result<Prefs, IpcError> {
    prefs.validate().map_err(IpcError::from)?;
    let host = host(&app);
    crate::shortcut::replace(&app, &host.prefs().shortcut, &prefs.shortcut)?;
    crate::autostart::apply(&app, prefs.start_at_login)?;
    host.save_prefs(prefs).await
}
