//! What the shell holds: the host (everything without a window).

use std::sync::Arc;

use stormdesk_desk::host::Host;
use stormdesk_notify::DesktopSink;

pub type AppHost = Host<DesktopSink>;

pub struct AppState {
    pub host: Arc<AppHost>,
}

/// The host, for a command (commands take the `AppHandle`, so that they all
/// share one signature shape).
pub fn host(app: &tauri::AppHandle) -> Arc<AppHost> {
    use tauri::Manager;
    Arc::clone(&app.state::<AppState>().host)
}
