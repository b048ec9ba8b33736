//! The HTTP surface: `/auth/v1`, `/api/v1`, `/stream/v1` on one port, and the
//! unversioned spellings StackStorm's own routers also accept.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use serde_json::{json, Map, Value};
use tokio_util::sync::CancellationToken;

use crate::state::{alias_error, ApiError, SimState};
use stormdesk_alias::render::py_repr;

#[derive(Clone)]
pub struct App {
    pub state: Arc<SimState>,
    /// Cancelled when this server instance stops; ends its open streams.
    pub shutdown: CancellationToken,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(json!({"faultstring": self.faultstring}))).into_response()
    }
}

type Q = Query<Vec<(String, String)>>;

fn q_get<'a>(q: &'a [(String, String)], key: &str) -> Option<&'a str> {
    q.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn q_int(q: &[(String, String)], key: &str, default: i64) -> Result<i64, ApiError> {
    match q_get(q, key) {
        None => Ok(default),
        Some(v) => v
            .parse()
            .map_err(|_| ApiError::new(400, format!("Invalid value for \"{key}\": \"{v}\""))),
    }
}

/// `limit` (-1 = all) and `offset`, validated as st2api does.
fn q_paging(q: &[(String, String)]) -> Result<(i64, i64), ApiError> {
    let limit = q_int(q, "limit", 100)?;
    let offset = q_int(q, "offset", 0)?;
    // st2api's messages (`resource.py`).
    if limit == 0 {
        return Err(ApiError::new(
            400,
            format!("Limit, \"{limit}\" specified, must be a positive number or -1 for full result set."),
        ));
    }
    if limit <= -2 {
        return Err(ApiError::new(
            400,
            format!("Limit, \"{limit}\" specified, must be a positive number."),
        ));
    }
    if offset < 0 {
        return Err(ApiError::new(
            400,
            "Limit, if specified, must be a positive number and offset must not be negative.",
        ));
    }
    Ok((limit, offset))
}

/// One page of a list, with StackStorm's `X-Total-Count`.
fn page(all: Vec<Value>, (limit, offset): (i64, i64)) -> Response {
    let total = all.len();
    let take = if limit == -1 {
        usize::MAX
    } else {
        limit as usize
    };
    let items: Vec<Value> = all.into_iter().skip(offset as usize).take(take).collect();
    let mut resp = Json(items).into_response();
    resp.headers_mut()
        .insert("X-Total-Count", HeaderValue::from(total));
    resp
}

pub fn router(app: App) -> Router {
    let auth = Router::new()
        .route("/tokens", post(create_token))
        .route("/tokens/validate", post(validate_token));
    let api = Router::new()
        .route("/actionalias", get(list_aliases))
        .route("/actionalias/match", post(match_alias))
        .route("/actionalias/help", get(alias_help))
        .route("/actionalias/{ref_or_id}", get(get_alias))
        .route("/aliasexecution", post(alias_execution))
        .route("/aliasexecution/match_and_execute", post(match_and_execute))
        .route("/rules", get(list_rules))
        .route("/executions", get(list_executions))
        .route(
            "/executions/{id}",
            get(get_execution)
                .delete(cancel_execution)
                .put(update_execution),
        )
        .route("/executions/{id}/re_run", post(rerun_execution))
        .route("/inquiries", get(list_inquiries))
        .route("/inquiries/{id}", get(get_inquiry).put(respond_inquiry))
        .route("/executions/{id}/output", get(execution_output))
        .route("/executions/{id}/children", get(execution_children));
    let stream = Router::new()
        .route("/stream", get(stream))
        .route("/executions/{id}/output", get(stream_execution_output));
    Router::new()
        .nest("/auth/v1", auth.clone())
        .nest("/auth", auth)
        .nest("/api/v1", api.clone())
        .nest("/api", api)
        .nest("/stream/v1", stream.clone())
        .nest("/stream", stream)
        .fallback(|| async { ApiError::new(404, "The resource could not be found.") })
        .layer(middleware::from_fn_with_state(app.clone(), faults))
        .with_state(app)
}

