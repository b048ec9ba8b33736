//! MS Teams: the Bot Framework messaging endpoint in (JWT-checked), proactive
//! messages out (the bot's app id and password).

use std::sync::Arc;

use stormdesk_history::{Payload, Via};
use stormdesk_relay::inbound::Inbound;
use stormdesk_relay::outbound::Relay;
use stormdesk_relay::teams::TeamsBot;
use stormdesk_relay::{teams, teams_endpoint, LinkState};
use stormdesk_secrets::{CredentialStore, RelaySecret};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::chat_service::ChatService;
use super::{secret, Links};
use crate::ipc::IpcError;
use crate::prefs::RelayPrefs;
use crate::{Desk, ErrorKind};

pub(crate) struct Teams {
    bot: Option<TeamsBot>,
    listener: tokio::net::TcpListener,
    auth: teams_endpoint::BotAuth,
    address: String,
}

impl ChatService for Teams {
    async fn prepare(
        prefs: &RelayPrefs,
        store: &Arc<dyn CredentialStore>,
    ) -> Result<Option<Self>, IpcError> {
        if !prefs.teams {
            return Ok(None);
        }
        let app_id = prefs
            .teams_app_id
            .clone()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                IpcError::new(
                    ErrorKind::Relay,
                    "Teams is on but no bot app id is set (relay.teams_app_id)",
                )
            })?;
        let password = secret(store, RelaySecret::TeamsPassword, "Teams").await?;
        let token_url = prefs
            .teams_token_url
            .clone()
            .unwrap_or_else(|| teams::DEFAULT_TOKEN_URL.into());
        let addr: std::net::SocketAddr = prefs.teams_listen.parse().map_err(|e| {
            IpcError::new(
                ErrorKind::Relay,
                format!("relay.teams_listen \"{}\": {e}", prefs.teams_listen),
            )
        })?;
        let listener = teams_endpoint::bind(addr).await.map_err(|e| {
            IpcError::new(
                ErrorKind::Relay,
                format!("the Teams endpoint cannot listen on {addr}: {e}"),
            )
        })?;
        let metadata = prefs
            .teams_metadata_url
            .clone()
            .unwrap_or_else(|| teams_endpoint::DEFAULT_METADATA_URL.into());
        let address = listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_else(|_| prefs.teams_listen.clone());
        Ok(Some(Self {
            bot: Some(TeamsBot::new(&token_url, &app_id, password)),
            listener,
            auth: teams_endpoint::BotAuth::new(&metadata, &app_id),
            address,
        }))
    }

    fn outbound(&mut self, relay: &mut Relay) {
        relay.teams = self.bot.take();
    }

    fn listen(
        self,
        inbound: mpsc::Sender<Inbound>,
        cancel: CancellationToken,
        links: Links,
        desk: Arc<Desk>,
    ) -> JoinHandle<()> {
        let address = self.address.clone();
        links.set(|n| n.teams = LinkState::Listening { address });
        tokio::spawn(async move {
            match teams_endpoint::serve(self.listener, self.auth, inbound, cancel).await {
                Ok(()) => links.set(|n| n.teams = LinkState::Off),
                Err(e) => {
                    links.set(|n| {
                        n.teams = LinkState::Failed {
                            reason: e.to_string(),
                        }
                    });
                    let _ = desk.record(
                        None,
                        &format!("the Teams endpoint stopped: {e}"),
                        Payload::error("relay", Via::chat("teams", None)),
                    );
                }
            }
        })
    }
}
