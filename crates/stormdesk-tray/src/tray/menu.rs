//! The tray menu's items, top to bottom, as the app's tray shows them:
//! Open; running executions (each cancels); recent results (a failure is a
//! submenu: Open, Re-run); the relay's links; Pause notifications; Profile ▸;
//! Settings…; Quit.

use ksni::menu::{CheckmarkItem, StandardItem, SubMenu};
use ksni::MenuItem;
use stormdesk_desk::host::DEMO_PROFILE;

use super::{Action, MenuState, StormTray};

fn item(label: impl Into<String>, action: Action) -> MenuItem<StormTray> {
    StandardItem {
        label: label.into(),
        activate: Box::new(move |t: &mut StormTray| t.send(action.clone())),
        ..Default::default()
    }
    .into()
}

fn line(label: impl Into<String>) -> MenuItem<StormTray> {
    StandardItem {
        label: label.into(),
        enabled: false,
        ..Default::default()
    }
    .into()
}

fn check(label: impl Into<String>, checked: bool, action: Action) -> MenuItem<StormTray> {
    CheckmarkItem {
        label: label.into(),
        checked,
        activate: Box::new(move |t: &mut StormTray| t.send(action.clone())),
        ..Default::default()
    }
    .into()
}

// dbusmenu reads one underscore as an access key; a label shows as written.
fn literal(s: &str) -> String {
    s.replace('_', "__")
}

pub fn items(m: &MenuState) -> Vec<MenuItem<StormTray>> {
    let mut v = vec![item("Open Stormdesk", Action::Open), MenuItem::Separator];
    for r in &m.running {
        v.push(item(
            format!("■ Cancel {}", literal(&r.label)),
            Action::Cancel(r.execution_id.clone()),
        ));
    }
    if !m.running.is_empty() {
        v.push(MenuItem::Separator);
    }
    if m.recent.is_empty() {
        v.push(line("No results yet"));
    }
    for r in &m.recent {
        if r.status == "succeeded" {
            v.push(item(
                format!("✔ {}", literal(&r.label)),
                Action::OpenExecution(r.execution_id.clone()),
            ));
        } else {
            v.push(
                SubMenu {
                    label: format!("✖ {} ({})", literal(&r.label), r.status),
                    submenu: vec![
                        item("Open", Action::OpenExecution(r.execution_id.clone())),
                        item("Re-run", Action::Rerun(r.execution_id.clone())),
                    ],
                    ..Default::default()
                }
                .into(),
            );
        }
    }
    v.push(MenuItem::Separator);
    for l in &m.relay {
        v.push(line(literal(l)));
    }
    if !m.relay.is_empty() {
        v.push(MenuItem::Separator);
    }
    v.push(check("Pause notifications", m.paused, Action::TogglePause));
    let demo_on = m.current.as_ref().is_some_and(|(_, demo)| *demo);
    let mut profiles: Vec<MenuItem<StormTray>> = m
        .profiles
        .iter()
        .map(|p| {
            let on = !demo_on && m.current.as_ref().is_some_and(|(name, _)| *name == p.name);
            let label = match &p.base_url {
                Some(u) => format!("{} ({u})", p.name),
                None => p.name.clone(),
            };
            check(literal(&label), on, Action::SwitchProfile(p.name.clone()))
        })
        .collect();
    profiles.push(check(
        "Demo (built-in server)",
        demo_on,
        Action::SwitchProfile(DEMO_PROFILE.into()),
    ));
    v.push(
        SubMenu {
            label: "Profile".into(),
            submenu: profiles,
            ..Default::default()
        }
        .into(),
    );
    v.push(item("Settings…", Action::Settings));
    v.push(MenuItem::Separator);
    v.push(item("Quit Stormdesk", Action::Quit));
    v
}

#[cfg(test)]
mod tests {
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
