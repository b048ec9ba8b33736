//! Running a chat command the way err-stackstorm and hubot-stackstorm do:
//! match it locally with the StackStorm-exact matcher, then
//! `POST /api/v1/aliasexecution` with the alias name and the representation
//! that matched.
//!
//! Why not `match_and_execute`: real StackStorm refuses `source_context` there
//! (`Additional properties are not allowed`), and `source_context` is what
//! the chatops pack hands back on the announcement (`notify.on_complete.data`
//! → `chatops.post_result` → `context`), so it is how an announcement finds
//! its request. Matching locally also saves the server a second match.
//!
//! The one exception is a `match_multiple` representation: `/aliasexecution`
//! always extracts one parameter set, so such commands go through
//! `match_and_execute` (without `source_context`; their results are still
//! tracked by execution id).

use std::sync::{Arc, RwLock};

use serde_json::Value;
use stormdesk_alias::{AliasError, AliasIndex};

use crate::model::{AliasExecutionRequest, AliasExecutionResult, MatchAndExecuteRequest};
use crate::{ClientError, St2Client};

/// What a command carries besides its text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CommandRequest {
    pub command: String,
    pub user: String,
    pub source_channel: String,
    pub notification_route: Option<String>,
    pub source_context: Option<Value>,
}

/// The alias a command matched locally: what `/aliasexecution` needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchedAlias {
    pub name: String,
    pub reference: String,
    pub representation: String,
    pub match_multiple: bool,
    /// `extra.security.twofactor`: runs only once a person confirmed it.
    pub confirm: bool,
}

impl MatchedAlias {
    /// The alias, unless it asks for a person's confirmation that was not
    /// given: then [`ClientError::NeedsConfirmation`] for `command`.
    pub fn confirmed(self, command: &str, confirmed: bool) -> Result<Self, ClientError> {
        if self.confirm && !confirmed {
            return Err(ClientError::NeedsConfirmation {
                command: command.to_string(),
                alias: self.reference,
            });
        }
        Ok(self)
    }
}

/// `get_matching_alias` on the local index, errors worded as StackStorm's.
pub fn match_command(index: &AliasIndex, command: &str) -> Result<MatchedAlias, ClientError> {
    match index.match_command(command) {
        Ok(m) => Ok(MatchedAlias {
            name: m.alias.name.clone(),
            reference: m.alias.reference(),
            representation: m.representation.to_string(),
            match_multiple: m.match_multiple,
            confirm: m.alias.needs_confirmation(),
        }),
        Err(e @ AliasError::NoPatterns { .. }) => Err(ClientError::NoMatch {
            command: command.to_string(),
            faultstring: e.to_string(),
        }),
        Err(e @ AliasError::Ambiguous { .. }) => Err(ClientError::Ambiguous {
            command: command.to_string(),
            faultstring: e.to_string(),
        }),
        Err(e) => Err(ClientError::Server {
            status: 400,
            faultstring: e.to_string(),
        }),
    }
}

/// Where the aliases come from: the caller's own index (the palette's, the
/// relay's), refreshed from the server when it may be stale.
pub trait AliasSource {
    /// Match against the aliases known now.
    fn match_command(&self, command: &str) -> Result<MatchedAlias, ClientError>;
    /// Fetch the aliases again (one was added, changed or removed).
    fn refresh(&self) -> impl std::future::Future<Output = Result<(), ClientError>> + Send;
}

/// Aliases fetched from the server and kept for matching: for callers
/// without a palette of their own (the CLI, the relay).
#[derive(Debug)]
pub struct AliasCache {
    client: Arc<St2Client>,
    index: RwLock<Arc<AliasIndex>>,
}

impl AliasCache {
    /// Fetch every alias once.
    pub async fn load(client: Arc<St2Client>) -> Result<Self, ClientError> {
        let index = AliasIndex::new(client.list_aliases().await?);
        Ok(Self {
            client,
            index: RwLock::new(Arc::new(index)),
        })
    }

    /// The aliases as last fetched.
    pub fn index(&self) -> Arc<AliasIndex> {
        Arc::clone(&self.index.read().unwrap_or_else(|e| e.into_inner()))
    }
}

impl AliasSource for AliasCache {
    fn match_command(&self, command: &str) -> Result<MatchedAlias, ClientError> {
        match_command(&self.index(), command)
    }

    async fn refresh(&self) -> Result<(), ClientError> {
        let index = AliasIndex::new(self.client.list_aliases().await?);
        *self.index.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(index);
        Ok(())
    }
}

