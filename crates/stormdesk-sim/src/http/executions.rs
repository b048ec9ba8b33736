//! `/api/v1/executions`: list, get, cancel, pause and resume, re-run, children, output.

use super::*;

pub(crate) async fn list_executions(
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

pub(crate) fn find_execution(app: &App, id: &str) -> Result<Value, ApiError> {
    app.state.execution(id).ok_or_else(|| {
        ApiError::new(
            404,
            format!("Unable to identify resource with id \"{id}\"."),
        )
    })
}

pub(crate) async fn get_execution(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Q,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    requester(&app, &headers, &q)?;
    Ok(Json(find_execution(&app, &id)?))
}

/// `DELETE /executions/{id}`: cancel.
pub(crate) async fn cancel_execution(
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
pub(crate) async fn update_execution(
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
pub(crate) async fn rerun_execution(
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

/// A workflow's tasks (and its asks), oldest first.
pub(crate) async fn execution_children(
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

pub(crate) async fn execution_output(
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
