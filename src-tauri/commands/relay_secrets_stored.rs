use tauri::State;

use crate::state::AppState;

/// Names of the relay secrets in the keyring (never their values).
#[tauri::command]
pub async fn relay_secrets_stored(state: State<'_, AppState>) -> Result<Vec<String>, ()> {
    Ok(state.host.relay_secrets_stored().await)
}
