use stormdesk_desk::ipc::IpcError;
use stormdesk_desk::prefs::Prefs;
use tauri::AppHandle;

use crate::state::host;

#[tauri::command(rename_all = "snake_case")]
pub async fn get_prefs(app: AppHandle) -> Result<Prefs, IpcError> {
    Ok(host(&app).prefs())
}
