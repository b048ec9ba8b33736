use stormdesk_desk::ipc::IpcError;
use tauri::AppHandle;

use crate::state::commands;

#[tauri::command(rename_all = "snake_case")]
pub async fn control_execution(
    app: AppHandle,
    execution_id: String,
    control: stormdesk_desk::ipc::ExecutionControl,
) -> Result<Vec<stormdesk_history::Entry>, IpcError> {
    commands(&app)
        .control_execution(execution_id, control)
        .await
}
