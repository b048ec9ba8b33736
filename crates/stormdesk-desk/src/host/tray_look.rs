//! What the tray icon shows, decided without a tray: which icon and what
//! tooltip, from the connection state, do-not-disturb and unread results.

use stormdesk_relay::LinkState;
use stormdesk_stream::ConnectionState;

use crate::ipc::RelayLinks;

/// One of the tray's icons (the shell embeds each one's PNG).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrayIcon {
    /// Connected and listening (the app icon).
    Live,
    /// Connecting or reconnecting.
    Connecting,
    /// Signed out, refused, or nothing running.
    Error,
    /// Notifications paused (wins over live: the user asked for quiet).
    Paused,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayLook {
    pub icon: TrayIcon,
    pub tooltip: String,
    /// Shown beside the icon where the platform supports it (Linux, macOS).
    pub title: Option<String>,
}

/// The tray's look. `connection` is `None` while no desk runs.
pub fn tray_look(
    profile: Option<&str>,
    connection: Option<&ConnectionState>,
    paused: bool,
    unread: u32,
) -> TrayLook {
    let (icon, state) = match connection {
        None => (TrayIcon::Error, "not connected".to_string()),
        Some(ConnectionState::Live) => (TrayIcon::Live, "live".to_string()),
        Some(ConnectionState::Connecting { .. }) => (TrayIcon::Connecting, "connecting".into()),
        Some(ConnectionState::BackingOff { retry_in_ms, .. }) => (
            TrayIcon::Connecting,
            format!("reconnecting in {} s", retry_in_ms.div_ceil(1000)),
        ),
        Some(ConnectionState::AuthFailed { .. }) => {
            (TrayIcon::Error, "sign-in failed: open Settings".into())
        }
        Some(ConnectionState::Stopped) => (TrayIcon::Error, "stopped".into()),
    };
    let icon = if paused && icon == TrayIcon::Live {
        TrayIcon::Paused
    } else {
        icon
    };
    let mut tooltip = match profile {
        Some(p) => format!("Stormdesk — {p}: {state}"),
        None => format!("Stormdesk — {state}"),
    };
    if paused {
        tooltip.push_str(" · notifications paused");
    }
    if unread > 0 {
        tooltip.push_str(&format!(
            " · {unread} unread result{}",
            if unread == 1 { "" } else { "s" }
        ));
    }
    TrayLook {
        icon,
        tooltip,
        title: (unread > 0).then(|| unread.min(99).to_string()),
    }
}

/// The relay's links in words, one line per link that is on ("Slack:
/// connected"); nothing when the relay is off. The tray menu lists them.
pub fn relay_lines(links: &RelayLinks) -> Vec<String> {
    [("Slack", &links.slack), ("Teams", &links.teams)]
        .into_iter()
        .filter(|(_, s)| **s != LinkState::Off)
        .map(|(name, s)| format!("{name}: {}", s.describe()))
        .collect()
}

impl TrayLook {
    /// The tooltip also says how many approvals wait; the title counts them
    /// with the unread results ("2 · 1?": two unread, one approval).
    pub fn with_inquiries(mut self, waiting: u32) -> Self {
        if waiting > 0 {
            self.tooltip.push_str(&format!(
                " · {waiting} approval{} waiting",
                if waiting == 1 { "" } else { "s" }
            ));
            let asked = format!("{}?", waiting.min(99));
            self.title = Some(match self.title.take() {
                Some(unread) => format!("{unread} · {asked}"),
                None => asked,
            });
        }
        self
    }

    /// The tooltip also says how the relay's links are.
    pub fn with_relay(mut self, links: &RelayLinks) -> Self {
        for line in relay_lines(links) {
            self.tooltip.push_str(" · ");
            self.tooltip.push_str(&line);
        }
        self
    }
}

