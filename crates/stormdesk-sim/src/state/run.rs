//! Running an alias: the execution StackStorm would create, its scheduling, a simulated
//! run (output, tasks, a result) and its status changes.

use super::*;

impl SimState {
    /// The alias-execution controller's `_post`: extract, inject immutable
    /// parameters, schedule one execution per parameter set, render the ack.
    pub fn execute_alias(
        self: &Arc<Self>,
        payload: &Map<String, Value>,
        requester: &str,
        match_multiple: bool,
    ) -> Result<Vec<Value>, ApiError> {
        let name = payload.get("name").and_then(Value::as_str).unwrap_or("");
        if name.is_empty() {
            return Err(ApiError::new(400, "Alias execution \"name\" is required"));
        }
        let format = payload.get("format").and_then(Value::as_str).unwrap_or("");
        let command = payload.get("command").and_then(Value::as_str).unwrap_or("");
        let index = self.index();
        let alias = index
            .aliases()
            .iter()
            .find(|a| a.name == name)
            .ok_or_else(|| {
                ApiError::new(
                    404,
                    format!("Unable to find the ActionAliasDB instance. {{'name': '{name}'}}"),
                )
            })?;
        let param_sets =
            extract_for_alias(alias, format, command, match_multiple).map_err(alias_error)?;

        let str_field = |k: &str| payload.get(k).cloned().unwrap_or(Value::Null);
        let route = payload
            .get("notification_route")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .or_else(|| {
                payload
                    .get("notification_channel")
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
            });
        let notify = json!({
            "on-complete": {
                "routes": [route],
                "data": {
                    "user": str_field("user"),
                    "source_channel": str_field("source_channel"),
                    "source_context": str_field("source_context"),
                },
            }
        });
        let context = json!({
            "action_alias_ref": {"id": alias.other.get("id").cloned().unwrap_or(Value::Null), "name": alias.name},
            "api_user": str_field("user"),
            "user": requester,
            "source_channel": str_field("source_channel"),
            "pack": alias.pack,
        });
        let action = self.packs.actions.get(&alias.action_ref).ok_or_else(|| {
            ApiError::new(
                500,
                format!("Action with ref \"{}\" not found ", alias.action_ref),
            )
        })?;

        let immutable = alias.immutable_parameters.clone().unwrap_or_default();
        let mut results = Vec::new();
        for mut params in param_sets {
            let overridden: Vec<&str> = immutable
                .keys()
                .filter(|k| params.contains_key(*k))
                .map(String::as_str)
                .collect();
            if !overridden.is_empty() {
                return Err(ApiError::new(
                    400,
                    format!(
                        "Immutable arguments cannot be overriden: {}",
                        overridden.join(",")
                    ),
                ));
            }
            for (k, v) in &immutable {
                let v = render::render_values(v, &context).map_err(|e| ApiError::new(400, e))?;
                params.insert(k.clone(), v);
            }
            let params = cast_params(action, params)?;
            let exec = self.schedule(action, params, context.clone(), notify.clone());
            let mut result = json!({
                "execution": exec,
                "actionalias": Self::alias_json(alias),
            });
            if let Some(ack) = alias.ack.as_ref().and_then(Value::as_object) {
                if let Some(f) = ack.get("format").and_then(Value::as_str) {
                    let msg = render::render_strict(f, &result).unwrap_or_else(|e| {
                        format!("Cannot render \"format\" in field \"ack\" for alias. {e}")
                    });
                    result["message"] = json!(msg);
                }
                if let Some(extra) = ack.get("extra") {
                    result["extra"] = render::render_values(extra, &result).unwrap_or_else(|e| {
                        json!(format!(
                            "Cannot render \"extra\" in field \"ack\" for alias. {e}"
                        ))
                    });
                }
            }
            results.push(result);
        }
        Ok(results)
    }

    /// Create an execution and simulate it to its end in the background.
    pub(crate) fn schedule(
        self: &Arc<Self>,
        action: &Action,
        params: Params,
        context: Value,
        notify: Value,
    ) -> Value {
        let id = self.new_id();
        let now = OffsetDateTime::now_utc();
        let web_url = format!("{}/#/history/{id}/general", self.base_url());
        let exec = json!({
            "id": id,
            "action": action.api,
            "runner": {"name": action.runner_type, "uid": format!("runner_type:{}", action.runner_type), "enabled": true},
            "liveaction": {
                "id": self.new_id(),
                "action": action.reference,
                "action_is_workflow": action.runner_type == "orquesta",
                "parameters": params,
                "callback": {},
                "runner_info": {},
                "notify": notify,
            },
            "status": "requested",
            "start_timestamp": timestamp(now),
            "parameters": params,
            "context": context,
            "log": [{"timestamp": timestamp(now), "status": "requested"}],
            "web_url": web_url,
        });
        self.store(&exec);
        let (ctl, rx) = tokio::sync::watch::channel(Ctl::Run);
        self.runs.lock().expect("lock").insert(
            id.clone(),
            Run {
                ctl,
                runner: action.runner_type.clone(),
            },
        );
        self.publish("st2.execution__create", &exec);
        let me = Arc::clone(self);
        let action = action.clone();
        tokio::spawn(async move {
            let id = exec["id"].as_str().unwrap_or_default().to_string();
            me.simulate(exec, action, now, rx).await;
            me.runs.lock().expect("lock").remove(&id);
        });
        self.execution(&id).unwrap_or(Value::Null)
    }

