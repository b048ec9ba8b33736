use stormdesk_desk::ipc::IpcError;
use stormdesk_history::Entry;
use tauri::AppHandle;

use crate::state::host;

#[tauri::command(rename_all = "snake_case")]
pub async fn search_history(
    app: AppHandle,
    query: String,
    limit: u32,
) -> Result<Vec<Entry>, IpcError> {
    Ok(host(&app).desk()?.search_history(&query, limit as usize)?)
}
