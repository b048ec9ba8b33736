//! The UI's commands, answered once for every front end. Each command in
//! `ipc_commands.rs` is a method on [`Commands`] (one core call each), and a
//! variant of [`Call`], the same command as data: the Tauri shell calls the
//! methods, a front end in another process sends `Call`s over the
//! [`link`](crate::link), and [`answer`] runs either kind the same way.
//!
//! What only a front end with a desktop can do (open a browser, register a
//! global shortcut, an autostart entry) is its [`Shell`].

use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;
use stormdesk_alias::Suggestion;
use stormdesk_client::Secret;
use stormdesk_history::Entry;
use stormdesk_notify::Sink;
use url::Url;

use crate::host::Host;
use crate::ipc::{
    ExecutionControl, IpcError, ProfileForm, ProfileSummary, RecentResult, ShareTarget, Status,
};
use crate::prefs::Prefs;
use crate::ErrorKind;

/// What a front end does on the desktop for the commands.
pub trait Shell: Send + Sync {
    /// Open a link the host has checked (`check_link`) in the browser.
    fn open_url(&self, url: &Url) -> Result<(), IpcError>;
    /// Apply the preferences only the front end can (the global shortcut,
    /// start at login) before they are saved; an error refuses the save and
    /// leaves the current ones in place.
    fn apply_prefs(&self, current: &Prefs, next: &Prefs) -> Result<(), IpcError>;
}

/// A shell without a desktop: links go to `xdg-open` (or the platform's
/// opener), there is no shortcut or autostart entry to change.
#[derive(Debug, Default)]
pub struct HeadlessShell;

impl Shell for HeadlessShell {
    fn open_url(&self, url: &Url) -> Result<(), IpcError> {
        let opener = if cfg!(target_os = "macos") {
            "open"
        } else {
            "xdg-open"
        };
        std::process::Command::new(opener)
            .arg(url.as_str())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map(|mut child| {
                // Reaped when it exits: a tray lives all day, its openers must
                // not linger as zombies.
                std::thread::spawn(move || child.wait());
            })
            .map_err(|e| {
                IpcError::new(
                    ErrorKind::Link,
                    format!("cannot open the browser ({opener}): {e}"),
                )
            })
    }

    fn apply_prefs(&self, _current: &Prefs, _next: &Prefs) -> Result<(), IpcError> {
        Ok(())
    }
}

/// The host and the shell a front end answers commands with.
pub struct Commands<S: Sink + Clone> {
    host: Arc<Host<S>>,
    shell: Arc<dyn Shell>,
}

impl<S: Sink + Clone> Clone for Commands<S> {
    fn clone(&self) -> Self {
        Self {
            host: Arc::clone(&self.host),
            shell: Arc::clone(&self.shell),
        }
    }
}

impl<S: Sink + Clone + 'static> Commands<S> {
    pub fn new(host: Arc<Host<S>>, shell: Arc<dyn Shell>) -> Self {
        Self { host, shell }
    }

    pub fn host(&self) -> &Arc<Host<S>> {
        &self.host
    }

    /// The matching runs on a blocking thread: a slow alias format must not
    /// hold up the runtime that serves the other commands.
    pub async fn suggest_aliases(
        &self,
        text: String,
        limit: u32,
    ) -> Result<Vec<Suggestion>, IpcError> {
        let desk = self.host.desk()?;
        tokio::task::spawn_blocking(move || desk.suggest(&text, limit as usize))
            .await
            .map_err(|e| IpcError::new(ErrorKind::Internal, format!("suggestions failed: {e}")))
    }

    pub async fn refresh_aliases(&self) -> Result<u32, IpcError> {
        Ok(self.host.desk()?.refresh_aliases().await? as u32)
    }

    pub async fn run_command(&self, text: String, confirmed: bool) -> Result<Vec<Entry>, IpcError> {
        Ok(self
            .host
            .desk()?
            .run_command_confirmed(&text, confirmed)
            .await?)
    }

    pub async fn respond_inquiry(
        &self,
        inquiry_id: String,
        response: Value,
    ) -> Result<Vec<Entry>, IpcError> {
        Ok(self
            .host
            .desk()?
            .respond_inquiry(&inquiry_id, response)
            .await?)
    }

    pub async fn control_execution(
        &self,
        execution_id: String,
        control: ExecutionControl,
    ) -> Result<Vec<Entry>, IpcError> {
        Ok(self
            .host
            .desk()?
            .control_execution(&execution_id, control)
            .await?)
    }

    pub async fn rerun_execution(
        &self,
        execution_id: String,
        changes: Vec<String>,
        confirmed: bool,
    ) -> Result<Vec<Entry>, IpcError> {
        Ok(self
            .host
            .desk()?
            .rerun_execution(&execution_id, &changes, confirmed)
            .await?)
    }

    /// History is read off the async workers: a long read (or the lock a
    /// VACUUM holds) must not stall the stream, the relay or the socket.
    pub async fn load_history(
        &self,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Entry>, IpcError> {
        let desk = self.host.desk()?;
        crate::blocking(ErrorKind::History, move || {
            desk.history_page(before, limit as usize)
        })
        .await
    }

    pub async fn search_history(&self, query: String, limit: u32) -> Result<Vec<Entry>, IpcError> {
        let desk = self.host.desk()?;
        crate::blocking(ErrorKind::History, move || {
            desk.search_history(&query, limit as usize)
        })
        .await
    }

    pub async fn set_notifications_paused(&self, paused: bool) -> Result<bool, IpcError> {
        Ok(self.host.set_notifications_paused(paused))
    }

    pub async fn get_status(&self) -> Result<Status, IpcError> {
        self.host.status()
    }

    pub async fn start_demo(&self) -> Result<Status, IpcError> {
        self.host.start_demo().await
    }

    pub async fn list_profiles(&self) -> Result<Vec<ProfileSummary>, IpcError> {
        self.host.list_profiles().await
    }

    pub async fn save_profile(&self, form: ProfileForm) -> Result<ProfileSummary, IpcError> {
        self.host.save_profile(form).await
    }

    pub async fn remove_profile(&self, name: String) -> Result<Vec<ProfileSummary>, IpcError> {
        self.host.remove_profile(&name).await
    }

    pub async fn switch_profile(&self, name: String) -> Result<Status, IpcError> {
        self.host.switch_profile(Some(&name)).await
    }

    pub async fn get_prefs(&self) -> Result<Prefs, IpcError> {
        Ok(self.host.prefs())
    }

    /// Checked, applied by the shell (which may refuse a shortcut), then
    /// saved; history limits are applied after, in the background.
    pub async fn save_prefs(&self, prefs: Prefs) -> Result<Prefs, IpcError> {
        prefs.validate().map_err(IpcError::from)?;
        self.shell.apply_prefs(&self.host.prefs(), &prefs)?;
        self.host.save_prefs(prefs).await
    }

    pub async fn open_link(&self, url: String) -> Result<bool, IpcError> {
        let url = self.host.check_link(&url)?;
        self.shell.open_url(&url)?;
        Ok(true)
    }

    pub async fn mark_read(&self) -> Result<u32, IpcError> {
        Ok(self.host.mark_read())
    }

    pub async fn recent_results(&self) -> Result<Vec<RecentResult>, IpcError> {
        Ok(self.host.recent_results())
    }

    pub async fn set_relay_secret(&self, name: String, secret: Secret) -> Result<bool, IpcError> {
        self.host.set_relay_secret(&name, secret).await
    }

    pub async fn relay_secrets_stored(&self) -> Result<Vec<String>, IpcError> {
        Ok(self.host.relay_secrets_stored().await)
    }

    pub async fn list_share_targets(&self) -> Result<Vec<ShareTarget>, IpcError> {
        self.host.share_targets().await
    }

    pub async fn share_entry(
        &self,
        entry_id: i64,
        target: String,
    ) -> Result<ShareTarget, IpcError> {
        self.host.share_entry(entry_id, &target).await
    }

    pub async fn forget_share_target(&self, target: String) -> Result<Vec<ShareTarget>, IpcError> {
        self.host.forget_share_target(&target).await
    }
}

