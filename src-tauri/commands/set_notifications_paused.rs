use tauri::State;

use crate::state::AppState;

#[tauri::command]
pub fn set_notifications_paused(state: State<'_, AppState>, paused: bool) -> bool {
    state.host.set_notifications_paused(paused)
}