/// Fault injection: delays and 503s, before anything else runs.
async fn faults(State(app): State<App>, req: Request, next: Next) -> Response {
    let f = &app.state.faults;
    let delay = f.delay_ms.load(Ordering::Relaxed);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let failing = f
        .fail_next
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if failing {
        return ApiError::new(503, "Service Unavailable (simulated fault)").into_response();
    }
    next.run(req).await
}

/// The requesting user, from `X-Auth-Token` / `St2-Api-Key` (header or query
/// parameter, as st2 accepts both).
fn requester(app: &App, headers: &HeaderMap, q: &[(String, String)]) -> Result<String, ApiError> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(t) = header("x-auth-token").or_else(|| q_get(q, "x-auth-token")) {
        return app.state.user_for_token(t);
    }
    if let Some(k) = header("st2-api-key").or_else(|| q_get(q, "st2-api-key")) {
        return app.state.user_for_api_key(k);
    }
    Err(ApiError::new(
        401,
        "Unauthorized - One of Token or API key required.",
    ))
}

fn body_object(body: &Bytes) -> Result<Map<String, Value>, ApiError> {
    if body.is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(o)) => Ok(o),
        Ok(_) => Err(ApiError::new(
            400,
            "The request body must be a JSON object.",
        )),
        Err(e) => Err(ApiError::new(
            400,
            format!("Failed to parse request body: {e}"),
        )),
    }
}

/// A request body's schema as st2api checks it: required fields first (in
/// the schema's order), then each field's type, then fields it does not
/// know. Real StackStorm refuses an unknown field; so does the simulator.
struct BodySchema {
    required: &'static [&'static str],
    /// (field, JSON type)
    properties: &'static [(&'static str, &'static str)],
}

/// `AliasMatchAndExecuteInputAPI`.
const MATCH_AND_EXECUTE: BodySchema = BodySchema {
    required: &["command", "source_channel", "user"],
    properties: &[
        ("command", "string"),
        ("user", "string"),
        ("source_channel", "string"),
        ("notification_channel", "string"),
        ("notification_route", "string"),
    ],
};

/// `AliasExecutionAPI`.
const ALIAS_EXECUTION: BodySchema = BodySchema {
    required: &["name", "format", "command", "source_channel"],
    properties: &[
        ("name", "string"),
        ("format", "string"),
        ("command", "string"),
        ("user", "string"),
        ("source_channel", "string"),
        ("source_context", "object"),
        ("notification_channel", "string"),
        ("notification_route", "string"),
    ],
};

impl BodySchema {
    fn check(&self, body: &Map<String, Value>) -> Result<(), ApiError> {
        for field in self.required {
            if !body.contains_key(*field) {
                return Err(ApiError::new(
                    400,
                    format!("'{field}' is a required property"),
                ));
            }
        }
        for (field, ty) in self.properties {
            let Some(v) = body.get(*field) else { continue };
            let ok = match *ty {
                "string" => v.is_string(),
                "object" => v.is_object(),
                _ => true,
            };
            if !ok {
                return Err(ApiError::new(
                    400,
                    format!("{} is not of type '{ty}'", py_repr(v)),
                ));
            }
        }
        let extra: Vec<String> = body
            .keys()
            .filter(|k| !self.properties.iter().any(|(p, _)| p == k))
            .map(|k| format!("'{k}'"))
            .collect();
        match extra.len() {
            0 => Ok(()),
            1 => Err(ApiError::new(
                400,
                format!(
                    "Additional properties are not allowed ({} was unexpected)",
                    extra[0]
                ),
            )),
            _ => Err(ApiError::new(
                400,
                format!(
                    "Additional properties are not allowed ({} were unexpected)",
                    extra.join(", ")
                ),
            )),
        }
    }
}

// ---- auth ----

async fn create_token(
    State(app): State<App>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let invalid = || ApiError::new(401, "Invalid or missing credentials");
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(invalid)?;
    let encoded = auth
        .strip_prefix("Basic ")
        .or_else(|| auth.strip_prefix("basic "))
        .ok_or_else(invalid)?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(invalid)?;
    let (user, password) = decoded.split_once(':').ok_or_else(invalid)?;
    if !app.state.check_password(user, password) {
        return Err(invalid());
    }
    let body = body_object(&body)?;
    let ttl = match body.get("ttl") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_u64()
                .ok_or_else(|| ApiError::new(400, "ttl must be a positive integer"))?,
        ),
    };
    let token = app.state.issue_token(user, ttl)?;
    let mut resp = (StatusCode::CREATED, Json(token)).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("{}/api", app.state.base_url())) {
        resp.headers_mut().insert("x-api-url", v);
    }
    Ok(resp)
}

