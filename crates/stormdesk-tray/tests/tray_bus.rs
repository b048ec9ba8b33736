//! The tray over a real session bus, read and clicked as a desktop's tray
//! host does it (StatusNotifierItem properties, the dbusmenu layout, the
//! "clicked" event), through gdbus; registered with a real
//! StatusNotifierWatcher (`status-notifier-watcher`, from
//! haskell-status-notifier-item-utils), and handing over to the app on a
//! desktop with only a real XEmbed tray (`trayer`). Run inside
//! dbus-run-session under Xvfb (`scripts/with-daemons.sh`); ignored unless
//! asked for (`-- --ignored`).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The session bus and the display are shared: one desktop at a time.
static DESKTOP: Mutex<()> = Mutex::new(());

/// A desktop's part (a watcher, a tray), ended with the test.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(program: &str, args: &[&str]) -> Running {
    Running(
        Command::new(program)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{program} starts (scripts/deps.sh installs it): {e}")),
    )
}

/// The StatusNotifierWatcher a KDE-like panel runs, until dropped.
fn watcher() -> Running {
    let w = start("status-notifier-watcher", &[]);
    until("the watcher on the bus", Duration::from_secs(10), || {
        has_owner(WATCHER).then_some(())
    });
    w
}

const WATCHER: &str = "org.kde.StatusNotifierWatcher";

fn has_owner(name: &str) -> bool {
    gdbus(&[
        "--dest",
        "org.freedesktop.DBus",
        "--object-path",
        "/org/freedesktop/DBus",
        "--method",
        "org.freedesktop.DBus.NameHasOwner",
        name,
    ])
    .contains("true")
}

/// The items the watcher has registered, as gdbus prints them.
fn registered() -> String {
    gdbus(&[
        "--dest",
        WATCHER,
        "--object-path",
        "/StatusNotifierWatcher",
        "--method",
        "org.freedesktop.DBus.Properties.Get",
        WATCHER,
        "RegisteredStatusNotifierItems",
    ])
}

/// A stand-in for the app (`stormdesk`, started as the pane or in the
/// tray's place): it only records its arguments, one line a start.
fn stand_in(dir: &Path) -> PathBuf {
    let started = dir.join("pane.log");
    let pane = dir.join("pane.sh");
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
    started
}

