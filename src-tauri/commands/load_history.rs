use stormdesk_desk::ipc::IpcError;
use stormdesk_history::Entry;
use tauri::AppHandle;

use crate::state::host;

#[tauri::command(rename_all = "snake_case")]
pub async fn load_history(
    app: AppHandle,
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<Entry>, IpcError> {
    Ok(host(&app).desk()?.history_page(before, limit as usize)?)
}
