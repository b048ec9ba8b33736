use tauri::State;

use crate::error::IpcError;
use crate::state::AppState;

#[tauri::command]
pub fn set_notifications_paused(
    state: State<'_, AppState>,
    paused: bool,
) -> Result<bool, IpcError> {
    let desk = state.desk()?;
    desk.set_notifications_paused(paused);
    Ok(desk.notifications_paused())
}
