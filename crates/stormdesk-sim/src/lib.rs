//! A faithful, loopback-only stand-in for StackStorm: st2auth, st2api's alias
//! and execution endpoints, the chatops pack's announcements and st2stream, on
//! one port. Used by every test and by Stormdesk's demo mode.
//!
//! ```no_run
//! # async fn demo() -> Result<(), stormdesk_sim::SimError> {
//! let sim = stormdesk_sim::Simulator::start(stormdesk_sim::SimConfig::default()).await?;
//! println!("StackStorm at {}", sim.base_url());
//! # Ok(()) }
//! ```

mod control;
mod http;
pub mod packs;
pub mod state;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpSocket;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use packs::PackSet;
pub use state::{output, ApiError, Faults, SimState, StreamEvent};

pub const DEMO_USER: &str = "st2admin";
pub const DEMO_PASSWORD: &str = "Ch@ngeMe";
pub const FINAL_STATUSES: [&str; 5] = ["succeeded", "failed", "timeout", "abandoned", "canceled"];

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("the simulator only listens on loopback; {0} is not a loopback address")]
    NotLoopback(SocketAddr),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("packs: {0}")]
    Packs(String),
}

/// How the simulator behaves.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Must be a loopback address; port 0 picks a free one.
    pub listen: SocketAddr,
    pub packs: PackSet,
    /// Idle time after which the stream sends a blank-line heartbeat.
    pub heartbeat: Duration,
    /// Multiplies every simulated action's duration (0 finishes at once).
    pub time_scale: f64,
    /// Default token lifetime in seconds, and the most a client may ask for.
    pub token_ttl: u64,
    pub max_token_ttl: u64,
    /// (user, password)
    pub users: Vec<(String, String)>,
    /// (api key, user)
    pub api_keys: Vec<(String, String)>,
    /// Whether the `stormdesk` pack's notify rule is installed: without it,
    /// as on a real StackStorm with only the chatops pack, executions on a
    /// `stormdesk` route get no announcement.
    pub stormdesk_pack: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            packs: PackSet::demo(),
            heartbeat: Duration::from_secs(25),
            time_scale: 1.0,
            token_ttl: 86_400,
            max_token_ttl: 86_400 * 30,
            users: vec![(DEMO_USER.into(), DEMO_PASSWORD.into())],
            api_keys: vec![],
            stormdesk_pack: true,
        }
    }
}

/// A running simulator. Dropping it stops the server.
pub struct Simulator {
    state: Arc<SimState>,
    addr: SocketAddr,
    server: Option<(CancellationToken, JoinHandle<()>)>,
}

impl Simulator {
    pub async fn start(config: SimConfig) -> Result<Self, SimError> {
        if !config.listen.ip().is_loopback() {
            return Err(SimError::NotLoopback(config.listen));
        }
        let listen = config.listen;
        let state = SimState::new(config);
        let mut sim = Self {
            state,
            addr: listen,
            server: None,
        };
        sim.serve(listen).await?;
        Ok(sim)
    }

    async fn serve(&mut self, addr: SocketAddr) -> Result<(), SimError> {
        let bind_err = |source| SimError::Bind { addr, source };
        let socket = if addr.is_ipv4() {
            TcpSocket::new_v4()
        } else {
            TcpSocket::new_v6()
        }
        .map_err(bind_err)?;
        // Restarting on the same port must not wait out TIME_WAIT.
        socket.set_reuseaddr(true).map_err(bind_err)?;
        socket.bind(addr).map_err(bind_err)?;
        let listener = socket.listen(1024).map_err(bind_err)?;
        self.addr = listener.local_addr().map_err(bind_err)?;
        self.state.set_base_url(format!("http://{}", self.addr));
        let shutdown = CancellationToken::new();
        let app = http::App {
            state: Arc::clone(&self.state),
            shutdown: shutdown.clone(),
        };
        // StackStorm's router accepts `/path/` as `/path` (the st2 CLI sends both).
        let router = tower::Layer::layer(
            &tower_http::normalize_path::NormalizePathLayer::trim_trailing_slash(),
            http::router(app),
        );
        let router = axum::ServiceExt::<axum::extract::Request>::into_make_service(router);
        let token = shutdown.clone();
        let handle = tokio::spawn(async move {
            let served = axum::serve(listener, router)
                .with_graceful_shutdown(async move { token.cancelled().await })
                .await;
            if let Err(e) = served {
                tracing::error!(error = %e, "simulator server stopped");
            }
        });
        self.server = Some((shutdown, handle));
        Ok(())
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`: auth, api and stream all answer under it.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn state(&self) -> &Arc<SimState> {
        &self.state
    }

    pub fn faults(&self) -> &Faults {
        &self.state.faults
    }

    /// Stop answering: close the listener and every open connection.
    /// Executions in flight go on, as they would on a real StackStorm.
    pub async fn stop(&mut self) {
        if let Some((token, handle)) = self.server.take() {
            token.cancel();
            let _ = tokio::time::timeout(Duration::from_secs(5), handle).await;
        }
    }

    /// Listen again on the same port, with the same state.
    pub async fn restart(&mut self) -> Result<(), SimError> {
        self.stop().await;
        self.serve(self.addr).await
    }

    /// Stop the server and every simulated execution.
    pub async fn shutdown(mut self) {
        self.state.lifetime.cancel();
        self.stop().await;
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.state.lifetime.cancel();
        if let Some((token, _)) = self.server.take() {
            token.cancel();
        }
    }
}
