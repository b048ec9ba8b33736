use stormdesk_desk::ipc::IpcError;
use tauri::AppHandle;

use crate::state::commands;

#[tauri::command(rename_all = "snake_case")]
pub async fn relay_secrets_stored(app: AppHandle) -> Result<Vec<String>, IpcError> {
    commands(&app).relay_secrets_stored().await
}
