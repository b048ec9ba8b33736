use stormdesk_desk::ipc::IpcError;
use tauri::AppHandle;

use crate::state::commands;

#[tauri::command(rename_all = "snake_case")]
pub async fn suggest_aliases(
    app: AppHandle,
    text: String,
    limit: u32,
) -> Result<Vec<stormdesk_alias::Suggestion>, IpcError> {
    commands(&app).suggest_aliases(text, limit).await
}
