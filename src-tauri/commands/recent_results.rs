use stormdesk_desk::ipc::RecentResult;
use tauri::State;

use crate::state::AppState;

#[tauri::command]
pub fn recent_results(state: State<'_, AppState>) -> Vec<RecentResult> {
    state.host.recent_results()
}
