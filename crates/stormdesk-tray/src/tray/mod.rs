//! The tray icon and its menu, as a StatusNotifierItem with a dbusmenu
//! (ksni, over the session bus; no GTK). Its look comes from
//! `stormdesk_desk::tray_look`, as the app's tray; the menu's items are in
//! `menu`. A click on an item becomes an [`Action`] the desk carries out.

mod menu;

use std::sync::Arc;

use ksni::TrayMethods;
use stormdesk_desk::tray_look::{tray_change, TrayIcon, TrayLook};
use stormdesk_desk::DeskEvent;
use tokio::sync::mpsc::UnboundedSender;

use crate::TrayHost;

/// What a click asks for, and what the menu shows: declared once in the
/// desk, for this tray and the app's.
pub use stormdesk_desk::host::tray_menu::{TrayAction as Action, TrayMenuState as MenuState};

pub struct StormTray {
    pub look: TrayLook,
    pub menu: MenuState,
    actions: UnboundedSender<Action>,
}

impl StormTray {
    pub fn new(actions: UnboundedSender<Action>) -> Self {
        Self {
            look: TrayLook {
                icon: TrayIcon::Connecting,
                tooltip: "Stormdesk — starting".into(),
                title: None,
            },
            menu: MenuState::default(),
            actions,
        }
    }

    fn send(&self, a: Action) {
        let _ = self.actions.send(a);
    }
}

impl ksni::Tray for StormTray {
    fn id(&self) -> String {
        "stormdesk".into()
    }

    fn title(&self) -> String {
        self.look
            .title
            .clone()
            .unwrap_or_else(|| "Stormdesk".into())
    }

    fn category(&self) -> ksni::Category {
        ksni::Category::Communications
    }

    fn icon_pixmap(&self) -> Vec<ksni::Icon> {
        crate::icons::pixmap(self.look.icon).into_iter().collect()
    }

    fn tool_tip(&self) -> ksni::ToolTip {
        ksni::ToolTip {
            title: self.look.tooltip.clone(),
            ..Default::default()
        }
    }

    /// A left click shows the pane, as the app's tray does.
    fn activate(&mut self, _x: i32, _y: i32) {
        self.send(Action::Open);
    }

    fn menu(&self) -> Vec<ksni::MenuItem<Self>> {
        menu::items(&self.menu)
    }
}

/// Put the tray on the session bus. Without a tray host on the desktop
/// (no StatusNotifierWatcher) the item is still served, for when one
/// comes; without a session bus there is no tray, and the desk goes on.
pub async fn spawn(actions: UnboundedSender<Action>) -> Option<ksni::Handle<StormTray>> {
    match StormTray::new(actions)
        .assume_sni_available(true)
        .spawn()
        .await
    {
        Ok(h) => Some(h),
        Err(e) => {
            tracing::warn!(error = %e, "no tray icon");
            None
        }
    }
}

/// Follow the host: the look on every state change, the menu when results,
/// profiles, pause or the relay change.
pub async fn on_event(tray: &ksni::Handle<StormTray>, host: &Arc<TrayHost>, ev: &DeskEvent) {
    let Some(rebuild) = tray_change(ev) else {
        return;
    };
    let look = host.tray_look();
    let menu = if rebuild {
        Some(menu_state(host).await)
    } else {
        None
    };
    tray.update(move |t| {
        t.look = look;
        if let Some(m) = menu {
            t.menu = m;
        }
    })
    .await;
}

async fn menu_state(host: &TrayHost) -> MenuState {
    host.tray_menu_state().await
}

/// Carry out a click (Quit is the caller's). Failures reach the pane as
/// the host's events; the tray stays.
pub fn act(host: &Arc<TrayHost>, action: Action) {
    let host = Arc::clone(host);
    tokio::spawn(async move {
        if let Some(Action::Open) = host.tray_act(action).await {
            host.summon(false);
        }
    });
}
