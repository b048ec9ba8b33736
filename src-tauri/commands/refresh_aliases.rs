use stormdesk_desk::ipc::IpcError;
use tauri::AppHandle;

use crate::state::commands;

#[tauri::command(rename_all = "snake_case")]
pub async fn refresh_aliases(app: AppHandle) -> Result<u32, IpcError> {
    commands(&app).refresh_aliases().await
}
