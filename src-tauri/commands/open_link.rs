use stormdesk_desk::ipc::IpcError;
use tauri::AppHandle;

use crate::state::commands;

#[tauri::command(rename_all = "snake_case")]
pub async fn open_link(app: AppHandle, url: String) -> Result<bool, IpcError> {
    commands(&app).open_link(url).await
}
