//! Which tray the desktop shows, decided before the tray starts.
//!
//! This process's icon is a StatusNotifierItem: it shows where a
//! StatusNotifierWatcher is on the session bus (KDE, XFCE, Cinnamon, MATE,
//! GNOME with its AppIndicator extension, most Wayland bars). A desktop
//! with only the older XEmbed system tray (`_NET_SYSTEM_TRAY_Sn`: i3bar,
//! trayer, stalonetray, an older panel) shows none, while the app's tray
//! (libayatana-appindicator) falls back to an XEmbed icon there. So where
//! only an XEmbed tray is found, Stormdesk runs as the app; everywhere else
//! as this split tray. With neither, the split stays: no icon either way,
//! and the shortcut and notifications cost less without a web engine.

use std::time::Duration;

use futures::StreamExt;

/// The well-known name of the StatusNotifier registry.
pub const WATCHER: &str = "org.kde.StatusNotifierWatcher";

/// What the desktop offers for a tray icon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrayHost {
    /// A StatusNotifierWatcher: this process's icon shows.
    StatusNotifier,
    /// Only an XEmbed system tray: the app's icon shows, this one would not.
    XEmbedOnly,
    /// Neither (GNOME without the extension, a bare session, no display).
    None,
}

/// Look once, then (if neither is there yet) for up to `within` for one to
/// come: a start at login may run before the panel does.
pub async fn find(within: Duration) -> TrayHost {
    let bus = zbus::Connection::session().await.ok();
    let proxy = match &bus {
        Some(c) => zbus::fdo::DBusProxy::new(c).await.ok(),
        None => None,
    };
    // Subscribed before looking, so a watcher that comes in between is seen.
    let mut arrivals = match &proxy {
        Some(p) => p
            .receive_name_owner_changed_with_args(&[(0, WATCHER)])
            .await
            .ok(),
        None => None,
    };
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if let Some(p) = &proxy {
            if let Ok(name) = zbus::names::BusName::try_from(WATCHER) {
                if p.name_has_owner(name).await.unwrap_or(false) {
                    return TrayHost::StatusNotifier;
                }
            }
        }
        if xembed_tray() {
            return TrayHost::XEmbedOnly;
        }
        let now = tokio::time::Instant::now();
        if now >= deadline {
            return TrayHost::None;
        }
        // A watcher's arrival wakes this at once; an XEmbed tray (an X
        // selection, not on the bus) is looked for again every half second.
        let tick = (deadline - now).min(Duration::from_millis(500));
        match &mut arrivals {
            Some(a) => {
                let _ = tokio::time::timeout(tick, a.next()).await;
            }
            None => tokio::time::sleep(tick).await,
        }
    }
}

/// Whether an X screen's system tray selection has an owner (the XEmbed
/// system tray protocol). No display, no tray.
fn xembed_tray() -> bool {
    use x11rb::connection::Connection;
    use x11rb::protocol::xproto::ConnectionExt;
    if std::env::var_os("DISPLAY").is_none_or(|d| d.is_empty()) {
        return false;
    }
    let Ok((conn, screen)) = x11rb::connect(None) else {
        return false;
    };
    let name = format!("_NET_SYSTEM_TRAY_S{screen}");
    let owner = conn
        .intern_atom(true, name.as_bytes())
        .ok()
        .and_then(|c| c.reply().ok())
        .map(|r| r.atom)
        // An atom nobody has made is a selection nobody owns.
        .filter(|&atom| atom != x11rb::NONE)
        .and_then(|atom| conn.get_selection_owner(atom).ok())
        .and_then(|c| c.reply().ok())
        .map(|r| r.owner);
    let _ = conn.flush();
    matches!(owner, Some(w) if w != x11rb::NONE)
}

/// How long a start at login waits for the desktop's tray:
/// `STORMDESK_TRAY_WAIT_SECS`, else 15 s.
pub fn login_wait() -> Duration {
    std::env::var("STORMDESK_TRAY_WAIT_SECS")
        .ok()
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
        .unwrap_or(Duration::from_secs(15))
}
