use stormdesk_desk::ipc::{IpcError, ShareTarget};
use tauri::State;

use crate::state::AppState;

/// Post a result or announcement to a share target. Arguments keep their
/// Rust names (`entry_id`), as the generated bindings spell them.
#[tauri::command(rename_all = "snake_case")]
pub async fn share_entry(
    state: State<'_, AppState>,
    entry_id: i64,
    target: String,
) -> Result<ShareTarget, IpcError> {
    state.host.share_entry(entry_id, &target).await
}
