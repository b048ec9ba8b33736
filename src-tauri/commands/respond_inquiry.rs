use serde_json::Value;
use stormdesk_desk::ipc::IpcError;
use stormdesk_history::Entry;
use tauri::AppHandle;

use crate::state::host;

/// Answer an inquiry from its card.
#[tauri::command(rename_all = "snake_case")]
pub async fn respond_inquiry(
    app: AppHandle,
    inquiry_id: String,
    response: Value,
) -> Result<Vec<Entry>, IpcError> {
    Ok(host(&app)
        .desk()?
        .respond_inquiry(&inquiry_id, response)
        .await?)
}