async fn validate_token(State(app): State<App>, body: Bytes) -> Result<Json<Value>, ApiError> {
    let body = body_object(&body)?;
    let token = body.get("token").and_then(Value::as_str).unwrap_or("");
    Ok(Json(
        json!({"valid": app.state.user_for_token(token).is_ok()}),
    ))
}

// ---- aliases ----

async fn list_aliases(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Q,
) -> Result<Response, ApiError> {
    requester(&app, &headers, &q)?;
    let paging = q_paging(&q)?;
    let index = app.state.index();
    let all: Vec<Value> = index
        .aliases()
        .iter()
        .filter(|a| q_get(&q, "pack").is_none_or(|p| a.pack == p))
        .filter(|a| q_get(&q, "name").is_none_or(|n| a.name == n))
        .map(SimState::alias_json)
        .collect();
    let mut resp = page(all, paging);
    resp.headers_mut()
        .insert("X-Limit", HeaderValue::from(paging.0));
    Ok(resp)
}

async fn get_alias(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Q,
    Path(r): Path<String>,
) -> Result<Json<Value>, ApiError> {
    requester(&app, &headers, &q)?;
    app.state
        .index()
        .aliases()
        .iter()
        .find(|a| {
            a.reference() == r || a.other.get("id").and_then(Value::as_str) == Some(r.as_str())
        })
        .map(|a| Json(SimState::alias_json(a)))
        .ok_or_else(|| {
            ApiError::new(
                404,
                format!("Resource with a reference or id \"{r}\" not found"),
            )
        })
}

async fn match_alias(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Q,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    requester(&app, &headers, &q)?;
    let body = body_object(&body)?;
    let command = body
        .get("command")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::new(400, "'command' is a required property"))?;
    let index = app.state.index();
    let m = index.match_command(command).map_err(alias_error)?;
    Ok(Json(json!({
        "actionalias": SimState::alias_json(m.alias),
        "display": m.display,
        "representation": m.representation,
    })))
}

/// `generate_helpstring_result`, limit/offset quirks included.
async fn alias_help(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Q,
) -> Result<Json<Value>, ApiError> {
    requester(&app, &headers, &q)?;
    let filter = q_get(&q, "filter").unwrap_or("");
    let re = regex::RegexBuilder::new(filter)
        .case_insensitive(true)
        .build()
        .map_err(|e| ApiError::new(400, format!("Invalid filter: {e}")))?;
    let pack = q_get(&q, "pack").filter(|p| !p.is_empty());
    let limit = q_int(&q, "limit", 100)?;
    let offset = q_int(&q, "offset", 0)?;
    let mut count = 0i64;
    let mut matches = Vec::new();
    let index = app.state.index();
    for alias in index.aliases() {
        if !alias.enabled || pack.is_some_and(|p| p != alias.pack) {
            continue;
        }
        for f in &alias.formats {
            let (display, _, _) = f.normalise();
            let Some(display) = display.filter(|d| !d.is_empty()) else {
                continue;
            };
            if !re.is_match(display) {
                continue;
            }
            let skip = (offset == 0 && limit > 0 && count >= limit)
                || (offset > 0 && limit == 0 && count < offset)
                || (offset > 0 && limit > 0 && (count < offset || count >= offset + limit));
            count += 1;
            if skip {
                continue;
            }
            matches.push(
                json!({"pack": alias.pack, "display": display, "description": alias.description}),
            );
        }
    }
    Ok(Json(json!({"available": count, "helpstrings": matches})))
}

// ---- alias execution ----

