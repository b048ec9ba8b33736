//! Commands in from chat. A message that starts with the prefix (default
//! `!st2`) or mentions the bot runs as an alias execution — only for
//! allow-listed chat users (empty by default: nothing runs until the user
//! adds someone). The execution carries its origin (team/channel/thread, or
//! the Teams conversation reference) in `source_channel`, so the result
//! announcement comes back addressed to the conversation it came from.

use std::collections::{BTreeMap, BTreeSet};

use stormdesk_client::model::AliasExecutionResult;
use stormdesk_client::St2Client;
use stormdesk_client::{run_recorded, AliasSource, CommandRequest, RunRecorder};
use stormdesk_routing::{Destination, DestinationKey};

use crate::approval::ChatIdentity;
use crate::RelayError;

pub const DEFAULT_PREFIX: &str = "!st2";

/// Who may run what, and how a message asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundPolicy {
    pub prefix: String,
    /// The bot's own mention (`<@U0BOT>` on Slack), also accepted.
    pub mention: Option<String>,
    /// Chat user ids, written `slack:U…` or `teams:29:…`.
    pub allowed: BTreeSet<String>,
    /// Chat users as the StackStorm users they are: who may answer an
    /// inquiry from chat (`approval`). Nobody unmapped does.
    pub identities: BTreeMap<String, ChatIdentity>,
}

impl Default for InboundPolicy {
    fn default() -> Self {
        Self {
            prefix: DEFAULT_PREFIX.into(),
            mention: None,
            allowed: BTreeSet::new(),
            identities: BTreeMap::new(),
        }
    }
}

/// One chat message, with the conversation a reply belongs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundMessage {
    /// For Slack: the message's thread (its own ts when it starts one).
    pub origin: Destination,
    /// `slack:U…` / `teams:29:…`.
    pub user_id: String,
    pub user_name: Option<String>,
    pub text: String,
    /// The conversation in words, for the share list ("channel C0123",
    /// "chat with Ana", a Teams channel's name).
    pub place: String,
    /// A one-to-one chat with the bot: everything in it is addressed to the
    /// relay, prefix or not (as in the seed's Teams chat: "pwgen").
    pub direct: bool,
}

/// What a chat service hands the relay: a message to decide on, or word
/// that the bot is now in a conversation (added to a Teams team or chat,
/// a Slack channel it is in gained a member), which makes it a place
/// results can be shared to before anyone there has said anything, or
/// that it is in it no more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    Message(InboundMessage),
    Joined {
        /// The conversation itself (no thread, no activity).
        conversation: Destination,
        place: String,
    },
    /// The bot was removed from the conversation (or the app uninstalled):
    /// nothing can be shared there any more.
    Left {
        conversation: Destination,
    },
}

impl From<InboundMessage> for Inbound {
    fn from(m: InboundMessage) -> Self {
        Self::Message(m)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Not addressed to the relay (ordinary chat).
    Ignore,
    /// Addressed, but not run: this short reply goes back.
    Refuse {
        reply: String,
    },
    Run {
        command: String,
    },
}

/// Pure: what to do with a message.
pub fn decide(policy: &InboundPolicy, msg: &InboundMessage) -> Decision {
    let text = msg.text.trim();
    let rest = [Some(policy.prefix.as_str()), policy.mention.as_deref()]
        .into_iter()
        .flatten()
        .filter(|p| !p.is_empty())
        .find_map(|p| {
            text.strip_prefix(p)
                .filter(|r| r.is_empty() || r.starts_with(char::is_whitespace))
        });
    let rest = rest.or(msg.direct.then_some(text));
    let Some(command) = rest.map(str::trim) else {
        return Decision::Ignore;
    };
    if !policy.allowed.contains(&msg.user_id) {
        return Decision::Refuse {
            reply: format!(
                "Sorry, {} is not allowed to run StackStorm commands through this relay.",
                msg.user_name.as_deref().unwrap_or(&msg.user_id)
            ),
        };
    }
    if command.is_empty() {
        return Decision::Refuse {
            reply: format!(
                "Type a command after {}, like `{} help`.",
                policy.prefix, policy.prefix
            ),
        };
    }
    Decision::Run {
        command: command.to_string(),
    }
}

/// The execution request for a relayed command: the origin travels in
/// `source_channel`, signed with this install's key (StackStorm hands it
/// back on the announcement, and only a signed one is sent to a chat).
/// The StackStorm user is the chat user's stable id for Teams, whose
/// display names anyone can choose.
pub fn execution_request(
    msg: &InboundMessage,
    command: &str,
    route: &str,
    key: &DestinationKey,
) -> CommandRequest {
    let user = match &msg.origin {
        Destination::Teams(_) => msg.user_id.clone(),
        _ => msg.user_name.clone().unwrap_or_else(|| msg.user_id.clone()),
    };
    CommandRequest {
        command: command.to_string(),
        user,
        source_channel: msg.origin.encode_signed(key),
        notification_route: Some(route.to_string()),
        source_context: Some(serde_json::json!({
            "stormdesk": {"v": 1, "relay": {"user": msg.user_id}}
        })),
    }
}

/// Run an allowed command (matched against `aliases`); the acks to post
/// back are in the results' `message`.
pub async fn run(
    client: &St2Client,
    aliases: &(impl AliasSource + Sync),
    msg: &InboundMessage,
    command: &str,
    route: &str,
    key: &DestinationKey,
) -> Result<Vec<AliasExecutionResult>, RelayError> {
    run_with(client, aliases, msg, command, route, key, &mut Unrecorded).await
}

/// Nothing to do at a run's steps (the caller reads the results).
struct Unrecorded;

impl RunRecorder for Unrecorded {
    type Error = RelayError;

