//! The tray over a real session bus, read and clicked as a desktop's tray
//! host does it (StatusNotifierItem properties, the dbusmenu layout, the
//! "clicked" event), through gdbus. Run inside dbus-run-session
//! (`scripts/with-daemons.sh`); compiled with the `real-bus` feature.

#![cfg(feature = "real-bus")]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn gdbus(args: &[&str]) -> String {
    let o = Command::new("gdbus")
        .args(["call", "--session"])
        .args(args)
        .output()
        .expect("gdbus runs");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn until<T>(what: &str, limit: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let end = Instant::now() + limit;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < end, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `(id, label, toggle-state)` of every item in the menu, submenus included.
fn layout(name: &str) -> Vec<(u32, String, Option<u32>)> {
    let text = gdbus(&[
        "--dest",
        name,
        "--object-path",
        "/MenuBar",
        "--method",
        "com.canonical.dbusmenu.GetLayout",
        "--",
        "0",
        "-1",
        "[]",
    ]);
    // Each item reads `(ID, {…'label': <'LABEL'>…}, …)`; its properties
    // hold no nested braces.
    let mut items = Vec::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find("<(") {
        rest = &rest[i + 2..];
        let Some((id, after)) = rest.split_once(", {") else {
            break;
        };
        let Ok(id) = id.trim().parse::<u32>() else {
            continue;
        };
        let props = after.split('}').next().unwrap_or("");
        let label = props
            .split("'label': <'")
            .nth(1)
            .and_then(|l| l.split("'>").next())
            .unwrap_or("")
            .to_owned();
        let toggle = props
            .split("'toggle-state': <")
            .nth(1)
            .and_then(|t| t.split('>').next())
            .and_then(|t| t.trim().parse().ok());
        items.push((id, label, toggle));
    }
    items
}

/// One of the item's StatusNotifierItem properties, as gdbus prints it.
fn property(name: &str, which: &str) -> String {
    gdbus(&[
        "--dest",
        name,
        "--object-path",
        "/StatusNotifierItem",
        "--method",
        "org.freedesktop.DBus.Properties.Get",
        "org.kde.StatusNotifierItem",
        which,
    ])
}

fn click(name: &str, id: u32) {
    gdbus(&[
        "--dest",
        name,
        "--object-path",
        "/MenuBar",
        "--method",
        "com.canonical.dbusmenu.Event",
        "--",
        &id.to_string(),
        "clicked",
        "<0>",
        "0",
    ]);
}

fn tray(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_stormdesk-tray"));
    for (k, _) in std::env::vars() {
        if k.starts_with("ST2_") || k.starts_with("STORMDESK_") {
            c.env_remove(k);
        }
    }
    c.env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("STORMDESK_DATA_DIR", dir.join("data"))
        .env("STORMDESK_SOCKET", dir.join("desk.sock"))
        .env("STORMDESK_PANE_EXE", dir.join("pane.sh"))
        .env("STORMDESK_KEYRING_SERVICE", "stormdesk-tray-test")
        .env("STORMDESK_DEMO_TIME_SCALE", "0.05")
        .env("ST2_CONFIG_FILE", dir.join("no-st2-config"))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

#[test]
fn the_tray_is_a_status_notifier_item_whose_menu_drives_the_desk() {
    let dir = tempfile::tempdir().unwrap();
    // The pane this test stands in for only says it was started; the real
    // one is started by the same code in tests/split/check.sh.
    let started = dir.path().join("pane.log");
    let pane = dir.path().join("pane.sh");
    std::fs::write(
        &pane,
        format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\nexec sleep 60\n",
            started.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&pane, std::fs::Permissions::from_mode(0o755)).unwrap();

    let mut child = tray(dir.path())
        .args(["--demo", "--minimized"])
        .spawn()
        .unwrap();
    let name = format!("org.kde.StatusNotifierItem-{}-1", child.id());
    until("the item on the bus", Duration::from_secs(20), || {
        gdbus(&[
            "--dest",
            "org.freedesktop.DBus",
            "--object-path",
            "/org/freedesktop/DBus",
            "--method",
            "org.freedesktop.DBus.ListNames",
        ])
        .contains(&name)
        .then_some(())
    });
    // Its tooltip follows the desk: the demo, live.
    let tooltip = until("the demo in the tooltip", Duration::from_secs(30), || {
        let t = property(&name, "ToolTip");
        t.contains("demo").then_some(t)
    });
    assert!(tooltip.contains("Stormdesk — demo"), "{tooltip}");
    let icon = property(&name, "IconPixmap");
    assert!(
        icon.contains("32, 32"),
        "a 32×32 pixmap: {}",
        &icon[..icon.len().min(80)]
    );

    let items = layout(&name);
    let labels: Vec<&str> = items.iter().map(|(_, l, _)| l.as_str()).collect();
    for want in [
        "Open Stormdesk",
        "Pause notifications",
        "Demo (built-in server)",
        "Settings…",
        "Quit Stormdesk",
    ] {
        assert!(labels.contains(&want), "{want} in {labels:?}");
    }
    let id = |label: &str| items.iter().find(|(_, l, _)| l == label).unwrap().0;

    // Open starts the pane, attached to this desk's socket; once.
    assert!(!started.exists(), "minimized: no pane yet");
    click(&name, id("Open Stormdesk"));
    let line = until("the pane to start", Duration::from_secs(10), || {
        std::fs::read_to_string(&started)
            .ok()
            .filter(|s| !s.is_empty())
    });
    assert_eq!(line.trim(), "--attach");
    // A second launch summons the running one and ends.
    let second = tray(dir.path()).status().unwrap();
    assert!(second.success());
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        std::fs::read_to_string(&started).unwrap().lines().count(),
        1,
        "still one pane"
    );

    // Pause: the desk pauses, and the menu shows it checked.
    click(&name, id("Pause notifications"));
    until("Pause checked", Duration::from_secs(10), || {
        layout(&name)
            .iter()
            .any(|(_, l, t)| l == "Pause notifications" && *t == Some(1))
            .then_some(())
    });

    // Quit: the tray ends cleanly, its socket and bus name with it.
    click(&name, id("Quit Stormdesk"));
    let end = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < end, "Quit did not end the tray");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "{status}");
    assert!(!dir.path().join("desk.sock").exists());
    let _ = Command::new("pkill")
        .args(["-f", &pane.display().to_string()])
        .status();
}
