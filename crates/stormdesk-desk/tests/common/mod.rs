//! Helpers shared by the desk's test binaries.

use std::sync::{Arc, Mutex};

use stormdesk_notify::{Notice, NotifyError, Sink};

/// A notification sink that keeps what it was asked to show.
#[derive(Clone, Default)]
pub struct Recorder(pub Arc<Mutex<Vec<Notice>>>);

impl Sink for Recorder {
    fn show(&self, n: &Notice) -> Result<(), NotifyError> {
        self.0.lock().unwrap().push(n.clone());
        Ok(())
    }
}

/// Every desk event up to the result of execution `id` (that result left
/// out), within a minute.
#[allow(dead_code)] // not every test binary follows results this way
pub async fn events_until_result(
    rx: &mut tokio::sync::broadcast::Receiver<stormdesk_desk::DeskEvent>,
    id: &str,
) -> Vec<stormdesk_desk::DeskEvent> {
    let mut seen = Vec::new();
    loop {
        let ev = tokio::time::timeout(std::time::Duration::from_secs(60), rx.recv())
            .await
            .expect("events")
            .unwrap();
        if let stormdesk_desk::DeskEvent::Entry { entry } = &ev {
            if entry.kind() == stormdesk_history::EntryKind::Result
                && entry.execution_id.as_deref() == Some(id)
            {
                return seen;
            }
        }
        seen.push(ev);
    }
}

/// A host whose files are all in `dir` (no st2 CLI file, no environment)
/// and whose demo runs at `time_scale` (1.0: real durations).
#[allow(dead_code)] // not every test binary makes a host
pub fn host_in(
    dir: &std::path::Path,
    store: Arc<dyn stormdesk_secrets::CredentialStore>,
    sink: Recorder,
    time_scale: f64,
) -> Arc<stormdesk_desk::host::Host<Recorder>> {
    let sources = stormdesk_client::ConfigSources {
        stormdesk_file: Some(dir.join("config.toml")),
        st2_file: None,
        env: Default::default(),
    };
    stormdesk_desk::host::Host::new(
        stormdesk_desk::host::HostOptions {
            sources,
            history_path: dir.join("history.db"),
            prefs_path: Some(dir.join("settings.toml")),
            demo_time_scale: time_scale,
        },
        store,
        sink,
        stormdesk_desk::event_channel(),
    )
}
