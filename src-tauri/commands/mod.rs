//! Tauri commands: each calls one core function; errors cross as
//! `IpcError {kind, message}`. Names and shapes are listed in
//! `stormdesk_desk::ipc` (which generates `ui/src/bindings.ts`).

pub mod forget_share_target;
pub mod get_prefs;
pub mod get_status;
pub mod list_profiles;
pub mod list_share_targets;
pub mod load_history;
pub mod mark_read;
pub mod open_link;
pub mod recent_results;
pub mod relay_secrets_stored;
pub mod remove_profile;
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
