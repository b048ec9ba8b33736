use stormdesk_desk::ipc::IpcError;
use tauri::AppHandle;

use crate::state::commands;

#[tauri::command(rename_all = "snake_case")]
pub async fn share_entry(
    app: AppHandle,
    entry_id: i64,
    target: String,
) -> Result<stormdesk_desk::ipc::ShareTarget, IpcError> {
    commands(&app).share_entry(entry_id, target).await
}