async fn alias_execution(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Q,
    body: Bytes,
) -> Result<Response, ApiError> {
    let user = requester(&app, &headers, &q)?;
    let body = body_object(&body)?;
    ALIAS_EXECUTION.check(&body)?;
    let mut results = app.state.execute_alias(&body, &user, false)?;
    Ok((StatusCode::CREATED, Json(results.remove(0))).into_response())
}

async fn match_and_execute(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Q,
    body: Bytes,
) -> Result<Response, ApiError> {
    let user = requester(&app, &headers, &q)?;
    let body = body_object(&body)?;
    MATCH_AND_EXECUTE.check(&body)?;
    let command = body["command"].as_str().unwrap_or_default();
    let index = app.state.index();
    let m = index.match_command(command).map_err(alias_error)?;
    let mut payload = Map::new();
    payload.insert("name".into(), json!(m.alias.name));
    payload.insert("format".into(), json!(m.representation));
    for k in [
        "command",
        "user",
        "source_channel",
        "notification_channel",
        "notification_route",
    ] {
        if let Some(v) = body.get(k) {
            payload.insert(k.into(), v.clone());
        }
    }
    let results = app.state.execute_alias(&payload, &user, m.match_multiple)?;
    Ok((StatusCode::CREATED, Json(json!({"results": results}))).into_response())
}

// ---- rules ----

/// `GET /api/v1/rules`: the notify rules (the only ones the simulator has),
/// filtered by `pack`, `trigger_type` and `enabled` as st2api filters.
async fn list_rules(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Q,
) -> Result<Response, ApiError> {
    requester(&app, &headers, &q)?;
    let paging = q_paging(&q)?;
    let all: Vec<Value> = app
        .state
        .notify_rules()
        .into_iter()
        .filter(|r| q_get(&q, "pack").is_none_or(|p| r["pack"] == p))
        .filter(|r| q_get(&q, "trigger_type").is_none_or(|t| r["trigger"]["type"] == t))
        .filter(|r| {
            q_get(&q, "enabled")
                .is_none_or(|e| r["enabled"] == json!(e.eq_ignore_ascii_case("true")))
        })
        .collect();
    Ok(page(all, paging))
}

// ---- executions ----

async fn list_executions(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Q,
) -> Result<Response, ApiError> {
    requester(&app, &headers, &q)?;
    let paging = q_paging(&q)?;
    let ids: Vec<&str> = q
        .iter()
        .filter(|(k, _)| k == "id")
        .flat_map(|(_, v)| v.split(','))
        .collect();
    let all: Vec<Value> = app
        .state
        .executions()
        .into_iter()
        .filter(|e| q_get(&q, "action").is_none_or(|a| e["action"]["ref"] == a))
        .filter(|e| q_get(&q, "status").is_none_or(|s| e["status"] == s))
        .filter(|e| q_get(&q, "user").is_none_or(|u| e["context"]["user"] == u))
        .filter(|e| ids.is_empty() || ids.iter().any(|i| e["id"] == *i))
        .collect();
    let resp = page(all, paging);
    Ok(resp)
}

fn find_execution(app: &App, id: &str) -> Result<Value, ApiError> {
    app.state.execution(id).ok_or_else(|| {
        ApiError::new(
            404,
            format!("Unable to identify resource with id \"{id}\"."),
        )
    })
}

async fn get_execution(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Q,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    requester(&app, &headers, &q)?;
    Ok(Json(find_execution(&app, &id)?))
}

/// `DELETE /executions/{id}`: cancel.
async fn cancel_execution(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Q,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let user = requester(&app, &headers, &q)?;
    Ok(Json(app.state.control(&id, "canceling", &user)?))
}

/// `PUT /executions/{id}` with `{"status": "pausing" | "resuming"}` (the
/// only updates an operator makes).
async fn update_execution(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Q,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let user = requester(&app, &headers, &q)?;
    let body = body_object(&body)?;
    let status = body.get("status").and_then(Value::as_str).unwrap_or("");
    Ok(Json(app.state.control(&id, status, &user)?))
}

/// `POST /executions/{id}/re_run` with `{parameters?}`.
async fn rerun_execution(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Q,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let user = requester(&app, &headers, &q)?;
    let body = body_object(&body)?;
    let params = match body.get("parameters") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(p)) => p.clone(),
        Some(other) => {
            return Err(ApiError::new(
                400,
                format!("{other} is not of type 'object'"),
            ))
        }
    };
    let exec = app.state.rerun(&id, params, &user)?;
    Ok((StatusCode::CREATED, Json(exec)).into_response())
}

