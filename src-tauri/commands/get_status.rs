use stormdesk_desk::ipc::IpcError;
use tauri::AppHandle;

use crate::state::commands;

#[tauri::command(rename_all = "snake_case")]
pub async fn get_status(app: AppHandle) -> Result<stormdesk_desk::ipc::Status, IpcError> {
    commands(&app).get_status().await
}
