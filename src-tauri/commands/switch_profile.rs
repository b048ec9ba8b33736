use stormdesk_desk::ipc::IpcError;
use stormdesk_desk::ipc::Status;
use tauri::AppHandle;

use crate::state::host;

#[tauri::command(rename_all = "snake_case")]
pub async fn switch_profile(app: AppHandle, name: String) -> Result<Status, IpcError> {
    host(&app).switch_profile(Some(&name)).await
}
