//! What an operator does to a simulated execution (cancel, pause, resume,
//! re-run) and the inquiries (`core.ask`) simulated workflows wait on,
//! answered as real StackStorm answers — including its odd ones: cancelling a
//! finished execution is a **200** whose body is only a `faultstring`, and an
//! inquiry's answer must repeat the inquiry's `id` in its body.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Map, Value};
use time::OffsetDateTime;
use tokio::sync::{oneshot, watch};

use crate::state::{timestamp, ApiError, Ctl, PendingInquiry, SimState, Stop};
use stormdesk_alias::render;

impl SimState {
    /// `DELETE /executions/{id}`, `PUT /executions/{id}` with
    /// `{"status": "pausing" | "resuming"}`.
    pub fn control(&self, id: &str, status: &str, user: &str) -> Result<Value, ApiError> {
        let exec = self.execution(id).ok_or_else(|| not_found(id))?;
        let current = exec["status"].as_str().unwrap_or_default().to_string();
        let finished = crate::FINAL_STATUSES.contains(&current.as_str());
        let runs = self.runs.lock().expect("lock");
        let run = runs.get(id).filter(|_| !finished);
        let (ctl, shown) = match (status, run) {
            // Cancelled already: real StackStorm answers with the execution.
            ("canceling", _) if matches!(current.as_str(), "canceling" | "canceled") => {
                return Ok(exec)
            }
            ("canceling", None) => {
                // Real StackStorm: 200, and only a faultstring.
                return Ok(json!({
                    "faultstring": format!("Action cannot be canceled. State = {current}.")
                }));
            }
            (_, None) => {
                return Err(ApiError::new(
                    400,
                    "Execution is already in completed state.",
                ))
            }
            ("canceling", Some(_)) => (
                Ctl::Cancel {
                    user: user.to_string(),
                },
                "canceling",
            ),
            (s @ ("pausing" | "resuming"), Some(run)) if run.runner != "orquesta" => {
                let verb = if s == "pausing" { "pause" } else { "resume" };
                return Err(ApiError::new(
                    400,
                    format!(
                        "Failed updating execution. Unable to {verb} liveaction \"{}\" because it is not supported by the \"{}\" runner.",
                        exec["liveaction"]["id"].as_str().unwrap_or(id),
                        run.runner
                    ),
                ));
            }
            ("pausing", Some(_)) if matches!(current.as_str(), "pausing" | "paused") => {
                return Ok(exec)
            }
            ("pausing", Some(_)) => (Ctl::Pause, "pausing"),
            ("resuming", Some(_)) if !matches!(current.as_str(), "pausing" | "paused") => {
                return Err(ApiError::new(
                    400,
                    format!("Unable to resume execution \"{id}\" because it is not paused."),
                ))
            }
            ("resuming", Some(_)) => (Ctl::Run, "resuming"),
            (other, _) => {
                return Err(ApiError::new(
                    400,
                    format!("Unsupported status \"{other}\" for an execution update."),
                ))
            }
        };
        if let Some(run) = run {
            run.ctl.send_replace(ctl.clone());
        }
        let mut shown_exec = exec;
        shown_exec["status"] = json!(shown);
        if let Ctl::Cancel { user } = ctl {
            shown_exec["result"] = canceled_result(&user);
        }
        Ok(shown_exec)
    }

    /// `POST /executions/{id}/re_run`: a new execution of the same action,
    /// these parameters over the original's.
    pub fn rerun(
        self: &Arc<Self>,
        id: &str,
        params: Map<String, Value>,
        user: &str,
    ) -> Result<Value, ApiError> {
        let exec = self.execution(id).ok_or_else(|| not_found(id))?;
        let reference = exec["action"]["ref"].as_str().unwrap_or_default();
        let action = self.action(reference).ok_or_else(|| {
            ApiError::new(400, format!("Action \"{reference}\" cannot be found."))
        })?;
        let mut merged = exec["parameters"].as_object().cloned().unwrap_or_default();
        merged.extend(params);
        let params = crate::state::cast_params(&action, merged)?;
        let context = json!({
            "re-run": {"ref": id},
            "user": user,
            "pack": exec["context"]["pack"],
        });
        Ok(self.schedule(&action, params, context, Value::Null))
    }

