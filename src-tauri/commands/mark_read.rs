use stormdesk_desk::ipc::IpcError;
use tauri::AppHandle;

use crate::state::commands;

#[tauri::command(rename_all = "snake_case")]
pub async fn mark_read(app: AppHandle) -> Result<u32, IpcError> {
    commands(&app).mark_read().await
}
