use stormdesk_desk::ipc::{IpcError, Status};
use tauri::State;

use crate::state::AppState;

#[tauri::command]
pub fn get_status(state: State<'_, AppState>) -> Result<Status, IpcError> {
    state.host.status()
}
