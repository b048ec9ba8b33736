//! What each kind of entry carries besides its text: one typed payload per
//! kind, exported to TypeScript as a union on `kind`, so that the pane's
//! every read of an entry's data is checked by `tsc`, and the app, the CLI
//! and the relay cannot write different shapes for the same kind.
//!
//! Stored as `kind` + `data` columns. Rows written by older versions (or
//! with fields this version does not know) stay readable: every field has a
//! default, unknown fields are ignored, and a row whose data does not fit
//! its kind at all keeps the text with an empty payload.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use stormdesk_client::model::{Execution, Inquiry};
use stormdesk_client::Ack;
use ts_rs::TS;

/// Which chat service relayed an entry, and for whom.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct Via {
    /// `slack` or `teams`.
    pub origin: Option<String>,
    /// The chat user's id on that service.
    pub chat_user: Option<String>,
}

impl Via {
    /// Relayed by `origin` (`slack`, `teams`), for `chat_user` if known.
    pub fn chat(origin: &str, chat_user: Option<&str>) -> Self {
        Self {
            origin: Some(origin.into()),
            chat_user: chat_user.map(str::to_string),
        }
    }
}

/// A command typed in the pane or the CLI, or relayed from a chat.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct CommandData {
    /// The request id that ties this command's executions to it.
    pub request: Option<String>,
    #[serde(flatten)]
    pub via: Via,
    /// Executions a relayed command started (the chat saw their acks).
    pub executions: Vec<String>,
}

/// StackStorm accepted a command and started an execution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct AckData {
    /// The action alias, `pack.name`.
    pub alias: Option<String>,
    /// The execution in StackStorm's web UI.
    pub web_url: Option<String>,
    /// The execution's status when it was acknowledged.
    pub status: Option<String>,
    /// The alias's `ack.enabled`: false when StackStorm would post no ack.
    pub shown: bool,
    /// A workflow: it can be paused and resumed.
    pub workflow: bool,
    #[serde(flatten)]
    pub via: Via,
}

impl Default for AckData {
    fn default() -> Self {
        Self {
            alias: None,
            web_url: None,
            status: None,
            shown: true,
            workflow: false,
            via: Via::default(),
        }
    }
}

/// An execution moved to a new status (the text is the status too).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct StatusData {
    pub status: String,
}

/// An execution ended.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct ResultData {
    pub status: String,
    /// The action, `pack.name`.
    pub action: Option<String>,
    pub web_url: Option<String>,
    /// StackStorm's `result`, as it sent it.
    pub result: Value,
    /// The parameters it ran with, for "Re-run with…"; those the action
    /// marks `secret` are left out (StackStorm masks them anyway).
    #[ts(type = "{ [key in string]: JsonValue }")]
    pub parameters: serde_json::Map<String, Value>,
}

/// A message StackStorm announced on the stream (chatops.post_message or
/// a notify rule), or its formatting of a result already shown.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct AnnouncementData {
    /// The announcement of a result on screen (same execution): it replaces
    /// that result's text instead of adding a card.
    pub enriches: bool,
    /// The stream route it came on.
    pub route: Option<String>,
    /// The channel StackStorm named (a destination reference, or free text).
    pub channel: Value,
    /// Why it is shown here rather than where it was addressed.
    pub note: Option<String>,
    /// StackStorm's `extra` (Slack attachments and the like).
    pub extra: Value,
    /// The chat service it was also posted to.
    pub relayed: Option<String>,
}

/// A workflow waits for a person's answer (`core.ask`). The entry's
/// execution id is the inquiry's id; its text is the question.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct InquiryData {
    /// The paused workflow.
    pub parent: Option<String>,
    pub route: String,
    /// Minutes StackStorm keeps it open.
    pub ttl: Option<u64>,
    /// Who may answer (none listed: anyone allowed to see it).
    pub users: Vec<String>,
    pub roles: Vec<String>,
    /// The answer's form, from the inquiry's JSON schema.
    pub fields: Vec<stormdesk_client::inquiry::Field>,
    /// The schema itself, as StackStorm sent it.
    pub schema: Value,
}

/// Something Stormdesk itself tells the user (a refused relay command, a
/// failed delivery, a share).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct NoteData {
    /// What happened, for the UI to react to (`forged_destination`, …).
    pub kind: Option<String>,
    #[serde(flatten)]
    pub via: Via,
    /// The reply the chat user was sent.
    pub reply: Option<String>,
    /// The entry that was shared.
    pub shared: Option<i64>,
}

/// Something failed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct ErrorData {
    /// The error's kind, as `IpcError` names them.
    pub kind: Option<String>,
    /// The command's request, when it was a command that failed.
    pub request: Option<String>,
    #[serde(flatten)]
    pub via: Via,
}

/// An entry's kind and its data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum Payload {
    Command(CommandData),
    Ack(AckData),
    Status(StatusData),
    Result(ResultData),
    Announcement(AnnouncementData),
    Note(NoteData),
    Error(ErrorData),
    Inquiry(InquiryData),
}

