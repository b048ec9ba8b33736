//! A listener and a tracker wired together: the stream side of Stormdesk for
//! one profile, as one task with a handle.

use std::sync::Arc;

use stormdesk_client::St2Client;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::listener::{spawn, ConnectionState, ListenerConfig, ListenerEvent, ListenerHandle};
use crate::tracker::{Delivery, InquiryScope, Tracker};

enum Control {
    Expect(String),
    Scope(InquiryScope),
    Track {
        execution_id: String,
        request: Option<String>,
    },
}

/// A cloneable handle for telling the session what to follow.
#[derive(Clone)]
pub struct SessionControl {
    control: mpsc::Sender<Control>,
}

impl SessionControl {
    pub fn control(&self) -> SessionControl {
        SessionControl {
            control: self.control.clone(),
        }
    }

    pub async fn expect(&self, request: &str) {
        let _ = self
            .control
            .send(Control::Expect(request.to_string()))
            .await;
    }

    /// Which inquiries to deliver from now on.
    pub async fn set_inquiry_scope(&self, scope: InquiryScope) {
        let _ = self.control.send(Control::Scope(scope)).await;
    }

    pub async fn track(&self, execution_id: &str, request: Option<&str>) {
        let _ = self
            .control
            .send(Control::Track {
                execution_id: execution_id.to_string(),
                request: request.map(str::to_string),
            })
            .await;
    }
}

/// The running stream session.
pub struct StreamSession {
    deliveries: mpsc::Receiver<Delivery>,
    control: mpsc::Sender<Control>,
    listener: ListenerHandle,
    task: JoinHandle<()>,
    cancel: CancellationToken,
}

impl StreamSession {
    /// Every inquiry on the server is delivered (a listener's view).
    pub fn start(client: Arc<St2Client>, config: ListenerConfig) -> Self {
        Self::start_scoped(
            client,
            config,
            InquiryScope {
                user: None,
                all: true,
            },
        )
    }

    /// Only the inquiries `scope` shows are delivered, from the first
    /// backfill on (`SessionControl::set_inquiry_scope` changes it later).
    pub fn start_scoped(
        client: Arc<St2Client>,
        config: ListenerConfig,
        scope: InquiryScope,
    ) -> Self {
        let cancel = CancellationToken::new();
        let (ev_tx, mut ev_rx) = mpsc::channel::<ListenerEvent>(1024);
        let listener = spawn(Arc::clone(&client), config, ev_tx, cancel.child_token());
        let (out_tx, deliveries) = mpsc::channel::<Delivery>(1024);
        let (control, mut control_rx) = mpsc::channel::<Control>(256);
        let token = cancel.clone();
        let task = tokio::spawn(async move {
            let mut tracker = Tracker::new(Some(client));
            tracker.set_inquiry_scope(scope);
            loop {
                let out = tokio::select! {
                    _ = token.cancelled() => break,
                    c = control_rx.recv() => match c {
                        Some(Control::Expect(r)) => { tracker.expect(&r); vec![] }
                        // Those it shows now that it did not are listed at once.
                        Some(Control::Scope(s)) => { tracker.set_inquiry_scope(s); tracker.backfill().await }
                        Some(Control::Track { execution_id, request }) => tracker.track(&execution_id, request.as_deref()),
                        None => break,
                    },
                    e = ev_rx.recv() => match e {
                        Some(e) => tracker.handle(e).await,
                        None => break,
                    },
                };
                for d in out {
                    if out_tx.send(d).await.is_err() {
                        return;
                    }
                }
            }
        });
        Self {
            deliveries,
            control,
            listener,
            task,
            cancel,
        }
    }

    pub fn state(&self) -> watch::Receiver<ConnectionState> {
        self.listener.state()
    }

    pub fn stats(&self) -> &crate::listener::ListenerStats {
        &self.listener.stats
    }

    /// Wait until the stream is live (or `timeout` passes).
    pub async fn wait_live(&self, timeout: std::time::Duration) -> bool {
        let mut st = self.state();
        tokio::time::timeout(timeout, st.wait_for(|s| *s == ConnectionState::Live))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    pub fn control(&self) -> SessionControl {
        SessionControl {
            control: self.control.clone(),
        }
    }

    pub async fn expect(&self, request: &str) {
        self.control().expect(request).await;
    }

    pub async fn track(&self, execution_id: &str, request: Option<&str>) {
        self.control().track(execution_id, request).await;
    }

    /// The next delivery; None once stopped.
    pub async fn next(&mut self) -> Option<Delivery> {
        self.deliveries.recv().await
    }

    pub async fn stop(self) {
        self.cancel.cancel();
        self.listener.stop().await;
        let _ = self.task.await;
    }
}
