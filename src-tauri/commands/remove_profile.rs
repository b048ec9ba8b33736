use stormdesk_desk::ipc::IpcError;
use stormdesk_desk::ipc::ProfileSummary;
use tauri::AppHandle;

use crate::state::host;

/// Forget a profile (config entry and keyring secret); not the running one.
#[tauri::command(rename_all = "snake_case")]
pub async fn remove_profile(app: AppHandle, name: String) -> Result<Vec<ProfileSummary>, IpcError> {
    host(&app).remove_profile(&name).await
}
