//! The tray's menu, declared once: what it lists, in which words, and what a
//! click does. Both trays render these entries (the app's through Tauri's
//! menus, `stormdesk-tray` over dbusmenu) and hand a click back as a
//! [`TrayAction`]; [`Host::tray_act`] carries out all but the shell's own
//! (show the pane, quit).
//!
//! Top to bottom: Open; running executions (each cancels); recent results
//! (a failure is a submenu: Open, Re-run); the relay's links; Pause
//! notifications; Profile ▸; Settings…; Quit.

use std::sync::Arc;

use stormdesk_notify::Sink;

use super::tray_look::relay_lines;
use super::{Host, DEMO_PROFILE};
use crate::ipc::{ProfileSummary, RecentResult, RunningExecution};

/// What a click on the tray asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrayAction {
    Open,
    Settings,
    TogglePause,
    SwitchProfile(String),
    OpenExecution(String),
    Rerun(String),
    Cancel(String),
    Quit,
}

impl TrayAction {
    /// As a menu item's id (Tauri's menus are keyed by strings).
    pub fn id(&self) -> String {
        match self {
            TrayAction::Open => "open".into(),
            TrayAction::Settings => "settings".into(),
            TrayAction::TogglePause => "pause".into(),
            TrayAction::Quit => "quit".into(),
            TrayAction::SwitchProfile(p) => format!("profile:{p}"),
            TrayAction::OpenExecution(e) => format!("open-execution:{e}"),
            TrayAction::Rerun(e) => format!("rerun:{e}"),
            TrayAction::Cancel(e) => format!("cancel:{e}"),
        }
    }

    /// The action a menu item's id names, if any.
    pub fn from_id(id: &str) -> Option<Self> {
        Some(match id {
            "open" => TrayAction::Open,
            "settings" => TrayAction::Settings,
            "pause" => TrayAction::TogglePause,
            "quit" => TrayAction::Quit,
            _ => {
                let (kind, arg) = id.split_once(':')?;
                let arg = arg.to_string();
                match kind {
                    "profile" => TrayAction::SwitchProfile(arg),
                    "open-execution" => TrayAction::OpenExecution(arg),
                    "rerun" => TrayAction::Rerun(arg),
                    "cancel" => TrayAction::Cancel(arg),
                    _ => return None,
                }
            }
        })
    }
}

/// One entry of the menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrayEntry {
    /// A clickable line; without an action, a line of information.
    Item {
        label: String,
        action: Option<TrayAction>,
        /// A keyboard accelerator where the platform shows one.
        accelerator: Option<&'static str>,
    },
    Check {
        label: String,
        checked: bool,
        action: TrayAction,
    },
    Submenu {
        label: String,
        entries: Vec<TrayEntry>,
    },
    Separator,
}

/// What the menu shows, taken from the host.
#[derive(Debug, Default, Clone)]
pub struct TrayMenuState {
    pub running: Vec<RunningExecution>,
    pub recent: Vec<RecentResult>,
    pub profiles: Vec<ProfileSummary>,
    /// The running profile, and whether it is the demo.
    pub current: Option<(String, bool)>,
    pub paused: bool,
    pub relay: Vec<String>,
}

fn item(label: impl Into<String>, action: TrayAction) -> TrayEntry {
    TrayEntry::Item {
        label: label.into(),
        action: Some(action),
        accelerator: None,
    }
}

fn line(label: impl Into<String>) -> TrayEntry {
    TrayEntry::Item {
        label: label.into(),
        action: None,
        accelerator: None,
    }
}

