use stormdesk_desk::ipc::{IpcError, ShareTarget};
use tauri::State;

use crate::state::AppState;

/// Take a conversation off the share list; the list that remains.
#[tauri::command]
pub async fn forget_share_target(
    state: State<'_, AppState>,
    target: String,
) -> Result<Vec<ShareTarget>, IpcError> {
    state.host.forget_share_target(&target).await
}
