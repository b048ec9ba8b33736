use stormdesk_desk::ipc::IpcError;
use tauri::AppHandle;

use crate::state::commands;

#[tauri::command(rename_all = "snake_case")]
pub async fn save_prefs(
    app: AppHandle,
    prefs: stormdesk_desk::prefs::Prefs,
) -> Result<stormdesk_desk::prefs::Prefs, IpcError> {
    commands(&app).save_prefs(prefs).await
}
