use stormdesk_desk::ipc::IpcError;
use stormdesk_history::Entry;
use tauri::State;

use crate::state::AppState;

#[tauri::command]
pub async fn run_command(state: State<'_, AppState>, text: String) -> Result<Vec<Entry>, IpcError> {
    Ok(state.host.desk()?.run_command(&text).await?)
}
