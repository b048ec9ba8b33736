use stormdesk_desk::ipc::IpcError;
use stormdesk_desk::ipc::{ProfileForm, ProfileSummary};
use tauri::AppHandle;

use crate::state::host;

#[tauri::command(rename_all = "snake_case")]
pub async fn save_profile(app: AppHandle, form: ProfileForm) -> Result<ProfileSummary, IpcError> {
    host(&app).save_profile(form).await
}
