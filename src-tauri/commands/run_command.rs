use stormdesk_desk::ipc::IpcError;
use stormdesk_history::Entry;
use tauri::AppHandle;

use crate::state::host;

#[tauri::command(rename_all = "snake_case")]
pub async fn run_command(
    app: AppHandle,
    text: String,
    confirmed: bool,
) -> Result<Vec<Entry>, IpcError> {
    Ok(host(&app)
        .desk()?
        .run_command_confirmed(&text, confirmed)
        .await?)
}
