//! The tray icon and its menu. The menu is declared once in the desk
//! (`stormdesk_desk::host::tray_menu`) and rendered here with Tauri's menus;
//! a click is handed back to the host as its action, except showing the pane
//! and quitting, which are this shell's. The look (icon, tooltip, unread
//! count) is decided by `stormdesk_desk::tray_look`.

use stormdesk_desk::host::tray_menu::{tray_menu, TrayAction, TrayEntry, TrayMenuState};
use stormdesk_desk::tray_look::{tray_change, TrayIcon};
use stormdesk_desk::DeskEvent;
use tauri::image::Image;
use tauri::menu::{CheckMenuItem, IsMenuItem, Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{App, AppHandle, Manager, Wry};

use crate::state::AppState;

pub const TRAY_ID: &str = "stormdesk";

fn icon(which: TrayIcon) -> tauri::Result<Image<'static>> {
    Image::from_bytes(match which {
        TrayIcon::Live => include_bytes!("../../icons/32x32.png").as_slice(),
        TrayIcon::Connecting => include_bytes!("../../icons/tray-connecting.png"),
        TrayIcon::Error => include_bytes!("../../icons/tray-error.png"),
        TrayIcon::Paused => include_bytes!("../../icons/tray-paused.png"),
    })
}

pub fn build(app: &App) -> tauri::Result<()> {
    let menu = menu(app.handle(), &TrayMenuState::default())?;
    TrayIconBuilder::with_id(TRAY_ID)
        .tooltip("Stormdesk — starting")
        .icon(icon(TrayIcon::Connecting)?)
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| {
            if let Some(action) = TrayAction::from_id(event.id().as_ref()) {
                act(app, action);
            }
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
        })
        .build(app)?;
    Ok(())
}

/// A click: the host carries it out; showing the pane and quitting are ours.
fn act(app: &AppHandle, action: TrayAction) {
    let host = std::sync::Arc::clone(&app.state::<AppState>().host);
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        match host.tray_act(action).await {
            Some(TrayAction::Open) => crate::summon_main(&app),
            // Stop the stream session cleanly (the history is already
            // written); quitting is the only way out, closing only hides.
            Some(TrayAction::Quit) => {
                let _ =
                    tokio::time::timeout(std::time::Duration::from_secs(3), host.shutdown()).await;
                app.exit(0);
            }
            _ => {}
        }
    });
}

fn menu(app: &AppHandle, state: &TrayMenuState) -> tauri::Result<Menu<Wry>> {
    let menu = Menu::new(app)?;
    for entry in tray_menu(state) {
        menu.append(render(app, entry)?.as_ref())?;
    }
    Ok(menu)
}

fn render(app: &AppHandle, entry: TrayEntry) -> tauri::Result<Box<dyn IsMenuItem<Wry>>> {
    Ok(match entry {
        TrayEntry::Item {
            label,
            action: Some(action),
            accelerator,
        } => Box::new(MenuItem::with_id(
            app,
            action.id(),
            label,
            true,
            accelerator,
        )?),
        TrayEntry::Item {
            label,
            action: None,
            ..
        } => Box::new(MenuItem::new(app, label, false, None::<&str>)?),
        TrayEntry::Check {
            label,
            checked,
            action,
        } => Box::new(CheckMenuItem::with_id(
            app,
            action.id(),
            label,
            true,
            checked,
            None::<&str>,
        )?),
        TrayEntry::Submenu { label, entries } => {
            let sub = Submenu::new(app, label, true)?;
            for e in entries {
                sub.append(render(app, e)?.as_ref())?;
            }
            Box::new(sub)
        }
        TrayEntry::Separator => Box::new(PredefinedMenuItem::separator(app)?),
    })
}

/// Follow what the host reports: the icon and tooltip on every state
/// change, the menu when results, profiles or pause change.
pub fn on_event(app: &AppHandle, ev: &DeskEvent) {
    let Some(rebuild) = tray_change(ev) else {
        return;
    };
    update_look(app);
    if rebuild {
        let app = app.clone();
        tauri::async_runtime::spawn(async move {
            let host = std::sync::Arc::clone(&app.state::<AppState>().host);
            let state = host.tray_menu_state().await;
            let Some(tray) = app.tray_by_id(TRAY_ID) else {
                return;
            };
            match menu(&app, &state) {
                Ok(m) => {
                    let _ = tray.set_menu(Some(m));
                }
                Err(e) => tracing::warn!(error = %e, "tray menu"),
            }
        });
    }
}

fn update_look(app: &AppHandle) {
    let look = app.state::<AppState>().host.tray_look();
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        if let Ok(i) = icon(look.icon) {
            let _ = tray.set_icon(Some(i));
        }
        let _ = tray.set_tooltip(Some(&look.tooltip));
        let _ = tray.set_title(look.title.as_deref());
    }
}

/// Left click: show and focus the pane, or hide it.
pub fn toggle_main(app: &AppHandle) {
    match app.get_webview_window(crate::webview::MAIN) {
        Some(w) if w.is_visible().unwrap_or(false) => {
            let _ = w.hide();
        }
        // Hidden, or released: shown (built again if need be).
        _ => crate::summon_main(app),
    }
}
