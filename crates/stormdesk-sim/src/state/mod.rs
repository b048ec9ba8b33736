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

mod announce;
mod auth;
pub mod output;
mod run;
mod runs;

pub(crate) use runs::{Ctl, PendingInquiry, Run, Stop};

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
    pub(crate) runs: Mutex<HashMap<String, Run>>,
    pub(crate) inquiries: Mutex<HashMap<String, PendingInquiry>>,
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
