use stormdesk_desk::ipc::IpcError;
use stormdesk_desk::ipc::ShareTarget;
use tauri::AppHandle;

use crate::state::host;

/// Post a result or announcement to a share target.
#[tauri::command(rename_all = "snake_case")]
pub async fn share_entry(
    app: AppHandle,
    entry_id: i64,
    target: String,
) -> Result<ShareTarget, IpcError> {
    host(&app).share_entry(entry_id, &target).await
}
