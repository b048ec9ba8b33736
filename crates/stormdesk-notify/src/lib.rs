//! Native desktop notifications for results and announcements.
//!
//! - Title from the action and status, body from the first lines of the
//!   message as plain text (markup characters escaped: some daemons render
//!   `<b>` in bodies), urgency by status (failed → critical), an "Open"
//!   action carrying the execution id ("Re-run" too when it did not
//!   succeed), the app icon.
//! - A burst (more than 5 within 2 s) becomes one summary notification.
//! - Do-not-disturb: paused notifications are dropped here; the caller has
//!   already written the result to history.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use stormdesk_client::model::Execution;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub const APP_NAME: &str = "Stormdesk";
pub const OPEN_ACTION: &str = "open";
pub const RERUN_ACTION: &str = "rerun";

/// What a notification's button asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeAction {
    /// Show the execution's result (the button, or a click on the body).
    Open,
    /// Run the execution again (offered when it did not succeed).
    Rerun,
}
const BODY_LINES: usize = 5;
const BODY_CHARS: usize = 400;

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("cannot show a desktop notification: {0}. Is a notification daemon running in this session?")]
    Daemon(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    Low,
    Normal,
    Critical,
}

/// One notification, before it is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    pub title: String,
    pub body: String,
    pub urgency: Urgency,
    /// Opened by the notification's "Open" action.
    pub execution_id: Option<String>,
    /// Offer "Re-run" for `execution_id` (it failed, timed out, was
    /// abandoned or cancelled).
    pub rerun: bool,
}

/// Plain text for a notification body: first lines, bounded, with control
/// characters dropped and markup characters escaped.
pub fn plain_body(text: &str) -> String {
    let mut lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let more = lines.len() > BODY_LINES;
    lines.truncate(BODY_LINES);
    let mut body: String = lines
        .join("\n")
        .chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .take(BODY_CHARS)
        .collect();
    if more || text.chars().count() > BODY_CHARS {
        body.push('…');
    }
    body.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The notification for a finished execution.
pub fn notice_for_result(execution: &Execution, message: Option<&str>) -> Notice {
    let (mark, urgency) = match execution.status.as_str() {
        "succeeded" => ("✔", Urgency::Normal),
        "failed" | "timeout" | "abandoned" => ("✖", Urgency::Critical),
        _ => ("•", Urgency::Normal),
    };
    let action = if execution.action_ref().is_empty() {
        "execution"
    } else {
        execution.action_ref()
    };
    let text = match message {
        Some(m) => m.to_string(),
        None => ["stdout", "result", "output", "body", "stderr"]
            .iter()
            .filter_map(|k| execution.result.get(*k).and_then(|v| v.as_str()))
            .find(|s| !s.trim().is_empty())
            .map(str::to_string)
            .unwrap_or_default(),
    };
    Notice {
        title: format!("{mark} {action} {}", execution.status),
        body: plain_body(&text),
        urgency,
        execution_id: Some(execution.id.clone()),
        rerun: execution.is_final() && !execution.succeeded(),
    }
}

/// The notification for an announcement.
pub fn notice_for_announcement(route: &str, message: &str) -> Notice {
    Notice {
        title: format!("StackStorm ({route})"),
        body: plain_body(message),
        urgency: Urgency::Normal,
        execution_id: None,
        rerun: false,
    }
}

/// Where notices go.
pub trait Sink: Send + Sync + 'static {
    fn show(&self, notice: &Notice) -> Result<(), NotifyError>;
}

/// Called with the execution id when a notification's button (or its body,
/// the freedesktop "default" action, which is Open) is clicked.
pub type ActionHandler = Arc<dyn Fn(NoticeAction, String) + Send + Sync>;

/// The desktop's notification service (freedesktop Notifications on Linux).
#[derive(Clone, Default)]
pub struct DesktopSink {
    pub icon: Option<String>,
    on_action: Option<ActionHandler>,
    last_id: Arc<std::sync::atomic::AtomicU32>,
}

impl std::fmt::Debug for DesktopSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DesktopSink")
            .field("icon", &self.icon)
            .field("on_action", &self.on_action.is_some())
            .finish()
    }
}

impl DesktopSink {
    /// Listen for the buttons of notifications that carry an execution id.
    pub fn on_action(
        mut self,
        handler: impl Fn(NoticeAction, String) + Send + Sync + 'static,
    ) -> Self {
        self.on_action = Some(Arc::new(handler));
        self
    }

