//! The one error type that crosses IPC: `{kind, message}`.

use serde::Serialize;
use stormdesk_desk::DeskError;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct IpcError {
    pub kind: String,
    pub message: String,
}

impl From<DeskError> for IpcError {
    fn from(e: DeskError) -> Self {
        Self {
            kind: e.kind().to_string(),
            message: e.to_string(),
        }
    }
}

impl IpcError {
    pub fn starting() -> Self {
        Self {
            kind: "starting".into(),
            message: "Stormdesk is still connecting; try again in a moment".into(),
        }
    }
}
