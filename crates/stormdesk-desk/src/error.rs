//! The crate's one error type: what a desk, the host or the socket can fail
//! with, each saying which [`ErrorKind`] it is.

use stormdesk_client::ClientError;
use stormdesk_history::HistoryError;

use crate::ErrorKind;

/// One error type for the UI: `{kind, message}`.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    History(#[from] HistoryError),
    #[error("{0}")]
    Input(String),
    #[error("the demo server could not start: {0}")]
    Demo(String),
    #[error(transparent)]
    Secrets(#[from] stormdesk_secrets::SecretsError),
    /// The local socket between Stormdesk's processes.
    #[error("{0}")]
    Link(String),
}

impl DeskError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            DeskError::Client(e) => e.kind(),
            DeskError::History(_) => ErrorKind::History,
            DeskError::Input(_) => ErrorKind::Input,
            DeskError::Demo(_) => ErrorKind::Demo,
            DeskError::Secrets(e) => e.kind(),
            DeskError::Link(_) => ErrorKind::Desk,
        }
    }
}