async fn list_inquiries(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Q,
) -> Result<Json<Value>, ApiError> {
    requester(&app, &headers, &q)?;
    let limit = q_int(&q, "limit", 20)?.max(0) as usize;
    let all: Vec<Value> = app.state.inquiries().into_iter().take(limit).collect();
    Ok(Json(Value::Array(all)))
}

async fn get_inquiry(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Q,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    requester(&app, &headers, &q)?;
    app.state.inquiry(&id).map(Json)
}

/// `PUT /inquiries/{id}` with `{id, response}`.
async fn respond_inquiry(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Q,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    requester(&app, &headers, &q)?;
    let body = body_object(&body)?;
    Ok(Json(app.state.respond(&id, &body)?))
}

/// A workflow's tasks (and its asks), oldest first.
async fn execution_children(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Q,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    requester(&app, &headers, &q)?;
    find_execution(&app, &id)?;
    let mut children: Vec<Value> = app
        .state
        .executions()
        .into_iter()
        .filter(|e| e["parent"] == id.as_str())
        .collect();
    children.reverse();
    Ok(Json(Value::Array(children)))
}

async fn execution_output(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Q,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    requester(&app, &headers, &q)?;
    let e = find_execution(&app, &id)?;
    let mut out = String::new();
    for k in ["stdout", "stderr", "output", "result", "body"] {
        if let Some(s) = e["result"][k].as_str() {
            out.push_str(s);
            if !s.is_empty() && !s.ends_with('\n') {
                out.push('\n');
            }
        }
    }
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], out).into_response())
}

// ---- stream ----

/// The events `/stream` sends when none are asked for (st2stream's
/// `DEFAULT_EVENTS_WHITELIST`).
const DEFAULT_EVENTS: [&str; 7] = [
    "st2.announcement__*",
    "st2.execution__create",
    "st2.execution__update",
    "st2.execution__delete",
    "st2.liveaction__create",
    "st2.liveaction__update",
    "st2.liveaction__delete",
];

/// `fnmatch` as st2stream filters event names with: `*` any run, `?` one
/// character.
fn glob_match(pattern: &str, name: &str) -> bool {
    fn go(p: &[char], n: &[char]) -> bool {
        match p.split_first() {
            None => n.is_empty(),
            Some(('*', rest)) => (0..=n.len()).any(|i| go(rest, &n[i..])),
            Some(('?', rest)) => !n.is_empty() && go(rest, &n[1..]),
            Some((c, rest)) => n.first() == Some(c) && go(rest, &n[1..]),
        }
    }
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    go(&p, &n)
}

