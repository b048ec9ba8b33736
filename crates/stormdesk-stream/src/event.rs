//! Stream frames as StackStorm events.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use stormdesk_client::model::Execution;

/// `st2.announcement__<route>`'s payload, as the chatops pack posts it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Announcement {
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub channel: Value,
    #[serde(default)]
    pub user: Value,
    #[serde(default)]
    pub whisper: bool,
    #[serde(default)]
    pub extra: Value,
    #[serde(default)]
    pub context: Value,
}

impl Announcement {
    /// Whether this announcement, heard on `route`, belongs to the desk on
    /// `own_route` whose StackStorm user is `me`. On its own route, yes;
    /// on the shared route only broadcasts (not someone's command result,
    /// which carries a Stormdesk `source_context`). A whisper is for its
    /// user alone, wherever it is heard.
    pub fn is_for(&self, route: &str, own_route: &str, me: Option<&str>) -> bool {
        if self.whisper {
            let to = self.user.as_str().map(str::trim);
            if to.is_none() || to != me {
                return false;
            }
        }
        if route == own_route {
            return true;
        }
        let ctx = match &self.context {
            Value::String(s) => serde_json::from_str(s).unwrap_or(Value::Null),
            other => other.clone(),
        };
        ctx.get("stormdesk").is_none()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    Announcement {
        route: String,
        payload: Box<Announcement>,
    },
    ExecutionCreate(Box<Execution>),
    ExecutionUpdate(Box<Execution>),
    /// Subscribed to, but not interpreted.
    Other {
        name: String,
    },
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DecodeError {
    #[error("event {name}: data is not the JSON StackStorm sends: {detail}")]
    Json { name: String, detail: String },
}

pub const ANNOUNCEMENT_PREFIX: &str = "st2.announcement__";

/// Interpret one event. Errors are for logging; the stream goes on.
pub fn decode(name: &str, data: &str) -> Result<StreamEvent, DecodeError> {
    let json_err = |e: serde_json::Error| DecodeError::Json {
        name: name.to_string(),
        detail: e.to_string(),
    };
    if let Some(route) = name.strip_prefix(ANNOUNCEMENT_PREFIX) {
        // `{"payload": {...}, "trace_context": ...}`; older senders put the
        // payload at the top level.
        let v: Value = serde_json::from_str(data).map_err(json_err)?;
        let payload = v.get("payload").cloned().unwrap_or(v);
        let payload: Announcement = serde_json::from_value(payload).map_err(json_err)?;
        return Ok(StreamEvent::Announcement {
            route: route.to_string(),
            payload: Box::new(payload),
        });
    }
    match name {
        "st2.execution__create" => Ok(StreamEvent::ExecutionCreate(Box::new(
            serde_json::from_str(data).map_err(json_err)?,
        ))),
        "st2.execution__update" => Ok(StreamEvent::ExecutionUpdate(Box::new(
            serde_json::from_str(data).map_err(json_err)?,
        ))),
        other => Ok(StreamEvent::Other {
            name: other.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_desk_hears_its_own_route_broadcasts_and_its_own_whispers_only() {
        let a = |v: serde_json::Value| -> Announcement { serde_json::from_value(v).unwrap() };
        let own = "stormdesk-0123456789abcdef";
        let mine =
            a(serde_json::json!({"message": "done", "context": {"stormdesk": {"request": "r1"}}}));
        assert!(mine.is_for(own, own, Some("ann")));
        // Someone else's result on the shared route: not shown here.
        assert!(!mine.is_for("stormdesk", own, Some("ann")));
        let encoded = a(
            serde_json::json!({"message": "done", "context": "{\"stormdesk\": {\"request\": \"r9\"}}"}),
        );
        assert!(!encoded.is_for("stormdesk", own, Some("ann")));
        // A broadcast (no Stormdesk request): shown.
        let broadcast = a(serde_json::json!({"message": "maintenance at 18:00", "channel": "ops"}));
        assert!(broadcast.is_for("stormdesk", own, Some("ann")));
        // Whispers: to me only.
        let to_bob =
            a(serde_json::json!({"message": "your password", "whisper": true, "user": "bob"}));
        assert!(!to_bob.is_for(own, own, Some("ann")));
        assert!(!to_bob.is_for("stormdesk", own, None));
        let to_ann =
            a(serde_json::json!({"message": "your password", "whisper": true, "user": "ann"}));
        assert!(to_ann.is_for(own, own, Some("ann")));
        let to_nobody = a(serde_json::json!({"message": "x", "whisper": true}));
        assert!(!to_nobody.is_for(own, own, Some("ann")));
    }

    #[test]
    fn the_seeds_announcement_decodes() {
        let data = r#"{"payload": {"extra": {}, "context": null, "message": "<random_text1>\n<random_text2>", "whisper": false, "channel": "{\"id\": \"29:1pm0\", \"name\": \"FirstName Surname\"}", "user": "{\"id\": \"29:1pm0\"}"}, "trace_context": null}"#;
        match decode("st2.announcement__errbot", data).unwrap() {
            StreamEvent::Announcement { route, payload } => {
                assert_eq!(route, "errbot");
                assert!(payload.message.starts_with("<random_text1>"));
                assert!(payload.channel.as_str().unwrap().contains("29:1pm0"));
            }
            e => panic!("{e:?}"),
        }
    }

    #[test]
    fn bad_json_is_an_error_not_a_panic() {
        assert!(decode("st2.execution__update", "{not json").is_err());
        assert!(
            decode("st2.execution__update", "{\"status\": \"x\"}").is_err(),
            "no id"
        );
        assert!(decode("st2.announcement__x", "[1,2]").is_err());
        assert_eq!(
            decode("st2.sensor__create", "whatever").unwrap(),
            StreamEvent::Other {
                name: "st2.sensor__create".into()
            }
        );
    }
}
