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
/// it when there is one (as installed) that is fit to start at login,
/// else the running binary itself.
pub fn launcher(running: &Path) -> PathBuf {
    let tray = running.with_file_name("stormdesk-tray");
    if trusted_binary(&tray) {
        tray
    } else {
        running.to_path_buf()
    }
}

/// A binary fit to start at every login: a file owned by root or by this
/// user and writable by nobody else. One that another local user could
/// replace or write would run their code as this user at each login.
#[cfg(unix)]
pub fn trusted_binary(path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(m) = std::fs::metadata(path) else {
        return false;
    };
    let me = nix::unistd::Uid::current().as_raw();
    m.is_file() && (m.uid() == 0 || m.uid() == me) && m.mode() & 0o022 == 0
}

#[cfg(not(unix))]
pub fn trusted_binary(path: &Path) -> bool {
    path.is_file()
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

/// The entry's text, starting `exe` in the tray; `None` for a path an
/// `Exec` key cannot hold (a control character, or not UTF-8).
pub fn desktop_entry(exe: &Path) -> Option<String> {
    let exe = exec_quoted(exe.to_str()?)?;
    Some(format!(
        "[Desktop Entry]\nType=Application\nVersion=1.0\nName=Stormdesk\nComment=StackStorm ChatOps in the tray\nExec={exe} {HIDDEN_ARG}\nIcon=stormdesk\nTerminal=false\nX-GNOME-Autostart-enabled=true\n"
    ))
}

/// One `Exec` argument as the Desktop Entry spec reads it: in double
/// quotes, with `"`, `` ` ``, `$` and `\` escaped by a backslash; then the
/// string escaping of every value (a backslash doubled again), and `%`
/// doubled so that it is no field code.
fn exec_quoted(arg: &str) -> Option<String> {
    if arg.chars().any(char::is_control) {
        return None;
    }
    let mut quoted = String::from("\"");
    for c in arg.chars() {
        match c {
            '"' | '`' | '$' => {
                quoted.push_str("\\\\");
                quoted.push(c);
            }
            '\\' => quoted.push_str("\\\\\\\\"),
            '%' => quoted.push_str("%%"),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    Some(quoted)
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
        if !trusted_binary(&exe) {
            return Err(refused(format!(
                "{} can be changed by other users of this machine (its owner or permissions), so it is not started at login",
                exe.display()
            )));
        }
        let text = desktop_entry(&exe).ok_or_else(|| {
            refused(format!(
                "{} cannot be named in a start-up entry",
                exe.display()
            ))
        })?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(refused)?;
        }
        std::fs::write(&path, text).map_err(refused)
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
        let e = desktop_entry(Path::new("/opt/Storm desk/stormdesk-tray")).unwrap();
        assert!(
            e.contains("Exec=\"/opt/Storm desk/stormdesk-tray\" --minimized\n"),
            "{e}"
        );
        assert!(e.starts_with("[Desktop Entry]\nType=Application\n"));
    }

    /// The spec's reserved characters, read back as a desktop reads them
    /// (string unescape, then the quoting rule) to the same path; nothing in
    /// a path can end the argument, add one or expand a field code.
    #[test]
    fn exec_quoting_follows_the_desktop_entry_spec() {
        let odd = r#"/home/a"b`c$(id)\d%f e/stormdesk-tray"#;
        let e = desktop_entry(Path::new(odd)).unwrap();
        let exec = e.lines().find_map(|l| l.strip_prefix("Exec=")).unwrap();
        assert_eq!(
            exec,
            r#""/home/a\\"b\\`c\\$(id)\\\\d%%f e/stormdesk-tray" --minimized"#
        );
        // A desktop's reading: the string escapes first (`\\` is `\`)…
        let mut value = String::new();
        let mut chars = exec.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                assert_eq!(chars.next(), Some('\\'), "only \\\\ escapes: {exec}");
            }
            value.push(c);
        }
        // …then the quoting rule (`\x` is `x` inside the quotes).
        let mut chars = value.strip_prefix('"').unwrap().chars();
        let mut arg = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\\' => arg.push(chars.next().unwrap()),
                '"' => break,
                c => arg.push(c),
            }
        }
        assert_eq!(arg.replace("%%", "%"), odd);
        assert_eq!(chars.as_str(), " --minimized");
        for bad in ["/tmp/a\nExec=evil", "/tmp/a\rb", "/tmp/\u{1b}x"] {
            assert_eq!(desktop_entry(Path::new(bad)), None, "{bad:?}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn only_a_binary_nobody_else_can_change_starts_at_login() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let app = dir.path().join("stormdesk");
        std::fs::write(&app, "").unwrap();
        let tray = dir.path().join("stormdesk-tray");
        std::fs::write(&tray, "").unwrap();
        std::fs::set_permissions(&tray, std::fs::Permissions::from_mode(0o757)).unwrap();
        assert!(!trusted_binary(&tray), "writable by others");
        assert_eq!(launcher(&app), app, "a tray others can write is not named");
        std::fs::set_permissions(&tray, std::fs::Permissions::from_mode(0o775)).unwrap();
        assert!(!trusted_binary(&tray), "writable by the group");
        std::fs::set_permissions(&tray, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(trusted_binary(&tray));
        assert_eq!(launcher(&app), tray);
        assert!(!trusted_binary(&dir.path().join("missing")));
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
