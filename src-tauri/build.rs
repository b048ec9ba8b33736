fn main() {
    // Declaring the app's commands makes each one a permission the
    // capability in tauri.conf.json must grant explicitly.
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(
        tauri_build::AppManifest::new().commands(&[
            "suggest_aliases",
            "run_command",
            "load_history",
            "search_history",
            "set_notifications_paused",
            "get_status",
        ]),
    ))
    .expect("tauri build script");
}
