//! What the shell holds: the host (everything without a window) and the
//! commands the UI calls, answered with this shell's desktop actions.

use std::sync::Arc;

use stormdesk_desk::commands::{Commands, Shell};
use stormdesk_desk::host::Host;
use stormdesk_desk::ipc::IpcError;
use stormdesk_desk::prefs::Prefs;
use stormdesk_desk::ErrorKind;
use stormdesk_notify::DesktopSink;
use tauri_plugin_opener::OpenerExt;

pub type AppHost = Host<DesktopSink>;

pub struct AppState {
    pub host: Arc<AppHost>,
    pub commands: Commands<DesktopSink>,
}

impl AppState {
    pub fn new(app: &tauri::AppHandle, host: Arc<AppHost>) -> Self {
        let shell = Arc::new(TauriShell(app.clone()));
        Self {
            commands: Commands::new(Arc::clone(&host), shell),
            host,
        }
    }
}

/// The commands, for a Tauri command (they all take the `AppHandle`, so that
/// they share one signature shape).
pub fn commands(app: &tauri::AppHandle) -> Commands<DesktopSink> {
    use tauri::Manager;
    app.state::<AppState>().commands.clone()
}

/// The desktop actions behind `open_link` and `save_prefs`: the opener
/// plugin, the global shortcut, start at login.
struct TauriShell(tauri::AppHandle);

impl Shell for TauriShell {
    fn open_url(&self, url: &url::Url) -> Result<(), IpcError> {
        self.0
            .opener()
            .open_url(url.as_str(), None::<&str>)
            .map_err(|e| IpcError::new(ErrorKind::Link, format!("cannot open the browser: {e}")))
    }

    fn apply_prefs(&self, current: &Prefs, next: &Prefs) -> Result<(), IpcError> {
        crate::shortcut::replace(&self.0, &current.shortcut, &next.shortcut)?;
        crate::autostart::apply(&self.0, next.start_at_login)
    }
}
