//! The tray icon and its menu; one file per menu item. Its look (icon,
//! tooltip, unread count) is decided by stormdesk_desk::tray_look.

pub mod open;
pub mod pause;
pub mod profile;
pub mod quit;
pub mod recent;
pub mod relay;
pub mod running;
pub mod settings;

use stormdesk_desk::tray_look::{tray_change, TrayIcon};
use stormdesk_desk::DeskEvent;
use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
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
    let menu = menu(app.handle(), &[], &[], &[], None)?;
    TrayIconBuilder::with_id(TRAY_ID)
        .tooltip("Stormdesk — starting")
        .icon(icon(TrayIcon::Connecting)?)
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| {
            let id = event.id().as_ref();
            match id {
                open::ID => open::run(app),
                pause::ID => pause::run(app),
                settings::ID => settings::run(app),
                quit::ID => quit::run(app),
                _ if id.starts_with(recent::PREFIX) => recent::run(app, id),
                _ if id.starts_with(running::PREFIX) => running::run(app, id),
                _ if id.starts_with(profile::PREFIX) => profile::run(app, id),
                _ => {}
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

fn menu(
    app: &AppHandle,
    running: &[stormdesk_desk::ipc::RunningExecution],
    recent: &[stormdesk_desk::ipc::RecentResult],
    profiles: &[stormdesk_desk::ipc::ProfileSummary],
    current: Option<(&str, bool)>,
) -> tauri::Result<Menu<Wry>> {
    let paused = app.state::<AppState>().host.notifications_paused();
    let menu = Menu::new(app)?;
    menu.append(&open::item(app)?)?;
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    for r in running {
        menu.append(&running::item(app, r)?)?;
    }
    if !running.is_empty() {
        menu.append(&PredefinedMenuItem::separator(app)?)?;
    }
    if recent.is_empty() {
        menu.append(&MenuItem::new(app, "No results yet", false, None::<&str>)?)?;
    }
    for r in recent {
        menu.append(recent::item(app, r)?.as_ref())?;
    }
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    let links = app.state::<AppState>().host.relay_links();
    let relay = relay::items(app, &links)?;
    for item in &relay {
        menu.append(item)?;
    }
    if !relay.is_empty() {
        menu.append(&PredefinedMenuItem::separator(app)?)?;
    }
    menu.append(&pause::item(app, paused)?)?;
    menu.append(&profile::submenu(app, profiles, current)?)?;
    menu.append(&settings::item(app)?)?;
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    menu.append(&quit::item(app)?)?;
    Ok(menu)
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
            let profiles = host.known_profiles().await;
            let current = host.status().ok().map(|s| (s.profile, s.demo));
            let recent = host.recent_results();
            let running = host.running_executions();
            let Some(tray) = app.tray_by_id(TRAY_ID) else {
                return;
            };
            let current = current.as_ref().map(|(p, d)| (p.as_str(), *d));
            match menu(&app, &running, &recent, &profiles, current) {
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
