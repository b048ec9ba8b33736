use stormdesk_desk::ipc::IpcError;
use stormdesk_desk::ErrorKind;
use tauri::AppHandle;
use tauri_plugin_opener::OpenerExt;

use crate::state::host;

/// Opens in the system browser, and only the StackStorm web UI's links.
#[tauri::command(rename_all = "snake_case")]
pub async fn open_link(app: AppHandle, url: String) -> Result<bool, IpcError> {
    let url = host(&app).check_link(&url)?;
    app.opener()
        .open_url(url.as_str(), None::<&str>)
        .map_err(|e| IpcError::new(ErrorKind::Link, format!("cannot open the browser: {e}")))?;
    Ok(true)
}
