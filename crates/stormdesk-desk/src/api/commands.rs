//! The UI's commands, answered once for every front end. Each command
//! declared in `ipc_commands.rs` (with the one core call that answers it)
//! becomes a method on [`Commands`] and a variant of [`Call`], the same
//! command as data. The Tauri shell and a front end over the desk's
//! [`link`](crate::link) both decode a call ([`decode`]) and run it through
//! [`answer`]: one dispatch for every front end.
//!
//! What only a front end with a desktop can do (open a browser, register a
//! global shortcut, an autostart entry) is its [`Shell`].

use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;
use stormdesk_client::Secret;
use stormdesk_notify::Sink;
use url::Url;

use crate::host::Host;
use crate::ipc::{ExecutionControl, IpcError, ProfileForm};
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

    /// Checked, applied by the shell (which may refuse a shortcut), then
    /// saved; history limits are applied after, in the background.
    async fn apply_and_save_prefs(&self, prefs: Prefs) -> Result<Prefs, IpcError> {
        prefs.validate().map_err(IpcError::from)?;
        self.shell.apply_prefs(&self.host.prefs(), &prefs)?;
        self.host.save_prefs(prefs).await
    }

    /// A link the host has checked, opened by the shell.
    fn open_checked_link(&self, url: &str) -> Result<bool, IpcError> {
        let url = self.host.check_link(url)?;
        self.shell.open_url(&url)?;
        Ok(true)
    }
}

/// Whether a value of an argument's type can hold a secret: a refusal and a
/// log line never quote such an argument. Every argument type says so (a
/// new one does not compile until it does).
pub trait MayHoldSecret {
    const SECRET: bool = false;
}

impl MayHoldSecret for String {}
impl MayHoldSecret for u32 {}
impl MayHoldSecret for i64 {}
impl MayHoldSecret for bool {}
impl MayHoldSecret for Option<i64> {}
impl MayHoldSecret for Vec<String> {}
impl MayHoldSecret for Value {}
impl MayHoldSecret for ExecutionControl {}
impl MayHoldSecret for Prefs {}
impl MayHoldSecret for Secret {
    const SECRET: bool = true;
}
impl MayHoldSecret for ProfileForm {
    const SECRET: bool = true;
}

macro_rules! ipc_commands {
    ($( $name:ident ( $( $arg:ident : $ty:ty ),* ) -> $ret:ty = |$c:ident| $body:expr ;)*) => {
        impl<S: Sink + Clone + 'static> Commands<S> {
            $(
                pub async fn $name(&self, $( $arg: $ty ),*) -> Result<$ret, IpcError> {
                    let $c = self;
                    $body
                }
            )*
        }

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

        /// Whether a command's arguments may hold a secret (from their
        /// types). An unknown command is assumed to.
        pub fn carries_secret(command: &str) -> bool {
            match command {
                $( stringify!($name) => false $( || <$ty as MayHoldSecret>::SECRET )*, )*
                _ => true,
            }
        }

        /// Run one call; its result as JSON, what the UI receives.
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

/// A command and its arguments as a front end sent them, as a [`Call`]. A
/// refusal names the command and, unless its arguments may hold a secret
/// (serde quotes a value of the wrong type), what was wrong with them.
pub fn decode(command: &str, args: Value) -> Result<Call, IpcError> {
    let value = serde_json::json!({ "command": command, "args": args });
    Call::deserialize(&value).map_err(|e| {
        let command: String = command.chars().take(64).collect();
        let why = if carries_secret(&command) {
            "its arguments are not the ones it takes".to_owned()
        } else {
            e.to_string()
        };
        IpcError::new(ErrorKind::Input, format!("cannot run '{command}': {why}"))
    })
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
    }

    #[test]
    fn which_commands_carry_secrets_follows_from_their_argument_types() {
        let carrying: Vec<&str> = NAMES
            .iter()
            .copied()
            .filter(|n| carries_secret(n))
            .collect();
        assert_eq!(carrying, ["save_profile", "set_relay_secret"]);
        assert!(carries_secret("no_such_command"));
        let e = decode(
            "set_relay_secret",
            serde_json::json!({"name": "x", "secret": 42}),
        )
        .unwrap_err();
        assert!(!e.message.contains("42"), "{}", e.message);
        let e = decode("run_command", serde_json::json!({"text": 42})).unwrap_err();
        assert!(
            e.message.contains("cannot run 'run_command'"),
            "{}",
            e.message
        );
    }
}
