use stormdesk_desk::ipc::IpcError;
use tauri::AppHandle;

use crate::state::commands;

#[tauri::command(rename_all = "snake_case")]
pub async fn list_share_targets(
    app: AppHandle,
) -> Result<Vec<stormdesk_desk::ipc::ShareTarget>, IpcError> {
    commands(&app).list_share_targets().await
}
