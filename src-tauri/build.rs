fn main() {
    // Declaring the app's commands makes each one a permission the
    // capability in tauri.conf.json must grant explicitly. The list matches
    // stormdesk_desk::ipc (the bindings); e2e calls every one of them.
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(
        tauri_build::AppManifest::new().commands(&[
            "suggest_aliases",
            "run_command",
            "load_history",
            "search_history",
            "set_notifications_paused",
            "get_status",
            "start_demo",
            "list_profiles",
            "save_profile",
            "switch_profile",
            "get_prefs",
            "save_prefs",
            "open_link",
            "mark_read",
            "recent_results",
            "set_relay_secret",
            "relay_secrets_stored",
            "list_share_targets",
            "share_entry",
            "forget_share_target",
            "remove_profile",
        ]),
    ))
    .expect("tauri build script");
}
