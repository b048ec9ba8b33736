use stormdesk_desk::ipc::IpcError;
use tauri::AppHandle;

use crate::state::commands;

#[tauri::command(rename_all = "snake_case")]
pub async fn search_history(
    app: AppHandle,
    query: String,
    limit: u32,
) -> Result<Vec<stormdesk_history::Entry>, IpcError> {
    commands(&app).search_history(query, limit).await
}
