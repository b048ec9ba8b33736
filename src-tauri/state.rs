//! What the shell holds: the host (everything without a window).

use std::sync::Arc;

use stormdesk_desk::host::Host;
use stormdesk_notify::DesktopSink;

pub type AppHost = Host<DesktopSink>;

pub struct AppState {
    pub host: Arc<AppHost>,
}
