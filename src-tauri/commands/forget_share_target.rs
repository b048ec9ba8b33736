use stormdesk_desk::ipc::IpcError;
use tauri::AppHandle;

use crate::state::commands;

#[tauri::command(rename_all = "snake_case")]
pub async fn forget_share_target(
    app: AppHandle,
    target: String,
) -> Result<Vec<stormdesk_desk::ipc::ShareTarget>, IpcError> {
    commands(&app).forget_share_target(target).await
}