    /// The daemon's id of the last notification shown (0: none yet).
    pub fn last_id(&self) -> u32 {
        self.last_id.load(Ordering::Relaxed)
    }
}

impl Sink for DesktopSink {
    fn show(&self, n: &Notice) -> Result<(), NotifyError> {
        let mut d = notify_rust::Notification::new();
        d.appname(APP_NAME).summary(&n.title).body(&n.body);
        d.icon(self.icon.as_deref().unwrap_or("dialog-information"));
        #[cfg(all(unix, not(target_os = "macos")))]
        {
            d.urgency(match n.urgency {
                Urgency::Low => notify_rust::Urgency::Low,
                Urgency::Normal => notify_rust::Urgency::Normal,
                Urgency::Critical => notify_rust::Urgency::Critical,
            });
            if let Some(id) = &n.execution_id {
                d.action(OPEN_ACTION, "Open");
                if n.rerun {
                    d.action(RERUN_ACTION, "Re-run");
                }
                d.hint(notify_rust::Hint::Custom(
                    "x-stormdesk-execution".into(),
                    id.clone(),
                ));
            }
        }
        let handle = d.show().map_err(|e| NotifyError::Daemon(e.to_string()))?;
        #[cfg(all(unix, not(target_os = "macos")))]
        {
            self.last_id.store(handle.id(), Ordering::Relaxed);
            if let (Some(id), Some(act)) = (n.execution_id.clone(), self.on_action.clone()) {
                let rerun = n.rerun;
                // Waiting blocks until the notification is clicked or closed;
                // a thread per open notification, gone when it closes.
                let _ = std::thread::Builder::new()
                    .name("notification-action".into())
                    .spawn(move || {
                        handle.wait_for_action(|action| match action {
                            OPEN_ACTION | "default" => act(NoticeAction::Open, id),
                            RERUN_ACTION if rerun => act(NoticeAction::Rerun, id),
                            _ => {}
                        })
                    });
            }
        }
        #[cfg(not(all(unix, not(target_os = "macos"))))]
        drop(handle);
        Ok(())
    }
}

/// What the coalescer decided for one notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Show(Notice),
    Held,
}

/// Burst control, without a clock of its own (testable).
#[derive(Debug)]
pub struct Coalescer {
    pub max_in_window: usize,
    pub window: Duration,
    shown: VecDeque<Instant>,
    held: Vec<Notice>,
}

impl Default for Coalescer {
    fn default() -> Self {
        Self {
            max_in_window: 5,
            window: Duration::from_secs(2),
            shown: VecDeque::new(),
            held: Vec::new(),
        }
    }
}

impl Coalescer {
    pub fn offer(&mut self, n: Notice, now: Instant) -> Decision {
        while self
            .shown
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            self.shown.pop_front();
        }
        if self.held.is_empty() && self.shown.len() < self.max_in_window {
            self.shown.push_back(now);
            Decision::Show(n)
        } else {
            self.held.push(n);
            Decision::Held
        }
    }

    /// When the burst is over: one summary for everything held.
    pub fn flush(&mut self, now: Instant) -> Option<Notice> {
        if self.held.is_empty() {
            return None;
        }
        let held = std::mem::take(&mut self.held);
        self.shown.push_back(now);
        let failed = held
            .iter()
            .filter(|n| n.urgency == Urgency::Critical)
            .count();
        let mut lines: Vec<String> = held.iter().take(4).map(|n| n.title.clone()).collect();
        if held.len() > 4 {
            lines.push(format!("and {} more", held.len() - 4));
        }
        Some(Notice {
            title: format!(
                "{} more results{}",
                held.len(),
                if failed > 0 {
                    format!(", {failed} failed")
                } else {
                    String::new()
                }
            ),
            body: plain_body(&lines.join("\n")),
            urgency: if failed > 0 {
                Urgency::Critical
            } else {
                Urgency::Normal
            },
            execution_id: None,
            rerun: false,
        })
    }

    pub fn holding(&self) -> bool {
        !self.held.is_empty()
    }
}

/// The notifier task's handle.
pub struct NotifierHandle {
    tx: mpsc::Sender<Notice>,
    paused: Arc<AtomicBool>,
    cancel: CancellationToken,
    join: JoinHandle<()>,
}

impl NotifierHandle {
    /// Queue a notice; dropped (not queued) while paused.
    pub async fn notify(&self, n: Notice) {
        if !self.paused.load(Ordering::Relaxed) {
            let _ = self.tx.send(n).await;
        }
    }

