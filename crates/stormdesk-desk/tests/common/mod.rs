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
