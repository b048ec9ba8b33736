use tauri::State;

use crate::state::AppState;

#[tauri::command]
pub fn mark_read(state: State<'_, AppState>) -> u32 {
    state.host.mark_read()
}