    pub(crate) async fn simulate(
        &self,
        mut exec: Value,
        action: Action,
        started: OffsetDateTime,
        mut ctl: tokio::sync::watch::Receiver<Ctl>,
    ) {
        // The action's parameters with its defaults filled in.
        let mut ctx = Map::new();
        for (k, spec) in &action.parameters {
            if let Some(d) = spec.get("default") {
                ctx.insert(k.clone(), d.clone());
            }
        }
        if let Some(p) = exec["parameters"].as_object() {
            ctx.extend(p.clone());
        }
        let sim = &action.simulation;
        let duration_ms: u64 =
            render::render_lenient(&sim.duration_ms, &Value::Object(ctx.clone()))
                .ok()
                .and_then(|s| s.trim().parse().ok())
                .unwrap_or(500);
        let total = Duration::from_secs_f64(duration_ms as f64 / 1000.0 * self.config.time_scale);
        let step = total / 10;

        for status in ["scheduled", "running"] {
            if self.wait(&mut exec, &mut ctl, step).await.is_err() {
                return;
            }
            self.update(&mut exec, status);
        }
        if let Some(ask) = &sim.ask {
            let vars = Value::Object(ctx.clone());
            match self.ask(&mut exec, &mut ctl, ask, &vars).await {
                Ok(answer) => {
                    ctx.insert("answer".into(), Value::Object(answer));
                }
                Err(_) => return,
            }
        }
        let ctx = Value::Object(ctx);
        let status = sim
            .status
            .as_deref()
            .and_then(|t| render::render_lenient(t, &ctx).ok())
            .map(|s| s.trim().to_string())
            .filter(|s| crate::FINAL_STATUSES.contains(&s.as_str()))
            .unwrap_or_else(|| "succeeded".into());
        let mut result = Map::new();
        for (k, tmpl) in &sim.result {
            let rendered = match tmpl {
                Value::String(t) => render::render_lenient(t, &ctx).unwrap_or_else(|e| e),
                other => other.to_string(),
            };
            // Text fields stay text; anything else that reads as JSON (a
            // return code, a workflow's output object) is that JSON.
            let value = if matches!(k.as_str(), "stdout" | "stderr" | "body") {
                Value::String(rendered)
            } else {
                match serde_json::from_str::<Value>(&rendered) {
                    Ok(v) if !v.is_string() => v,
                    _ => Value::String(rendered),
                }
            };
            result.insert(k.clone(), value);
        }
        // The rest of the run: printing, for a runner that streams output.
        let rest = total.saturating_sub(step * 2);
        let text = |k: &str| result.get(k).and_then(Value::as_str).unwrap_or_default();
        let ran = if !sim.tasks.is_empty() {
            self.run_tasks(&mut exec, &mut ctl, &sim.tasks, &status, rest)
                .await
        } else if output::streams_output(&action.runner_type) {
            let (stdout, stderr) = (text("stdout").to_string(), text("stderr").to_string());
            self.print(&mut exec, &mut ctl, &stdout, &stderr, rest)
                .await
        } else {
            self.wait(&mut exec, &mut ctl, rest).await
        };
        if ran.is_err() {
            return;
        }
        if action.runner_type.contains("shell-cmd") {
            result.insert("succeeded".into(), json!(status == "succeeded"));
            result.insert("failed".into(), json!(status != "succeeded"));
        }
        let end = OffsetDateTime::now_utc();
        // StackStorm's size of the result: its compact JSON, in bytes.
        let size = serde_json::to_string(&result).map_or(0, |t| t.len());
        exec["result"] = Value::Object(result);
        exec["result_size"] = json!(size);
        exec["end_timestamp"] = json!(timestamp(end));
        exec["elapsed_seconds"] =
            json!(((end - started).as_seconds_f64() * 1000.0).round() / 1000.0);
        self.update(&mut exec, &status);
        self.announce(&exec);
    }

    pub(crate) fn update(&self, exec: &mut Value, status: &str) {
        exec["status"] = json!(status);
        if let Some(log) = exec["log"].as_array_mut() {
            log.push(json!({"timestamp": timestamp(OffsetDateTime::now_utc()), "status": status}));
        }
        self.store(exec);
        self.publish("st2.execution__update", exec);
    }
}
