//! The one run pipeline every front end shares (the pane, the CLI, the
//! relay): a request id, the execution request, and what StackStorm's ack
//! for each execution says. Each front end only presents the outcome.

use serde_json::Value;
use stormdesk_routing::{source_context, Destination};

use crate::model::AliasExecutionResult;
use crate::{AliasSource, ClientError, CommandRequest, Profile, St2Client};

/// A fresh request id: ties a command to its executions and their
/// announcements (it travels in `source_context`).
pub fn new_request_id() -> String {
    format!(
        "{:016x}{:016x}",
        rand::random::<u64>(),
        rand::random::<u64>()
    )
}

impl CommandRequest {
    /// A command typed by the desk's own user (the pane or the CLI): run
    /// as the profile's user, announced on its stream route, answered in
    /// its pane, tied to `request`.
    pub fn from_desk(command: &str, profile: &Profile, request: &str) -> Self {
        Self {
            command: command.to_string(),
            user: profile
                .username
                .clone()
                .unwrap_or_else(|| "stormdesk".into()),
            source_channel: Destination::Pane {
                profile: profile.name.clone(),
            }
            .encode(),
            notification_route: Some(profile.stream_route.clone()),
            source_context: Some(source_context(request, &profile.name)),
        }
    }
}

/// StackStorm's acknowledgement of one execution, decided as the chatops
/// clients decide it: the alias's `ack.enabled` (shown or not) and
/// `ack.append_url` (the execution's link after the words).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ack {
    pub execution_id: String,
    /// The alias, `pack.name`.
    pub alias: String,
    /// The execution's status when acknowledged.
    pub status: String,
    pub web_url: Option<String>,
    /// StackStorm's rendered ack (`ack.format`), if it sent one.
    pub message: Option<String>,
    pub shown: bool,
    pub append_url: bool,
    /// A workflow (orquesta, action-chain): it can be paused and resumed.
    pub workflow: bool,
}

pub use crate::model::PAUSABLE_RUNNERS;

impl Ack {
    pub fn of(r: &AliasExecutionResult) -> Self {
        let flag = |name: &str| {
            r.actionalias
                .ack
                .as_ref()
                .and_then(|a| a.get(name))
                .and_then(Value::as_bool)
                .unwrap_or(true)
        };
        Self {
            execution_id: r.execution.id.clone(),
            alias: r.actionalias.reference(),
            status: r.execution.status.clone(),
            web_url: r.execution.web_url.clone(),
            message: r.message.clone(),
            shown: flag("enabled"),
            append_url: flag("append_url"),
            workflow: r.execution.workflow(),
        }
    }

    /// The ack's words: StackStorm's, or the chatops default before a link.
    pub fn text(&self) -> &str {
        self.message.as_deref().unwrap_or("details available at")
    }

    /// As a terminal shows it: the words, then the link when the alias
    /// appends it (the default words always take it: they announce it).
    pub fn with_link(&self) -> String {
        match (&self.message, &self.web_url) {
            (Some(m), Some(url)) if self.append_url => format!("{m}\n  {url}"),
            (Some(m), _) => m.clone(),
            (None, Some(url)) => format!("details available at {url}"),
            (None, None) => "details available at".into(),
        }
    }
}

/// What a front end does at each step of a run — the pane records to history
/// and emits, the CLI records and prints, the relay answers in the chat. The
/// steps, and their order, are [`run_recorded`]'s.
pub trait RunRecorder {
    type Error: From<ClientError>;
    /// The command, before anything is sent. An error here (history could
    /// not be written) stops the run: nothing is sent that was not recorded.
    fn command(
        &mut self,
        req: &CommandRequest,
    ) -> impl std::future::Future<Output = Result<(), Self::Error>> + Send;
    /// The command was refused (by the client's checks or by StackStorm).
    fn failed(
        &mut self,
        error: &ClientError,
    ) -> impl std::future::Future<Output = Result<(), Self::Error>> + Send;
    /// One execution started, with StackStorm's acknowledgement.
    fn acked(
        &mut self,
        ack: &Ack,
        result: &AliasExecutionResult,
    ) -> impl std::future::Future<Output = Result<(), Self::Error>> + Send;
}

/// The one run: record the command, run it (matched against `aliases`,
/// confirmed or not), then record the refusal or each execution's ack, in
/// that order, for every front end.
pub async fn run_recorded<R: RunRecorder + Send>(
    client: &St2Client,
    aliases: &(impl AliasSource + Sync),
    req: &CommandRequest,
    confirmed: bool,
    rec: &mut R,
) -> Result<Vec<AliasExecutionResult>, R::Error> {
    rec.command(req).await?;
    match client.run_command_confirmed(aliases, req, confirmed).await {
        Err(e) => {
            rec.failed(&e).await?;
            Err(e.into())
        }
        Ok(results) => {
            for r in &results {
                rec.acked(&Ack::of(r), r).await?;
            }
            Ok(results)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(ack: Value, message: Option<&str>) -> AliasExecutionResult {
        serde_json::from_value(serde_json::json!({
            "execution": {"id": "e1", "status": "requested", "web_url": "https://st2/#/history/e1/general"},
            "actionalias": {"name": "greet", "pack": "p", "action_ref": "p.greet", "ack": ack},
            "message": message,
        }))
        .unwrap()
    }

    #[test]
    fn an_ack_follows_the_alias_settings_as_chatops_does() {
        let a = Ack::of(&result(Value::Null, Some("Hello!")));
        assert_eq!((a.shown, a.append_url), (true, true));
        assert_eq!(a.alias, "p.greet");
        assert_eq!(a.with_link(), "Hello!\n  https://st2/#/history/e1/general");

        let a = Ack::of(&result(
            serde_json::json!({"enabled": false, "append_url": false}),
            Some("quiet"),
        ));
        assert_eq!((a.shown, a.with_link().as_str()), (false, "quiet"));

        // No rendered ack: the default words, which always take the link.
        let a = Ack::of(&result(serde_json::json!({"append_url": false}), None));
        assert_eq!(a.text(), "details available at");
        assert_eq!(
            a.with_link(),
            "details available at https://st2/#/history/e1/general"
        );
    }

    #[test]
    fn a_desk_request_is_answered_in_its_pane_with_its_request_id() {
        let mut p = Profile::new("work");
        p.username = Some("ops".into());
        p.stream_route = "stormdesk-abc".into();
        let req = CommandRequest::from_desk("genpass", &p, "r1");
        assert_eq!(req.user, "ops");
        assert_eq!(req.source_channel, "stormdesk:v1:pane:work");
        assert_eq!(req.notification_route.as_deref(), Some("stormdesk-abc"));
        assert_eq!(
            stormdesk_routing::request_id(req.source_context.as_ref()).as_deref(),
            Some("r1")
        );
        assert_ne!(new_request_id(), new_request_id());
        assert_eq!(new_request_id().len(), 32);
    }
}
