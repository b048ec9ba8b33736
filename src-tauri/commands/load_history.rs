use stormdesk_desk::ipc::IpcError;
use stormdesk_history::Entry;
use tauri::State;

use crate::state::AppState;

#[tauri::command]
pub fn load_history(
    state: State<'_, AppState>,
    before: Option<i64>,
    limit: Option<usize>,
) -> Result<Vec<Entry>, IpcError> {
    Ok(state
        .host
        .desk()?
        .history_page(before, limit.unwrap_or(100))?)
}
