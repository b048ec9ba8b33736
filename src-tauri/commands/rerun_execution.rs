use stormdesk_desk::ipc::IpcError;
use tauri::AppHandle;

use crate::state::commands;

#[tauri::command(rename_all = "snake_case")]
pub async fn rerun_execution(
    app: AppHandle,
    execution_id: String,
    changes: Vec<String>,
    confirmed: bool,
) -> Result<Vec<stormdesk_history::Entry>, IpcError> {
    commands(&app)
        .rerun_execution(execution_id, changes, confirmed)
        .await
}
