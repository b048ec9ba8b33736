//! The tray menu over dbusmenu: the desk's entries
//! (`stormdesk_desk::host::tray_menu`), rendered as ksni items; a click sends
//! its action.

use ksni::menu::{CheckmarkItem, StandardItem, SubMenu};
use ksni::MenuItem;
use stormdesk_desk::host::tray_menu::{tray_menu, TrayEntry};

use super::{MenuState, StormTray};

// dbusmenu reads one underscore as an access key; a label shows as written.
fn literal(s: &str) -> String {
    s.replace('_', "__")
}

fn render(e: TrayEntry) -> MenuItem<StormTray> {
    match e {
        TrayEntry::Item {
            label,
            action: Some(action),
            ..
        } => StandardItem {
            label: literal(&label),
            activate: Box::new(move |t: &mut StormTray| t.send(action.clone())),
            ..Default::default()
        }
        .into(),
        TrayEntry::Item {
            label,
            action: None,
            ..
        } => StandardItem {
            label: literal(&label),
            enabled: false,
            ..Default::default()
        }
        .into(),
        TrayEntry::Check {
            label,
            checked,
            action,
        } => CheckmarkItem {
            label: literal(&label),
            checked,
            activate: Box::new(move |t: &mut StormTray| t.send(action.clone())),
            ..Default::default()
        }
        .into(),
        TrayEntry::Submenu { label, entries } => SubMenu {
            label: literal(&label),
            submenu: entries.into_iter().map(render).collect(),
            ..Default::default()
        }
        .into(),
        TrayEntry::Separator => MenuItem::Separator,
    }
}

pub fn items(m: &MenuState) -> Vec<MenuItem<StormTray>> {
    tray_menu(m).into_iter().map(render).collect()
}

#[cfg(test)]
mod tests {
    use super::super::Action;
    use super::*;
    use stormdesk_desk::ipc::RecentResult;

    fn labels(items: &[MenuItem<StormTray>]) -> Vec<String> {
        items
            .iter()
            .map(|i| match i {
                MenuItem::Standard(s) => s.label.clone(),
                MenuItem::Checkmark(c) => {
                    format!("[{}] {}", if c.checked { "x" } else { " " }, c.label)
                }
                MenuItem::SubMenu(s) => format!("{} ▸ {}", s.label, labels(&s.submenu).join(" | ")),
                MenuItem::Separator => "—".into(),
                _ => "?".into(),
            })
            .collect()
    }

    #[test]
    fn the_menu_reads_as_the_apps_tray() {
        let m = MenuState {
            recent: vec![
                RecentResult {
                    execution_id: "e1".into(),
                    label: "pack_list".into(),
                    status: "succeeded".into(),
                },
                RecentResult {
                    execution_id: "e2".into(),
                    label: "deploy".into(),
                    status: "failed".into(),
                },
            ],
            current: Some(("demo".into(), true)),
            paused: true,
            ..Default::default()
        };
        assert_eq!(
            labels(&items(&m)),
            vec![
                "Open Stormdesk",
                "—",
                "✔ pack__list",
                "✖ deploy (failed) ▸ Open | Re-run",
                "—",
                "[x] Pause notifications",
                "Profile ▸ [x] Demo (built-in server)",
                "Settings…",
                "—",
                "Quit Stormdesk",
            ]
        );
    }

    #[test]
    fn a_click_becomes_its_action() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut tray = StormTray::new(tx);
        tray.menu.running = vec![stormdesk_desk::ipc::RunningExecution {
            execution_id: "e9".into(),
            label: "sleep".into(),
        }];
        let menu = items(&tray.menu);
        let MenuItem::Standard(cancel) = &menu[2] else {
            panic!("{:?}", labels(&menu));
        };
        (cancel.activate)(&mut tray);
        let MenuItem::Standard(quit) = menu.last().unwrap() else {
            panic!()
        };
        (quit.activate)(&mut tray);
        assert_eq!(rx.try_recv().unwrap(), Action::Cancel("e9".into()));
        assert_eq!(rx.try_recv().unwrap(), Action::Quit);
    }
}
