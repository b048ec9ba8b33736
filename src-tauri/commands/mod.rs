//! Tauri commands: each calls its method on `stormdesk_desk::commands::Commands`
//! (the same one a front end over the desk's socket reaches); errors cross as
//! `IpcError {kind, message}`. The list of commands, with each one's
//! arguments and result, is declared once, in
//! `crates/stormdesk-desk/src/ipc_commands.rs`; this module takes from it
//! the invoke handler and a signature check. The modules below are one per
//! command: a declared command without one, or one without a declaration
//! (unused, `-D warnings`), fails the build.

pub mod control_execution;
pub mod forget_share_target;
pub mod get_prefs;
pub mod get_status;
pub mod list_profiles;
pub mod list_share_targets;
pub mod load_history;
pub mod mark_read;
pub mod open_link;
pub mod recent_results;
pub mod refresh_aliases;
pub mod relay_secrets_stored;
pub mod remove_profile;
pub mod rerun_execution;
pub mod respond_inquiry;
pub mod run_command;
pub mod save_prefs;
pub mod save_profile;
pub mod search_history;
pub mod set_notifications_paused;
pub mod set_relay_secret;
pub mod share_entry;
pub mod start_demo;
pub mod suggest_aliases;
pub mod switch_profile;

macro_rules! ipc_commands {
    ($( $name:ident ( $( $arg:ident : $ty:ty ),* ) -> $ret:ty ;)*) => {
        /// Each command has exactly its declared arguments and result: a
        /// command whose Rust signature drifts from the bindings' fails to
        /// compile here.
        #[allow(dead_code)]
        mod signatures {
            $(
                pub fn $name(
                    app: tauri::AppHandle,
                    $( $arg: $ty ),*
                ) -> impl std::future::Future<
                    Output = Result<$ret, stormdesk_desk::ipc::IpcError>,
                > {
                    super::$name::$name(app, $( $arg ),*)
                }
            )*
        }

        /// `tauri::generate_handler!` over every declared command.
        macro_rules! invoke_handler {
            () => {
                tauri::generate_handler![$( crate::commands::$name::$name ),*]
            };
        }
        pub(crate) use invoke_handler;
    };
}

include!("../../crates/stormdesk-desk/src/ipc_commands.rs");

#[cfg(test)]
mod tests {
    /// The window's capability (written by build.rs) grants each declared
    /// command, and nothing of ours that is not declared.
    #[test]
    fn the_capability_allows_exactly_the_declared_commands() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/capabilities/main-window.json");
        let cap: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let ours: Vec<String> = cap["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p.as_str())
            .filter(|p| !p.starts_with("core:"))
            .map(str::to_string)
            .collect();
        let declared: Vec<String> = stormdesk_desk::commands::NAMES
            .iter()
            .map(|n| format!("allow-{}", n.replace('_', "-")))
            .collect();
        assert_eq!(ours, declared);
    }
}
