//! `ui/src/bindings.ts`, generated: every type the UI receives or sends, the
//! `Commands` map and one call function per command, from the Rust types and
//! the one declaration of the commands (`ipc_commands.rs`).

use stormdesk_client::config::AuthKind;
use stormdesk_client::Secret;
use stormdesk_history::{
    AckData, AnnouncementData, CommandData, Entry, EntryKind, ErrorData, NoteData, ResultData,
    StatusData, Via,
};
use stormdesk_relay::LinkState;
use stormdesk_stream::ConnectionState;
use ts_rs::{Config, TS};

use crate::ipc::*;
use crate::prefs::{NotifyLevel, Prefs, RelayPrefs, Theme};
use crate::{DeskEvent, ErrorKind};

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
        crate::events::OutputText::decl(&cfg),
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
}
