use stormdesk_desk::ipc::{IpcError, ShareTarget};
use tauri::State;

use crate::state::AppState;

/// Webhooks and the chat conversations the relay has heard from.
#[tauri::command]
pub async fn list_share_targets(state: State<'_, AppState>) -> Result<Vec<ShareTarget>, IpcError> {
    state.host.share_targets().await
}
