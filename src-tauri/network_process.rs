//! WebKitGTK keeps its network process for the whole life of the app once a
//! webview has existed, with or without a page to serve (Tauri keeps the web
//! context on Linux so that a new window does not leak one more; tauri#14626).
//! For a tray app that is about 60 MB held all day for a pane that is closed.
//! When the webview is released this ends it; WebKit starts a new one for the
//! next webview, as it does after the process crashes (`scripts/measure.sh`
//! and `tests/package/check.sh` summon after a release).

/// WebKit's network helper, as the kernel names the executable.
const EXECUTABLE: &str = "WebKitNetworkProcess";

/// End this process's WebKit network processes; returns how many were asked
/// to stop. Call it only while no webview exists.
#[cfg(target_os = "linux")]
pub fn end() -> usize {
    use nix::sys::signal::{kill, Signal};
    use nix::unistd::Pid;

    let me = std::process::id();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    let mut ended = 0;
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        if parent_of(&stat) != Some(me) {
            continue;
        }
        let exe = std::fs::read_link(entry.path().join("exe")).unwrap_or_default();
        if exe.file_name().and_then(|n| n.to_str()) != Some(EXECUTABLE) {
            continue;
        }
        let Ok(raw) = i32::try_from(pid) else {
            continue;
        };
        match kill(Pid::from_raw(raw), Signal::SIGTERM) {
            Ok(()) => ended += 1,
            Err(e) => tracing::debug!(pid, error = %e, "the network process could not be ended"),
        }
    }
    ended
}

#[cfg(not(target_os = "linux"))]
pub fn end() -> usize {
    0
}

/// The parent's pid from a `/proc/PID/stat` line. The command name is in
/// parentheses and may hold spaces or ')' itself, so fields are counted
/// after the last ')': state, then the parent.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn parent_of(stat: &str) -> Option<u32> {
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parent_is_the_fourth_field() {
        let line = "31077 (WebKitNetworkPr) S 30825 30825 30800 0 -1 4194560 2000";
        assert_eq!(parent_of(line), Some(30825));
    }

    #[test]
    fn a_name_with_spaces_and_parentheses_does_not_shift_the_fields() {
        let line = "42 (a (b) c) R 7 42 42 0 -1";
        assert_eq!(parent_of(line), Some(7));
    }

    #[test]
    fn a_truncated_line_has_no_parent() {
        assert_eq!(parent_of("42 (x"), None);
        assert_eq!(parent_of("42 (x) S"), None);
        assert_eq!(parent_of(""), None);
    }

    /// A child named as WebKit's helper is ended; another child is not.
    #[cfg(target_os = "linux")]
    #[test]
    fn ends_only_children_named_as_the_network_process() {
        use std::os::unix::process::ExitStatusExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let helper = dir.path().join(EXECUTABLE);
        let other = dir.path().join("WebKitWebProcess");
        for copy in [&helper, &other] {
            std::fs::copy("/bin/sleep", copy).expect("copy sleep");
        }
        let mut network = std::process::Command::new(&helper)
            .arg("30")
            .spawn()
            .expect("spawn");
        let mut web = std::process::Command::new(&other)
            .arg("30")
            .spawn()
            .expect("spawn");
        assert_eq!(end(), 1);
        assert_eq!(network.wait().expect("wait").signal(), Some(15));
        assert_eq!(
            web.try_wait().expect("try_wait"),
            None,
            "another child was ended"
        );
        web.kill().expect("kill");
        web.wait().expect("wait");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn our_own_parent_is_read_from_proc() {
        let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
        assert_eq!(parent_of(&stat), Some(std::os::unix::process::parent_id()));
    }
}