/// The menu for `m`.
pub fn tray_menu(m: &TrayMenuState) -> Vec<TrayEntry> {
    let mut v = vec![
        item("Open Stormdesk", TrayAction::Open),
        TrayEntry::Separator,
    ];
    for r in &m.running {
        v.push(item(
            format!("■ Cancel {}", r.label),
            TrayAction::Cancel(r.execution_id.clone()),
        ));
    }
    if !m.running.is_empty() {
        v.push(TrayEntry::Separator);
    }
    if m.recent.is_empty() {
        v.push(line("No results yet"));
    }
    for r in &m.recent {
        if r.status == "succeeded" {
            v.push(item(
                format!("✔ {}", r.label),
                TrayAction::OpenExecution(r.execution_id.clone()),
            ));
        } else {
            v.push(TrayEntry::Submenu {
                label: format!("✖ {} ({})", r.label, r.status),
                entries: vec![
                    item("Open", TrayAction::OpenExecution(r.execution_id.clone())),
                    item("Re-run", TrayAction::Rerun(r.execution_id.clone())),
                ],
            });
        }
    }
    v.push(TrayEntry::Separator);
    for l in &m.relay {
        v.push(line(l.clone()));
    }
    if !m.relay.is_empty() {
        v.push(TrayEntry::Separator);
    }
    v.push(TrayEntry::Check {
        label: "Pause notifications".into(),
        checked: m.paused,
        action: TrayAction::TogglePause,
    });
    let demo_on = m.current.as_ref().is_some_and(|(_, demo)| *demo);
    let mut profiles: Vec<TrayEntry> = m
        .profiles
        .iter()
        .map(|p| {
            let on = !demo_on && m.current.as_ref().is_some_and(|(name, _)| *name == p.name);
            let label = match &p.base_url {
                Some(u) => format!("{} ({u})", p.name),
                None => p.name.clone(),
            };
            TrayEntry::Check {
                label,
                checked: on,
                action: TrayAction::SwitchProfile(p.name.clone()),
            }
        })
        .collect();
    profiles.push(TrayEntry::Check {
        label: "Demo (built-in server)".into(),
        checked: demo_on,
        action: TrayAction::SwitchProfile(DEMO_PROFILE.into()),
    });
    v.push(TrayEntry::Submenu {
        label: "Profile".into(),
        entries: profiles,
    });
    v.push(TrayEntry::Item {
        label: "Settings…".into(),
        action: Some(TrayAction::Settings),
        accelerator: Some("CmdOrCtrl+,"),
    });
    v.push(TrayEntry::Separator);
    v.push(TrayEntry::Item {
        label: "Quit Stormdesk".into(),
        action: Some(TrayAction::Quit),
        accelerator: Some("CmdOrCtrl+Q"),
    });
    v
}

impl<S: Sink + Clone + 'static> Host<S> {
    /// What the tray menu shows now.
    pub async fn tray_menu_state(&self) -> TrayMenuState {
        TrayMenuState {
            running: self.running_executions(),
            recent: self.recent_results(),
            profiles: self.known_profiles().await,
            current: self.status().ok().map(|s| (s.profile, s.demo)),
            paused: self.notifications_paused(),
            relay: relay_lines(&self.relay_links()),
        }
    }

    /// Carry out a click. Failures reach the pane as the host's events; the
    /// tray stays. Showing the pane and quitting are the shell's: those
    /// actions come back.
    pub async fn tray_act(self: &Arc<Self>, action: TrayAction) -> Option<TrayAction> {
        match action {
            TrayAction::Settings => self.summon(true),
            TrayAction::TogglePause => {
                self.set_notifications_paused(!self.notifications_paused());
            }
            TrayAction::OpenExecution(id) => self.open_execution(&id),
            TrayAction::SwitchProfile(name) => {
                if let Err(error) = self.switch_profile(Some(&name)).await {
                    self.report(error);
                }
            }
            // A refusal (it ended meanwhile) is reported to the pane.
            TrayAction::Rerun(id) => {
                let _ = self.rerun_execution(&id).await;
            }
            TrayAction::Cancel(id) => {
                let _ = self.cancel_execution(&id).await;
            }
            shell @ (TrayAction::Open | TrayAction::Quit) => return Some(shell),
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_survives_its_menu_id() {
        for a in [
            TrayAction::Open,
            TrayAction::Settings,
            TrayAction::TogglePause,
            TrayAction::Quit,
            TrayAction::SwitchProfile("prod:eu".into()),
            TrayAction::OpenExecution("e1".into()),
            TrayAction::Rerun("e2".into()),
            TrayAction::Cancel("e3".into()),
        ] {
            assert_eq!(TrayAction::from_id(&a.id()), Some(a));
        }
        assert_eq!(TrayAction::from_id("nothing:here"), None);
        assert_eq!(TrayAction::from_id("nothing"), None);
    }
}
