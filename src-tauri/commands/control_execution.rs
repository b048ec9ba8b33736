use stormdesk_desk::ipc::{ExecutionControl, IpcError};
use stormdesk_history::Entry;
use tauri::AppHandle;

use crate::state::host;

/// Cancel, pause, resume or re-run an execution.
#[tauri::command(rename_all = "snake_case")]
pub async fn control_execution(
    app: AppHandle,
    execution_id: String,
    control: ExecutionControl,
) -> Result<Vec<Entry>, IpcError> {
    Ok(host(&app)
        .desk()?
        .control_execution(&execution_id, control)
        .await?)
}
