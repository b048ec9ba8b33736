//! `/api/v1/actionalias`, alias match and help, alias execution and match-and-execute; rules.

use super::*;

pub(crate) async fn list_aliases(
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

pub(crate) async fn get_alias(
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

pub(crate) async fn match_alias(
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
pub(crate) async fn alias_help(
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

pub(crate) async fn alias_execution(
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

pub(crate) async fn match_and_execute(
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

/// `GET /api/v1/rules`: the notify rules (the only ones the simulator has),
/// filtered by `pack`, `trigger_type` and `enabled` as st2api filters.
pub(crate) async fn list_rules(
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
