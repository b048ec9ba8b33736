//! What crosses IPC between the shell and the web UI: the one error type,
//! the commands' argument and return shapes, and the TypeScript bindings
//! generated from them (`cargo run -p stormdesk-desk --bin export-bindings`).

use serde::{Deserialize, Serialize};
use stormdesk_client::config::AuthKind;
use stormdesk_client::Secret;
use stormdesk_relay::LinkState;
use stormdesk_stream::ConnectionState;
use ts_rs::TS;

use crate::ErrorKind;

/// The one error type that crosses IPC: `{kind, message}`, so the UI can
/// react to the kind (`no_credentials` → open settings, …).
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
pub struct IpcError {
    pub kind: ErrorKind,
    pub message: String,
}

impl IpcError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    pub fn starting() -> Self {
        Self::new(
            ErrorKind::Starting,
            "Stormdesk is still connecting; try again in a moment",
        )
    }
}

/// The pane's header and the tray's look.
#[derive(Debug, Clone, Serialize, PartialEq, TS)]
pub struct Status {
    pub profile: String,
    pub demo: bool,
    pub base_url: Option<String>,
    pub notifications_paused: bool,
    pub connection: ConnectionState,
    pub unread: u32,
    /// Inquiries waiting for an answer.
    pub inquiries: u32,
    pub relay: RelayLinks,
    /// The stream route results are announced on, and the server's notify
    /// rule for it (the stormdesk pack's), if it has one.
    pub stream_route: String,
    pub announcing_rule: Option<String>,
    /// Set when the server is plain http off this machine: credentials
    /// cross the network unencrypted.
    pub transport_warning: Option<String>,
    /// An execution asked to be shown in the last few seconds (a
    /// notification's Open, the tray): a pane that starts just then (its
    /// webview was released) shows it, as the `open` event would have.
    pub open: Option<String>,
    /// Settings was asked for in the last few seconds (the tray's
    /// Settings…): a pane that starts just then opens it, as the
    /// `show_settings` event would have.
    pub settings: bool,
}

/// A profile as Settings lists it. Whether a secret is stored, never the
/// secret.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
pub struct ProfileSummary {
    pub name: String,
    pub base_url: Option<String>,
    pub auth: AuthKind,
    pub username: Option<String>,
    pub stream_route: String,
    pub has_secret: bool,
    pub current: bool,
}

/// What the pane, the tray or a notification asks of an execution.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "snake_case")]
pub enum ExecutionControl {
    Cancel,
    Pause,
    Resume,
    /// Again, with the same parameters.
    Rerun,
}

/// What the pane asks of an execution, as the client's control (a re-run
/// from here is unconfirmed and changes nothing: `rerun_execution` does more).
impl From<ExecutionControl> for stormdesk_client::Control {
    fn from(c: ExecutionControl) -> Self {
        match c {
            ExecutionControl::Cancel => Self::Cancel,
            ExecutionControl::Pause => Self::Pause,
            ExecutionControl::Resume => Self::Resume,
            ExecutionControl::Rerun => Self::Rerun {
                parameters: Default::default(),
                confirmed: false,
            },
        }
    }
}

/// The Settings form for a profile. The secret goes straight to the
/// keyring (after the server accepted it) and is never sent back.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct ProfileForm {
    pub name: String,
    pub base_url: String,
    pub auth: AuthKind,
    pub username: Option<String>,
    /// Empty or absent: keep the secret already in the keyring.
    #[ts(type = "string | null")]
    pub secret: Option<Secret>,
    pub stream_route: Option<String>,
    pub insecure: bool,
}

/// One of the last results, for the tray's "recent results".
/// The relay's links, for the tray and Settings.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
pub struct RelayLinks {
    pub slack: LinkState,
    pub teams: LinkState,
}

impl Default for RelayLinks {
    fn default() -> Self {
        Self {
            slack: LinkState::Off,
            teams: LinkState::Off,
        }
    }
}

/// Somewhere a result or announcement can be shared to: a conversation
/// the relay has heard from, or a configured webhook.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
pub struct ShareTarget {
    /// Pass back to `share_entry`: a conversation reference, or
    /// `webhook:slack` / `webhook:teams`.
    pub id: String,
    pub label: String,
    /// `slack` or `teams`.
    pub service: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
pub struct RecentResult {
    pub execution_id: String,
    pub label: String,
    pub status: String,
}

/// An execution started here that has not ended (the tray's "Cancel").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunningExecution {
    pub execution_id: String,
    pub label: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_profile_form_never_prints_its_secret() {
        let f: ProfileForm = serde_json::from_str(
            r#"{"name":"w","base_url":"https://st2","auth":"password","username":"a","secret":"hunter2","stream_route":null,"insecure":false}"#,
        )
        .unwrap();
        assert!(!format!("{f:?}").contains("hunter2"));
    }
}