/// What an entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Command,
    Ack,
    Status,
    Result,
    Announcement,
    Note,
    Error,
    Inquiry,
}

impl EntryKind {
    /// Every kind, in declaration order.
    pub const ALL: [EntryKind; 8] = [
        EntryKind::Command,
        EntryKind::Ack,
        EntryKind::Status,
        EntryKind::Result,
        EntryKind::Announcement,
        EntryKind::Note,
        EntryKind::Error,
        EntryKind::Inquiry,
    ];

    /// The kind a `kind` column names, if this version knows it.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Command => "command",
            EntryKind::Ack => "ack",
            EntryKind::Status => "status",
            EntryKind::Result => "result",
            EntryKind::Announcement => "announcement",
            EntryKind::Note => "note",
            EntryKind::Error => "error",
            EntryKind::Inquiry => "inquiry",
        }
    }
}

impl Payload {
    pub fn kind(&self) -> EntryKind {
        match self {
            Payload::Command(_) => EntryKind::Command,
            Payload::Ack(_) => EntryKind::Ack,
            Payload::Status(_) => EntryKind::Status,
            Payload::Result(_) => EntryKind::Result,
            Payload::Announcement(_) => EntryKind::Announcement,
            Payload::Note(_) => EntryKind::Note,
            Payload::Error(_) => EntryKind::Error,
            Payload::Inquiry(_) => EntryKind::Inquiry,
        }
    }

    /// An inquiry waiting for an answer; `parent` is the paused workflow.
    pub fn inquiry(i: &Inquiry, parent: Option<&str>) -> Self {
        Payload::Inquiry(InquiryData {
            parent: parent.map(str::to_string),
            route: i.route.clone(),
            ttl: i.ttl,
            users: i.users.clone(),
            roles: i.roles.clone(),
            fields: stormdesk_client::inquiry::fields(&i.schema),
            schema: i.schema.clone(),
        })
    }

    /// A command typed by the desk's own user (pane, CLI), tied to `request`.
    pub fn command(request: &str) -> Self {
        Payload::Command(CommandData {
            request: Some(request.into()),
            ..Default::default()
        })
    }

    /// StackStorm's ack of one execution (`via` a chat when relayed).
    pub fn ack(ack: &Ack, via: Via) -> Self {
        Payload::Ack(AckData {
            alias: Some(ack.alias.clone()),
            web_url: ack.web_url.clone(),
            status: Some(ack.status.clone()),
            shown: ack.shown,
            workflow: ack.workflow,
            via,
        })
    }

    /// An execution moved to `status`.
    pub fn status(status: &str) -> Self {
        Payload::Status(StatusData {
            status: status.into(),
        })
    }

