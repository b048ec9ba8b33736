//! The tray icon and its menu; one file per menu item.

pub mod open;
pub mod pause;
pub mod quit;

use tauri::menu::{Menu, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{App, Manager};

pub const TRAY_ID: &str = "stormdesk";

pub fn build(app: &App) -> tauri::Result<()> {
    let menu = Menu::with_items(
        app,
        &[
            &open::item(app)?,
            &pause::item(app)?,
            &PredefinedMenuItem::separator(app)?,
            &quit::item(app)?,
        ],
    )?;
    let mut tray = TrayIconBuilder::with_id(TRAY_ID)
        .tooltip("Stormdesk")
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| match event.id().as_ref() {
            open::ID => open::run(app),
            pause::ID => pause::run(app),
            quit::ID => quit::run(app),
            _ => {}
        })
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                toggle_main(tray.app_handle());
            }
        });
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(app)?;
    Ok(())
}

/// Left click: show and focus the pane, or hide it.
pub fn toggle_main(app: &tauri::AppHandle) {
    if let Some(w) = app.get_webview_window("main") {
        if w.is_visible().unwrap_or(false) {
            let _ = w.hide();
        } else {
            let _ = w.show();
            let _ = w.set_focus();
        }
    }
}
