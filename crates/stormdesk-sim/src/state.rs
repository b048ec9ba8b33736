//! The simulator's data: users, tokens, API keys, aliases, executions, and
//! the event bus the stream serves.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use rand::Rng;
use serde_json::{json, Map, Value};
use stormdesk_alias::{matcher::extract_for_alias, Alias, AliasError, AliasIndex, Params};
use time::OffsetDateTime;
use tokio::sync::{broadcast, watch};
use tokio_util::sync::CancellationToken;

use crate::packs::{Action, PackSet};
use crate::SimConfig;
use stormdesk_alias::render::{self, chatops_result, ResultMessage};

/// One frame on the stream: `event: NAME\ndata: JSON\n\n`.
#[derive(Debug, Clone)]
pub struct StreamEvent {
    pub name: String,
    pub data: String,
}

/// An HTTP error as StackStorm sends it: a status and a `faultstring`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub faultstring: String,
}

impl ApiError {
    pub fn new(status: u16, faultstring: impl Into<String>) -> Self {
        Self {
            status,
            faultstring: faultstring.into(),
        }
    }
}

#[derive(Debug, Clone)]
struct TokenInfo {
    user: String,
    expiry: OffsetDateTime,
}

/// Knobs tests turn to make the simulator misbehave.
#[derive(Debug)]
pub struct Faults {
    /// Answer the next N requests with 503.
    pub fail_next: AtomicU32,
    /// Delay every response by this many milliseconds.
    pub delay_ms: AtomicU64,
    /// Keep streams open but send nothing at all, not even heartbeats.
    pub silence_streams: AtomicBool,
    drop_streams: watch::Sender<u64>,
}

impl Faults {
    fn new() -> Self {
        Self {
            fail_next: AtomicU32::new(0),
            delay_ms: AtomicU64::new(0),
            silence_streams: AtomicBool::new(false),
            drop_streams: watch::channel(0).0,
        }
    }

    /// Close every open stream connection now.
    pub fn drop_streams(&self) {
        self.drop_streams.send_modify(|g| *g += 1);
    }

    pub fn drop_signal(&self) -> watch::Receiver<u64> {
        self.drop_streams.subscribe()
    }
}

/// Everything the simulator knows; survives a stop/restart of its server.
#[derive(Debug)]
pub struct SimState {
    pub config: SimConfig,
    packs: PackSet,
    index: RwLock<Arc<AliasIndex>>,
    tokens: Mutex<HashMap<String, TokenInfo>>,
    executions: Mutex<Executions>,
    /// Executions still running, with what the operator asked of each.
    pub(crate) runs: Mutex<HashMap<String, crate::control::Run>>,
    pub(crate) inquiries: Mutex<HashMap<String, crate::control::PendingInquiry>>,
    /// What each execution printed (`st2.execution.output__create` chunks).
    pub(crate) outputs: Mutex<HashMap<String, Vec<Value>>>,
    events: broadcast::Sender<StreamEvent>,
    pub faults: Faults,
    base_url: RwLock<String>,
    counter: AtomicU64,
    tokens_issued: AtomicU64,
    id_prefix: u32,
    /// Stops simulated executions when the simulator is shut down for good.
    pub(crate) lifetime: CancellationToken,
}

#[derive(Debug, Default)]
struct Executions {
    order: Vec<String>,
    by_id: HashMap<String, Value>,
}

pub fn timestamp(t: OffsetDateTime) -> String {
    let f = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    t.to_offset(time::UtcOffset::UTC)
        .format(&f)
        .unwrap_or_default()
}

impl SimState {
    pub fn new(config: SimConfig) -> Arc<Self> {
        let packs = config.packs.clone();
        let index = RwLock::new(Arc::new(AliasIndex::new(packs.aliases.clone())));
        Arc::new(Self {
            config,
            packs,
            index,
            tokens: Mutex::new(HashMap::new()),
            executions: Mutex::new(Executions::default()),
            runs: Mutex::new(HashMap::new()),
            inquiries: Mutex::new(HashMap::new()),
            outputs: Mutex::new(HashMap::new()),
            events: broadcast::channel(4096).0,
            faults: Faults::new(),
            base_url: RwLock::new(String::new()),
            counter: AtomicU64::new(1),
            tokens_issued: AtomicU64::new(0),
            id_prefix: rand::thread_rng().gen(),
            lifetime: CancellationToken::new(),
        })
    }

