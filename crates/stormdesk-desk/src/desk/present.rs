//! What the stream delivers, presented: written to history first, then
//! emitted, then notified — and relayed to the chat it belongs to.

use super::*;

/// Which rule announces results on `route` (None also when the server
/// cannot say: results are then formatted here, which is never wrong).
pub(crate) async fn announcing_rule_of(client: &St2Client, route: &str) -> Option<String> {
    match client.announcing_rule(route).await {
        Ok(rule) => rule,
        Err(e) => {
            tracing::warn!(error = %e, "cannot tell whether StackStorm announces on route {route}");
            None
        }
    }
}

/// A relayed execution ended: with no announcement coming (no notify rule
/// for our route), send the chatops-formatted result to its conversation.
pub(crate) async fn reply_to_chat(
    relayed: &Relayed,
    palette: &RwLock<Palette>,
    announced: bool,
    outbox: &tokio::sync::mpsc::Sender<Outgoing>,
    d: &Delivery,
) {
    let Delivery::Result { execution, .. } = d else {
        return;
    };
    let origin = relayed
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&execution.id);
    let (Some(origin), false) = (origin, announced) else {
        return;
    };
    let Ok(exec) = serde_json::to_value(execution) else {
        return;
    };
    let message = {
        let palette = palette.read().unwrap_or_else(|e| e.into_inner());
        let alias = palette.index().alias_for_execution(&execution.context);
        chatops_result(alias, &exec)
    };
    if let Some(text) = message.text() {
        let sent = to_outbox(
            outbox,
            Outgoing {
                destination: Route::To(origin),
                message: text.to_string(),
                extra: message.extra(),
                channel: None,
            },
        );
        if let Err(note) = sent {
            tracing::warn!("{note}");
        }
    }
}

/// Connection state → UI, until `cancel`.
pub(crate) fn spawn_connection_events(
    mut state: tokio::sync::watch::Receiver<ConnectionState>,
    events: Events,
    cancel: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = cancel.cancelled() => break,
                r = state.changed() => {
                    if r.is_err() { break; }
                    let st = state.borrow().clone();
                    events.send(DeskEvent::Connection { state: st });
                }
            }
        }
    })
}

/// The delivery task's share of the desk.
pub(crate) struct Presenter {
    pub(crate) history: Arc<History>,
    pub(crate) events: Events,
    pub(crate) notifier: Arc<NotifierHandle>,
    pub(crate) policy: Arc<RwLock<NotifyPolicy>>,
    pub(crate) outbox: Outbox,
    pub(crate) relay_key: RelayKey,
    pub(crate) profile: String,
    pub(crate) own_route: String,
    /// The StackStorm user this desk runs as (whispers to it are its own).
    pub(crate) me: String,
    pub(crate) palette: Arc<RwLock<Palette>>,
    pub(crate) relayed: Relayed,
    pub(crate) announcing: Arc<RwLock<Option<String>>>,
    pub(crate) waiting: inquiries::Waiting,
    pub(crate) live: live::Live,
}

impl Presenter {
    /// Take the session's deliveries until `stop`, then stop the session.
    pub(crate) fn spawn(
        self,
        mut session: StreamSession,
        mut stop: tokio::sync::oneshot::Receiver<()>,
    ) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                let d = tokio::select! {
                    _ = &mut stop => break,
                    d = session.next() => match d { Some(d) => d, None => break },
                };
                self.take(d).await;
            }
            session.stop().await;
        })
    }

    /// One delivery: answered in its chat when relayed, then history → UI
    /// → notification.
    async fn take(&self, d: Delivery) {
        let pol = *self.policy.read().unwrap_or_else(|e| e.into_inner());
        let out = self
            .outbox
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if let Some(tx) = out.as_ref() {
            let announced = self
                .announcing
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .is_some();
            reply_to_chat(&self.relayed, &self.palette, announced, tx, &d).await;
        }
        // Others' results (heard on the shared route) and whispers to others
        // never reach this pane. A chat destination is ours only if this
        // install signed it (anyone who can run an alias can name any
        // chat): checked as the outbox checks it, and a foreign one — or
        // any, while no relay runs — is dropped.
        if let Delivery::Announcement {
            route,
            payload,
            destination,
        } = &d
        {
            let ours = match destination {
                Route::To(to) if to.is_chat() => {
                    let key = self.relay_key.read().unwrap_or_else(|e| e.into_inner());
                    key.as_ref().is_some_and(|k| {
                        stormdesk_routing::verify(Some(&payload.channel), k) == *destination
                    })
                }
                _ => payload.is_for(route, &self.own_route, Some(&self.me)),
            };
            if !ours {
                tracing::debug!(route = %route, "an announcement not for this desk, dropped");
                return;
            }
        }
        match &d {
            // Live only: the card shows it, history does not keep it.
            Delivery::Task {
                workflow_id,
                execution_id,
                task,
                status,
            } => {
                if status == "running" {
                    self.live.follow(execution_id, workflow_id);
                }
                self.events.send(DeskEvent::Task {
                    workflow_id: workflow_id.clone(),
                    execution_id: execution_id.clone(),
                    task: task.clone(),
                    status: status.clone(),
                });
                return;
            }
            Delivery::Result { execution, .. } => self.live.ended(&execution.id),
            _ => {}
        }
        let d = with_alias_format(&self.palette, d);
        self.present(pol, out.as_ref(), d).await;
    }

    /// History, then the UI, then the notification.
    async fn present(
        &self,
        policy: NotifyPolicy,
        outbox: Option<&tokio::sync::mpsc::Sender<Outgoing>>,
        d: Delivery,
    ) {
        let (history, tx, profile) = (&self.history, &self.events, self.profile.as_str());
        let Some((execution_id, text, payload, notice)) =
            off_the_workers(|| shown(history, &self.waiting, policy, outbox, profile, d))
        else {
            return;
        };
        let entry = NewEntry {
            profile: profile.to_string(),
            execution_id,
            text,
            payload,
        };
        match off_the_workers(|| history.append(&entry)) {
            Ok(e) => {
                tx.send(DeskEvent::Entry { entry: Box::new(e) });
            }
            Err(err) => {
                // Still show it: losing the on-screen copy too would be worse.
                tracing::error!(error = %err, "history write failed");
                tx.send(DeskEvent::Entry {
                    entry: Box::new(Entry::unsaved(entry)),
                });
            }
        }
        if let Some(n) = notice {
            self.notifier.notify(n).await;
        }
    }
}