/// What an event changes in a tray: `None` nothing; `Some(false)` its look
/// (icon, tooltip, title); `Some(true)` its look and its menu (results,
/// profiles, pause, the relay, or events missed).
pub fn tray_change(ev: &crate::DeskEvent) -> Option<bool> {
    use crate::DeskEvent as E;
    match ev {
        E::Entry { entry } => Some(matches!(
            entry.kind(),
            stormdesk_history::EntryKind::Result | stormdesk_history::EntryKind::Ack
        )),
        E::Ready { .. }
        | E::Paused { .. }
        | E::Failed { .. }
        | E::Relay { .. }
        | E::Missed { .. } => Some(true),
        E::Connection { .. } | E::Unread { .. } | E::FirstRun { .. } => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn approvals_waiting_are_in_the_tooltip_and_the_title() {
        let live = ConnectionState::Live;
        let look = tray_look(Some("prod"), Some(&live), false, 2).with_inquiries(1);
        assert_eq!(look.title.as_deref(), Some("2 · 1?"));
        assert!(
            look.tooltip
                .ends_with("2 unread results · 1 approval waiting"),
            "{}",
            look.tooltip
        );
        let look = tray_look(Some("prod"), Some(&live), false, 0).with_inquiries(3);
        assert_eq!(look.title.as_deref(), Some("3?"));
        assert_eq!(
            tray_look(None, None, false, 0).with_inquiries(0).title,
            None
        );
    }

    #[test]
    fn relay_links_that_are_on_show_in_words() {
        assert!(relay_lines(&RelayLinks::default()).is_empty());
        let links = RelayLinks {
            slack: LinkState::Retrying {
                reason: "the socket closed".into(),
            },
            teams: LinkState::Listening {
                address: "127.0.0.1:3978".into(),
            },
        };
        assert_eq!(
            relay_lines(&links),
            [
                "Slack: reconnecting (the socket closed)",
                "Teams: listening on 127.0.0.1:3978"
            ]
        );
        let l = tray_look(Some("w"), Some(&ConnectionState::Live), false, 0).with_relay(&links);
        assert_eq!(
            l.tooltip,
            "Stormdesk — w: live · Slack: reconnecting (the socket closed) · Teams: listening on 127.0.0.1:3978"
        );
        let off = tray_look(Some("w"), Some(&ConnectionState::Live), false, 0)
            .with_relay(&RelayLinks::default());
        assert_eq!(off.tooltip, "Stormdesk — w: live");
    }

    #[test]
    fn icon_follows_state_and_pause_only_overrides_live() {
        let live = ConnectionState::Live;
        assert_eq!(
            tray_look(Some("w"), Some(&live), false, 0).icon,
            TrayIcon::Live
        );
        assert_eq!(
            tray_look(Some("w"), Some(&live), true, 0).icon,
            TrayIcon::Paused
        );
        let failed = ConnectionState::AuthFailed {
            message: "401".into(),
        };
        // A broken connection must stay visible even when paused.
        assert_eq!(
            tray_look(Some("w"), Some(&failed), true, 0).icon,
            TrayIcon::Error
        );
        let back = ConnectionState::BackingOff {
            attempt: 2,
            retry_in_ms: 1500,
            reason: "eof".into(),
        };
        let l = tray_look(Some("w"), Some(&back), false, 0);
        assert_eq!(l.icon, TrayIcon::Connecting);
        assert!(l.tooltip.contains("reconnecting in 2 s"), "{}", l.tooltip);
        assert_eq!(tray_look(None, None, false, 0).icon, TrayIcon::Error);
    }

    #[test]
    fn unread_results_show_in_tooltip_and_title() {
        let l = tray_look(Some("demo"), Some(&ConnectionState::Live), false, 3);
        assert_eq!(l.tooltip, "Stormdesk — demo: live · 3 unread results");
        assert_eq!(l.title.as_deref(), Some("3"));
        assert_eq!(
            tray_look(Some("demo"), Some(&ConnectionState::Live), false, 250)
                .title
                .as_deref(),
            Some("99")
        );
        assert_eq!(
            tray_look(Some("demo"), Some(&ConnectionState::Live), false, 0).title,
            None
        );
    }

    #[test]
    fn a_result_rebuilds_the_menu_a_connection_change_only_the_look() {
        use crate::DeskEvent as E;
        assert_eq!(tray_change(&E::Paused { paused: true }), Some(true));
        assert_eq!(
            tray_change(&E::Connection {
                state: stormdesk_stream::ConnectionState::Live
            }),
            Some(false)
        );
        assert_eq!(tray_change(&E::Summon), None);
    }
}
