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

mod aliases;
mod auth;
mod executions;
mod inquiries;
mod stream;

use aliases::*;
use auth::*;
use executions::*;
use inquiries::*;
use stream::*;

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
