use stormdesk_alias::Suggestion;
use stormdesk_desk::ipc::IpcError;
use tauri::State;

use crate::state::AppState;

#[tauri::command]
pub fn suggest_aliases(
    state: State<'_, AppState>,
    text: String,
    limit: Option<usize>,
) -> Result<Vec<Suggestion>, IpcError> {
    Ok(state.host.desk()?.suggest(&text, limit.unwrap_or(8)))
}
