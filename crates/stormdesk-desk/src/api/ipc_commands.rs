// Every IPC command the UI may call, declared once: name(arguments) ->
// result = |c| the call that answers it (`c` is the `Commands`; errors are
// always `IpcError`). This file is `include!`d with a different
// `ipc_commands!` macro by each reader:
// - `stormdesk_desk::commands` makes a `Commands` method of each, the `Call`
//   enum (the same command as data), `answer` (the one dispatch, for the
//   Tauri shell and the desk's socket alike) and which commands may carry
//   a secret (from their argument types);
// - `stormdesk_desk::ipc` generates the TypeScript `Commands` map and one
//   call function per command from it;
// - the shell's `build.rs` makes a permission per command and the window's
//   capability from it.
// Adding a command: a line here, and the core function it calls.
ipc_commands! {
    suggest_aliases(text: String, limit: u32) -> Vec<stormdesk_alias::Suggestion>
        = |c| c.host.suggest_aliases(text, limit as usize).await;
    refresh_aliases() -> u32
        = |c| Ok(c.host.desk()?.refresh_aliases().await? as u32);
    run_command(text: String, confirmed: bool) -> Vec<stormdesk_history::Entry>
        = |c| Ok(c.host.desk()?.run_command_confirmed(&text, confirmed).await?);
    respond_inquiry(inquiry_id: String, response: serde_json::Value) -> Vec<stormdesk_history::Entry>
        = |c| Ok(c.host.desk()?.respond_inquiry(&inquiry_id, response).await?);
    control_execution(execution_id: String, control: stormdesk_desk::ipc::ExecutionControl) -> Vec<stormdesk_history::Entry>
        = |c| Ok(c.host.desk()?.control_execution(&execution_id, control).await?);
    rerun_execution(execution_id: String, changes: Vec<String>, confirmed: bool) -> Vec<stormdesk_history::Entry>
        = |c| Ok(c.host.desk()?.rerun_execution(&execution_id, &changes, confirmed).await?);
    load_history(before: Option<i64>, limit: u32) -> Vec<stormdesk_history::Entry>
        = |c| c.host.history_page(before, limit as usize).await;
    search_history(query: String, limit: u32) -> Vec<stormdesk_history::Entry>
        = |c| c.host.search_history(query, limit as usize).await;
    set_notifications_paused(paused: bool) -> bool
        = |c| Ok(c.host.set_notifications_paused(paused));
    get_status() -> stormdesk_desk::ipc::Status
        = |c| c.host.status();
    start_demo() -> stormdesk_desk::ipc::Status
        = |c| c.host.start_demo().await;
    list_profiles() -> Vec<stormdesk_desk::ipc::ProfileSummary>
        = |c| c.host.list_profiles().await;
    save_profile(form: stormdesk_desk::ipc::ProfileForm) -> stormdesk_desk::ipc::ProfileSummary
        = |c| c.host.save_profile(form).await;
    remove_profile(name: String) -> Vec<stormdesk_desk::ipc::ProfileSummary>
        = |c| c.host.remove_profile(&name).await;
    switch_profile(name: String) -> stormdesk_desk::ipc::Status
        = |c| c.host.switch_profile(Some(&name)).await;
    get_prefs() -> stormdesk_desk::prefs::Prefs
        = |c| Ok(c.host.prefs());
    save_prefs(prefs: stormdesk_desk::prefs::Prefs) -> stormdesk_desk::prefs::Prefs
        = |c| c.apply_and_save_prefs(prefs).await;
    open_link(url: String) -> bool
        = |c| c.open_checked_link(&url);
    mark_read() -> u32
        = |c| Ok(c.host.mark_read());
    recent_results() -> Vec<stormdesk_desk::ipc::RecentResult>
        = |c| Ok(c.host.recent_results());
    set_relay_secret(name: String, secret: stormdesk_client::Secret) -> bool
        = |c| c.host.set_relay_secret(&name, secret).await;
    relay_secrets_stored() -> Vec<String>
        = |c| Ok(c.host.relay_secrets_stored().await);
    list_share_targets() -> Vec<stormdesk_desk::ipc::ShareTarget>
        = |c| c.host.share_targets().await;
    share_entry(entry_id: i64, target: String) -> stormdesk_desk::ipc::ShareTarget
        = |c| c.host.share_entry(entry_id, &target).await;
    forget_share_target(target: String) -> Vec<stormdesk_desk::ipc::ShareTarget>
        = |c| c.host.forget_share_target(&target).await;
}
