use stormdesk_desk::ipc::IpcError;
use tauri::{AppHandle, State};
use tauri_plugin_opener::OpenerExt;

use crate::state::AppState;

/// Opens in the system browser, and only the StackStorm web UI's links.
#[tauri::command]
pub fn open_link(
    app: AppHandle,
    state: State<'_, AppState>,
    url: String,
) -> Result<bool, IpcError> {
    let url = state.host.check_link(&url)?;
    app.opener()
        .open_url(url.as_str(), None::<&str>)
        .map_err(|e| IpcError::new("link", format!("cannot open the browser: {e}")))?;
    Ok(true)
}
