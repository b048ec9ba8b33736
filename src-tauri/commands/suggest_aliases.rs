use stormdesk_alias::Suggestion;
use stormdesk_desk::ipc::IpcError;
use stormdesk_desk::ErrorKind;
use tauri::AppHandle;

use crate::state::host;

/// The matching runs on a blocking thread: a slow alias format must not
/// hold up the async runtime that serves the other commands.
#[tauri::command(rename_all = "snake_case")]
pub async fn suggest_aliases(
    app: AppHandle,
    text: String,
    limit: u32,
) -> Result<Vec<Suggestion>, IpcError> {
    let desk = host(&app).desk()?;
    tauri::async_runtime::spawn_blocking(move || desk.suggest(&text, limit as usize))
        .await
        .map_err(|e| IpcError::new(ErrorKind::Internal, format!("suggestions failed: {e}")))
}