    /// `GET /inquiries`: those waiting, oldest first.
    pub fn inquiries(&self) -> Vec<Value> {
        let q = self.inquiries.lock().expect("lock");
        let mut waiting: Vec<&PendingInquiry> = q.values().filter(|i| i.answer.is_some()).collect();
        waiting.sort_by(|a, b| a.body["id"].as_str().cmp(&b.body["id"].as_str()));
        waiting.into_iter().map(|i| i.body.clone()).collect()
    }

    /// `GET /inquiries/{id}`: an answered one is refused, as StackStorm does.
    pub fn inquiry(&self, id: &str) -> Result<Value, ApiError> {
        let q = self.inquiries.lock().expect("lock");
        match q.get(id) {
            None => Err(ApiError::new(404, "The resource could not be found.")),
            Some(i) if i.answer.is_none() => Err(already_answered(id)),
            Some(i) => Ok(i.body.clone()),
        }
    }

    /// `PUT /inquiries/{id}` with `{id, response}`.
    pub fn respond(&self, id: &str, body: &Map<String, Value>) -> Result<Value, ApiError> {
        if !body.contains_key("id") {
            return Err(ApiError::new(400, "'id' is a required property"));
        }
        let Some(Value::Object(response)) = body.get("response") else {
            return Err(ApiError::new(400, "'response' is a required property"));
        };
        let mut q = self.inquiries.lock().expect("lock");
        let inquiry = q
            .get_mut(id)
            .ok_or_else(|| ApiError::new(404, "The resource could not be found."))?;
        if inquiry.answer.is_none() {
            return Err(already_answered(id));
        }
        // Judged with the schema's defaults filled in (as StackStorm's
        // message shows), kept as sent: real StackStorm's workflow sees
        // only what was answered.
        let response = response.clone();
        validate(&inquiry.body["schema"], &mut response.clone()).map_err(|why| {
            ApiError::new(
                400,
                format!("Response for inquiry \"{id}\" did not pass schema validation. {why}"),
            )
        })?;
        if let Some(tx) = inquiry.answer.take() {
            let _ = tx.send(response.clone());
        }
        Ok(json!({"id": id, "response": response}))
    }

    /// Sleep `d` of the execution's time, obeying pause and cancel. Status
    /// changes are made here, by the execution's own task, so they are
    /// published in order.
    pub(crate) async fn wait(
        &self,
        exec: &mut Value,
        ctl: &mut watch::Receiver<Ctl>,
        d: Duration,
    ) -> Result<(), Stop> {
        let sleep = tokio::time::sleep(d);
        tokio::pin!(sleep);
        loop {
            let now = ctl.borrow_and_update().clone();
            match now {
                Ctl::Cancel { user } => return Err(self.cancel_now(exec, &user)),
                Ctl::Pause if exec["status"] != "paused" => {
                    self.update(exec, "pausing");
                    self.update(exec, "paused");
                }
                Ctl::Run if exec["status"] == "paused" => {
                    self.update(exec, "resuming");
                    self.update(exec, "running");
                }
                _ => {}
            }
            let paused = exec["status"] == "paused";
            tokio::select! {
                _ = &mut sleep, if !paused => return Ok(()),
                changed = ctl.changed() => if changed.is_err() { return Err(Stop::Shutdown) },
                _ = self.lifetime.cancelled() => return Err(Stop::Shutdown),
            }
        }
    }

    fn cancel_now(&self, exec: &mut Value, user: &str) -> Stop {
        self.update(exec, "canceling");
        exec["result"] = canceled_result(user);
        exec["end_timestamp"] = json!(timestamp(OffsetDateTime::now_utc()));
        self.update(exec, "canceled");
        Stop::Canceled
    }

