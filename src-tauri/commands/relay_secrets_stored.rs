use stormdesk_desk::ipc::IpcError;
use tauri::AppHandle;

use crate::state::host;

/// Names of the relay secrets in the keyring (never their values).
#[tauri::command(rename_all = "snake_case")]
pub async fn relay_secrets_stored(app: AppHandle) -> Result<Vec<String>, IpcError> {
    Ok(host(&app).relay_secrets_stored().await)
}
