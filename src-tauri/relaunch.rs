//! A launch that finds the previous instance still holding the
//! single-instance name, but going away (quit a moment ago), cannot hand
//! over to it: the plugin then fails the launch. The user asked for the
//! app, so it starts once more, by then as the only instance.

use std::time::Duration;

/// Set in the relaunched process, so it is tried once only.
const RELAUNCHED: &str = "STORMDESK_RELAUNCHED";

/// Whether the error is the hand-over to a vanished instance.
fn is_stale_instance(error: &str) -> bool {
    error.contains("failed to forward arguments to the running instance")
}

/// Replace this process with a fresh launch (same arguments) when `error`
/// is a failed hand-over and this is not already the relaunch. Returns
/// only if it did not relaunch.
pub fn after_failed_start(error: &str) {
    if !is_stale_instance(error) || std::env::var_os(RELAUNCHED).is_some() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    // Give the bus a moment to see the old instance gone.
    std::thread::sleep(Duration::from_millis(300));
    tracing::warn!("the previous instance was still exiting; starting again");
    let mut cmd = std::process::Command::new(exe);
    cmd.args(std::env::args_os().skip(1)).env(RELAUNCHED, "1");
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let e = cmd.exec();
        eprintln!("stormdesk: could not start again: {e}");
    }
    #[cfg(not(unix))]
    if let Ok(status) = cmd.status() {
        std::process::exit(status.code().unwrap_or(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_failed_hand_over_relaunches() {
        assert!(is_stale_instance(
            "failed to initialize plugin `single-instance`: failed to forward arguments to the running instance: org.freedesktop.DBus.Error.NoReply: Message recipient disconnected from message bus without replying"
        ));
        assert!(!is_stale_instance(
            "failed to setup app: error encountered during setup hook"
        ));
        assert!(!is_stale_instance(""));
    }
}
