use stormdesk_desk::ipc::IpcError;
use tauri::AppHandle;

use crate::state::commands;

#[tauri::command(rename_all = "snake_case")]
pub async fn set_relay_secret(
    app: AppHandle,
    name: String,
    secret: stormdesk_client::Secret,
) -> Result<bool, IpcError> {
    commands(&app).set_relay_secret(name, secret).await
}
