use stormdesk_desk::ipc::IpcError;
use tauri::AppHandle;

use crate::state::commands;

#[tauri::command(rename_all = "snake_case")]
pub async fn get_prefs(app: AppHandle) -> Result<stormdesk_desk::prefs::Prefs, IpcError> {
    commands(&app).get_prefs().await
}
