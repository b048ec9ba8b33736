//! Inquiries on the desk: a workflow waiting for a person (`core.ask`)
//! becomes a card with its form and a notification, once — across restarts
//! too (history says whether it was shown); the tray counts those waiting;
//! an answer from the card is checked against the schema, sent, and kept.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value};
use stormdesk_client::inquiry;
use stormdesk_client::model::Inquiry;
use stormdesk_history::{Entry, EntryKind, History, Payload, Via};
use stormdesk_notify::{plain_body, Notice, Urgency};

use crate::{Desk, DeskError};

/// The inquiries waiting for an answer, and those this desk is answering
/// (their end on the stream can beat the reply to our answer), shared by
/// the delivery task and the desk.
pub type Waiting = Arc<Mutex<Inquiries>>;

#[derive(Debug, Default)]
pub struct Inquiries {
    waiting: BTreeSet<String>,
    answering: BTreeSet<String>,
}

/// Note kinds that close an inquiry's card.
pub const ANSWERED: &str = "inquiry_answered";
pub const CLOSED: &str = "inquiry_closed";

/// What the card and the notification ask: the schema's descriptions.
pub fn question(i: &Inquiry) -> String {
    let asked: Vec<String> = inquiry::fields(&i.schema)
        .into_iter()
        .filter_map(|f| f.description)
        .filter(|d| !d.trim().is_empty())
        .collect();
    match asked.first() {
        Some(first) => first.clone(),
        None => "A workflow waits for your answer".into(),
    }
}

/// An inquiry delivered by the stream: the entry to record (None when this
/// history has it already: shown in an earlier session).
pub fn arrived(
    history: &History,
    waiting: &Waiting,
    inquiry: &Inquiry,
    parent: Option<&str>,
) -> Option<(Option<String>, String, Payload, Option<Notice>)> {
    let shown = history.of_execution(&inquiry.id).unwrap_or_default();
    if shown.iter().any(closes) {
        return None;
    }
    waiting
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .waiting
        .insert(inquiry.id.clone());
    if shown.iter().any(|e| e.kind() == EntryKind::Inquiry) {
        return None;
    }
    let text = question(inquiry);
    let notice = Notice {
        title: "Approval needed".into(),
        body: plain_body(&text),
        urgency: Urgency::Critical,
        execution_id: Some(inquiry.id.clone()),
        rerun: false,
    };
    Some((
        Some(inquiry.id.clone()),
        text,
        Payload::inquiry(inquiry, parent),
        Some(notice),
    ))
}

/// An inquiry stopped waiting. Recorded unless this desk answered it (its
/// own note says so already).
pub fn closed(
    history: &History,
    waiting: &Waiting,
    inquiry_id: &str,
    status: &str,
) -> Option<(Option<String>, String, Payload, Option<Notice>)> {
    let ours = {
        let mut w = waiting.lock().unwrap_or_else(|e| e.into_inner());
        w.waiting.remove(inquiry_id);
        w.answering.contains(inquiry_id)
    };
    let shown = history.of_execution(inquiry_id).unwrap_or_default();
    if ours || shown.iter().any(closes) {
        return None;
    }
    let text = match status {
        "succeeded" => "Answered elsewhere".to_string(),
        other => format!("No longer waiting: {other}"),
    };
    Some((
        Some(inquiry_id.to_string()),
        text,
        Payload::note(CLOSED, Via::default()),
        None,
    ))
}

fn closes(e: &Entry) -> bool {
    matches!(&e.payload, Payload::Note(n) if matches!(n.kind.as_deref(), Some(ANSWERED | CLOSED)))
}

impl Desk {
    /// Answer an inquiry from its card: checked against its schema here
    /// first, then StackStorm judges it; its refusal comes back with the
    /// reason. The workflow resumes on the server and its result arrives
    /// as any other.
    pub async fn respond_inquiry(
        &self,
        inquiry_id: &str,
        response: Value,
    ) -> Result<Vec<Entry>, DeskError> {
        let Value::Object(answer) = response else {
            return Err(DeskError::Input("an answer is a set of fields".into()));
        };
        let asked = self.client.get_inquiry(inquiry_id).await?;
        inquiry::check_answer(&inquiry::fields(&asked.schema), &answer)
            .map_err(|why| DeskError::Input(format!("not sent: {why}")))?;
        let parent = self.parent_of(inquiry_id).await;
        if let Some(parent) = &parent {
            self.client.until_paused(parent).await;
        }
        self.answering(inquiry_id, true);
        let accepted = match self.client.respond_inquiry(inquiry_id, &answer).await {
            Ok(a) => a,
            Err(e) => {
                self.answering(inquiry_id, false);
                if self.client.get_inquiry(inquiry_id).await.is_ok() {
                    // Refused, and still open: it waits as before.
                    self.waiting
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .waiting
                        .insert(inquiry_id.to_string());
                }
                return Err(e.into());
            }
        };
        // The workflow goes on: follow it to its result, also when it was
        // started before a restart (the stream named its parent; a listing
        // does not, the inquiry's own execution does).
        if let Some(parent) = parent {
            self.control.track(&parent, None).await;
        }
        let entry = self.record(
            Some(inquiry_id),
            &format!("Answered: {}", describe(&accepted)),
            Payload::note(ANSWERED, Via::default()),
        );
        // Ours until our note is in history: the stream's end of the ask,
        // seen in between, must not read as "answered elsewhere".
        self.answering(inquiry_id, false);
        let entry = entry?;
        Ok(vec![entry])
    }

    async fn parent_of(&self, inquiry_id: &str) -> Option<String> {
        let shown = self.history.of_execution(inquiry_id).unwrap_or_default();
        let known = shown.iter().find_map(|e| match &e.payload {
            Payload::Inquiry(d) => d.parent.clone(),
            _ => None,
        });
        if known.is_some() {
            return known;
        }
        let ask = self.client.get_execution(inquiry_id).await.ok()?;
        ask.context["parent"]["execution_id"]
            .as_str()
            .map(str::to_string)
    }

    /// While our answer is in flight, the inquiry's end on the stream is
    /// ours (not "answered elsewhere"); it is no longer waiting unless
    /// StackStorm refused the answer.
    fn answering(&self, inquiry_id: &str, now: bool) {
        let mut w = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
        if now {
            w.answering.insert(inquiry_id.to_string());
            w.waiting.remove(inquiry_id);
        } else {
            w.answering.remove(inquiry_id);
        }
    }

    /// How many inquiries wait for an answer.
    pub fn inquiries_waiting(&self) -> usize {
        self.waiting
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .waiting
            .len()
    }
}

/// `approved=yes, copies=2` — an answer as a person reads it.
fn describe(answer: &Map<String, Value>) -> String {
    let parts: Vec<String> = answer
        .iter()
        .map(|(k, v)| match v {
            Value::Bool(true) => format!("{k}=yes"),
            Value::Bool(false) => format!("{k}=no"),
            Value::String(s) => format!("{k}={s}"),
            other => format!("{k}={other}"),
        })
        .collect();
    parts.join(", ")
}
