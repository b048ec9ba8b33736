//! The rules an alias sets on its action hold on every path that starts it
//! again, checked here, once, for every front end (the pane's Re-run and
//! Re-run with…, the tray's and a notification's Re-run, `stormdesk-cli
//! execution rerun`, the desk's socket):
//!
//! - `extra.security.twofactor` (hubot-stackstorm's convention): a person
//!   confirms before it runs; refused unconfirmed, in the same words as a
//!   first run;
//! - `immutable_parameters`: fixed by the alias. StackStorm refuses a command
//!   that sets one ("Immutable arguments cannot be overriden: …",
//!   `inject_immutable_parameters`); a re-run may not change one either.
//!
//! StackStorm's re-run knows neither rule: `POST /executions/{id}/re_run`
//! starts the action with the original's parameters and the new ones, and a
//! context of only `{"re-run": {"ref": id}}`. So the alias is found from the
//! execution: `context.action_alias_ref` (`{id, name}`, set by
//! `/aliasexecution`), following re-runs back to the first execution.

use serde_json::{Map, Value};

use crate::client::{encode, join};
use crate::{ClientError, St2Client};

/// How many re-runs of re-runs are followed back to the first execution.
const MAX_HOPS: usize = 32;

/// What the alias that started an execution asks of a re-run.
#[derive(Debug, Clone, PartialEq)]
pub struct AliasRules {
    /// `pack.name` (or the id StackStorm gave when the alias is gone).
    pub reference: String,
    /// A person confirms first.
    pub twofactor: bool,
    /// Parameters the alias fixes; `None` when the alias is gone and they
    /// cannot be known.
    pub immutable: Option<Vec<String>>,
}

impl St2Client {
    /// `GET /api/v1/actionalias/{ref_or_id}`.
    pub async fn get_alias(&self, ref_or_id: &str) -> Result<stormdesk_alias::Alias, ClientError> {
        let url = join(
            &self.endpoints().api,
            &format!("actionalias/{}", encode(ref_or_id)),
        );
        let resp = self.send(reqwest::Method::GET, url, None, None).await?;
        crate::client::read_json(resp, "action alias").await
    }

    /// The rules of the alias that started execution `id` (or the execution
    /// it re-ran, and so on back), or `None` when no alias started it.
    pub async fn alias_rules_of(&self, id: &str) -> Result<Option<AliasRules>, ClientError> {
        let what = format!("re-run execution {id}");
        let mut current = id.to_string();
        for _ in 0..MAX_HOPS {
            let exec = self.get_execution(&current).await.map_err(|e| match e {
                ClientError::NotFound(_) if current != id => ClientError::Refused {
                    what: what.clone(),
                    reason: format!(
                        "the execution it re-runs ({current}) is gone, so which alias started it, and what that alias asks, cannot be known"
                    ),
                },
                e => e,
            })?;
            if let Some(key) = alias_key(&exec.context) {
                return Ok(Some(self.rules_of_alias(&key).await?));
            }
            match exec.context["re-run"]["ref"].as_str() {
                Some(earlier) => current = earlier.to_string(),
                None => return Ok(None),
            }
        }
        Err(ClientError::Refused {
            what,
            reason: format!(
                "it is a re-run of a re-run more than {MAX_HOPS} times over; which alias started it cannot be known"
            ),
        })
    }

    async fn rules_of_alias(&self, key: &str) -> Result<AliasRules, ClientError> {
        match self.get_alias(key).await {
            Ok(alias) => Ok(AliasRules {
                reference: alias.reference(),
                twofactor: alias.needs_confirmation(),
                immutable: Some(
                    alias
                        .immutable_parameters
                        .map(|m| m.keys().cloned().collect())
                        .unwrap_or_default(),
                ),
            }),
            // Removed since: whatever it asked is unknown, so the strictest
            // reading holds (confirm first; change nothing).
            Err(ClientError::NotFound(_)) => Ok(AliasRules {
                reference: key.to_string(),
                twofactor: true,
                immutable: None,
            }),
            Err(e) => Err(e),
        }
    }

    /// The one check before a re-run of execution `id` with `parameters`
    /// changed: refused if it changes a parameter the alias fixes, or if the
    /// alias asks for confirmation and none was given.
    pub async fn check_rerun(
        &self,
        id: &str,
        parameters: &Map<String, Value>,
        confirmed: bool,
    ) -> Result<(), ClientError> {
        let Some(rules) = self.alias_rules_of(id).await? else {
            return Ok(());
        };
        let what = format!("re-run execution {id}");
        match &rules.immutable {
            Some(fixed) => {
                let overridden: Vec<&str> = parameters
                    .keys()
                    .filter(|k| fixed.contains(k))
                    .map(String::as_str)
                    .collect();
                if !overridden.is_empty() {
                    // StackStorm's own words for the same change through an alias.
                    return Err(ClientError::Refused {
                        what,
                        reason: format!(
                            "Immutable arguments cannot be overriden: {}",
                            overridden.join(",")
                        ),
                    });
                }
            }
            None if !parameters.is_empty() => {
                return Err(ClientError::Refused {
                    what,
                    reason: format!(
                        "the alias that started it ({}) is gone, so which parameters it fixes cannot be known; re-run it unchanged, or run the command again",
                        rules.reference
                    ),
                });
            }
            None => {}
        }
        if rules.twofactor && !confirmed {
            return Err(ClientError::NeedsConfirmation {
                command: format!("re-run of execution {id}"),
                alias: rules.reference,
            });
        }
        Ok(())
    }
}

/// The alias named in an execution's context: `{id, name}` as StackStorm
/// writes it (its id first: a name is unique only within a pack).
fn alias_key(context: &Value) -> Option<String> {
    let r = context.get("action_alias_ref")?;
    let key = match r {
        Value::String(s) => Some(s.as_str()),
        Value::Object(o) => o
            .get("id")
            .and_then(Value::as_str)
            .or_else(|| o.get("name").and_then(Value::as_str)),
        _ => None,
    }?;
    (!key.is_empty()).then(|| key.to_string())
}

#[cfg(test)]
mod tests {
    use super::alias_key;
    use serde_json::json;

    #[test]
    fn the_alias_is_named_by_its_id_then_its_name() {
        let ctx = json!({"action_alias_ref": {"id": "5f00", "name": "failover"}});
        assert_eq!(alias_key(&ctx).as_deref(), Some("5f00"));
        let ctx = json!({"action_alias_ref": {"id": null, "name": "failover"}});
        assert_eq!(alias_key(&ctx).as_deref(), Some("failover"));
        assert_eq!(
            alias_key(&json!({"action_alias_ref": "ops.failover"})).as_deref(),
            Some("ops.failover")
        );
        assert_eq!(alias_key(&json!({"re-run": {"ref": "x"}})), None);
        assert_eq!(alias_key(&json!({"action_alias_ref": {"id": ""}})), None);
    }
}
