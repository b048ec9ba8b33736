use stormdesk_desk::ipc::IpcError;
use stormdesk_desk::ipc::ShareTarget;
use tauri::AppHandle;

use crate::state::host;

/// Take a conversation off the share list; the list that remains.
#[tauri::command(rename_all = "snake_case")]
pub async fn forget_share_target(
    app: AppHandle,
    target: String,
) -> Result<Vec<ShareTarget>, IpcError> {
    host(&app).forget_share_target(&target).await
}
