use stormdesk_desk::ipc::IpcError;
use tauri::AppHandle;

use crate::state::commands;

#[tauri::command(rename_all = "snake_case")]
pub async fn remove_profile(
    app: AppHandle,
    name: String,
) -> Result<Vec<stormdesk_desk::ipc::ProfileSummary>, IpcError> {
    commands(&app).remove_profile(name).await
}
