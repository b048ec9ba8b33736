//! The pane: `stormdesk --attach`, a process of its own. Started when
//! summoned and none is running; a running one shows itself on the same
//! event (it follows the desk's events). It ends by itself once hidden for
//! a while (its release), or when this desk's socket closes.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

/// The pane's binary: `STORMDESK_PANE_EXE`, else `stormdesk` beside this one.
pub fn pane_exe() -> PathBuf {
    if let Some(p) = std::env::var_os("STORMDESK_PANE_EXE").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(|d| d.join("stormdesk")))
        .unwrap_or_else(|| PathBuf::from("stormdesk"))
}

pub struct Pane {
    exe: PathBuf,
    socket: PathBuf,
    child: Mutex<Option<Child>>,
}

impl Pane {
    pub fn new(exe: PathBuf, socket: PathBuf) -> Self {
        Self {
            exe,
            socket,
            child: Mutex::new(None),
        }
    }

    /// Whether a pane process is running now.
    pub fn running(&self) -> bool {
        let mut child = self.child.lock().unwrap_or_else(|e| e.into_inner());
        alive(&mut child)
    }

    /// Start the pane unless one is running. Returns whether it started one.
    pub fn show(&self) -> bool {
        let mut child = self.child.lock().unwrap_or_else(|e| e.into_inner());
        if alive(&mut child) {
            return false;
        }
        let started = Instant::now();
        match spawn(&self.exe, &self.socket) {
            Ok(c) => {
                tracing::info!(
                    pid = c.id(),
                    ms = started.elapsed().as_millis() as u64,
                    "pane started"
                );
                *child = Some(c);
                true
            }
            Err(e) => {
                tracing::error!(exe = %self.exe.display(), error = %e, "the pane could not start");
                false
            }
        }
    }

    /// Wait up to `limit` for the pane to end (it does when the socket
    /// closes), then end it.
    pub async fn wait_gone(&self, limit: Duration) {
        let end = Instant::now() + limit;
        while self.running() && Instant::now() < end {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        if let Some(c) = self
            .child
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_mut()
        {
            let _ = c.start_kill();
        }
    }
}

fn alive(child: &mut Option<Child>) -> bool {
    match child.as_mut().map(|c| c.try_wait()) {
        Some(Ok(None)) => true,
        Some(Ok(Some(status))) => {
            tracing::info!(%status, "pane ended");
            *child = None;
            false
        }
        Some(Err(_)) | None => {
            *child = None;
            false
        }
    }
}

fn spawn(exe: &Path, socket: &Path) -> std::io::Result<Child> {
    Command::new(exe)
        .arg("--attach")
        .env("STORMDESK_SOCKET", socket)
        .stdin(std::process::Stdio::null())
        .spawn()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_pane_at_a_time_and_a_new_one_once_it_ended() {
        let dir = tempfile::tempdir().unwrap();
        // A stand-in pane that records its arguments and socket, then lives
        // until killed (or one second).
        let exe = dir.path().join("pane.sh");
        let log = dir.path().join("log");
        std::fs::write(
            &exe,
            format!(
                "#!/bin/sh\necho \"$* $STORMDESK_SOCKET\" >> {}\nexec sleep 1\n",
                log.display()
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
        let pane = Pane::new(exe, dir.path().join("desk.sock"));
        assert!(!pane.running());
        assert!(pane.show());
        assert!(!pane.show(), "a second summon finds it running");
        assert!(pane.running());
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert!(!pane.running(), "it ended");
        assert!(pane.show(), "so the next summon starts another");
        pane.wait_gone(Duration::from_millis(10)).await;
        let lines = std::fs::read_to_string(&log).unwrap();
        let want = format!("--attach {}", dir.path().join("desk.sock").display());
        assert_eq!(lines.lines().collect::<Vec<_>>(), vec![want.as_str(); 2]);
    }
}
