use stormdesk_desk::ipc::IpcError;
use tauri::AppHandle;

use crate::state::commands;

#[tauri::command(rename_all = "snake_case")]
pub async fn set_notifications_paused(app: AppHandle, paused: bool) -> Result<bool, IpcError> {
    commands(&app).set_notifications_paused(paused).await
}
