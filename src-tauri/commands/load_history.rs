use stormdesk_desk::ipc::IpcError;
use tauri::AppHandle;

use crate::state::commands;

#[tauri::command(rename_all = "snake_case")]
pub async fn load_history(
    app: AppHandle,
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<stormdesk_history::Entry>, IpcError> {
    commands(&app).load_history(before, limit).await
}
