use stormdesk_desk::ipc::IpcError;
use stormdesk_history::Entry;
use tauri::State;

use crate::state::AppState;

#[tauri::command]
pub fn search_history(
    state: State<'_, AppState>,
    query: String,
    limit: Option<usize>,
) -> Result<Vec<Entry>, IpcError> {
    Ok(state
        .host
        .desk()?
        .search_history(&query, limit.unwrap_or(100))?)
}
