//! Request and response bodies of the StackStorm API, as `st2-openapi.yaml`
//! describes them. Unknown fields are kept, never dropped.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use stormdesk_alias::Alias;

/// `POST /auth/v1/tokens` → `Token`.
#[derive(Debug, Clone, Deserialize)]
pub struct TokenResponse {
    pub user: String,
    pub token: crate::Secret,
    pub expiry: Option<String>,
    #[serde(default)]
    pub id: Option<String>,
}

/// `POST /api/v1/actionalias/match` → `{actionalias, display, representation}`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct AliasMatchResponse {
    pub actionalias: Alias,
    pub display: Option<String>,
    pub representation: String,
}

/// `POST /api/v1/aliasexecution` (the legacy call err-stackstorm makes).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct AliasExecutionRequest {
    pub name: String,
    pub format: String,
    pub command: String,
    pub user: String,
    pub source_channel: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notification_channel: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notification_route: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_context: Option<Value>,
}

/// `POST /api/v1/aliasexecution/match_and_execute`. StackStorm refuses any
/// other field here (`source_context` included), so there is none.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MatchAndExecuteRequest {
    pub command: String,
    pub user: String,
    pub source_channel: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notification_channel: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notification_route: Option<String>,
}

/// One started execution: `{execution, actionalias, message?, extra?}`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct AliasExecutionResult {
    pub execution: Execution,
    pub actionalias: Alias,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra: Option<Value>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct MatchAndExecuteResponse {
    pub results: Vec<AliasExecutionResult>,
}

/// `GET /api/v1/actionalias/help`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct HelpResponse {
    pub available: u64,
    pub helpstrings: Vec<HelpString>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct HelpString {
    pub pack: String,
    pub display: String,
    #[serde(default)]
    pub description: Option<String>,
}

/// An action execution.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Execution {
    pub id: String,
    pub status: String,
    #[serde(default)]
    pub action: Value,
    #[serde(default)]
    pub parameters: Map<String, Value>,
    #[serde(default)]
    pub result: Value,
    #[serde(default)]
    pub start_timestamp: Option<String>,
    #[serde(default)]
    pub end_timestamp: Option<String>,
    #[serde(default)]
    pub web_url: Option<String>,
    #[serde(default)]
    pub context: Value,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `GET /api/v1/inquiries` → an approval a workflow waits for (`core.ask`).
/// Its id is the `core.ask` execution's; that execution's `context.parent`
/// is the paused workflow.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Inquiry {
    pub id: String,
    #[serde(default)]
    pub route: String,
    /// Minutes until StackStorm's garbage collector expires it.
    #[serde(default)]
    pub ttl: Option<u64>,
    #[serde(default)]
    pub users: Vec<String>,
    #[serde(default)]
    pub roles: Vec<String>,
    /// The JSON schema an answer must pass.
    #[serde(default)]
    pub schema: Value,
}

/// Statuses after which an execution never changes again.
pub const FINAL_STATUSES: [&str; 5] = ["succeeded", "failed", "timeout", "abandoned", "canceled"];

impl Execution {
    pub fn is_final(&self) -> bool {
        FINAL_STATUSES.contains(&self.status.as_str())
    }

    pub fn succeeded(&self) -> bool {
        self.status == "succeeded"
    }

    /// Run by a workflow runner: pause and resume apply.
    pub fn workflow(&self) -> bool {
        let runner = self
            .other
            .get("runner")
            .and_then(|r| r.get("name"))
            .or_else(|| self.action.get("runner_type"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        PAUSABLE_RUNNERS.contains(&runner)
    }

    pub fn action_ref(&self) -> &str {
        self.action.get("ref").and_then(Value::as_str).unwrap_or("")
    }

    /// The workflow this execution is a task of, if any.
    pub fn parent(&self) -> Option<&str> {
        self.other.get("parent").and_then(Value::as_str)
    }

    /// A workflow task's name as its workflow calls it (orquesta's task,
    /// action-chain's node), else the action it runs.
    pub fn task_name(&self) -> &str {
        [
            &self.context["orquesta"]["task_name"],
            &self.context["chain"]["name"],
        ]
        .into_iter()
        .find_map(Value::as_str)
        .unwrap_or_else(|| self.action_ref())
    }

    /// The readable part of the result: its text fields (stderr marked),
    /// else the result as pretty JSON.
    pub fn result_text(&self) -> String {
        let mut parts = Vec::new();
        for k in ["stdout", "result", "output", "body", "stderr"] {
            if let Some(s) = self.result.get(k).and_then(Value::as_str) {
                if !s.trim().is_empty() {
                    parts.push(if k == "stderr" {
                        format!("stderr: {}", s.trim_end())
                    } else {
                        s.trim_end().to_string()
                    });
                }
            }
        }
        if parts.is_empty() && !self.result.is_null() {
            parts.push(serde_json::to_string_pretty(&self.result).unwrap_or_default());
        }
        parts.join("\n")
    }
}

/// Filters for `GET /api/v1/executions`.
#[derive(Debug, Clone, Default)]
pub struct ExecutionFilter {
    pub action: Option<String>,
    pub status: Option<String>,
    pub user: Option<String>,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

/// Runners whose executions StackStorm can pause and resume.
pub const PAUSABLE_RUNNERS: [&str; 2] = ["orquesta", "action-chain"];
