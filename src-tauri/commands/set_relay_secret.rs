use stormdesk_client::Secret;
use stormdesk_desk::ipc::IpcError;
use tauri::AppHandle;

use crate::state::host;

/// The secret goes straight to the keyring; it is never sent back.
#[tauri::command(rename_all = "snake_case")]
pub async fn set_relay_secret(
    app: AppHandle,
    name: String,
    secret: Secret,
) -> Result<bool, IpcError> {
    host(&app).set_relay_secret(&name, secret).await
}
