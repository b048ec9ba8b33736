use stormdesk_desk::ipc::{IpcError, Status};
use tauri::State;

use crate::state::AppState;

#[tauri::command]
pub async fn switch_profile(state: State<'_, AppState>, name: String) -> Result<Status, IpcError> {
    state.host.switch_profile(Some(&name)).await
}
