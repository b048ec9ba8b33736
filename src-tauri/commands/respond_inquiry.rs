use stormdesk_desk::ipc::IpcError;
use tauri::AppHandle;

use crate::state::commands;

#[tauri::command(rename_all = "snake_case")]
pub async fn respond_inquiry(
    app: AppHandle,
    inquiry_id: String,
    response: serde_json::Value,
) -> Result<Vec<stormdesk_history::Entry>, IpcError> {
    commands(&app).respond_inquiry(inquiry_id, response).await
}
