use stormdesk_desk::ipc::{IpcError, ProfileSummary};
use tauri::State;

use crate::state::AppState;

#[tauri::command]
pub async fn list_profiles(state: State<'_, AppState>) -> Result<Vec<ProfileSummary>, IpcError> {
    state.host.list_profiles().await
}
