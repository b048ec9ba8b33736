//! `/stream/v1`: the event stream and an execution's output stream, framed as st2stream frames them.

use super::*;

/// The events `/stream` sends when none are asked for (st2stream's
/// `DEFAULT_EVENTS_WHITELIST`).
pub(crate) const DEFAULT_EVENTS: [&str; 7] = [
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
pub(crate) fn glob_match(pattern: &str, name: &str) -> bool {
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
pub(crate) async fn stream_execution_output(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Q,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    requester(&app, &headers, &q)?;
    let rx = app.state.subscribe();
    let exec = find_execution(&app, &id)?;
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
                        let f = frame(&ev.name, &ev.data);
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
pub(crate) fn event_stream(body: Body) -> Response {
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
pub(crate) async fn stream(
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
                            frame(&ev.name, &ev.data)
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

/// One SSE frame as st2stream writes it: `event: NAME`, `data: JSON`, a
/// blank line; no id (st2stream sends none).
fn frame(name: &str, data: &str) -> String {
    format!("event: {name}\ndata: {data}\n\n")
}
