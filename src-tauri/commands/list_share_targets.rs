use stormdesk_desk::ipc::IpcError;
use stormdesk_desk::ipc::ShareTarget;
use tauri::AppHandle;

use crate::state::host;

/// Webhooks and the chat conversations the relay has heard from.
#[tauri::command(rename_all = "snake_case")]
pub async fn list_share_targets(app: AppHandle) -> Result<Vec<ShareTarget>, IpcError> {
    host(&app).share_targets().await
}
