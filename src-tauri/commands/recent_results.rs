use stormdesk_desk::ipc::IpcError;
use stormdesk_desk::ipc::RecentResult;
use tauri::AppHandle;

use crate::state::host;

#[tauri::command(rename_all = "snake_case")]
pub async fn recent_results(app: AppHandle) -> Result<Vec<RecentResult>, IpcError> {
    Ok(host(&app).recent_results())
}
