//! Results, de-duplicated and never lost.
//!
//! Executions started from Stormdesk are tracked to their end from
//! `st2.execution__update` alone, so a result arrives even where the chatops
//! pack's notify rule is not installed. When the announcement also arrives
//! (matched by the request id Stormdesk put in `source_context`), it enriches
//! the one result instead of becoming a second. After every (re)connect,
//! tracked executions that ended while the stream was down are fetched
//! (backfill). Each result is delivered exactly once.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use serde::Serialize;
use stormdesk_client::model::{Execution, Inquiry};
use stormdesk_client::St2Client;
use stormdesk_routing::{decode as decode_route, request_id, Route};

use crate::event::{Announcement, StreamEvent};
use crate::listener::ListenerEvent;

/// The action whose executions are inquiries.
const INQUIRY_ACTION: &str = "core.ask";

/// What consumers (history, notifier, pane, relay) receive.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Delivery {
    /// A tracked execution ended. Delivered once per execution.
    Result {
        execution: Box<Execution>,
        /// The chatops-formatted message, when the announcement came first.
        message: Option<String>,
        request: Option<String>,
    },
    /// The announcement for a result already delivered: enrich, do not
    /// notify again.
    ResultMessage {
        execution_id: String,
        message: String,
    },
    /// A tracked execution moved on (scheduled, running …).
    Status {
        execution_id: String,
        status: String,
    },
    /// A workflow waits for an answer (`core.ask`): seen on the stream, or
    /// listed after a (re)connect. Delivered once per inquiry.
    Inquiry {
        inquiry: Box<Inquiry>,
        /// The paused workflow, when known (the stream says; a listing
        /// does not).
        parent: Option<String>,
    },
    /// A task of a tracked workflow started, moved on or ended. Delivered
    /// once per task and status.
    Task {
        workflow_id: String,
        execution_id: String,
        task: String,
        status: String,
    },
    /// An inquiry this tracker delivered is no longer waiting: answered
    /// (here or anywhere else), expired, or its workflow cancelled.
    InquiryClosed { inquiry_id: String, status: String },
    /// An announcement that is not a reply to one of our requests.
    Announcement {
        route: String,
        payload: Box<Announcement>,
        /// Where it belongs; `Fallback` carries the note to show.
        #[serde(skip)]
        destination: Route,
    },
}

/// Which of the server's inquiries a desk shows. Every desk on a StackStorm
/// sees every `core.ask` on the stream; by default it shows those its user
/// may answer (named in the inquiry's `users`, or no `users` named) and
/// those of workflows it started; `all` shows every one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InquiryScope {
    /// The desk's StackStorm user.
    pub user: Option<String>,
    pub all: bool,
}

impl InquiryScope {
    /// Shown by its `users` alone (without knowing whose workflow it is).
    pub fn answerable(&self, inquiry: &Inquiry) -> bool {
        self.all
            || inquiry.users.is_empty()
            || self
                .user
                .as_ref()
                .is_some_and(|u| inquiry.users.iter().any(|x| x == u))
    }
}

#[derive(Debug, Default)]
pub struct Tracker {
    client: Option<Arc<St2Client>>,
    scope: InquiryScope,
    /// execution id → request id
    tracked: HashMap<String, Option<String>>,
    by_request: HashMap<String, Vec<String>>,
    delivered: HashSet<String>,
    /// Inquiries delivered, and those of them still waiting.
    inquiries_seen: HashSet<String>,
    inquiries_open: HashSet<String>,
    last_status: HashMap<String, String>,
    /// The last status delivered for each task of a tracked workflow.
    task_status: HashMap<String, String>,
    /// Announcement text that arrived before its execution's end.
    pending_message: HashMap<String, String>,
    /// Recently ended executions nobody tracked (yet): a fast action can
    /// end before `track` is called with the id the API returned.
    recent_final: HashMap<String, Execution>,
    recent_order: VecDeque<String>,
    /// The same for a status ("running") that came before `track`: shown
    /// when tracking starts, so a fast action's live status is not lost.
    recent_status: HashMap<String, String>,
    status_order: VecDeque<String>,
}

