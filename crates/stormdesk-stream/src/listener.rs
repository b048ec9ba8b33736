//! The stream listener: one long-running task per profile that stays
//! connected through anything a network does to it.
//!
//! - A watchdog reconnects when nothing, not even a heartbeat, arrives for
//!   twice the heartbeat interval.
//! - Reconnects back off exponentially with jitter, up to a cap.
//! - A 401 renews a password-based token (the client does that) and
//!   reconnects; with a fixed token or key it reports `AuthFailed` and keeps
//!   retrying slowly, in case the credentials are replaced.
//! - A malformed frame or JSON is logged and skipped.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use stormdesk_client::{ClientError, St2Client, StreamResponse};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::event::{decode, StreamEvent, ANNOUNCEMENT_PREFIX};
use crate::sse::{Frame, SseDecoder};

/// Observable connection state, for the tray icon and the CLI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ConnectionState {
    Connecting {
        attempt: u32,
    },
    Live,
    BackingOff {
        attempt: u32,
        retry_in_ms: u64,
        reason: String,
    },
    AuthFailed {
        message: String,
    },
    Stopped,
}

#[derive(Debug, Clone)]
pub struct ListenerConfig {
    /// Event names to subscribe to (the `events` filter).
    pub events: Vec<String>,
    /// StackStorm's heartbeat interval (`stream.heartbeat`, 25 s by default).
    pub heartbeat: Duration,
    pub backoff_initial: Duration,
    pub backoff_max: Duration,
    /// A connection that lasted this long was healthy: the next loss starts
    /// the back-off afresh. One that ends sooner (a server that accepts and
    /// closes) keeps backing off.
    pub healthy_after: Duration,
}

impl ListenerConfig {
    /// Announcements on `route` and every execution create/update; for a
    /// personal route (`stormdesk-<id>`), also the shared `stormdesk`
    /// route's, which carries broadcasts.
    pub fn for_route(route: &str) -> Self {
        let shared = stormdesk_client::config::DEFAULT_ROUTE;
        let mut events = vec![format!("{ANNOUNCEMENT_PREFIX}{route}")];
        if route
            .strip_prefix(shared)
            .is_some_and(|rest| rest.starts_with('-'))
        {
            events.push(format!("{ANNOUNCEMENT_PREFIX}{shared}"));
        }
        events.extend([
            "st2.execution__create".into(),
            "st2.execution__update".into(),
        ]);
        Self {
            events,
            heartbeat: Duration::from_secs(25),
            backoff_initial: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            healthy_after: Duration::from_secs(25),
        }
    }
}

/// What the listener tells its consumer.
#[derive(Debug, Clone, PartialEq)]
pub enum ListenerEvent {
    /// Connected; `reconnect` is false the first time only.
    Connected {
        reconnect: bool,
    },
    Event(StreamEvent),
    Disconnected {
        reason: String,
    },
}

/// Counters, for tests and diagnostics.
#[derive(Debug, Default)]
pub struct ListenerStats {
    pub connects: AtomicU64,
    pub malformed: AtomicU64,
    pub heartbeats: AtomicU64,
    pub watchdog_trips: AtomicU64,
}

/// The running listener. Dropping it does not stop it: call [`stop`].
///
/// [`stop`]: ListenerHandle::stop
pub struct ListenerHandle {
    state: watch::Receiver<ConnectionState>,
    cancel: CancellationToken,
    join: JoinHandle<()>,
    pub stats: Arc<ListenerStats>,
}

impl ListenerHandle {
    pub fn state(&self) -> watch::Receiver<ConnectionState> {
        self.state.clone()
    }

    /// Stop and wait for the task to end.
    pub async fn stop(self) {
        self.cancel.cancel();
        let _ = self.join.await;
    }
}

/// The delay before reconnect attempt `attempt` (1-based): exponential,
/// capped, with jitter in its upper half so clients do not reconnect in step.
pub fn backoff(config: &ListenerConfig, attempt: u32) -> Duration {
    let exp = config
        .backoff_initial
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
    let capped = exp.min(config.backoff_max);
    let half = capped / 2;
    half + capped.mul_f64(rand::random::<f64>() * 0.5)
}

/// Start listening. Events go to `tx`; the task ends when `cancel` fires or
/// `tx` is closed.
pub fn spawn(
    client: Arc<St2Client>,
    config: ListenerConfig,
    tx: mpsc::Sender<ListenerEvent>,
    cancel: CancellationToken,
) -> ListenerHandle {
    let (state_tx, state_rx) = watch::channel(ConnectionState::Connecting { attempt: 0 });
    let stats = Arc::new(ListenerStats::default());
    let task = Listener {
        client,
        config,
        tx,
        cancel: cancel.clone(),
        state: state_tx,
        stats: Arc::clone(&stats),
    };
    let join = tokio::spawn(task.run());
    ListenerHandle {
        state: state_rx,
        cancel,
        join,
        stats,
    }
}

