//! The relay: Stormdesk as a person's own ChatOps bridge.
//!
//! - [`slack`]: Web API `chat.postMessage` (channel or thread, `extra.slack`
//!   attachments/blocks, `429 Retry-After` obeyed, long messages split
//!   without breaking code blocks) and incoming webhooks.
//! - [`teams`]: Bot Framework proactive messages to a stored conversation
//!   reference (client-credentials token, reply-to-activity for threads),
//!   Workflows/incoming webhooks with an Adaptive Card, and reading the
//!   conversation reference out of an inbound activity.
//! - [`inbound`]: a chat message becomes an alias execution whose
//!   `source_channel` carries the exact conversation (and thread) it came
//!   from, so the result finds its way back — the seed's Teams failure was a
//!   reply that had lost its conversation.
//! - [`outbound`]: an announcement's decoded destination → the right chat.
//! - [`approval`]: who may answer an inquiry from chat (mapped StackStorm
//!   users, their roles, approvers; nobody approves their own request).
//!
//! Every base URL is configurable so tests point them at loopback fakes.

pub mod approval;
#[cfg(feature = "fakes")]
pub mod fakes;
pub mod inbound;
pub mod outbound;
pub mod service;
pub mod slack;
pub mod socket_mode;
pub mod split;
pub mod teams;
pub mod teams_endpoint;

/// How one chat link is doing (Socket Mode, the Teams endpoint), for the
/// tray and Settings.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum LinkState {
    Off,
    Connecting,
    Connected,
    /// Dropped or refused for now; trying again.
    Retrying {
        reason: String,
    },
    /// The Teams endpoint, waiting for Bot Framework.
    Listening {
        address: String,
    },
    /// Stopped for a reason retrying cannot fix (a refused token).
    Failed {
        reason: String,
    },
}

impl LinkState {
    /// In words, for a tooltip.
    pub fn describe(&self) -> String {
        match self {
            LinkState::Off => "off".into(),
            LinkState::Connecting => "connecting…".into(),
            LinkState::Connected => "connected".into(),
            LinkState::Retrying { reason } => format!("reconnecting ({reason})"),
            LinkState::Listening { address } => format!("listening on {address}"),
            LinkState::Failed { reason } => format!("stopped: {reason}"),
        }
    }
}

/// One error type for the relay, with a `kind()` for the UI.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// The chat service answered with an error of its own (`ok: false`,
    /// a 4xx other than 429).
    #[error("{service} refused the message: {message}")]
    Refused {
        service: &'static str,
        message: String,
    },
    /// Still rate-limited after the retries.
    #[error("{service} is rate-limiting the relay (retry after {retry_after_s} s)")]
    RateLimited {
        service: &'static str,
        retry_after_s: u64,
    },
    #[error("{service} cannot be reached: {message}")]
    Unreachable {
        service: &'static str,
        message: String,
    },
    #[error("{service} sent something unreadable: {message}")]
    Malformed {
        service: &'static str,
        message: String,
    },
    /// An inbound request without a valid token (the reason is logged,
    /// never sent back).
    #[error("refused an unauthenticated request: {0}")]
    Unauthorized(String),
    /// The command was not run: who or what was refused, in words.
    #[error("{0}")]
    NotAllowed(String),
    /// What the chat user typed cannot be sent as it is (an inquiry answer
    /// its form rejects), in words.
    #[error("{0}")]
    Input(String),
    #[error(transparent)]
    StackStorm(#[from] stormdesk_client::ClientError),
}

impl RelayError {
    pub fn kind(&self) -> stormdesk_client::ErrorKind {
        use stormdesk_client::ErrorKind;
        match self {
            RelayError::Refused { .. } => ErrorKind::RelayRefused,
            RelayError::RateLimited { .. } => ErrorKind::RelayRateLimited,
            RelayError::Unreachable { .. } => ErrorKind::RelayUnreachable,
            RelayError::Malformed { .. } => ErrorKind::RelayMalformed,
            RelayError::NotAllowed(_) => ErrorKind::NotAllowed,
            RelayError::Input(_) => ErrorKind::Input,
            RelayError::Unauthorized(_) => ErrorKind::RelayUnauthorized,
            RelayError::StackStorm(e) => e.kind(),
        }
    }
}

/// A reqwest error in words, without the URL (webhook URLs are secrets).
pub(crate) fn unreachable(service: &'static str, e: reqwest::Error) -> RelayError {
    RelayError::Unreachable {
        service,
        message: e.without_url().to_string(),
    }
}