    /// The `core.ask` step: a pending child execution, its inquiry, the
    /// workflow paused until the answer (or a cancel).
    pub(crate) async fn ask(
        &self,
        exec: &mut Value,
        ctl: &mut watch::Receiver<Ctl>,
        ask: &Value,
        vars: &Value,
    ) -> Result<Map<String, Value>, Stop> {
        let ask = render::render_values(ask, vars).unwrap_or_else(|_| ask.clone());
        let parent = exec["id"].as_str().unwrap_or_default().to_string();
        let id = self.new_execution_id();
        let body = json!({
            "id": id,
            "route": ask.get("route").cloned().unwrap_or(json!("")),
            "ttl": ask.get("ttl").cloned().unwrap_or(json!(1440)),
            "users": ask.get("users").cloned().unwrap_or(json!([])),
            "roles": ask.get("roles").cloned().unwrap_or(json!([])),
            "schema": ask.get("schema").cloned().unwrap_or(json!({"type": "object"})),
        });
        let now = timestamp(OffsetDateTime::now_utc());
        let mut child = json!({
            "id": id,
            "action": {"ref": "core.ask", "name": "ask", "pack": "core", "runner_type": "inquirer"},
            "runner": {"name": "inquirer"},
            "status": "pending",
            "start_timestamp": now,
            "parameters": {},
            "result": body.clone(),
            "context": {"parent": {"execution_id": parent}, "user": exec["context"]["user"]},
            "log": [{"timestamp": now, "status": "requested"}, {"timestamp": now, "status": "pending"}],
            "web_url": format!("{}/#/history/{id}/general", self.base_url()),
        });
        child["result"].as_object_mut().map(|r| r.remove("id"));
        let (tx, mut rx) = oneshot::channel();
        self.inquiries.lock().expect("lock").insert(
            id.clone(),
            PendingInquiry {
                body,
                answer: Some(tx),
            },
        );
        self.store_and_publish(&child, "st2.execution__create");
        self.update(exec, "paused");
        let answer = loop {
            tokio::select! {
                answer = &mut rx => match answer {
                    Ok(a) => break a,
                    Err(_) => return Err(Stop::Shutdown),
                },
                changed = ctl.changed() => {
                    if changed.is_err() { return Err(Stop::Shutdown) }
                    let now = ctl.borrow_and_update().clone();
                    if let Ctl::Cancel { user } = now {
                        self.inquiries.lock().expect("lock").remove(&id);
                        return Err(self.cancel_now(exec, &user));
                    }
                }
                _ = self.lifetime.cancelled() => return Err(Stop::Shutdown),
            }
        };
        child["result"] = json!({"response": answer});
        child["end_timestamp"] = json!(timestamp(OffsetDateTime::now_utc()));
        self.update(&mut child, "succeeded");
        self.update(exec, "resuming");
        self.update(exec, "running");
        Ok(answer)
    }
}

impl SimState {
    /// A workflow's tasks, one after the other over `over`: each a child
    /// execution (`parent`, `context.orquesta.task_name`) that is requested,
    /// runs and ends, as real StackStorm's workflow engine reports them. The
    /// last one fails when the workflow does.
    pub(crate) async fn run_tasks(
        &self,
        exec: &mut Value,
        ctl: &mut watch::Receiver<Ctl>,
        tasks: &[String],
        workflow_status: &str,
        over: Duration,
    ) -> Result<(), Stop> {
        let parent = exec["id"].as_str().unwrap_or_default().to_string();
        let slot = over / (tasks.len() as u32 * 2).max(1);
        for (i, name) in tasks.iter().enumerate() {
            let id = self.new_execution_id();
            let now = timestamp(OffsetDateTime::now_utc());
            let mut task = json!({
                "id": id,
                "action": {"ref": "core.local", "name": "local", "pack": "core", "runner_type": "local-shell-cmd"},
                "runner": {"name": "local-shell-cmd"},
                "parent": parent,
                "status": "requested",
                "start_timestamp": now,
                "parameters": {"cmd": name},
                "result": {},
                "context": {
                    "parent": {"execution_id": parent},
                    "orquesta": {"task_name": name, "task_id": name},
                    "user": exec["context"]["user"],
                },
                "log": [{"timestamp": now, "status": "requested"}],
                "web_url": format!("{}/#/history/{id}/general", self.base_url()),
            });
            self.store_and_publish(&task, "st2.execution__create");
            self.update(&mut task, "running");
            let waited = self.wait(exec, ctl, slot).await;
            let last = i + 1 == tasks.len();
            let end = if waited.is_err() {
                "canceled"
            } else if last && workflow_status != "succeeded" {
                "failed"
            } else {
                "succeeded"
            };
            task["result"] = json!({"stdout": "", "stderr": "", "return_code": i32::from(end != "succeeded"), "succeeded": end == "succeeded", "failed": end != "succeeded"});
            task["end_timestamp"] = json!(timestamp(OffsetDateTime::now_utc()));
            self.update(&mut task, end);
            waited?;
            self.wait(exec, ctl, slot).await?;
        }
        Ok(())
    }
}