    async fn command(&mut self, _req: &CommandRequest) -> Result<(), RelayError> {
        Ok(())
    }

    async fn failed(&mut self, _error: &stormdesk_client::ClientError) -> Result<(), RelayError> {
        Ok(())
    }

    async fn acked(
        &mut self,
        _ack: &stormdesk_client::Ack,
        _r: &AliasExecutionResult,
    ) -> Result<(), RelayError> {
        Ok(())
    }
}

/// [`run`] through the one run pipeline with `rec` as the chat's side of it
/// (the acks to post back). A chat never confirms a two-factor alias.
pub async fn run_with<R: RunRecorder<Error = RelayError> + Send>(
    client: &St2Client,
    aliases: &(impl AliasSource + Sync),
    msg: &InboundMessage,
    command: &str,
    route: &str,
    key: &DestinationKey,
    rec: &mut R,
) -> Result<Vec<AliasExecutionResult>, RelayError> {
    let req = execution_request(msg, command, route, key);
    run_recorded(client, aliases, &req, false, rec).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(user: &str, text: &str) -> InboundMessage {
        InboundMessage {
            origin: Destination::Slack {
                team: "T0V6H6HCJ".into(),
                channel: "C110T9SMT".into(),
                thread_ts: Some("1506953521.000382".into()),
            },
            user_id: user.into(),
            user_name: Some("ch".into()),
            text: text.into(),
            place: "channel C110T9SMT".into(),
            direct: false,
        }
    }

    fn policy() -> InboundPolicy {
        InboundPolicy {
            mention: Some("<@U0BOT>".into()),
            allowed: ["slack:U110FGZSQ".to_string()].into(),
            ..InboundPolicy::default()
        }
    }

    #[test]
    fn prefix_or_mention_runs_for_allowed_users_only() {
        let p = policy();
        assert_eq!(
            decide(&p, &msg("slack:U110FGZSQ", "!st2 test notify test test")),
            Decision::Run {
                command: "test notify test test".into()
            }
        );
        assert_eq!(
            decide(&p, &msg("slack:U110FGZSQ", "<@U0BOT>  genpass")),
            Decision::Run {
                command: "genpass".into()
            }
        );
        assert_eq!(
            decide(&p, &msg("slack:U110FGZSQ", "lunch?")),
            Decision::Ignore
        );
        assert_eq!(
            decide(&p, &msg("slack:U110FGZSQ", "!st2genpass")),
            Decision::Ignore
        );
        assert!(
            matches!(decide(&p, &msg("slack:UOTHER", "!st2 genpass")), Decision::Refuse { reply } if reply.contains("not allowed"))
        );
        assert!(matches!(
            decide(&p, &msg("slack:U110FGZSQ", "!st2")),
            Decision::Refuse { .. }
        ));
        let mut direct = msg("slack:U110FGZSQ", "pwgen");
        direct.direct = true;
        assert_eq!(
            decide(&p, &direct),
            Decision::Run {
                command: "pwgen".into()
            }
        );
    }

    #[test]
    fn nothing_runs_by_default() {
        let d = decide(
            &InboundPolicy::default(),
            &msg("slack:U110FGZSQ", "!st2 genpass"),
        );
        assert!(matches!(d, Decision::Refuse { .. }));
    }

    #[test]
    fn the_origin_travels_in_source_channel_signed() {
        let key = DestinationKey::from_bytes([3; 32]);
        let m = msg("slack:U110FGZSQ", "!st2 genpass");
        let r = execution_request(&m, "genpass", "stormdesk", &key);
        assert!(
            r.source_channel
                .starts_with("stormdesk:v1:slack:T0V6H6HCJ:C110T9SMT:1506953521.000382#"),
            "{}",
            r.source_channel
        );
        assert_eq!(
            stormdesk_routing::verify(Some(&serde_json::json!(r.source_channel)), &key),
            stormdesk_routing::Route::To(m.origin.clone())
        );
        assert_eq!(r.user, "ch");
        assert_eq!(r.notification_route.as_deref(), Some("stormdesk"));
    }

    #[test]
    fn a_teams_user_reaches_stackstorm_by_stable_id_not_display_name() {
        let key = DestinationKey::from_bytes([3; 32]);
        let mut m = msg("teams:29:1pm0yCoq", "!st2 genpass");
        m.user_name = Some("The CEO".into());
        m.origin = Destination::Teams(stormdesk_routing::TeamsReference {
            service_url: "https://smba.trafficmanager.net/emea/".into(),
            conversation_id: "a:1".into(),
            tenant_id: None,
            activity_id: None,
        });
        assert_eq!(
            execution_request(&m, "genpass", "stormdesk", &key).user,
            "teams:29:1pm0yCoq"
        );
    }
}
