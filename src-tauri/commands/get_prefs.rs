use stormdesk_desk::prefs::Prefs;
use tauri::State;

use crate::state::AppState;

#[tauri::command]
pub fn get_prefs(state: State<'_, AppState>) -> Prefs {
    state.host.prefs()
}
