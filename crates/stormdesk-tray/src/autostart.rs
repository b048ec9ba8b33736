//! Start at login: an XDG autostart entry that starts this binary in the
//! tray (`--minimized`). Other platforms refuse for now, clearly.

use std::path::PathBuf;

use stormdesk_desk::ipc::IpcError;
use stormdesk_desk::ErrorKind;

pub const HIDDEN_ARG: &str = "--minimized";

fn entry() -> Option<PathBuf> {
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    // The app's entry's name (tauri-plugin-autostart names it after the
    // product): one Stormdesk at login, whichever binary set it last.
    Some(config.join("autostart").join("Stormdesk.desktop"))
}

fn refused(e: impl std::fmt::Display) -> IpcError {
    IpcError::new(
        ErrorKind::Autostart,
        format!("cannot change start at login: {e}"),
    )
}

/// The entry's text, naming `exe`.
pub fn desktop_entry(exe: &std::path::Path) -> String {
    // The Exec key quotes a path with spaces (Desktop Entry spec).
    let exe = exe.display().to_string().replace('"', "\\\"");
    format!(
        "[Desktop Entry]\nType=Application\nVersion=1.0\nName=Stormdesk\nComment=StackStorm ChatOps in the tray\nExec=\"{exe}\" {HIDDEN_ARG}\nIcon=stormdesk\nTerminal=false\nX-GNOME-Autostart-enabled=true\n"
    )
}

/// The entry follows `enabled`; an existing one is rewritten to name this
/// binary (a moved or reinstalled build never leaves one naming another).
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
        let exe = std::env::current_exe().map_err(refused)?;
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

/// At start: as `apply`.
pub fn reconcile(enabled: bool) -> Result<(), IpcError> {
    apply(enabled)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_entry_starts_this_binary_in_the_tray() {
        let e = super::desktop_entry(std::path::Path::new("/opt/Storm desk/stormdesk-tray"));
        assert!(
            e.contains("Exec=\"/opt/Storm desk/stormdesk-tray\" --minimized\n"),
            "{e}"
        );
        assert!(e.starts_with("[Desktop Entry]\nType=Application\n"));
    }
}
