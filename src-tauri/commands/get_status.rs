use serde::Serialize;
use tauri::State;

use crate::error::IpcError;
use crate::state::AppState;

#[derive(Debug, Serialize)]
pub struct Status {
    pub profile: String,
    pub base_url: Option<String>,
    pub notifications_paused: bool,
    pub connection: stormdesk_stream::ConnectionState,
}

#[tauri::command]
pub fn get_status(state: State<'_, AppState>) -> Result<Status, IpcError> {
    let desk = state.desk()?;
    Ok(Status {
        profile: desk.profile().name.clone(),
        base_url: desk.profile().base_url.clone(),
        notifications_paused: desk.notifications_paused(),
        connection: desk.connection_state(),
    })
}