const RECENT: usize = 512;

impl Tracker {
    /// `client` is used for backfill; without one, backfill is a no-op.
    /// Every inquiry is shown until `set_inquiry_scope` says otherwise (a
    /// desk says whose it shows; a listener shows them all).
    pub fn new(client: Option<Arc<St2Client>>) -> Self {
        Self {
            client,
            scope: InquiryScope {
                user: None,
                all: true,
            },
            ..Self::default()
        }
    }

    /// Which inquiries to show from now on.
    pub fn set_inquiry_scope(&mut self, scope: InquiryScope) {
        self.scope = scope;
    }

    /// Announce a request before sending it, so that an announcement that
    /// beats the API's answer is recognised as ours.
    pub fn expect(&mut self, request: &str) {
        self.by_request.entry(request.to_string()).or_default();
    }

    /// Follow an execution we started. If it already ended, its result is
    /// returned right away.
    pub fn track(&mut self, execution_id: &str, request: Option<&str>) -> Vec<Delivery> {
        if self.delivered.contains(execution_id) {
            return vec![];
        }
        // Tracked already (by its command): following it again changes
        // nothing, and keeps the request its announcement is matched by.
        if request.is_none() && self.tracked.contains_key(execution_id) {
            return vec![];
        }
        self.tracked
            .insert(execution_id.to_string(), request.map(str::to_string));
        if let Some(r) = request {
            self.by_request
                .entry(r.to_string())
                .or_default()
                .push(execution_id.to_string());
        }
        let status = self.recent_status.remove(execution_id);
        match self.recent_final.remove(execution_id) {
            Some(e) => self.finish(e).into_iter().collect(),
            None => match status {
                Some(status) => {
                    self.last_status
                        .insert(execution_id.to_string(), status.clone());
                    vec![Delivery::Status {
                        execution_id: execution_id.to_string(),
                        status,
                    }]
                }
                None => vec![],
            },
        }
    }

    fn remember_status(&mut self, id: &str, status: &str) {
        if self
            .recent_status
            .insert(id.to_string(), status.to_string())
            .is_none()
        {
            self.status_order.push_back(id.to_string());
            if self.status_order.len() > RECENT {
                if let Some(old) = self.status_order.pop_front() {
                    self.recent_status.remove(&old);
                }
            }
        }
    }

    fn remember(&mut self, e: Execution) {
        if self.recent_final.insert(e.id.clone(), e.clone()).is_none() {
            self.recent_order.push_back(e.id);
            if self.recent_order.len() > RECENT {
                if let Some(old) = self.recent_order.pop_front() {
                    self.recent_final.remove(&old);
                }
            }
        }
    }

    /// Tracked executions whose result has not been delivered yet.
    pub fn outstanding(&self) -> usize {
        self.tracked.len()
    }

    pub fn is_delivered(&self, execution_id: &str) -> bool {
        self.delivered.contains(execution_id)
    }

    fn finish(&mut self, execution: Execution) -> Option<Delivery> {
        if self.delivered.contains(&execution.id) || !execution.is_final() {
            return None;
        }
        let request = self.tracked.remove(&execution.id)?;
        self.delivered.insert(execution.id.clone());
        self.last_status.remove(&execution.id);
        let message = request
            .as_ref()
            .and_then(|r| self.pending_message.remove(r));
        Some(Delivery::Result {
            execution: Box::new(execution),
            message,
            request,
        })
    }