/// `GET /stream/v1/executions/{id}/output`: what the execution printed so
/// far, then each new line, then `EOF` once it ended or is pausing, as
/// st2stream's output controller does (it subscribes before it reads what
/// was printed, so a line can come twice; clients tell them apart by id).
/// No heartbeats on this stream.
async fn stream_execution_output(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Q,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    requester(&app, &headers, &q)?;
    let rx = app.state.subscribe();
    let exec = find_execution(&app, &id)?;
    let frame = |name: &str, data: &str| format!("event: {name}\ndata: {data}\n\n");
    let eof = frame("EOF", "''");
    let mut first: String = app
        .state
        .output_of(&id)
        .iter()
        .map(|c| frame(crate::output::OUTPUT_EVENT, &c.to_string()))
        .collect();
    let status = exec["status"].as_str().unwrap_or_default();
    let done = crate::output::CLOSING_STATUSES.contains(&status);
    if done {
        first.push_str(&eof);
    }
    let shutdown = app.shutdown.clone();
    // Fault injection drops this stream too, like any connection.
    let mut dropped = app.state.faults.drop_signal();
    dropped.mark_unchanged();
    let live = futures::stream::unfold(
        (rx, done, id, dropped),
        move |(mut rx, done, id, mut dropped)| {
            let shutdown = shutdown.clone();
            let eof = eof.clone();
            async move {
                if done {
                    return None;
                }
                loop {
                    let ev = tokio::select! {
                        _ = shutdown.cancelled() => return None,
                        _ = dropped.changed() => return None,
                        ev = rx.recv() => ev,
                    };
                    let ev = match ev {
                        Ok(ev) => ev,
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                    };
                    let Ok(data) = serde_json::from_str::<Value>(&ev.data) else {
                        continue;
                    };
                    if ev.name == crate::output::OUTPUT_EVENT && data["execution_id"] == id.as_str()
                    {
                        let f = format!("event: {}\ndata: {}\n\n", ev.name, ev.data);
                        return Some((
                            Ok::<_, std::io::Error>(Bytes::from(f)),
                            (rx, false, id, dropped),
                        ));
                    }
                    if ev.name == "st2.execution__update"
                        && data["id"] == id.as_str()
                        && data["status"]
                            .as_str()
                            .is_some_and(|s| crate::output::CLOSING_STATUSES.contains(&s))
                    {
                        return Some((Ok(Bytes::from(eof)), (rx, true, id, dropped)));
                    }
                }
            }
        },
    );
    let first = futures::stream::once(async move { Ok::<_, std::io::Error>(Bytes::from(first)) });
    Ok(event_stream(Body::from_stream(futures::StreamExt::chain(
        first, live,
    ))))
}

/// A `text/event-stream` response, with st2stream's headers.
fn event_stream(body: Body) -> Response {
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "text/event-stream; charset=UTF-8")
        .header(header::CACHE_CONTROL, "no-cache")
        .header("X-Accel-Buffering", "no")
        .body(body)
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// `GET /stream/v1/stream`: `event: NAME\ndata: JSON\n\n` frames, a blank
/// line as heartbeat when idle, no event ids — as st2stream sends it.
async fn stream(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Q,
) -> Result<Response, ApiError> {
    requester(&app, &headers, &q)?;
    let filter: Vec<String> = q
        .iter()
        .filter(|(k, _)| k == "events")
        .flat_map(|(_, v)| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        })
        .collect();
    // No `events`: st2stream's default list, which leaves output out.
    let filter = if filter.is_empty() {
        DEFAULT_EVENTS.iter().map(|s| s.to_string()).collect()
    } else {
        filter
    };
    let rx = app.state.subscribe();
    let mut drop_rx = app.state.faults.drop_signal();
    drop_rx.mark_unchanged();
    let heartbeat = app.state.config.heartbeat;
    let shutdown = app.shutdown.clone();
    let lifetime = app.state.lifetime.clone();
    let state = Arc::clone(&app.state);
    let frames = futures::stream::unfold(
        (rx, drop_rx, filter, state),
        move |(mut rx, mut drop_rx, filter, state)| {
            let shutdown = shutdown.clone();
            let lifetime = lifetime.clone();
            async move {
                loop {
                    let next = tokio::select! {
                        _ = shutdown.cancelled() => return None,
                        _ = lifetime.cancelled() => return None,
                        _ = drop_rx.changed() => return None,
                        r = tokio::time::timeout(heartbeat, rx.recv()) => r,
                    };
                    let silent = state.faults.silence_streams.load(Ordering::Relaxed);
                    let frame = match next {
                        Err(_) if silent => continue,
                        Err(_) => "\n".to_string(),
                        Ok(Ok(_)) if silent => continue,
                        Ok(Ok(ev)) => {
                            if !filter.iter().any(|f| glob_match(f, &ev.name)) {
                                continue;
                            }
                            format!("event: {}\ndata: {}\n\n", ev.name, ev.data)
                        }
                        Ok(Err(tokio::sync::broadcast::error::RecvError::Lagged(n))) => {
                            tracing::warn!(missed = n, "stream subscriber lagged");
                            continue;
                        }
                        Ok(Err(tokio::sync::broadcast::error::RecvError::Closed)) => return None,
                    };
                    return Some((
                        Ok::<_, std::io::Error>(Bytes::from(frame)),
                        (rx, drop_rx, filter, state),
                    ));
                }
            }
        },
    );
    Ok(event_stream(Body::from_stream(frames)))
}
