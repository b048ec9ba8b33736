//! `/auth/v1`: tokens, as StackStorm issues and checks them.

use super::*;

pub(crate) async fn create_token(
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

pub(crate) async fn validate_token(
    State(app): State<App>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body = body_object(&body)?;
    let token = body.get("token").and_then(Value::as_str).unwrap_or("");
    Ok(Json(
        json!({"valid": app.state.user_for_token(token).is_ok()}),
    ))
}
