use stormdesk_client::Secret;
use stormdesk_desk::ipc::IpcError;
use tauri::State;

use crate::state::AppState;

/// The secret goes straight to the keyring; it is never sent back.
#[tauri::command]
pub async fn set_relay_secret(
    state: State<'_, AppState>,
    name: String,
    secret: Secret,
) -> Result<bool, IpcError> {
    state.host.set_relay_secret(&name, secret).await
}
