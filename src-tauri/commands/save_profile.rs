use stormdesk_desk::ipc::{IpcError, ProfileForm, ProfileSummary};
use tauri::State;

use crate::state::AppState;

#[tauri::command]
pub async fn save_profile(
    state: State<'_, AppState>,
    form: ProfileForm,
) -> Result<ProfileSummary, IpcError> {
    state.host.save_profile(form).await
}
