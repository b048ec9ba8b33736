// Every IPC command the UI may call, declared once: name(arguments) ->
// result (errors are always `IpcError`). This file is `include!`d with a
// different `ipc_commands!` macro by each reader:
// - `stormdesk_desk::ipc` generates the TypeScript `Commands` map from it;
// - the shell's `commands/mod.rs` declares one module per command, builds the
//   invoke handler, and checks each command's Rust signature against it;
// - the shell's `build.rs` makes a permission per command and the window's
//   capability from it.
// Adding a command: a line here, then `src-tauri/commands/<name>.rs`.
ipc_commands! {
    suggest_aliases(text: String, limit: u32) -> Vec<stormdesk_alias::Suggestion>;
    refresh_aliases() -> u32;
    run_command(text: String, confirmed: bool) -> Vec<stormdesk_history::Entry>;
    respond_inquiry(inquiry_id: String, response: serde_json::Value) -> Vec<stormdesk_history::Entry>;
    control_execution(execution_id: String, control: stormdesk_desk::ipc::ExecutionControl) -> Vec<stormdesk_history::Entry>;
    rerun_execution(execution_id: String, changes: Vec<String>, confirmed: bool) -> Vec<stormdesk_history::Entry>;
    load_history(before: Option<i64>, limit: u32) -> Vec<stormdesk_history::Entry>;
    search_history(query: String, limit: u32) -> Vec<stormdesk_history::Entry>;
    set_notifications_paused(paused: bool) -> bool;
    get_status() -> stormdesk_desk::ipc::Status;
    start_demo() -> stormdesk_desk::ipc::Status;
    list_profiles() -> Vec<stormdesk_desk::ipc::ProfileSummary>;
    save_profile(form: stormdesk_desk::ipc::ProfileForm) -> stormdesk_desk::ipc::ProfileSummary;
    remove_profile(name: String) -> Vec<stormdesk_desk::ipc::ProfileSummary>;
    switch_profile(name: String) -> stormdesk_desk::ipc::Status;
    get_prefs() -> stormdesk_desk::prefs::Prefs;
    save_prefs(prefs: stormdesk_desk::prefs::Prefs) -> stormdesk_desk::prefs::Prefs;
    open_link(url: String) -> bool;
    mark_read() -> u32;
    recent_results() -> Vec<stormdesk_desk::ipc::RecentResult>;
    set_relay_secret(name: String, secret: stormdesk_client::Secret) -> bool;
    relay_secrets_stored() -> Vec<String>;
    list_share_targets() -> Vec<stormdesk_desk::ipc::ShareTarget>;
    share_entry(entry_id: i64, target: String) -> stormdesk_desk::ipc::ShareTarget;
    forget_share_target(target: String) -> Vec<stormdesk_desk::ipc::ShareTarget>;
}