    /// Handle one stream event (pure: no I/O).
    pub fn handle_event(&mut self, ev: StreamEvent) -> Vec<Delivery> {
        match ev {
            StreamEvent::ExecutionCreate(e) | StreamEvent::ExecutionUpdate(e)
                if e.action_ref() == INQUIRY_ACTION =>
            {
                self.inquiry_event(&e).into_iter().collect()
            }
            StreamEvent::ExecutionCreate(e) | StreamEvent::ExecutionUpdate(e)
                if e.parent().is_some_and(|p| self.tracked.contains_key(p)) =>
            {
                self.task_event(&e).into_iter().collect()
            }
            StreamEvent::ExecutionCreate(e) | StreamEvent::ExecutionUpdate(e) => {
                if !self.tracked.contains_key(&e.id) {
                    if self.delivered.contains(&e.id) {
                        return vec![];
                    }
                    if e.is_final() {
                        self.recent_status.remove(&e.id);
                        self.remember(*e);
                    } else {
                        self.remember_status(&e.id, &e.status);
                    }
                    return vec![];
                }
                if e.is_final() {
                    return self.finish(*e).into_iter().collect();
                }
                if self.last_status.get(&e.id) == Some(&e.status) {
                    return vec![];
                }
                self.last_status.insert(e.id.clone(), e.status.clone());
                vec![Delivery::Status {
                    execution_id: e.id,
                    status: e.status,
                }]
            }
            StreamEvent::Announcement { route, payload } => {
                let request = request_id(Some(&payload.context));
                let ours = request
                    .as_ref()
                    .and_then(|r| self.by_request.get(r).map(|ids| (r.clone(), ids.clone())));
                match ours {
                    Some((r, ids)) => {
                        if let Some(done) = ids.iter().find(|id| self.delivered.contains(*id)) {
                            vec![Delivery::ResultMessage {
                                execution_id: done.clone(),
                                message: payload.message.clone(),
                            }]
                        } else {
                            self.pending_message.insert(r, payload.message.clone());
                            vec![]
                        }
                    }
                    None => {
                        let destination = decode_route(Some(&payload.channel));
                        vec![Delivery::Announcement {
                            route,
                            payload,
                            destination,
                        }]
                    }
                }
            }
            StreamEvent::Other { .. } => vec![],
        }
    }

    /// Handle a listener event; a (re)connect triggers backfill, and so does
    /// an announcement for a result whose end we have not seen.
    pub async fn handle(&mut self, ev: ListenerEvent) -> Vec<Delivery> {
        match ev {
            ListenerEvent::Connected { .. } => self.backfill().await,
            ListenerEvent::Disconnected { .. } => vec![],
            ListenerEvent::Event(e) => {
                let announced_early = match &e {
                    StreamEvent::Announcement { payload, .. } => request_id(Some(&payload.context))
                        .filter(|r| self.by_request.contains_key(r))
                        .is_some(),
                    _ => false,
                };
                let mut out = self.handle_event(e);
                if announced_early && out.is_empty() {
                    out.extend(self.backfill().await);
                }
                out
            }
        }
    }

    /// A task of a workflow we follow: its name and status, once per change.
    fn task_event(&mut self, e: &Execution) -> Option<Delivery> {
        if self.task_status.get(&e.id) == Some(&e.status) {
            return None;
        }
        if e.is_final() {
            self.task_status.remove(&e.id);
        } else {
            self.task_status.insert(e.id.clone(), e.status.clone());
        }
        Some(Delivery::Task {
            workflow_id: e.parent()?.to_string(),
            execution_id: e.id.clone(),
            task: e.task_name().to_string(),
            status: e.status.clone(),
        })
    }

    /// A `core.ask` execution: `pending` is an inquiry to show (its result
    /// is the inquiry: schema, users, roles, route, ttl); a final status
    /// closes one shown.
    fn inquiry_event(&mut self, e: &Execution) -> Option<Delivery> {
        if e.status == "pending" {
            let mut body = e.result.clone();
            body["id"] = e.id.clone().into();
            let inquiry: Inquiry = serde_json::from_value(body).ok()?;
            let parent = e.context["parent"]["execution_id"]
                .as_str()
                .map(str::to_string);
            return self.new_inquiry(inquiry, parent);
        }
        if e.is_final() && self.inquiries_open.remove(&e.id) {
            return Some(Delivery::InquiryClosed {
                inquiry_id: e.id.clone(),
                status: e.status.clone(),
            });
        }
        None
    }