macro_rules! ipc_commands {
    ($( $name:ident ( $( $arg:ident : $ty:ty ),* ) -> $ret:ty ;)*) => {
        /// One command as data: `{"command": "run_command", "args": {…}}`,
        /// the arguments named as the UI names them.
        #[derive(Deserialize)]
        #[serde(tag = "command", content = "args")]
        #[allow(non_camel_case_types)]
        pub enum Call {
            $( $name { $( $arg: $ty ),* } ),*
        }

        impl Call {
            /// The command's name, for logs (never its arguments: a secret
            /// may be one).
            pub fn name(&self) -> &'static str {
                match self {
                    $( Call::$name { .. } => stringify!($name) ),*
                }
            }
        }

        /// Every command's name, in declaration order.
        pub const NAMES: &[&str] = &[$( stringify!($name) ),*];

        /// Run one call; its result as JSON, exactly what the Tauri command
        /// of the same name returns. The declared result type is checked
        /// here: a method that drifts from `ipc_commands.rs` fails to build.
        pub async fn answer<S: Sink + Clone + 'static>(
            commands: &Commands<S>,
            call: Call,
        ) -> Result<Value, IpcError> {
            match call {
                $( Call::$name { $( $arg ),* } => {
                    let result: $ret = commands.$name($( $arg ),*).await?;
                    serde_json::to_value(result).map_err(|e| {
                        IpcError::new(ErrorKind::Internal, format!("cannot encode the result: {e}"))
                    })
                } )*
            }
        }
    };
}

include!("ipc_commands.rs");

impl std::fmt::Debug for Call {
    // Arguments may hold a secret (a relay token, a profile's password).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Call({})", self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_reads_as_the_ui_sends_it() {
        let call: Call = serde_json::from_value(serde_json::json!({
            "command": "run_command",
            "args": {"text": "pack list", "confirmed": false}
        }))
        .unwrap();
        assert!(
            matches!(call, Call::run_command { ref text, confirmed: false } if text == "pack list")
        );
        let call: Call =
            serde_json::from_value(serde_json::json!({"command": "get_status", "args": {}}))
                .unwrap();
        assert_eq!(call.name(), "get_status");
    }

    #[test]
    fn a_secret_argument_never_shows_in_debug() {
        let call: Call = serde_json::from_value(serde_json::json!({
            "command": "set_relay_secret",
            "args": {"name": "slack_bot_token", "secret": "xoxb-very-secret"}
        }))
        .unwrap();
        let shown = format!("{call:?}");
        assert!(!shown.contains("xoxb"), "{shown}");
        assert_eq!(shown, "Call(set_relay_secret)");
    }

    #[test]
    fn an_unknown_command_or_wrong_arguments_are_refused() {
        assert!(serde_json::from_value::<Call>(
            serde_json::json!({"command": "rm_rf", "args": {}})
        )
        .is_err());
        assert!(serde_json::from_value::<Call>(
            serde_json::json!({"command": "run_command", "args": {"text": 3}})
        )
        .is_err());
        assert_eq!(NAMES.len(), 25);
    }
}
