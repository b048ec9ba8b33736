//! "Profile ▸": switch between configured StackStorm servers and the demo.

use stormdesk_desk::host::DEMO_PROFILE;
use stormdesk_desk::ipc::ProfileSummary;
use tauri::menu::{CheckMenuItem, Submenu};
use tauri::{AppHandle, Manager, Wry};

use crate::state::AppState;

pub const PREFIX: &str = "profile:";

pub fn submenu(
    app: &AppHandle,
    profiles: &[ProfileSummary],
    current: Option<(&str, bool)>,
) -> tauri::Result<Submenu<Wry>> {
    let menu = Submenu::new(app, "Profile", true)?;
    let demo_on = current.is_some_and(|(_, demo)| demo);
    for p in profiles {
        let on = !demo_on && current.is_some_and(|(name, _)| name == p.name);
        let label = match &p.base_url {
            Some(u) => format!("{} ({u})", p.name),
            None => p.name.clone(),
        };
        menu.append(&CheckMenuItem::with_id(
            app,
            format!("{PREFIX}{}", p.name),
            label,
            true,
            on,
            None::<&str>,
        )?)?;
    }
    menu.append(&CheckMenuItem::with_id(
        app,
        format!("{PREFIX}{DEMO_PROFILE}"),
        "Demo (built-in server)",
        true,
        demo_on,
        None::<&str>,
    )?)?;
    Ok(menu)
}

pub fn run(app: &AppHandle, id: &str) {
    let Some(name) = id.strip_prefix(PREFIX).map(str::to_string) else {
        return;
    };
    let host = std::sync::Arc::clone(&app.state::<AppState>().host);
    // Failures arrive in the pane as an event; the running desk stays.
    tauri::async_runtime::spawn(async move {
        if let Err(error) = host.switch_profile(Some(&name)).await {
            host.report(error);
        }
    });
}