struct Listener {
    client: Arc<St2Client>,
    config: ListenerConfig,
    tx: mpsc::Sender<ListenerEvent>,
    cancel: CancellationToken,
    state: watch::Sender<ConnectionState>,
    stats: Arc<ListenerStats>,
}

enum Ended {
    Cancelled,
    ConsumerGone,
    Lost(String),
}

impl Listener {
    async fn run(self) {
        let mut attempt: u32 = 0;
        loop {
            if self.cancel.is_cancelled() {
                break;
            }
            let _ = self.state.send(ConnectionState::Connecting { attempt });
            let opened = tokio::select! {
                _ = self.cancel.cancelled() => break,
                r = self.client.open_stream(&self.config.events) => r,
            };
            let reason = match opened {
                Ok(resp) => {
                    let opened_at = tokio::time::Instant::now();
                    let n = self.stats.connects.fetch_add(1, Ordering::Relaxed);
                    let _ = self.state.send(ConnectionState::Live);
                    if self
                        .tx
                        .send(ListenerEvent::Connected { reconnect: n > 0 })
                        .await
                        .is_err()
                    {
                        break;
                    }
                    match self.read(resp).await {
                        Ended::Cancelled | Ended::ConsumerGone => break,
                        Ended::Lost(reason) => {
                            if opened_at.elapsed() >= self.config.healthy_after {
                                attempt = 0;
                            }
                            tracing::info!(%reason, "stream lost; reconnecting");
                            if self
                                .tx
                                .send(ListenerEvent::Disconnected {
                                    reason: reason.clone(),
                                })
                                .await
                                .is_err()
                            {
                                break;
                            }
                            reason
                        }
                    }
                }
                Err(ClientError::Unauthorized(message)) => {
                    tracing::warn!(%message, "stream refused the credentials");
                    let _ = self.state.send(ConnectionState::AuthFailed { message });
                    // Keep trying, slowly: the credentials may be replaced.
                    tokio::select! {
                        _ = self.cancel.cancelled() => break,
                        _ = tokio::time::sleep(self.config.backoff_max) => {}
                    }
                    continue;
                }
                Err(e) => e.to_string(),
            };
            attempt = attempt.saturating_add(1);
            let delay = backoff(&self.config, attempt);
            let _ = self.state.send(ConnectionState::BackingOff {
                attempt,
                retry_in_ms: delay.as_millis() as u64,
                reason,
            });
            tokio::select! {
                _ = self.cancel.cancelled() => break,
                _ = tokio::time::sleep(delay) => {}
            }
        }
        let _ = self.state.send(ConnectionState::Stopped);
    }

    async fn read(&self, mut resp: StreamResponse) -> Ended {
        let mut decoder = SseDecoder::new();
        let watchdog = self.config.heartbeat * 2;
        loop {
            let chunk = tokio::select! {
                _ = self.cancel.cancelled() => return Ended::Cancelled,
                r = tokio::time::timeout(watchdog, resp.chunk()) => r,
            };
            let bytes = match chunk {
                Err(_) => {
                    self.stats.watchdog_trips.fetch_add(1, Ordering::Relaxed);
                    return Ended::Lost(format!(
                        "nothing from the server for {} s, not even a heartbeat",
                        watchdog.as_secs_f64()
                    ));
                }
                Ok(Err(e)) => return Ended::Lost(format!("connection failed: {e}")),
                Ok(Ok(None)) => return Ended::Lost("the server closed the stream".into()),
                Ok(Ok(Some(b))) => b,
            };
            for frame in decoder.feed(&bytes) {
                match frame {
                    Frame::Heartbeat => {
                        self.stats.heartbeats.fetch_add(1, Ordering::Relaxed);
                    }
                    Frame::Malformed(what) => {
                        self.stats.malformed.fetch_add(1, Ordering::Relaxed);
                        tracing::warn!(%what, "skipping a malformed stream frame");
                    }
                    Frame::Event { name, data } => match decode(&name, &data) {
                        Ok(ev) => {
                            if self.tx.send(ListenerEvent::Event(ev)).await.is_err() {
                                return Ended::ConsumerGone;
                            }
                        }
                        Err(e) => {
                            self.stats.malformed.fetch_add(1, Ordering::Relaxed);
                            tracing::warn!(error = %e, "skipping an event that does not decode");
                        }
                    },
                }
            }
        }
    }
}