fn starts(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

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
        .env("STORMDESK_SOCKET", dir.join("run").join("desk.sock"))
        .env("STORMDESK_PANE_EXE", dir.join("pane.sh"))
        .env("STORMDESK_KEYRING_SERVICE", "stormdesk-tray-test")
        .env("STORMDESK_DEMO_TIME_SCALE", "0.05")
        .env("ST2_CONFIG_FILE", dir.join("no-st2-config"))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

#[test]
#[ignore = "needs a real session bus, tray and display: scripts/test.sh daemons"]
fn the_tray_is_a_status_notifier_item_whose_menu_drives_the_desk() {
    let _desktop = DESKTOP.lock().unwrap_or_else(|e| e.into_inner());
    let _watcher = watcher();
    let dir = tempfile::tempdir().unwrap();
    // The pane this test stands in for only says it was started; the real
    // one is started by the same code in tests/split/check.sh.
    let started = stand_in(dir.path());
    let pane = dir.path().join("pane.sh");

    let mut child = tray(dir.path())
        .args(["--demo", "--minimized"])
        .spawn()
        .unwrap();
    let name = format!("org.kde.StatusNotifierItem-{}-1", child.id());
    until("the item on the bus", Duration::from_secs(20), || {
        has_owner(&name).then_some(())
    });
    // The desktop's watcher has it (ksni registers its bus name).
    until("the item registered", Duration::from_secs(10), || {
        registered().contains(&name).then_some(())
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
    assert!(!dir.path().join("run").join("desk.sock").exists());
    let _ = Command::new("pkill")
        .args(["-f", &pane.display().to_string()])
        .status();
}

#[test]
#[ignore = "needs a real session bus, tray and display: scripts/test.sh daemons"]
fn with_only_an_xembed_tray_the_app_starts_in_its_place() {
    let _desktop = DESKTOP.lock().unwrap_or_else(|e| e.into_inner());
    assert!(!has_owner(WATCHER), "no watcher left by another test");
    let _trayer = start("trayer", &["--edge", "bottom"]);
    let dir = tempfile::tempdir().unwrap();
    let started = stand_in(dir.path());
    // trayer owns the XEmbed selection once its panel is up.
    std::thread::sleep(Duration::from_secs(1));
    for (args, want) in [
        (&["--demo"][..], "--demo"),
        (&["--minimized"][..], "--minimized"),
    ] {
        let mut child = tray(dir.path()).args(args).spawn().unwrap();
        let pid = child.id();
        until(
            "the app in the tray's place",
            Duration::from_secs(20),
            || starts(&started).iter().any(|l| l == want).then_some(()),
        );
        // The same process, now the app (the stand-in): no tray of its own
        // on the bus, no socket.
        assert!(!has_owner(&format!("org.kde.StatusNotifierItem-{pid}-1")));
        assert!(!dir.path().join("run").join("desk.sock").exists());
        let _ = child.kill();
        let _ = child.wait();
    }
    assert_eq!(starts(&started), ["--demo", "--minimized"]);
}

#[test]
#[ignore = "needs a real session bus, tray and display: scripts/test.sh daemons"]
fn a_start_at_login_waits_for_the_panel_and_registers_when_it_comes() {
    let _desktop = DESKTOP.lock().unwrap_or_else(|e| e.into_inner());
    assert!(!has_owner(WATCHER), "no watcher left by another test");
    let dir = tempfile::tempdir().unwrap();
    let started = stand_in(dir.path());
    let mut child = tray(dir.path())
        .env("STORMDESK_TRAY_WAIT_SECS", "30")
        .args(["--demo", "--minimized"])
        .spawn()
        .unwrap();
    let name = format!("org.kde.StatusNotifierItem-{}-1", child.id());
    std::thread::sleep(Duration::from_secs(1));
    assert!(!has_owner(&name), "waiting for the panel, no item yet");
    // The panel comes: the tray goes on at once and its item registers.
    let _watcher = watcher();
    until("the item registered", Duration::from_secs(10), || {
        registered().contains(&name).then_some(())
    });
    assert!(
        starts(&started).is_empty(),
        "no app, no pane: {:?}",
        starts(&started)
    );
    let _ = child.kill();
    let _ = child.wait();

    // No panel at all: after the wait the split runs anyway (no icon would
    // show for the app either), its item served for a panel to come.
    drop(_watcher);
    until("the watcher gone", Duration::from_secs(10), || {
        (!has_owner(WATCHER)).then_some(())
    });
    let mut child = tray(dir.path())
        .env("STORMDESK_TRAY_WAIT_SECS", "0.5")
        .args(["--demo", "--minimized"])
        .spawn()
        .unwrap();
    let name = format!("org.kde.StatusNotifierItem-{}-1", child.id());
    until("the item served", Duration::from_secs(20), || {
        has_owner(&name).then_some(())
    });
    assert!(starts(&started).is_empty());
    let _ = child.kill();
    let _ = child.wait();

    // Launched from the menu while the login start waits for the panel: the
    // menu's runs at once, and the login start, once it stops waiting,
    // finds it and ends quietly.
    let mut login = tray(dir.path())
        .env("STORMDESK_TRAY_WAIT_SECS", "4")
        .args(["--demo", "--minimized"])
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let mut menu = tray(dir.path()).arg("--demo").spawn().unwrap();
    let name = format!("org.kde.StatusNotifierItem-{}-1", menu.id());
    until("the menu's tray served", Duration::from_secs(20), || {
        has_owner(&name).then_some(())
    });
    let status = until("the login start to end", Duration::from_secs(20), || {
        login.try_wait().unwrap()
    });
    assert!(status.success(), "the login start ended with {status}");
    assert!(
        menu.try_wait().unwrap().is_none(),
        "the menu's tray runs on"
    );
    let _ = menu.kill();
    let _ = menu.wait();
}
