//! The seam between the relay and one chat service: set up from the
//! preferences and the keyring, it adds its outbound side to the relay
//! (posting answers) and listens for messages (commands coming in). Slack
//! and Teams are the two implementations; a new service is a file beside
//! them plus its lines in `start`.

use std::sync::Arc;

use stormdesk_relay::inbound::Inbound;
use stormdesk_relay::outbound::Relay;
use stormdesk_secrets::CredentialStore;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::Links;
use crate::ipc::IpcError;
use crate::prefs::RelayPrefs;
use crate::Desk;

pub(crate) trait ChatService: Sized {
    /// `None`: switched off in the preferences. An error: switched on but
    /// not usable (a secret missing, a port taken), said in words.
    async fn prepare(
        prefs: &RelayPrefs,
        store: &Arc<dyn CredentialStore>,
    ) -> Result<Option<Self>, IpcError>;

    /// Add this service's posting side to the relay (once).
    fn outbound(&mut self, relay: &mut Relay);

    /// Listen for messages until `cancel`, sending each to `inbound`,
    /// reporting the link's state in `links` and a failure in history.
    fn listen(
        self,
        inbound: mpsc::Sender<Inbound>,
        cancel: CancellationToken,
        links: Links,
        desk: Arc<Desk>,
    ) -> JoinHandle<()>;
}
