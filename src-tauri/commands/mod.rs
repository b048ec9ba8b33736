//! Tauri commands: each calls one core function and converts its error.

pub mod get_status;
pub mod load_history;
pub mod run_command;
pub mod search_history;
pub mod set_notifications_paused;
pub mod suggest_aliases;
