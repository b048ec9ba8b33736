use stormdesk_desk::ipc::IpcError;
use tauri::AppHandle;

use crate::state::commands;

#[tauri::command(rename_all = "snake_case")]
pub async fn run_command(
    app: AppHandle,
    text: String,
    confirmed: bool,
) -> Result<Vec<stormdesk_history::Entry>, IpcError> {
    commands(&app).run_command(text, confirmed).await
}
