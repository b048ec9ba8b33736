use stormdesk_desk::ipc::IpcError;
use tauri::AppHandle;

use crate::state::commands;

#[tauri::command(rename_all = "snake_case")]
pub async fn list_profiles(
    app: AppHandle,
) -> Result<Vec<stormdesk_desk::ipc::ProfileSummary>, IpcError> {
    commands(&app).list_profiles().await
}