    /// An execution ended.
    pub fn result(e: &Execution) -> Self {
        Payload::Result(ResultData {
            status: e.status.clone(),
            action: Some(e.action_ref().to_string()),
            web_url: e.web_url.clone(),
            result: e.result.clone(),
            parameters: e
                .parameters
                .iter()
                .filter(|(k, _)| {
                    e.action["parameters"][k.as_str()]["secret"].as_bool() != Some(true)
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        })
    }

    /// A command of request `request` failed before it ran.
    pub fn command_failed(kind: &str, request: &str) -> Self {
        Payload::Error(ErrorData {
            kind: Some(kind.into()),
            request: Some(request.into()),
            via: Via::default(),
        })
    }

    /// A note of `kind` (what happened), maybe about a chat.
    pub fn note(kind: &str, via: Via) -> Self {
        Payload::Note(NoteData {
            kind: Some(kind.into()),
            via,
            ..Default::default()
        })
    }

    /// An error of `kind` (as `IpcError` names it), maybe about a chat.
    pub fn error(kind: &str, via: Via) -> Self {
        Payload::Error(ErrorData {
            kind: Some(kind.into()),
            via,
            ..Default::default()
        })
    }

    /// The `data` column.
    pub(crate) fn data_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(&self.data())
    }

    /// The data alone, as the `data` field of the wire format says it.
    pub fn data(&self) -> Value {
        serde_json::to_value(self)
            .map(|mut v| v["data"].take())
            .unwrap_or_default()
    }

    /// From the `kind` and `data` columns, as leniently as the module says.
    pub(crate) fn from_row(kind: &str, data: &str) -> Self {
        let value: Value = serde_json::from_str(data).unwrap_or(Value::Null);
        let value = if value.is_object() {
            value
        } else {
            Value::Object(Default::default())
        };
        let tagged = serde_json::json!({ "kind": kind, "data": value });
        if let Ok(payload) = serde_json::from_value(tagged) {
            return payload;
        }
        // The data did not fit its kind: keep the kind, drop the data. A kind
        // this version does not know (a newer one wrote it) says so.
        match EntryKind::parse(kind) {
            Some(k) => Payload::empty(k),
            None => Payload::Error(ErrorData {
                kind: Some(format!("unknown_entry_kind:{kind}")),
                ..Default::default()
            }),
        }
    }

    /// A payload of `kind` with no data. Exhaustive on purpose: a new kind
    /// does not compile until it is handled here.
    fn empty(kind: EntryKind) -> Self {
        match kind {
            EntryKind::Command => Payload::Command(Default::default()),
            EntryKind::Ack => Payload::Ack(Default::default()),
            EntryKind::Status => Payload::Status(Default::default()),
            EntryKind::Result => Payload::Result(Default::default()),
            EntryKind::Announcement => Payload::Announcement(Default::default()),
            EntryKind::Note => Payload::Note(Default::default()),
            EntryKind::Error => Payload::Error(Default::default()),
            EntryKind::Inquiry => Payload::Inquiry(Default::default()),
        }
    }

    /// StackStorm's `extra` of an announcement (Null otherwise).
    pub fn extra(&self) -> &Value {
        static NULL: Value = Value::Null;
        match self {
            Payload::Announcement(a) => &a.extra,
            _ => &NULL,
        }
    }

    /// The execution's page in StackStorm's web UI, when the entry has one.
    pub fn web_url(&self) -> Option<&str> {
        match self {
            Payload::Ack(a) => a.web_url.as_deref(),
            Payload::Result(r) => r.web_url.as_deref(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_listed_and_reads_back() {
        for k in EntryKind::ALL {
            // No wildcard: a new kind does not compile until it is in ALL.
            let at = match k {
                EntryKind::Command => 0,
                EntryKind::Ack => 1,
                EntryKind::Status => 2,
                EntryKind::Result => 3,
                EntryKind::Announcement => 4,
                EntryKind::Note => 5,
                EntryKind::Error => 6,
                EntryKind::Inquiry => 7,
            };
            assert_eq!(EntryKind::ALL[at], k);
            assert_eq!(EntryKind::parse(k.as_str()), Some(k));
            // Data that does not fit its kind keeps the kind.
            assert_eq!(Payload::from_row(k.as_str(), "[1, 2]").kind(), k);
            assert_eq!(Payload::from_row(k.as_str(), "not json").kind(), k);
        }
    }

    #[test]
    fn a_kind_this_version_does_not_know_is_an_error_that_names_it() {
        let p = Payload::from_row("reminder", r#"{"at": "tomorrow"}"#);
        match p {
            Payload::Error(e) => assert_eq!(e.kind.as_deref(), Some("unknown_entry_kind:reminder")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_result_keeps_its_parameters_but_not_the_secret_ones() {
        let e: Execution = serde_json::from_value(serde_json::json!({
            "id": "e1", "status": "succeeded",
            "action": {"ref": "p.login", "parameters": {
                "user": {"type": "string"}, "password": {"type": "string", "secret": true}}},
            "parameters": {"user": "ann", "password": "********", "count": 2},
        }))
        .unwrap();
        let Payload::Result(r) = Payload::result(&e) else {
            unreachable!()
        };
        let mut keys: Vec<&str> = r.parameters.keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, ["count", "user"]);
    }

    #[test]
    fn rows_of_older_versions_and_odd_data_stay_readable() {
        // The CLI once wrote an ack without `shown`; a result without a result.
        let ack = Payload::from_row("ack", r#"{"alias":"p.a","web_url":"http://w/1"}"#);
        assert_eq!(
            ack,
            Payload::Ack(AckData {
                alias: Some("p.a".into()),
                web_url: Some("http://w/1".into()),
                shown: true,
                ..Default::default()
            })
        );
        // A field of the wrong type: the kind survives, with empty data.
        let odd = Payload::from_row("result", r#"{"status": 3}"#);
        assert_eq!(odd, Payload::Result(ResultData::default()));
        // Not JSON at all, or not an object; an unknown kind.
        assert_eq!(
            Payload::from_row("status", "oops").kind(),
            EntryKind::Status
        );
        assert_eq!(Payload::from_row("note", "[1]").kind(), EntryKind::Note);
        assert_eq!(Payload::from_row("future", "{}").kind(), EntryKind::Error);
        // Unknown fields are ignored.
        let n = Payload::from_row("note", r#"{"kind":"relay","origin":"teams","new":1}"#);
        let Payload::Note(n) = n else { panic!() };
        assert_eq!(
            (n.kind.as_deref(), n.via.origin.as_deref()),
            (Some("relay"), Some("teams"))
        );
    }

    #[test]
    fn the_data_column_round_trips() {
        let p = Payload::Announcement(AnnouncementData {
            route: Some("chatops".into()),
            extra: serde_json::json!({"slack": {"color": "good"}}),
            ..Default::default()
        });
        assert_eq!(
            Payload::from_row("announcement", &p.data_json().unwrap()),
            p
        );
    }
}
