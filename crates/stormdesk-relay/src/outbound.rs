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
pub enum PostedTo {
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
    pub async fn post(
        &self,
        route: &Route,
        message: &str,
        extra: &Value,
    ) -> Result<PostedTo, RelayError> {
        match route {
            Route::Fallback { note } => Ok(PostedTo::Pane {
                note: Some(note.clone()),
            }),
            Route::To(Destination::Pane { .. }) => Ok(PostedTo::Pane { note: None }),
            Route::To(Destination::Slack {
                channel, thread_ts, ..
            }) => match &self.slack {
                Some(s) => Ok(PostedTo::Slack(
                    s.post_message(channel, thread_ts.as_deref(), message, extra)
                        .await?,
                )),
                None => Ok(PostedTo::Pane {
                    note: Some(format!(
                        "meant for Slack channel {channel}, but Slack is not connected"
                    )),
                }),
            },
            Route::To(Destination::Teams(r)) => match &self.teams {
                Some(t) => Ok(PostedTo::Teams(t.send(r, message).await?)),
                None => Ok(PostedTo::Pane {
                    note: Some("meant for a Teams conversation, but Teams is not connected".into()),
                }),
            },
        }
    }
}
