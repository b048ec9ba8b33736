//! What crosses IPC between the shell and the web UI: the one error type,
//! the commands' argument and return shapes, and the TypeScript bindings
//! generated from them (`cargo run -p stormdesk-desk --bin export-bindings`).

use serde::{Deserialize, Serialize};
use stormdesk_client::config::AuthKind;
use stormdesk_client::Secret;
use stormdesk_history::{
    AckData, AnnouncementData, CommandData, Entry, EntryKind, ErrorData, NoteData, ResultData,
    StatusData, Via,
};
use stormdesk_relay::LinkState;
use stormdesk_stream::ConnectionState;
use ts_rs::{Config, TS};

use crate::prefs::{NotifyLevel, Prefs, RelayPrefs, Theme};
use crate::{DeskError, DeskEvent, ErrorKind};

/// The one error type that crosses IPC: `{kind, message}`, so the UI can
/// react to the kind (`no_credentials` → open settings, …).
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
pub struct IpcError {
    pub kind: ErrorKind,
    pub message: String,
}

impl From<DeskError> for IpcError {
    fn from(e: DeskError) -> Self {
        Self {
            kind: e.kind(),
            message: e.to_string(),
        }
    }
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

/// One command the UI may call: its name, arguments and result.
struct CommandSig {
    name: &'static str,
    args: Vec<(&'static str, String)>,
    returns: String,
}

/// Every command the shell registers, as the UI calls them (argument names
/// keep their Rust spelling: the shell's commands say `rename_all`).
fn command_sigs(cfg: &Config) -> Vec<CommandSig> {
    // Defined here so that `cfg` in it is this function's argument.
    macro_rules! ipc_commands {
        ($( $name:ident ( $( $arg:ident : $ty:ty ),* ) -> $ret:ty = |$c:ident| $body:expr ;)*) => {
            vec![$(CommandSig {
                name: stringify!($name),
                args: vec![$( (stringify!($arg), <$ty as TS>::name(cfg)) ),*],
                returns: <$ret as TS>::name(cfg),
            }),*]
        };
    }
    include!("ipc_commands.rs")
}

/// `execution_id` → `executionId`.
fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut up = false;
    for ch in snake.chars() {
        if ch == '_' {
            up = true;
        } else if up {
            out.extend(ch.to_uppercase());
            up = false;
        } else {
            out.push(ch);
        }
    }
    out
}

fn config() -> Config {
    // History ids and counters fit in a JS number.
    Config::new().with_large_int("number")
}

/// `ui/src/bindings.ts`: every type the UI receives or sends, and a
/// `Commands` map that `ipc.ts` uses to type each `invoke`.
pub fn bindings() -> String {
    let cfg = config();
    let mut out = String::from(
        "// Generated from Rust by `cargo run -p stormdesk-desk --bin export-bindings`.\n\
         // Do not edit: CI fails when this file and the Rust types differ.\n\n\
         import { invoke } from \"@tauri-apps/api/core\";\n\n",
    );
    let decls = [
        <serde_json::Value as TS>::decl(&cfg),
        EntryKind::decl(&cfg),
        Via::decl(&cfg),
        CommandData::decl(&cfg),
        AckData::decl(&cfg),
        StatusData::decl(&cfg),
        ResultData::decl(&cfg),
        AnnouncementData::decl(&cfg),
        NoteData::decl(&cfg),
        stormdesk_client::inquiry::FieldType::decl(&cfg),
        stormdesk_client::inquiry::Field::decl(&cfg),
        stormdesk_history::InquiryData::decl(&cfg),
        ErrorData::decl(&cfg),
        Entry::decl(&cfg),
        stormdesk_alias::SuggestionKind::decl(&cfg),
        stormdesk_alias::Next::decl(&cfg),
        stormdesk_alias::Suggestion::decl(&cfg),
        ConnectionState::decl(&cfg),
        AuthKind::decl(&cfg),
        ErrorKind::decl(&cfg),
        IpcError::decl(&cfg),
        Status::decl(&cfg),
        ProfileSummary::decl(&cfg),
        <Secret as TS>::decl(&cfg),
        ProfileForm::decl(&cfg),
        ExecutionControl::decl(&cfg),
        RecentResult::decl(&cfg),
        LinkState::decl(&cfg),
        RelayLinks::decl(&cfg),
        ShareTarget::decl(&cfg),
        Theme::decl(&cfg),
        NotifyLevel::decl(&cfg),
        crate::prefs::ChatUser::decl(&cfg),
        RelayPrefs::decl(&cfg),
        Prefs::decl(&cfg),
        crate::live::OutputText::decl(&cfg),
        DeskEvent::decl(&cfg),
    ];
    for d in decls {
        out.push_str("export ");
        out.push_str(d.trim());
        out.push_str("\n\n");
    }
    out.push_str("export interface Commands {\n");
    for c in command_sigs(&cfg) {
        let args: Vec<String> = c.args.iter().map(|(n, t)| format!("{n}: {t}")).collect();
        let args = if args.is_empty() {
            "{}".to_string()
        } else {
            format!("{{ {} }}", args.join("; "))
        };
        out.push_str(&format!(
            "  {}: {{ args: {args}; returns: {} }};\n",
            c.name, c.returns
        ));
    }
    out.push_str("}\n\n");
    out.push_str(
        "// One function per command: positional arguments, the result typed by\n\
         // `Commands`. What the UI calls; a new command needs no hand-written\n\
         // wrapper.\n",
    );
    for c in command_sigs(&cfg) {
        let params: Vec<String> = c
            .args
            .iter()
            .map(|(n, t)| format!("{}: {t}", camel(n)))
            .collect();
        let object: Vec<String> = c
            .args
            .iter()
            .map(|(n, _)| {
                let js = camel(n);
                if js == *n {
                    js
                } else {
                    format!("{n}: {js}")
                }
            })
            .collect();
        let object = if object.is_empty() {
            "{}".to_string()
        } else {
            format!("{{ {} }}", object.join(", "))
        };
        out.push_str(&format!(
            "export const {} = ({}): Promise<Commands[\"{}\"][\"returns\"]> =>\n  invoke(\"{}\", {object});\n",
            camel(c.name),
            params.join(", "),
            c.name,
            c.name,
        ));
    }
    out.push('\n');
    out.push_str(&format!(
        "export const COMMAND_NAMES = [{}] as const;\n",
        command_sigs(&cfg)
            .iter()
            .map(|c| format!("\"{}\"", c.name))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bindings_declare_every_type_they_use() {
        let b = bindings();
        for t in [
            "type JsonValue",
            "type Entry",
            "type DeskEvent",
            "type Prefs",
            "interface Commands",
        ] {
            assert!(b.contains(t), "{t} missing");
        }
        // A u64/i64 is a JS number here, not a bigint the UI cannot use.
        assert!(!b.contains("bigint"));
        assert!(
            b.contains("save_profile: { args: { form: ProfileForm }; returns: ProfileSummary }")
        );
        // A call function per command, arguments in their UI spelling.
        assert!(b.contains(
            "export const rerunExecution = (executionId: string, changes: Array<string>, confirmed: boolean): Promise<Commands[\"rerun_execution\"][\"returns\"]> =>\n  invoke(\"rerun_execution\", { execution_id: executionId, changes, confirmed });"
        ));
        assert!(b.contains("export const getStatus = (): Promise<Commands[\"get_status\"][\"returns\"]> =>\n  invoke(\"get_status\", {});"));
    }

    #[test]
    fn the_profile_form_never_prints_its_secret() {
        let f: ProfileForm = serde_json::from_str(
            r#"{"name":"w","base_url":"https://st2","auth":"password","username":"a","secret":"hunter2","stream_route":null,"insecure":false}"#,
        )
        .unwrap();
        assert!(!format!("{f:?}").contains("hunter2"));
    }
}
