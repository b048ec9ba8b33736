use stormdesk_desk::ipc::{IpcError, Status};
use tauri::State;

use crate::state::AppState;

#[tauri::command]
pub async fn start_demo(state: State<'_, AppState>) -> Result<Status, IpcError> {
    state.host.start_demo().await
}
