use stormdesk_desk::ipc::IpcError;
use tauri::AppHandle;

use crate::state::commands;

#[tauri::command(rename_all = "snake_case")]
pub async fn recent_results(
    app: AppHandle,
) -> Result<Vec<stormdesk_desk::ipc::RecentResult>, IpcError> {
    commands(&app).recent_results().await
}
