use stormdesk_desk::ipc::IpcError;
use tauri::AppHandle;

use crate::state::host;

/// The window gained focus: pick up aliases added on the server.
#[tauri::command(rename_all = "snake_case")]
pub async fn refresh_aliases(app: AppHandle) -> Result<u32, IpcError> {
    Ok(host(&app).desk()?.refresh_aliases().await? as u32)
}
