use stormdesk_alias::Suggestion;
use stormdesk_desk::ipc::IpcError;
use tauri::State;

use crate::state::AppState;

/// Async, and the matching on a blocking thread: a sync command runs on the
/// main thread, where a slow alias format would freeze the window.
#[tauri::command]
pub async fn suggest_aliases(
    state: State<'_, AppState>,
    text: String,
    limit: Option<usize>,
) -> Result<Vec<Suggestion>, IpcError> {
    let desk = state.host.desk()?;
    tauri::async_runtime::spawn_blocking(move || desk.suggest(&text, limit.unwrap_or(8)))
        .await
        .map_err(|e| IpcError::new("internal", format!("suggestions failed: {e}")))
}
