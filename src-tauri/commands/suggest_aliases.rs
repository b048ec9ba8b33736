use stormdesk_alias::Suggestion;
use tauri::State;

use crate::error::IpcError;
use crate::state::AppState;

#[tauri::command]
pub fn suggest_aliases(
    state: State<'_, AppState>,
    text: String,
    limit: Option<usize>,
) -> Result<Vec<Suggestion>, IpcError> {
    Ok(state.desk()?.suggest(&text, limit.unwrap_or(8)))
}
