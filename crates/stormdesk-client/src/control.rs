//! Execution control (cancel, re-run, pause, resume) and inquiries, as
//! StackStorm's API does them.
//!
//! Real StackStorm refuses in two ways, both read here as
//! [`ClientError::Refused`] with its reason: a 400 with a `faultstring`
//! (pause on a runner that cannot pause, an answer its schema rejects, an
//! inquiry already answered), and a **200** whose body is only a
//! `faultstring` (cancel on a finished execution: "Action cannot be
//! canceled. State = succeeded.").

use reqwest::Method;
use serde_json::{json, Map, Value};

use crate::client::{encode, join, read_json};
use crate::model::{Execution, Inquiry};
use crate::{ClientError, St2Client};

/// What an operator can do to an execution.
#[derive(Debug, Clone, PartialEq)]
pub enum Control {
    Cancel,
    Pause,
    Resume,
    /// A new execution of the same action; these parameters replace the
    /// original's of the same name. Only after the alias that started it
    /// allows it (`St2Client::check_rerun`): `confirmed` says a person
    /// confirmed it, for an alias that asks.
    Rerun {
        parameters: Map<String, Value>,
        confirmed: bool,
    },
}

impl Control {
    /// The verb, for messages ("cancel execution 5f…").
    pub fn verb(&self) -> &'static str {
        match self {
            Control::Cancel => "cancel",
            Control::Pause => "pause",
            Control::Resume => "resume",
            Control::Rerun { .. } => "re-run",
        }
    }
}

impl St2Client {
    /// Apply `control` to execution `id`. Returns the execution as StackStorm
    /// answered: the cancelled/paused/resumed one (its status `canceling`,
    /// `pausing`, `resuming` or already final), or the new one of a re-run.
    pub async fn control_execution(
        &self,
        id: &str,
        control: &Control,
    ) -> Result<Execution, ClientError> {
        let what = format!("{} execution {id}", control.verb());
        if let Control::Rerun {
            parameters,
            confirmed,
        } = control
        {
            self.check_rerun(id, parameters, *confirmed).await?;
        }
        let path = format!("executions/{}", encode(id));
        let (method, path, body) = match control {
            Control::Cancel => (Method::DELETE, path, None),
            Control::Pause => (Method::PUT, path, Some(json!({"status": "pausing"}))),
            Control::Resume => (Method::PUT, path, Some(json!({"status": "resuming"}))),
            Control::Rerun { parameters, .. } => (
                Method::POST,
                format!("{path}/re_run"),
                Some(json!({ "parameters": parameters })),
            ),
        };
        let url = join(&self.endpoints().api, &path);
        let resp = self
            .send(method, url, body.as_ref(), None)
            .await
            .map_err(|e| refused(e, &what))?;
        let body: Value = read_json(resp, "execution").await?;
        refusal_in_body(&body, &what)?;
        serde_json::from_value(body).map_err(|e| ClientError::Malformed {
            what: "execution".into(),
            detail: e.to_string(),
        })
    }

    /// `GET /api/v1/inquiries`: the inquiries waiting for an answer.
    pub async fn list_inquiries(&self) -> Result<Vec<Inquiry>, ClientError> {
        let mut url = join(&self.endpoints().api, "inquiries");
        // StackStorm's default page is 20; a desk wants every one waiting.
        url.query_pairs_mut().append_pair("limit", "100");
        let resp = self.send(Method::GET, url, None, None).await?;
        read_json(resp, "inquiry list").await
    }

    /// `GET /api/v1/inquiries/{id}`. StackStorm refuses (400) to show one
    /// already answered.
    pub async fn get_inquiry(&self, id: &str) -> Result<Inquiry, ClientError> {
        let url = join(&self.endpoints().api, &format!("inquiries/{}", encode(id)));
        let resp = self
            .send(Method::GET, url, None, None)
            .await
            .map_err(|e| refused(e, &format!("show inquiry {id}")))?;
        read_json(resp, "inquiry").await
    }

    /// `PUT /api/v1/inquiries/{id}` with `{id, response}` (StackStorm
    /// requires the id in the body as well as the path). The workflow
    /// resumes on StackStorm's side; its result arrives as any other.
    pub async fn respond_inquiry(
        &self,
        id: &str,
        response: &Map<String, Value>,
    ) -> Result<Map<String, Value>, ClientError> {
        let what = format!("accept the answer to inquiry {id}");
        let url = join(&self.endpoints().api, &format!("inquiries/{}", encode(id)));
        let body = json!({ "id": id, "response": response });
        let resp = self
            .send(Method::PUT, url, Some(&body), None)
            .await
            .map_err(|e| refused(e, &what))?;
        let body: Value = read_json(resp, "inquiry response").await?;
        refusal_in_body(&body, &what)?;
        Ok(body
            .get("response")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default())
    }
}

/// Where an inquiry comes from: the workflow it pauses, and who asked for
/// the workflow at its root (the `user` an alias execution was sent with,
/// which StackStorm keeps as `api_user`; a chat user, or the desk's own user
/// for what the pane and the CLI run).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InquiryOrigin {
    pub workflow: Option<String>,
    pub requested_by: Option<String>,
}

/// How many parents are followed up to a workflow's root.
const MAX_DEPTH: usize = 32;

impl St2Client {
    /// The workflow inquiry `id` pauses and who started its root workflow.
    pub async fn inquiry_origin(&self, id: &str) -> Result<InquiryOrigin, ClientError> {
        let ask = self.get_execution(id).await?;
        let workflow = ask.context["parent"]["execution_id"]
            .as_str()
            .map(str::to_string);
        let mut requested_by = None;
        let mut next = workflow.clone();
        for _ in 0..MAX_DEPTH {
            let Some(id) = next.take() else { break };
            let e = self.get_execution(&id).await?;
            if let Some(u) = e.context["api_user"].as_str().filter(|u| !u.is_empty()) {
                requested_by = Some(u.to_string());
            }
            next = e.context["parent"]["execution_id"]
                .as_str()
                .map(str::to_string);
        }
        Ok(InquiryOrigin {
            workflow,
            requested_by,
        })
    }