    fn new_inquiry(&mut self, inquiry: Inquiry, parent: Option<String>) -> Option<Delivery> {
        let ours = parent
            .as_ref()
            .is_some_and(|p| self.tracked.contains_key(p));
        if !ours && !self.scope.answerable(&inquiry) {
            return None;
        }
        if !self.inquiries_seen.insert(inquiry.id.clone()) {
            return None;
        }
        self.inquiries_open.insert(inquiry.id.clone());
        Some(Delivery::Inquiry {
            inquiry: Box::new(inquiry),
            parent,
        })
    }

    /// Fetch every outstanding execution and deliver those that ended, and
    /// every inquiry waiting (none is missed while the stream was down).
    pub async fn backfill(&mut self) -> Vec<Delivery> {
        let Some(client) = self.client.clone() else {
            return vec![];
        };
        let mut out = Vec::new();
        match client.list_inquiries().await {
            Ok(waiting) => {
                for i in waiting {
                    // A listing does not say whose workflow it is; the
                    // ask's own execution does, where `users` leave it out.
                    let parent = if self.inquiries_seen.contains(&i.id) || self.scope.answerable(&i)
                    {
                        None
                    } else {
                        client.get_execution(&i.id).await.ok().and_then(|e| {
                            e.context["parent"]["execution_id"]
                                .as_str()
                                .map(str::to_string)
                        })
                    };
                    out.extend(self.new_inquiry(i, parent));
                }
            }
            Err(err) => tracing::warn!(error = %err, "listing inquiries failed"),
        }
        let ids: Vec<String> = self.tracked.keys().cloned().collect();
        for id in ids {
            match client.get_execution(&id).await {
                Ok(e) => out.extend(self.finish(e)),
                // Not fatal: the next reconnect or update will try again.
                Err(err) => tracing::warn!(execution = %id, error = %err, "backfill failed"),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(id: &str, status: &str) -> StreamEvent {
        StreamEvent::ExecutionUpdate(Box::new(
            serde_json::from_value(serde_json::json!({"id": id, "status": status})).unwrap(),
        ))
    }

    /// Only inquiries this desk may answer, or of its own workflows, unless
    /// it asks for all of them.
    #[test]
    fn a_desk_shows_the_inquiries_it_may_answer_and_those_of_its_workflows() {
        let ask = |id: &str, users: &[&str], parent: &str| {
            StreamEvent::ExecutionUpdate(Box::new(
                serde_json::from_value(serde_json::json!({
                    "id": id, "status": "pending", "action": {"ref": "core.ask"},
                    "context": {"parent": {"execution_id": parent}},
                    "result": {"schema": {}, "roles": [], "users": users, "route": "ops", "ttl": 60}
                }))
                .unwrap(),
            ))
        };
        let shown = |d: &[Delivery]| -> Vec<String> {
            d.iter()
                .filter_map(|d| match d {
                    Delivery::Inquiry { inquiry, .. } => Some(inquiry.id.clone()),
                    _ => None,
                })
                .collect()
        };
        let mut t = Tracker::new(None);
        t.set_inquiry_scope(InquiryScope {
            user: Some("me".into()),
            all: false,
        });
        t.track("mine", None);
        let mut seen = Vec::new();
        for (id, users, parent) in [
            ("for-others", &["ann"][..], "theirs"),
            ("for-me", &["ann", "me"][..], "theirs"),
            ("for-anyone", &[][..], "theirs"),
            ("of-my-workflow", &["ann"][..], "mine"),
        ] {
            seen.extend(shown(&t.handle_event(ask(id, users, parent))));
        }
        assert_eq!(seen, ["for-me", "for-anyone", "of-my-workflow"]);
        t.set_inquiry_scope(InquiryScope {
            user: Some("me".into()),
            all: true,
        });
        assert_eq!(
            shown(&t.handle_event(ask("for-others-2", &["ann"], "theirs"))),
            ["for-others-2"]
        );
    }

    #[test]
    fn a_pending_ask_is_an_inquiry_once_and_its_end_closes_it() {
        let ask = |status: &str| {
            StreamEvent::ExecutionUpdate(Box::new(
                serde_json::from_value(serde_json::json!({
                    "id": "q1", "status": status, "action": {"ref": "core.ask"},
                    "context": {"parent": {"execution_id": "wf1"}},
                    "result": {"schema": {"type": "object", "properties": {"ok": {"type": "boolean"}}},
                               "roles": [], "users": ["ann"], "route": "ops", "ttl": 60}
                }))
                .unwrap(),
            ))
        };
        let mut t = Tracker::new(None);
        assert!(t.handle_event(ask("running")).is_empty());
        let d = t.handle_event(ask("pending"));
        match &d[..] {
            [Delivery::Inquiry { inquiry, parent }] => {
                assert_eq!(inquiry.id, "q1");
                assert_eq!(inquiry.users, ["ann"]);
                assert_eq!(inquiry.route, "ops");
                assert_eq!(parent.as_deref(), Some("wf1"));
            }
            other => panic!("{other:?}"),
        }
        assert!(t.handle_event(ask("pending")).is_empty(), "once");
        assert_eq!(
            t.handle_event(ask("succeeded")),
            vec![Delivery::InquiryClosed {
                inquiry_id: "q1".into(),
                status: "succeeded".into()
            }]
        );
        assert!(t.handle_event(ask("succeeded")).is_empty());
    }

    #[test]
    fn a_tracked_workflows_tasks_are_delivered_once_per_status() {
        let task = |id: &str, parent: &str, status: &str| {
            StreamEvent::ExecutionUpdate(Box::new(
                serde_json::from_value(serde_json::json!({
                    "id": id, "status": status, "parent": parent,
                    "action": {"ref": "pack.step"},
                    "context": {"orquesta": {"task_name": "build"}},
                }))
                .unwrap(),
            ))
        };
        let mut t = Tracker::new(None);
        t.track("wf1", None);
        assert!(t.handle_event(update("wf1", "running")).len() == 1);
        let d = t.handle_event(task("t1", "wf1", "running"));
        assert_eq!(
            d,
            vec![Delivery::Task {
                workflow_id: "wf1".into(),
                execution_id: "t1".into(),
                task: "build".into(),
                status: "running".into(),
            }]
        );
        assert!(t.handle_event(task("t1", "wf1", "running")).is_empty());
        assert!(matches!(
            &t.handle_event(task("t1", "wf1", "succeeded"))[..],
            [Delivery::Task { status, .. }] if status == "succeeded"
        ));
        // Another workflow's tasks are not ours; nor is the task a result.
        assert!(t.handle_event(task("t9", "wf9", "running")).is_empty());
        assert!(!t.is_delivered("t1"));
        // The workflow's own end is its result, as ever.
        assert!(matches!(
            &t.handle_event(update("wf1", "succeeded"))[..],
            [Delivery::Result { execution, .. }] if execution.id == "wf1"
        ));
    }

    #[test]
    fn a_status_that_beats_track_is_shown_when_tracking_starts() {
        let mut t = Tracker::new(None);
        t.expect("r1");
        // The action starts running before the API's answer arrives.
        assert!(t.handle_event(update("e1", "requested")).is_empty());
        assert!(t.handle_event(update("e1", "running")).is_empty());
        assert_eq!(
            t.track("e1", Some("r1")),
            vec![Delivery::Status {
                execution_id: "e1".into(),
                status: "running".into()
            }]
        );
        // Not shown twice; then the result.
        assert!(t.handle_event(update("e1", "running")).is_empty());
        let done = t.handle_event(update("e1", "succeeded"));
        assert!(matches!(&done[..], [Delivery::Result { execution, .. }] if execution.id == "e1"));
        // An execution that already ended gives its result, not a status.
        t.handle_event(update("e2", "running"));
        t.handle_event(update("e2", "failed"));
        assert!(
            matches!(&t.track("e2", None)[..], [Delivery::Result { execution, .. }] if execution.status == "failed")
        );
        // Untracked statuses are bounded.
        for i in 0..RECENT + 10 {
            t.handle_event(update(&format!("x{i}"), "running"));
        }
        assert_eq!(t.recent_status.len(), RECENT);
    }
}