/// History's writes (and the reads a delivery makes) can wait on SQLite's
/// lock for long (a VACUUM during retention): on a multi-threaded runtime
/// they tell it so, and other tasks move to another worker meanwhile.
pub(crate) fn off_the_workers<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(f),
        _ => f(),
    }
}

/// The entry (and notice) a delivery becomes; None when there is nothing to
/// show (an inquiry shown already).
pub(crate) fn shown(
    history: &History,
    waiting: &inquiries::Waiting,
    policy: NotifyPolicy,
    outbox: Option<&tokio::sync::mpsc::Sender<Outgoing>>,
    profile: &str,
    d: Delivery,
) -> Option<(Option<String>, String, Payload, Option<Notice>)> {
    Some(match d {
        Delivery::Status {
            execution_id,
            status,
        } => (
            Some(execution_id),
            status.clone(),
            Payload::status(&status),
            None,
        ),
        Delivery::Result {
            execution, message, ..
        } => {
            let text = message.clone().unwrap_or_else(|| execution.result_text());
            let notice = policy
                .allows_result(Some(execution.status.as_str()))
                .then(|| notice_for_result(&execution, message.as_deref()));
            (
                Some(execution.id.clone()),
                text,
                Payload::result(&execution),
                notice,
            )
        }
        // The chatops announcement of a result already shown: attached to
        // that result (same execution id), never a second result.
        Delivery::ResultMessage {
            execution_id,
            message,
        } => (
            Some(execution_id),
            message,
            Payload::Announcement(AnnouncementData {
                enriches: true,
                ..Default::default()
            }),
            None,
        ),
        Delivery::Announcement {
            route,
            payload,
            destination,
        } => announcement(policy, outbox, profile, route, payload, destination),
        Delivery::Inquiry { inquiry, parent } => {
            return inquiries::arrived(history, waiting, &inquiry, parent.as_deref())
        }
        Delivery::InquiryClosed { inquiry_id, status } => {
            return inquiries::closed(history, waiting, &inquiry_id, &status)
        }
        // Shown live, never kept (the presenter sends it).
        Delivery::Task { .. } => return None,
    })
}

/// An announcement: relayed to its chat when addressed to one (and the relay
/// runs), shown in the pane with a note when it had nowhere else to go; a
/// whisper for a chat user is neither posted nor shown.
pub(crate) fn announcement(
    policy: NotifyPolicy,
    outbox: Option<&tokio::sync::mpsc::Sender<Outgoing>>,
    profile: &str,
    route: String,
    payload: Box<stormdesk_stream::Announcement>,
    destination: Route,
) -> (Option<String>, String, Payload, Option<Notice>) {
    let chat = match &destination {
        Route::To(d) if d.is_chat() => Some(service_name(d.service())),
        _ => None,
    };
    let mut full = None;
    // A whisper is for one person: never posted into a
    // conversation everyone there reads.
    if chat.is_some() && payload.whisper {
        full = Some(format!(
            "a whisper for {}: not posted to the conversation, where everyone would read it",
            payload.user.as_str().unwrap_or("someone")
        ));
    }
    let relayed = match (chat, outbox) {
        (Some(_), Some(tx)) if full.is_none() => {
            let sent = to_outbox(
                tx,
                Outgoing {
                    destination: destination.clone(),
                    message: payload.message.clone(),
                    extra: payload.extra.clone(),
                    channel: Some(payload.channel.clone()),
                },
            );
            full = sent.err();
            full.is_none()
        }
        _ => false,
    };
    let note = match &destination {
        _ if relayed => None,
        _ if full.is_some() => full.map(|n| n.lines().next().unwrap_or_default().to_string()),
        Route::To(Destination::Pane { profile: p }) if p == profile => None,
        Route::To(other) => Some(format!(
            "meant for {}",
            serde_json::to_value(other)
                .map(|v| v["kind"].to_string())
                .unwrap_or_default()
        )),
        Route::Fallback { note } => Some(note.clone()),
    };
    // Nor is a chat user's whisper shown to the desk's owner.
    let whisper_to_chat = chat.is_some() && payload.whisper;
    let text = if whisper_to_chat {
        format!(
            "A whisper for {} was not posted: it stays private.",
            payload.user.as_str().unwrap_or("someone")
        )
    } else {
        payload.message.clone()
    };
    let notice = (policy.announcements && !whisper_to_chat)
        .then(|| notice_for_announcement(&route, &payload.message));
    (
        None,
        text,
        Payload::Announcement(AnnouncementData {
            enriches: false,
            route: Some(route),
            channel: payload.channel,
            note,
            extra: if whisper_to_chat {
                Value::Null
            } else {
                payload.extra
            },
            relayed: relayed.then(|| chat.map(str::to_lowercase)).flatten(),
        }),
        notice,
    )
}

/// `slack` → `Slack`, for labels.
pub fn service_name(service: &str) -> &'static str {
    match service {
        "slack" => "Slack",
        "teams" => "Teams",
        _ => "Stormdesk",
    }
}
