//! Slack: Socket Mode in (an app-level token), the Web API out (the bot
//! token).

use std::sync::Arc;

use stormdesk_client::Secret;
use stormdesk_history::{Payload, Via};
use stormdesk_relay::inbound::Inbound;
use stormdesk_relay::outbound::Relay;
use stormdesk_relay::slack::SlackClient;
use stormdesk_relay::{socket_mode, LinkState};
use stormdesk_secrets::{CredentialStore, RelaySecret};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::chat_service::ChatService;
use super::{secret, Links};
use crate::ipc::IpcError;
use crate::prefs::RelayPrefs;
use crate::Desk;

pub(crate) struct Slack {
    api: String,
    bot: Secret,
    app: Secret,
}

impl ChatService for Slack {
    async fn prepare(
        prefs: &RelayPrefs,
        store: &Arc<dyn CredentialStore>,
    ) -> Result<Option<Self>, IpcError> {
        if !prefs.slack {
            return Ok(None);
        }
        let api = prefs
            .slack_api
            .clone()
            .unwrap_or_else(|| stormdesk_relay::slack::DEFAULT_API.into());
        let bot = secret(store, RelaySecret::SlackBot, "Slack").await?;
        let app = secret(store, RelaySecret::SlackApp, "Slack").await?;
        Ok(Some(Self { api, bot, app }))
    }

    fn outbound(&mut self, relay: &mut Relay) {
        relay.slack = Some(SlackClient::new(&self.api, self.bot.clone()));
    }

    fn listen(
        self,
        inbound: mpsc::Sender<Inbound>,
        cancel: CancellationToken,
        links: Links,
        desk: Arc<Desk>,
    ) -> JoinHandle<()> {
        let state = move |s: LinkState| links.set(|n| n.slack = s);
        tokio::spawn(async move {
            if let Err(e) = socket_mode::run(self.api, self.app, inbound, cancel, state).await {
                let _ = desk.record(
                    None,
                    &e.to_string(),
                    Payload::error(e.kind().as_str(), Via::chat("slack", None)),
                );
            }
        })
    }
}
