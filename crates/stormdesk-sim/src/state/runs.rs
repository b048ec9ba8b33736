//! A running execution's control channel and an inquiry's pending answer: what
//! the state keeps of runs in flight (the operator's side is `control`).

use super::*;
use tokio::sync::{oneshot, watch};

/// What the operator last asked of a running execution.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Ctl {
    Run,
    Pause,
    Cancel { user: String },
}

/// A running execution's control.
#[derive(Debug)]
pub(crate) struct Run {
    pub ctl: watch::Sender<Ctl>,
    pub runner: String,
}

/// An inquiry waiting for its answer.
#[derive(Debug)]
pub(crate) struct PendingInquiry {
    /// As `GET /api/v1/inquiries` shows it.
    pub body: Value,
    pub answer: Option<oneshot::Sender<Map<String, Value>>>,
}

/// Why a simulated execution stopped early.
#[derive(Debug)]
pub(crate) enum Stop {
    Canceled,
    Shutdown,
}
