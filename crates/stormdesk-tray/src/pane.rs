//! The pane: `stormdesk --attach`, a process of its own. Started when
//! summoned and none is running; a running one shows itself on the same
//! event (it follows the desk's events). It ends by itself once hidden for
//! a while (its release), or when this desk's socket closes.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
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

/// A running pane: how to end it.
struct Running {
    pid: Option<u32>,
    end: tokio::sync::oneshot::Sender<()>,
}

pub struct Pane {
    exe: PathBuf,
    socket: PathBuf,
    running: Arc<Mutex<Option<Running>>>,
}

impl Pane {
    pub fn new(exe: PathBuf, socket: PathBuf) -> Self {
        Self {
            exe,
            socket,
            running: Arc::new(Mutex::new(None)),
        }
    }

    /// Whether a pane process is running now.
    pub fn running(&self) -> bool {
        self.running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
    }

    /// Start the pane unless one is running (from inside the runtime).
    /// Returns whether it started one.
    pub fn show(&self) -> bool {
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        if running.is_some() {
            return false;
        }
        let started = Instant::now();
        let mut child = match spawn(&self.exe, &self.socket) {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(exe = %self.exe.display(), error = %e, "the pane could not start");
                return false;
            }
        };
        let pid = child.id();
        tracing::info!(
            pid,
            ms = started.elapsed().as_millis() as u64,
            "pane started"
        );
        let (end, ended) = tokio::sync::oneshot::channel();
        *running = Some(Running { pid, end });
        // Waited for as it happens, so that the next summon starts a new one.
        let slot = Arc::clone(&self.running);
        tokio::spawn(async move {
            let status = tokio::select! {
                s = child.wait() => s,
                _ = ended => {
                    let _ = child.start_kill();
                    child.wait().await
                }
            };
            match status {
                Ok(s) => tracing::info!(pid, status = %s, "pane ended"),
                Err(e) => tracing::warn!(pid, error = %e, "pane ended"),
            }
            let mut running = slot.lock().unwrap_or_else(|e| e.into_inner());
            if running.as_ref().is_some_and(|r| r.pid == pid) {
                *running = None;
            }
        });
        true
    }

    /// Wait up to `limit` for the pane to end (it does when the socket
    /// closes), then end it.
    pub async fn wait_gone(&self, limit: Duration) {
        let end = Instant::now() + limit;
        while self.running() && Instant::now() < end {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        if let Some(r) = self
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            let _ = r.end.send(());
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
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!pane.running(), "ended when asked");
        let lines = std::fs::read_to_string(&log).unwrap();
        let want = format!("--attach {}", dir.path().join("desk.sock").display());
        assert_eq!(lines.lines().collect::<Vec<_>>(), vec![want.as_str(); 2]);
    }
}
