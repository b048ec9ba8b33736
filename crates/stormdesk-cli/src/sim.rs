//! `sim` and `demo`: the simulator in the foreground, and a demo shell against it.

use crate::output::{CliError, Out};
use crate::shell::shell;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use stormdesk_client::{Profile, Secret, St2Client};
use stormdesk_sim::{PackSet, SimConfig, Simulator};

pub async fn sim(
    out: &Out,
    listen: SocketAddr,
    packs: Option<PathBuf>,
    time_scale: f64,
    heartbeat: u64,
    api_keys: Vec<String>,
) -> Result<ExitCode, CliError> {
    let packs = match packs {
        Some(dir) => PackSet::load_dir(&dir).map_err(|e| CliError::Usage(e.to_string()))?,
        None => PackSet::demo(),
    };
    if !(time_scale >= 0.0 && time_scale.is_finite()) {
        return Err(CliError::Usage("--time-scale must be a number ≥ 0".into()));
    }
    let config = SimConfig {
        listen,
        packs,
        time_scale,
        heartbeat: Duration::from_secs(heartbeat.max(1)),
        api_keys: api_keys
            .into_iter()
            .map(|k| (k, stormdesk_sim::DEMO_USER.to_string()))
            .collect(),
        ..SimConfig::default()
    };
    let sim = Simulator::start(config)
        .await
        .map_err(|e| CliError::Usage(e.to_string()))?;
    // The base URL is the first line, for scripts that start us.
    println!("{}", sim.base_url());
    if !out.json {
        eprintln!(
            "StackStorm simulator on {url} (auth {url}/auth/v1, api {url}/api/v1, stream {url}/stream/v1); user {} / password {}. Ctrl-C stops it.",
            stormdesk_sim::DEMO_USER,
            stormdesk_sim::DEMO_PASSWORD,
            url = sim.base_url()
        );
    }
    wait_for_stop().await;
    sim.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

/// Until Ctrl-C or SIGTERM.
pub(crate) async fn wait_for_stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// An interactive session against a built-in simulator: the README's run
/// command until the tray app exists.
pub async fn demo(out: &Out, time_scale: f64) -> Result<ExitCode, CliError> {
    let sim = Simulator::start(SimConfig {
        time_scale,
        ..SimConfig::default()
    })
    .await
    .map_err(|e| CliError::Usage(e.to_string()))?;
    let (profile, creds) = Profile::with_password(
        "demo",
        &sim.base_url(),
        stormdesk_sim::DEMO_USER,
        Secret::new(stormdesk_sim::DEMO_PASSWORD),
    );
    let client = Arc::new(St2Client::new(&profile, creds)?);
    out.line(format!(
        "Stormdesk demo: a simulated StackStorm at {} with the demo packs.\nTry: genpass, deploy web to prod, restart nginx on web1, ping db-down.",
        sim.base_url()
    ));
    let r = shell(out, &client, &profile).await;
    sim.shutdown().await;
    r
}
