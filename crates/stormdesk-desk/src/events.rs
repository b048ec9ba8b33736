//! Backend → UI traffic: one enum, one channel.
//!
//! The host owns the one channel ([`event_channel`]). A desk speaks into a
//! channel of its own until the host attaches it ([`Events::attach`]): a desk
//! started only to check a profile's credentials never reaches the UI. Every
//! consumer subscribes to the same channel and follows one lag policy: a
//! consumer that falls behind gets [`DeskEvent::Missed`] from [`next_event`]
//! and resynchronises from history, which has every entry. The consumers:
//! - the host's ledger (`host/ledger.rs`): unread count, recent results,
//!   result webhooks, relay link states;
//! - the shell: the UI (one Tauri event, `desk-event`) and the tray.

use std::sync::{Arc, RwLock};

use serde::Serialize;
use stormdesk_history::Entry;
use stormdesk_stream::ConnectionState;
use tokio::sync::broadcast;

use crate::ipc;

/// How many events the channel holds for a consumer that is behind.
const CAPACITY: usize = 1024;

/// The host's one event channel, made before the notification sink so that
/// the sink's "Open" action can send into it.
pub fn event_channel() -> broadcast::Sender<DeskEvent> {
    broadcast::channel(CAPACITY).0
}

/// Everything the backend tells the UI, in one enum (one event name).
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DeskEvent {
    /// A new history entry (command, ack, status, result, announcement, note).
    /// Boxed: every event in the channel's ring is as large as the largest.
    Entry { entry: Box<Entry> },
    /// What a running execution printed since the last such event, for its
    /// card (a workflow's card also shows its tasks' output). Not kept: the
    /// result replaces it.
    Output {
        execution_id: String,
        chunks: Vec<OutputText>,
    },
    /// A task of a running workflow started, moved on or ended.
    Task {
        workflow_id: String,
        execution_id: String,
        task: String,
        status: String,
    },
    /// The stream's connection state changed.
    Connection { state: ConnectionState },
    /// A desk is running for this profile (after start-up or a switch).
    Ready { profile: String, demo: bool },
    /// Starting or switching failed; the previous desk (if any) is gone.
    Failed { error: ipc::IpcError },
    /// Nothing is configured: offer the demo or a connection form.
    FirstRun { reason: Option<String> },
    /// Show this execution's result (notification "Open", tray "recent").
    Open { execution_id: String },
    /// The global shortcut: show the pane with the palette focused.
    Summon,
    /// The tray's "Settings…": show the settings view.
    ShowSettings,
    /// Results not yet seen (the tray shows the count).
    Unread { count: u32 },
    /// Do-not-disturb changed (from the tray or the pane).
    Paused { paused: bool },
    /// The relay's links to Slack and Teams changed.
    Relay { links: ipc::RelayLinks },
    /// History retention ran (at start-up, daily, or after Settings
    /// changed the limits): how many entries went and the file's size.
    HistoryTrimmed {
        removed: u64,
        bytes_before: u64,
        bytes_after: u64,
    },
    /// The UI fell this many events behind and they were dropped: reload
    /// the pane from history, which has them all.
    Missed { count: u32 },
}

/// The next event for a listener (the UI, the tray): a listener that fell
/// behind is told how much it missed, as [`DeskEvent::Missed`], and goes
/// on; `None` once the sender is gone.
pub async fn next_event(rx: &mut broadcast::Receiver<DeskEvent>) -> Option<DeskEvent> {
    match rx.recv().await {
        Ok(ev) => Some(ev),
        Err(broadcast::error::RecvError::Lagged(n)) => Some(DeskEvent::Missed {
            count: u32::try_from(n).unwrap_or(u32::MAX),
        }),
        Err(broadcast::error::RecvError::Closed) => None,
    }
}

/// Where a desk's events go: its own channel until attached to the host's.
#[derive(Clone)]
pub(crate) struct Events(Arc<RwLock<broadcast::Sender<DeskEvent>>>);

impl Events {
    pub(crate) fn new() -> Self {
        Self(Arc::new(RwLock::new(event_channel())))
    }

    pub(crate) fn send(&self, ev: DeskEvent) {
        let _ = self.0.read().unwrap_or_else(|e| e.into_inner()).send(ev);
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<DeskEvent> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).subscribe()
    }

    /// From now on into `channel` (the host's), from every task of the desk.
    pub(crate) fn attach(&self, channel: broadcast::Sender<DeskEvent>) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = channel;
    }
}

/// A piece of output as the card shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct OutputText {
    /// `stdout` or `stderr`.
    pub stream: String,
    pub text: String,
}
