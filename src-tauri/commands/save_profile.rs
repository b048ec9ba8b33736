use stormdesk_desk::ipc::IpcError;
use tauri::AppHandle;

use crate::state::commands;

#[tauri::command(rename_all = "snake_case")]
pub async fn save_profile(
    app: AppHandle,
    form: stormdesk_desk::ipc::ProfileForm,
) -> Result<stormdesk_desk::ipc::ProfileSummary, IpcError> {
    commands(&app).save_profile(form).await
}
