use stormdesk_desk::ipc::IpcError;
use stormdesk_desk::ipc::Status;
use tauri::AppHandle;

use crate::state::host;

#[tauri::command(rename_all = "snake_case")]
pub async fn start_demo(app: AppHandle) -> Result<Status, IpcError> {
    host(&app).start_demo().await
}
