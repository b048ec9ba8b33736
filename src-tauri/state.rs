//! What the shell holds: the desk once it has started, or why it has not.

use std::sync::Arc;

use stormdesk_desk::Desk;
use tokio::sync::OnceCell;

use crate::error::IpcError;

#[derive(Default)]
pub struct AppState {
    pub desk: OnceCell<Arc<Desk>>,
    pub startup_error: std::sync::Mutex<Option<IpcError>>,
}

impl AppState {
    pub fn desk(&self) -> Result<Arc<Desk>, IpcError> {
        if let Some(d) = self.desk.get() {
            return Ok(Arc::clone(d));
        }
        let err = self
            .startup_error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        Err(err.unwrap_or_else(IpcError::starting))
    }
}
