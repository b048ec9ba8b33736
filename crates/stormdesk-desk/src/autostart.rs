//! Start at login on Linux: one XDG autostart entry, written alike by the
//! app and by `stormdesk-tray`, so that at most one Stormdesk starts at
//! login and it is always started the same way: the tray (which starts the
//! app in its place where only the app's icon would show). macOS and
//! Windows keep the app's plugin.

use std::path::{Path, PathBuf};

use crate::ipc::IpcError;
use crate::ErrorKind;

/// Started at login: in the tray, no pane.
pub const HIDDEN_ARG: &str = "--minimized";

/// The binary that starts at login, told the running one: the tray beside
/// it when there is one (as installed), else the running binary itself.
pub fn launcher(running: &Path) -> PathBuf {
    let tray = running.with_file_name("stormdesk-tray");
    if tray.is_file() {
        tray
    } else {
        running.to_path_buf()
    }
}

fn entry() -> Option<PathBuf> {
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    // The name tauri-plugin-autostart gave it (after the product), so that
    // an entry made by an earlier version is this one.
    Some(config.join("autostart").join("Stormdesk.desktop"))
}

/// Start at login could not be changed: why, as the UI shows it.
pub fn refused(e: impl std::fmt::Display) -> IpcError {
    IpcError::new(
        ErrorKind::Autostart,
        format!("cannot change start at login: {e}"),
    )
}

/// The entry's text, starting `exe` in the tray.
pub fn desktop_entry(exe: &Path) -> String {
    // The Exec key quotes a path with spaces (Desktop Entry spec).
    let exe = exe.display().to_string().replace('"', "\\\"");
    format!(
        "[Desktop Entry]\nType=Application\nVersion=1.0\nName=Stormdesk\nComment=StackStorm ChatOps in the tray\nExec=\"{exe}\" {HIDDEN_ARG}\nIcon=stormdesk\nTerminal=false\nX-GNOME-Autostart-enabled=true\n"
    )
}

/// The entry follows `enabled`. Called at start too: an existing entry is
/// rewritten to name this installation's launcher, so a moved build or an
/// upgrade never leaves one naming a binary that is gone.
pub fn apply(enabled: bool) -> Result<(), IpcError> {
    if !cfg!(target_os = "linux") {
        return if enabled {
            Err(refused("not supported on this system yet"))
        } else {
            Ok(())
        };
    }
    let path = entry().ok_or_else(|| refused("no configuration directory"))?;
    if enabled {
        let exe = launcher(&std::env::current_exe().map_err(refused)?);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(refused)?;
        }
        std::fs::write(&path, desktop_entry(&exe)).map_err(refused)
    } else {
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(refused(e)),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_entry_starts_its_binary_in_the_tray() {
        let e = desktop_entry(Path::new("/opt/Storm desk/stormdesk-tray"));
        assert!(
            e.contains("Exec=\"/opt/Storm desk/stormdesk-tray\" --minimized\n"),
            "{e}"
        );
        assert!(e.starts_with("[Desktop Entry]\nType=Application\n"));
    }

    #[test]
    fn the_app_names_the_tray_beside_it_and_itself_without_one() {
        let dir = tempfile::tempdir().unwrap();
        let app = dir.path().join("stormdesk");
        std::fs::write(&app, "").unwrap();
        assert_eq!(launcher(&app), app, "no tray installed beside it");
        let tray = dir.path().join("stormdesk-tray");
        std::fs::write(&tray, "").unwrap();
        assert_eq!(launcher(&app), tray);
        assert_eq!(launcher(&tray), tray, "the tray names itself");
    }
}
