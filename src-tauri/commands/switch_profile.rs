use stormdesk_desk::ipc::IpcError;
use tauri::AppHandle;

use crate::state::commands;

#[tauri::command(rename_all = "snake_case")]
pub async fn switch_profile(
    app: AppHandle,
    name: String,
) -> Result<stormdesk_desk::ipc::Status, IpcError> {
    commands(&app).switch_profile(name).await
}
