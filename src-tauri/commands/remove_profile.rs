use stormdesk_desk::ipc::{IpcError, ProfileSummary};
use tauri::State;

use crate::state::AppState;

/// Forget a profile (config entry and keyring secret); not the running one.
#[tauri::command]
pub async fn remove_profile(
    state: State<'_, AppState>,
    name: String,
) -> Result<Vec<ProfileSummary>, IpcError> {
    state.host.remove_profile(&name).await
}
