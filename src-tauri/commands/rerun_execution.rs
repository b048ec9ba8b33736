use stormdesk_desk::ipc::IpcError;
use stormdesk_history::Entry;
use tauri::AppHandle;

use crate::state::host;

/// Run an execution again with some parameters changed (`key=value`).
#[tauri::command(rename_all = "snake_case")]
pub async fn rerun_execution(
    app: AppHandle,
    execution_id: String,
    changes: Vec<String>,
) -> Result<Vec<Entry>, IpcError> {
    Ok(host(&app)
        .desk()?
        .rerun_execution(&execution_id, &changes)
        .await?)
}
