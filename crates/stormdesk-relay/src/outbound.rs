//! Announcements and results out: a decoded destination → the right chat.
//! A destination the relay cannot serve (not connected, undecodable) goes
//! to the pane with a note; it is never dropped.

use serde_json::Value;
use stormdesk_routing::{Destination, Route};

use crate::slack::{Posted, SlackClient};
use crate::teams::TeamsBot;
use crate::RelayError;

/// Where a message ended up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivered {
    Slack(Vec<Posted>),
    Teams(Vec<String>),
    /// Shown in the pane; the note says why, if it was meant elsewhere.
    Pane {
        note: Option<String>,
    },
}

/// The connected chat services.
#[derive(Debug, Default)]
pub struct Relay {
    pub slack: Option<SlackClient>,
    pub teams: Option<TeamsBot>,
}

impl Relay {
    pub async fn deliver(
        &self,
        route: &Route,
        message: &str,
        extra: &Value,
    ) -> Result<Delivered, RelayError> {
        match route {
            Route::Fallback { note } => Ok(Delivered::Pane {
                note: Some(note.clone()),
            }),
            Route::To(Destination::Pane { .. }) => Ok(Delivered::Pane { note: None }),
            Route::To(Destination::Slack {
                channel, thread_ts, ..
            }) => match &self.slack {
                Some(s) => Ok(Delivered::Slack(
                    s.post_message(channel, thread_ts.as_deref(), message, extra)
                        .await?,
                )),
                None => Ok(Delivered::Pane {
                    note: Some(format!(
                        "meant for Slack channel {channel}, but Slack is not connected"
                    )),
                }),
            },
            Route::To(Destination::Teams(r)) => match &self.teams {
                Some(t) => Ok(Delivered::Teams(t.send(r, message).await?)),
                None => Ok(Delivered::Pane {
                    note: Some("meant for a Teams conversation, but Teams is not connected".into()),
                }),
            },
        }
    }
}
