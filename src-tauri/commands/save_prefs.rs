use stormdesk_desk::ipc::IpcError;
use stormdesk_desk::prefs::Prefs;
use tauri::{AppHandle, State};

use crate::state::AppState;

/// The shortcut and start-at-login are applied first (only the shell can),
/// so a shortcut the desktop refuses is an error and nothing is saved.
#[tauri::command]
pub async fn save_prefs(
    app: AppHandle,
    state: State<'_, AppState>,
    prefs: Prefs,
) -> Result<Prefs, IpcError> {
    prefs.validate().map_err(IpcError::from)?;
    crate::shortcut::replace(&app, &state.host.prefs().shortcut, &prefs.shortcut)?;
    crate::autostart::apply(&app, prefs.start_at_login)?;
    state.host.save_prefs(prefs).await
}
