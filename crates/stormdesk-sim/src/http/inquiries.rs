//! `/api/v1/inquiries`: list, get, respond.

use super::*;

pub(crate) async fn list_inquiries(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Q,
) -> Result<Json<Value>, ApiError> {
    requester(&app, &headers, &q)?;
    let limit = q_int(&q, "limit", 20)?.max(0) as usize;
    let all: Vec<Value> = app.state.inquiries().into_iter().take(limit).collect();
    Ok(Json(Value::Array(all)))
}

pub(crate) async fn get_inquiry(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Q,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    requester(&app, &headers, &q)?;
    app.state.inquiry(&id).map(Json)
}

/// `PUT /inquiries/{id}` with `{id, response}`.
pub(crate) async fn respond_inquiry(
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