    /// Do-not-disturb.
    pub fn set_paused(&self, paused: bool) {
        self.paused.store(paused, Ordering::Relaxed);
    }

    pub fn paused(&self) -> bool {
        self.paused.load(Ordering::Relaxed)
    }

    pub async fn stop(self) {
        drop(self.tx);
        self.cancel.cancel();
        let _ = self.join.await;
    }
}

/// Start the notifier: shows notices through `sink`, coalescing bursts.
pub fn spawn<S: Sink>(sink: S) -> NotifierHandle {
    let (tx, mut rx) = mpsc::channel::<Notice>(256);
    let cancel = CancellationToken::new();
    let token = cancel.clone();
    let sink = Arc::new(sink);
    let join = tokio::spawn(async move {
        let mut c = Coalescer::default();
        loop {
            let wait = if c.holding() {
                c.window
            } else {
                Duration::from_secs(3600)
            };
            tokio::select! {
                n = rx.recv() => match n {
                    Some(n) => {
                        if let Decision::Show(n) = c.offer(n, Instant::now()) {
                            show(&sink, n).await;
                        }
                    }
                    None => break,
                },
                _ = tokio::time::sleep(wait) => {
                    if let Some(summary) = c.flush(Instant::now()) {
                        show(&sink, summary).await;
                    }
                }
                _ = token.cancelled() => break,
            }
        }
        if let Some(summary) = c.flush(Instant::now()) {
            show(&sink, summary).await;
        }
    });
    NotifierHandle {
        tx,
        paused: Arc::new(AtomicBool::new(false)),
        cancel,
        join,
    }
}

async fn show<S: Sink>(sink: &Arc<S>, n: Notice) {
    let sink = Arc::clone(sink);
    // D-Bus calls block; keep them off the async workers.
    let r = tokio::task::spawn_blocking(move || sink.show(&n)).await;
    match r {
        Ok(Err(e)) => tracing::warn!(error = %e, "notification not shown"),
        Err(e) => tracing::warn!(error = %e, "notification task failed"),
        Ok(Ok(())) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn exec(status: &str, stdout: &str) -> Execution {
        serde_json::from_value(
            json!({"id": "e1", "status": status, "action": {"ref": "ops.echo"},
            "result": {"stdout": stdout}}),
        )
        .unwrap()
    }

    #[test]
    fn result_notices_are_plain_text_with_urgency_by_status() {
        let n = notice_for_result(&exec("failed", "<script>alert(1)</script>\nline2"), None);
        assert_eq!(n.title, "✖ ops.echo failed");
        assert_eq!(n.urgency, Urgency::Critical);
        assert_eq!(n.body, "&lt;script&gt;alert(1)&lt;/script&gt;\nline2");
        assert_eq!(n.execution_id.as_deref(), Some("e1"));
        let n = notice_for_result(&exec("succeeded", "ok"), Some("formatted message"));
        assert_eq!(n.urgency, Urgency::Normal);
        assert_eq!(n.body, "formatted message");
    }

    #[test]
    fn long_messages_keep_their_first_lines() {
        let text: String = (0..20).map(|i| format!("line {i}\n")).collect();
        let b = plain_body(&text);
        assert_eq!(b.lines().count(), 5);
        assert!(b.ends_with('…'));
        assert!(plain_body(&"x".repeat(5000)).chars().count() <= BODY_CHARS + 1);
    }

    #[test]
    fn a_burst_becomes_one_summary() {
        let mut c = Coalescer::default();
        let t0 = Instant::now();
        let mut shown = 0;
        for i in 0..12 {
            let n = notice_for_result(
                &exec(if i == 7 { "failed" } else { "succeeded" }, "x"),
                None,
            );
            if let Decision::Show(_) = c.offer(n, t0 + Duration::from_millis(i * 10)) {
                shown += 1;
            }
        }
        assert_eq!(shown, 5);
        let s = c.flush(t0 + Duration::from_secs(3)).unwrap();
        assert_eq!(s.title, "7 more results, 1 failed");
        assert_eq!(s.urgency, Urgency::Critical);
        assert!(s.body.contains("and 3 more"));
        assert!(c.flush(t0 + Duration::from_secs(4)).is_none());
        // After the window, notices show again one by one.
        assert!(matches!(
            c.offer(
                notice_for_announcement("r", "m"),
                t0 + Duration::from_secs(10)
            ),
            Decision::Show(_)
        ));
    }
}