    pub(crate) fn set_base_url(&self, url: String) {
        *self.base_url.write().expect("lock") = url;
    }

    pub fn base_url(&self) -> String {
        self.base_url.read().expect("lock").clone()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<StreamEvent> {
        self.events.subscribe()
    }

    pub fn publish(&self, name: &str, data: &Value) {
        // No subscriber is fine: StackStorm drops events nobody listens to.
        let _ = self.events.send(StreamEvent {
            name: name.to_string(),
            data: data.to_string(),
        });
    }

    /// Send a frame whose data is taken as is (fault injection: malformed
    /// JSON, foreign announcements).
    pub fn publish_raw(&self, name: &str, data: &str) {
        let _ = self.events.send(StreamEvent {
            name: name.to_string(),
            data: data.to_string(),
        });
    }

    pub(crate) fn new_execution_id(&self) -> String {
        self.new_id()
    }

    fn new_id(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        format!("{:08x}{:016x}", self.id_prefix, n)
    }

    // ---- auth ----

    pub fn check_password(&self, user: &str, password: &str) -> bool {
        self.config
            .users
            .iter()
            .any(|(u, p)| u == user && p == password)
    }

    pub fn issue_token(&self, user: &str, ttl: Option<u64>) -> Result<Value, ApiError> {
        let ttl = ttl.unwrap_or(self.config.token_ttl);
        if ttl == 0 || ttl > self.config.max_token_ttl {
            return Err(ApiError::new(
                400,
                format!(
                    "TTL specified {ttl} is greater than max allowed {}.",
                    self.config.max_token_ttl
                ),
            ));
        }
        let token: String = {
            let mut rng = rand::thread_rng();
            (0..32)
                .map(|_| char::from_digit(rng.gen_range(0..16), 16).unwrap_or('0'))
                .collect()
        };
        let expiry = OffsetDateTime::now_utc() + Duration::from_secs(ttl);
        self.tokens_issued.fetch_add(1, Ordering::Relaxed);
        self.tokens.lock().expect("lock").insert(
            token.clone(),
            TokenInfo {
                user: user.to_string(),
                expiry,
            },
        );
        Ok(json!({
            "user": user,
            "token": token,
            "expiry": timestamp(expiry),
            "id": self.new_id(),
            "metadata": {},
            "service": false,
        }))
    }

    /// How many tokens were handed out so far (tests count renewals).
    pub fn tokens_issued(&self) -> u64 {
        self.tokens_issued.load(Ordering::Relaxed)
    }

    /// The user a token belongs to, if it is known and not expired.
    pub fn user_for_token(&self, token: &str) -> Result<String, ApiError> {
        let tokens = self.tokens.lock().expect("lock");
        match tokens.get(token) {
            None => Err(ApiError::new(401, "Unauthorized")),
            Some(t) if t.expiry <= OffsetDateTime::now_utc() => {
                Err(ApiError::new(401, "Unauthorized - Token has expired."))
            }
            Some(t) => Ok(t.user.clone()),
        }
    }

    pub fn user_for_api_key(&self, key: &str) -> Result<String, ApiError> {
        self.config
            .api_keys
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, u)| u.clone())
            .ok_or_else(|| {
                ApiError::new(
                    401,
                    "Unauthorized - ApiKey with key_hash=<redacted> not found.",
                )
            })
    }

    /// Expire every token now (fault injection).
    pub fn expire_all_tokens(&self) {
        let past = OffsetDateTime::now_utc() - Duration::from_secs(1);
        for t in self.tokens.lock().expect("lock").values_mut() {
            t.expiry = past;
        }
    }

    // ---- aliases ----

    /// The aliases now (a registration replaces them, as `st2ctl reload`).
    pub fn index(&self) -> Arc<AliasIndex> {
        Arc::clone(&self.index.read().expect("lock"))
    }

    /// Register one more alias, as `POST /api/v1/packs/register` would after
    /// a pack gained its file (tests: the desk must pick it up).
    pub fn add_alias(&self, alias: Alias) {
        let mut index = self.index.write().expect("lock");
        let mut all = index.aliases().to_vec();
        all.push(alias);
        *index = Arc::new(AliasIndex::new(all));
    }

    /// An alias as `ActionAliasAPI` shows it: `ack`, `result`, `extra` and
    /// `immutable_parameters` are `{}` when the file has none.
    pub fn alias_json(alias: &Alias) -> Value {
        let mut v = serde_json::to_value(alias).unwrap_or(Value::Null);
        if let Some(o) = v.as_object_mut() {
            for k in ["ack", "result", "extra", "immutable_parameters"] {
                o.entry(k).or_insert_with(|| json!({}));
            }
        }
        v
    }

    // ---- executions ----

    pub fn execution(&self, id: &str) -> Option<Value> {
        self.executions.lock().expect("lock").by_id.get(id).cloned()
    }

    /// Newest first, as StackStorm sorts them.
    pub fn executions(&self) -> Vec<Value> {
        let ex = self.executions.lock().expect("lock");
        ex.order
            .iter()
            .rev()
            .filter_map(|id| ex.by_id.get(id).cloned())
            .collect()
    }

    pub(crate) fn action(&self, reference: &str) -> Option<Action> {
        self.packs.actions.get(reference).cloned()
    }

    pub(crate) fn store_and_publish(&self, exec: &Value, event: &str) {
        self.store(exec);
        self.publish(event, exec);
    }

    fn store(&self, exec: &Value) {
        let id = exec["id"].as_str().unwrap_or_default().to_string();
        let mut ex = self.executions.lock().expect("lock");
        if !ex.by_id.contains_key(&id) {
            ex.order.push(id.clone());
        }
        ex.by_id.insert(id, exec.clone());
    }

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
        let (ctl, rx) = tokio::sync::watch::channel(crate::control::Ctl::Run);
        self.runs.lock().expect("lock").insert(
            id.clone(),
            crate::control::Run {
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

    async fn simulate(
        &self,
        mut exec: Value,
        action: Action,
        started: OffsetDateTime,
        mut ctl: tokio::sync::watch::Receiver<crate::control::Ctl>,
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
        } else if crate::output::streams_output(&action.runner_type) {
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

    /// The notify rules this server has, as `GET /api/v1/rules` shows them:
    /// the chatops pack's two, and the stormdesk pack's when installed.
    pub fn notify_rules(&self) -> Vec<Value> {
        let rule = |pack: &str,
                    name: &str,
                    file: &str,
                    desc: &str,
                    pattern: &str,
                    ty: &str,
                    route: bool| {
            let mut params = json!({
                "channel": "{{trigger.data.source_channel}}",
                "user": "{{trigger.data.user}}",
                "execution_id": "{{trigger.execution_id}}",
                "context": "{{trigger.data.source_context}}",
            });
            if route {
                params["route"] = json!("{{trigger.route}}");
            }
            let reference = format!("{pack}.{name}");
            json!({
                "tags": [], "uid": format!("rule:{pack}:{name}"), "metadata_file": file,
                "name": name, "ref": reference, "description": desc, "pack": pack,
                "type": {"ref": "standard", "parameters": {}},
                "trigger": {"type": "core.st2.generic.notifytrigger", "parameters": {}, "ref": "core.st2.generic.notifytrigger"},
                "criteria": {"trigger.route": {"pattern": pattern, "type": ty}},
                "action": {"ref": "chatops.post_result", "parameters": params},
                "context": {}, "enabled": true, "id": crate::packs::stable_id("rule", &reference),
            })
        };
        let mut rules = vec![
            rule(
                "chatops",
                "notify",
                "rules/notify_hubot.yaml",
                "Notification rule to send results of action executions to stream for chatops",
                "hubot",
                "equals",
                false,
            ),
            rule(
                "chatops",
                "notify-errbot",
                "rules/notify_errbot.yaml",
                "Notification rule to send results of action executions to stream for errbot.",
                "errbot",
                "equals",
                true,
            ),
        ];
        if self.config.stormdesk_pack {
            rules.push(rule("stormdesk", "notify_stormdesk", "rules/notify_stormdesk.yaml", "Post results of executions started from Stormdesk to the stream (st2.announcement__<route>).", "stormdesk", "startswith", true));
        }
        rules
    }

    /// The route an execution's result is announced on, if a rule takes it.
    fn announced_route(&self, route: &str) -> Option<String> {
        self.notify_rules().iter().find_map(|r| {
            let c = &r["criteria"]["trigger.route"];
            let pattern = c["pattern"].as_str().unwrap_or_default();
            let hit = match c["type"].as_str() {
                Some("startswith") => route.starts_with(pattern),
                _ => route == pattern,
            };
            hit.then(|| {
                r["action"]["parameters"]["route"]
                    .as_str()
                    .map_or("chatops".to_string(), |_| route.to_string())
            })
        })
    }

    /// What the chatops pack's notify rule + `post_result` do: render the
    /// alias's result format and post it on `st2.announcement__<route>`.
    fn announce(&self, exec: &Value) {
        let on_complete = &exec["liveaction"]["notify"]["on-complete"];
        let Some(route) = on_complete["routes"]
            .as_array()
            .and_then(|r| r.first())
            .and_then(Value::as_str)
        else {
            return;
        };
        // Only a notify rule for the route announces; post_result posts on
        // the rule's `route` parameter.
        let Some(route) = self.announced_route(route) else {
            return;
        };
        let data = &on_complete["data"];
        let index = self.index();
        let alias = exec["context"]["action_alias_ref"]["name"]
            .as_str()
            .and_then(|n| index.aliases().iter().find(|a| a.name == n));
        let (message, extra) = match chatops_result(alias, exec) {
            ResultMessage::Disabled => return,
            ResultMessage::Formatted { text, extra } | ResultMessage::Default { text, extra } => {
                (text, extra)
            }
        };
        let payload = json!({
            "extra": extra,
            "context": data["source_context"],
            "message": message,
            "whisper": false,
            "channel": data["source_channel"],
            "user": data["user"],
        });
        self.publish(
            &format!("st2.announcement__{route}"),
            &json!({"payload": payload, "trace_context": null}),
        );
    }
}

/// Every alias-engine refusal is a 400 with StackStorm's wording.
pub fn alias_error(e: AliasError) -> ApiError {
    ApiError::new(400, e.to_string())
}

/// `action_param_utils.cast_params` plus the required-parameter check, in
/// StackStorm's words.
pub(crate) fn cast_params(action: &Action, params: Params) -> Result<Params, ApiError> {
    let mut out = Params::new();
    for (k, v) in params {
        let ty = action
            .parameters
            .get(&k)
            .and_then(|s| s.get("type"))
            .and_then(Value::as_str)
            .unwrap_or("string");
        let failed = |s: &str, why: String| {
            ApiError::new(
                400,
                format!("Failed to cast value \"{s}\" (type: str) for parameter \"{k}\" of type \"{ty}\": {why}. Perhaps the value is of an invalid type?"),
            )
        };
        let cast = match (ty, &v) {
            (_, Value::Null) => Value::Null,
            // Python's int(): surrounding blanks and `_` between digits are fine.
            ("integer", Value::String(s)) => s
                .trim()
                .replace('_', "")
                .parse::<i64>()
                .ok()
                .filter(|_| !s.trim().starts_with('_') && !s.trim().ends_with('_'))
                .map(Value::from)
                .ok_or_else(|| {
                    failed(s, format!("invalid literal for int() with base 10: '{s}'"))
                })?,
            ("number", Value::String(s)) => s
                .trim()
                .parse::<f64>()
                .ok()
                .and_then(|f| serde_json::Number::from_f64(f).map(Value::Number))
                .ok_or_else(|| failed(s, format!("could not convert string to float: '{s}'")))?,
            // ast.literal_eval(s.capitalize()): True, False, or a number.
            ("boolean", Value::String(s)) => {
                let c = {
                    let mut ch = s.chars();
                    ch.next()
                        .map(|f| {
                            f.to_uppercase()
                                .chain(ch.flat_map(char::to_lowercase))
                                .collect::<String>()
                        })
                        .unwrap_or_default()
                };
                match c.as_str() {
                    "True" => Value::Bool(true),
                    "False" => Value::Bool(false),
                    n => n
                        .parse::<i64>()
                        .map(Value::from)
                        .map_err(|_| failed(s, "malformed node or string".into()))?,
                }
            }
            ("array", Value::String(s)) => Value::Array(
                s.split(',')
                    .map(|x| Value::String(x.trim().to_string()))
                    .collect(),
            ),
            ("object", Value::String(s)) => {
                serde_json::from_str(s).map_err(|e| failed(s, e.to_string()))?
            }
            _ => v,
        };
        out.insert(k, cast);
    }
    for (k, spec) in &action.parameters {
        let required = spec
            .get("required")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if required && !out.contains_key(k) && spec.get("default").is_none() {
            return Err(ApiError::new(400, format!("'{k}' is a required property")));
        }
    }
    Ok(out)
}
