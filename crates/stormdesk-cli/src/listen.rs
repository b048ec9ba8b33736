//! `listen`: the event stream, as the desk hears it, printed.

use crate::exec::Recorder;
use crate::output::{CliError, Out};
use crate::sim::wait_for_stop;
use serde_json::{json, Value};
use std::process::ExitCode;
use std::sync::Arc;
use stormdesk_client::{Profile, St2Client};
use stormdesk_history::{AnnouncementData, Payload};
use stormdesk_routing::Route;
use stormdesk_stream::{ListenerConfig, ListenerEvent, StreamEvent};

/// `listen`: print announcements and execution updates as they arrive.
pub async fn listen(
    out: &Out,
    client: &Arc<St2Client>,
    profile: &Profile,
    notify: bool,
) -> Result<ExitCode, CliError> {
    let rec = Recorder::open(&profile.name);
    let mut config = ListenerConfig::for_route(&profile.stream_route);
    config.events.retain(|e| e != "st2.execution__create");
    let cancel = tokio_util::sync::CancellationToken::new();
    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    let listener =
        stormdesk_stream::listener::spawn(Arc::clone(client), config, tx, cancel.clone());
    let notifier =
        notify.then(|| stormdesk_notify::spawn(stormdesk_notify::DesktopSink::default()));
    let mut state = listener.state();
    if !out.json {
        eprintln!(
            "listening on {} (route {}); Ctrl-C stops",
            client.endpoints().stream,
            profile.stream_route
        );
    }
    let stop = wait_for_stop();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => break,
            changed = state.changed() => {
                if changed.is_err() { break; }
                let st = state.borrow().clone();
                out.record(&json!({"event": "connection", "state": st}));
                if !out.json { eprintln!("connection: {}", serde_json::to_value(&st).map(|v| v["state"].to_string()).unwrap_or_default()); }
            }
            ev = rx.recv() => {
                let Some(ev) = ev else { break };
                if let ListenerEvent::Event(ev) = ev {
                    match ev {
                        StreamEvent::Announcement { route, payload } => {
                            // Others' results and whispers stay theirs.
                            if !payload.is_for(&route, &profile.stream_route, profile.username.as_deref()) {
                                continue;
                            }
                            let note = match stormdesk_routing::decode(Some(&payload.channel)) {
                                Route::To(d) => serde_json::to_value(&d).unwrap_or_default(),
                                Route::Fallback { note } => json!({"kind": "pane", "note": note}),
                            };
                            rec.record(None, &payload.message, Payload::Announcement(AnnouncementData {
                                route: Some(route.clone()),
                                channel: payload.channel.clone(),
                                note: note.get("note").and_then(Value::as_str).map(str::to_string),
                                extra: payload.extra.clone(),
                                ..Default::default()
                            }));
                            out.record(&json!({"event": "announcement", "route": route, "message": payload.message, "channel": payload.channel, "destination": note}));
                            out.line(format!("[announcement {route}] {}", payload.message));
                            if let Some(n) = &notifier { n.notify(stormdesk_notify::notice_for_announcement(&route, &payload.message)).await; }
                        }
                        StreamEvent::ExecutionUpdate(e) => {
                            out.record(&json!({"event": "execution", "execution": e.id, "status": e.status, "action": e.action_ref()}));
                            out.line(format!("[{}] {} {}", e.status, e.action_ref(), e.id));
                            if e.is_final() {
                                if let Some(n) = &notifier { n.notify(stormdesk_notify::notice_for_result(&e, None)).await; }
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    listener.stop().await;
    if let Some(n) = notifier {
        n.stop().await;
    }
    Ok(ExitCode::SUCCESS)
}
