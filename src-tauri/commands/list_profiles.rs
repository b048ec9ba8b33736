use stormdesk_desk::ipc::IpcError;
use stormdesk_desk::ipc::ProfileSummary;
use tauri::AppHandle;

use crate::state::host;

#[tauri::command(rename_all = "snake_case")]
pub async fn list_profiles(app: AppHandle) -> Result<Vec<ProfileSummary>, IpcError> {
    host(&app).list_profiles().await
}