    /// Real StackStorm resumes a workflow on an answer only once the
    /// workflow is paused; an answer in the moment between its inquiry
    /// showing and the pause (seen: 170 ms) is accepted and the workflow
    /// stays paused for good. A person is rarely that quick; a script, a
    /// pre-filled form or a chat message can be. So wait for the pause,
    /// briefly (5 s at most), before answering.
    pub async fn until_paused(&self, workflow: &str) {
        for _ in 0..50 {
            match self.get_execution(workflow).await {
                Ok(e) if matches!(e.status.as_str(), "requested" | "scheduled" | "running") => {
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                _ => return,
            }
        }
    }
}

/// Re-run parameters from `key=value` words, each read as the action's
/// parameter of that name is typed (the execution carries its action).
pub fn rerun_parameters(exec: &Execution, pairs: &[String]) -> Result<Map<String, Value>, String> {
    let specs = exec.action.get("parameters").and_then(Value::as_object);
    let mut out = Map::new();
    for pair in pairs {
        let (key, raw) = pair
            .split_once('=')
            .ok_or_else(|| format!("\"{pair}\" is not key=value"))?;
        let spec = specs
            .and_then(|s| s.get(key))
            .ok_or_else(|| format!("{} has no parameter \"{key}\"", exec.action_ref()))?;
        if spec.get("immutable").and_then(Value::as_bool) == Some(true) {
            return Err(format!("{key} is immutable in {}", exec.action_ref()));
        }
        let bad = |what: &str| format!("{key}: \"{raw}\" is not {what}");
        let value = match spec.get("type").and_then(Value::as_str).unwrap_or("string") {
            "integer" => Value::from(raw.parse::<i64>().map_err(|_| bad("a whole number"))?),
            "number" => serde_json::Number::from_f64(raw.parse().map_err(|_| bad("a number"))?)
                .map(Value::Number)
                .ok_or_else(|| bad("a finite number"))?,
            "boolean" => match raw {
                "true" | "yes" | "1" => Value::Bool(true),
                "false" | "no" | "0" => Value::Bool(false),
                _ => return Err(bad("true or false")),
            },
            "array" | "object" => serde_json::from_str(raw).map_err(|_| bad("JSON"))?,
            _ => Value::String(raw.to_string()),
        };
        out.insert(key.to_string(), value);
    }
    Ok(out)
}

/// A 400 (or a 4xx StackStorm explains) is a refusal with its reason.
fn refused(e: ClientError, what: &str) -> ClientError {
    let reason = match e {
        ClientError::Server {
            status,
            faultstring,
        } if (400..500).contains(&status) => faultstring,
        ClientError::NoMatch { faultstring, .. } | ClientError::Ambiguous { faultstring, .. } => {
            faultstring
        }
        ClientError::AliasDisabled(faultstring) => faultstring,
        other => return other,
    };
    ClientError::Refused {
        what: what.to_string(),
        reason,
    }
}

/// A 2xx body that is only `{"faultstring": …}` is a refusal too.
fn refusal_in_body(body: &Value, what: &str) -> Result<(), ClientError> {
    match body.get("faultstring").and_then(Value::as_str) {
        Some(reason) if body.get("id").is_none() => Err(ClientError::Refused {
            what: what.to_string(),
            reason: reason.to_string(),
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_success_whose_body_is_a_faultstring_is_a_refusal() {
        let body = json!({"faultstring": "Action cannot be canceled. State = succeeded."});
        let e = refusal_in_body(&body, "cancel execution 1").unwrap_err();
        assert_eq!(e.kind(), "refused");
        assert_eq!(
            e.to_string(),
            "StackStorm refused to cancel execution 1: Action cannot be canceled. State = succeeded."
        );
        assert!(refusal_in_body(&json!({"id": "1", "status": "canceling"}), "x").is_ok());
    }

    #[test]
    fn rerun_words_take_the_actions_parameter_types() {
        let exec: Execution = serde_json::from_value(json!({
            "id": "1", "status": "succeeded",
            "action": {"ref": "p.slow", "parameters": {
                "tag": {"type": "string"}, "seconds": {"type": "integer"},
                "cmd": {"type": "string", "immutable": true}}}
        }))
        .unwrap();
        let p = rerun_parameters(&exec, &["seconds=4".into(), "tag=5".into()]).unwrap();
        assert_eq!(Value::Object(p), json!({"seconds": 4, "tag": "5"}));
        assert_eq!(
            rerun_parameters(&exec, &["seconds=x".into()]).unwrap_err(),
            "seconds: \"x\" is not a whole number"
        );
        assert_eq!(
            rerun_parameters(&exec, &["size=1".into()]).unwrap_err(),
            "p.slow has no parameter \"size\""
        );
        assert!(rerun_parameters(&exec, &["cmd=rm".into()]).is_err());
    }

    #[test]
    fn a_bad_request_is_a_refusal_and_a_server_error_stays_one() {
        let e = refused(
            ClientError::Server {
                status: 400,
                faultstring: "already in completed state".into(),
            },
            "pause execution 1",
        );
        assert_eq!(e.kind(), "refused");
        let e = refused(
            ClientError::Server {
                status: 503,
                faultstring: "down".into(),
            },
            "pause execution 1",
        );
        assert_eq!(e.kind(), "server");
    }
}