fn already_answered(id: &str) -> ApiError {
    ApiError::new(
        400,
        format!("Inquiry \"{id}\" has already been responded to."),
    )
}

fn not_found(id: &str) -> ApiError {
    ApiError::new(
        404,
        format!("Unable to identify resource with id \"{id}\"."),
    )
}

fn canceled_result(user: &str) -> Value {
    json!({"message": "Action canceled by user.", "user": user})
}

/// StackStorm's check of an answer (jsonschema, draft 3 `required: true` as
/// `core.ask` writes it, or draft 4's list), with its wording; the schema's
/// defaults are filled into `answer` first, as StackStorm judges it.
fn validate(schema: &Value, answer: &mut Map<String, Value>) -> Result<(), String> {
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return Ok(());
    };
    let listed: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for (name, p) in props {
        if !answer.contains_key(name) {
            if let Some(d) = p.get("default") {
                answer.insert(name.clone(), d.clone());
            }
        }
    }
    for (name, p) in props {
        let required = p.get("required").and_then(Value::as_bool) == Some(true)
            || listed.contains(&name.as_str());
        let Some(v) = answer.get(name) else {
            if required {
                return Err(format!("'{name}' is a required property"));
            }
            continue;
        };
        let ty = p.get("type").and_then(Value::as_str).unwrap_or("");
        let ok = match ty {
            "string" => v.is_string(),
            "boolean" => v.is_boolean(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            "object" => v.is_object(),
            "array" => v.is_array(),
            _ => true,
        };
        if !ok {
            return Err(format!("{} is not of type '{ty}'", python_repr(v)));
        }
        if let Some(choices) = p.get("enum").and_then(Value::as_array) {
            if !choices.contains(v) {
                return Err(format!(
                    "{} is not one of {}",
                    python_repr(v),
                    python_list(choices)
                ));
            }
        }
    }
    Ok(())
}

/// How jsonschema's messages (Python) print a value.
fn python_repr(v: &Value) -> String {
    match v {
        Value::String(s) => format!("'{s}'"),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Null => "None".into(),
        other => other.to_string(),
    }
}

fn python_list(items: &[Value]) -> String {
    let parts: Vec<String> = items.iter().map(python_repr).collect();
    format!("[{}]", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_judged_with_stackstorms_words_and_defaults_filled() {
        let schema = json!({"type": "object", "properties": {
            "approved": {"type": "boolean", "required": true},
            "copies": {"type": "integer", "default": 1},
            "colour": {"type": "string", "enum": ["red", "green"]}
        }});
        let mut a = Map::new();
        a.insert("approved".into(), json!("yes"));
        assert_eq!(
            validate(&schema, &mut a).unwrap_err(),
            "'yes' is not of type 'boolean'"
        );
        let mut a = Map::new();
        assert_eq!(
            validate(&schema, &mut a).unwrap_err(),
            "'approved' is a required property"
        );
        let mut a = Map::new();
        a.insert("approved".into(), json!(true));
        a.insert("colour".into(), json!("pink"));
        assert_eq!(
            validate(&schema, &mut a).unwrap_err(),
            "'pink' is not one of ['red', 'green']"
        );
        a.insert("colour".into(), json!("red"));
        validate(&schema, &mut a).unwrap();
        assert_eq!(a["copies"], json!(1));
    }
}