impl St2Client {
    /// Run a command for one matched alias.
    pub async fn execute_matched(
        &self,
        matched: &MatchedAlias,
        req: &CommandRequest,
    ) -> Result<Vec<AliasExecutionResult>, ClientError> {
        if matched.match_multiple {
            return self
                .match_and_execute(&MatchAndExecuteRequest {
                    command: req.command.clone(),
                    user: req.user.clone(),
                    source_channel: req.source_channel.clone(),
                    notification_channel: None,
                    notification_route: req.notification_route.clone(),
                })
                .await;
        }
        let one = self
            .execute_alias(&AliasExecutionRequest {
                name: matched.name.clone(),
                format: matched.representation.clone(),
                command: req.command.clone(),
                user: req.user.clone(),
                source_channel: req.source_channel.clone(),
                notification_channel: None,
                notification_route: req.notification_route.clone(),
                source_context: req.source_context.clone(),
            })
            .await?;
        Ok(vec![one])
    }

    /// Match locally and run. When the local aliases may be stale (nothing
    /// matched, or the server no longer knows the alias / its format), they
    /// are fetched again once and the command matched anew.
    ///
    /// An alias marked `extra.security.twofactor` is refused
    /// ([`ClientError::NeedsConfirmation`]) unless `confirmed`: every front
    /// end (pane, CLI, relay) gets the same rule from here.
    pub async fn run_command(
        &self,
        aliases: &impl AliasSource,
        req: &CommandRequest,
    ) -> Result<Vec<AliasExecutionResult>, ClientError> {
        self.run_command_confirmed(aliases, req, false).await
    }

    /// [`run_command`](Self::run_command), with a person's confirmation
    /// given (or not) for an alias that asks for one.
    pub async fn run_command_confirmed(
        &self,
        aliases: &impl AliasSource,
        req: &CommandRequest,
        confirmed: bool,
    ) -> Result<Vec<AliasExecutionResult>, ClientError> {
        let checked = |m: MatchedAlias| m.confirmed(&req.command, confirmed);
        let first = match aliases.match_command(&req.command).and_then(checked) {
            Ok(m) => match self.execute_matched(&m, req).await {
                Err(e) if stale(&e) => Err(e),
                done => return done,
            },
            Err(e @ ClientError::NoMatch { .. }) => Err(e),
            Err(e) => return Err(e),
        };
        if let Err(e) = aliases.refresh().await {
            tracing::warn!("refreshing aliases failed: {e}");
            return first;
        }
        let m = checked(aliases.match_command(&req.command)?)?;
        self.execute_matched(&m, req).await
    }
}

/// Errors that a fresh alias list could cure.
fn stale(e: &ClientError) -> bool {
    match e {
        ClientError::NotFound(s) => s.contains("Unable to find the ActionAliasDB instance"),
        ClientError::NoMatch { .. } | ClientError::AliasDisabled(_) => true,
        ClientError::Server {
            status: 400,
            faultstring,
        } => faultstring.contains("is not available on the alias"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stormdesk_alias::Alias;

    fn alias(name: &str, formats: Value, enabled: bool) -> Alias {
        serde_json::from_value(serde_json::json!({
            "name": name, "pack": "p", "action_ref": "p.a", "enabled": enabled, "formats": formats
        }))
        .unwrap()
    }

    #[test]
    fn local_match_errors_are_worded_as_stackstorm_words_them() {
        let idx = AliasIndex::new(vec![
            alias("a", serde_json::json!(["deploy {{app}}"]), true),
            alias("b", serde_json::json!(["deploy {{thing}}"]), true),
            alias("c", serde_json::json!(["off"]), false),
        ]);
        let e = match_command(&idx, "nothing here").unwrap_err();
        assert_eq!(e.kind(), "no_match");
        assert!(
            e.to_string()
                .contains("Command 'nothing here' matched no patterns"),
            "{e}"
        );
        let e = match_command(&idx, "deploy web").unwrap_err();
        assert_eq!(e.kind(), "ambiguous");
        assert!(
            e.to_string()
                .contains("Command 'deploy web' matched more than 1 pattern"),
            "{e}"
        );
        // A disabled alias is invisible to matching, as on the server.
        assert_eq!(match_command(&idx, "off").unwrap_err().kind(), "no_match");
    }

    #[test]
    fn a_match_names_the_alias_and_representation() {
        let idx = AliasIndex::new(vec![alias(
            "multi",
            serde_json::json!([{"display": "ping", "representation": ["ping {{host}}"], "match_multiple": true}]),
            true,
        )]);
        let m = match_command(&idx, "ping a").unwrap();
        assert_eq!(m.name, "multi");
        assert_eq!(m.reference, "p.multi");
        assert_eq!(m.representation, "ping {{host}}");
        assert!(m.match_multiple);
    }

    #[test]
    fn only_errors_a_fresh_alias_list_could_cure_are_stale() {
        assert!(stale(&ClientError::NotFound(
            "x: Unable to find the ActionAliasDB instance. {'name': 'a'}".into()
        )));
        assert!(!stale(&ClientError::NotFound("x: execution".into())));
        assert!(!stale(&ClientError::Unauthorized("no".into())));
        assert!(!stale(&ClientError::Server {
            status: 400,
            faultstring: "'x' is not of type 'integer'".into()
        }));
    }
}
