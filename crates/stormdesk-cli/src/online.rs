//! Commands that talk to StackStorm (or run the simulator).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use serde_json::{json, Value};
use stormdesk_client::model::{Execution, MatchAndExecuteRequest};
use stormdesk_client::{AuthKind, ConfigSources, Credentials, Profile, Secret, St2Client};
use stormdesk_sim::{PackSet, SimConfig, Simulator};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};

use crate::output::{CliError, Out};

/// What every online command needs to find its profile.
pub struct Context {
    pub profile: Option<String>,
    pub skip_config: bool,
}

impl Context {
    pub fn client_and_profile(&self) -> Result<(St2Client, Profile), CliError> {
        let mut sources = ConfigSources::from_system();
        if self.skip_config {
            sources = sources.skip_st2_file();
        }
        let (profile, secrets) = sources.load(self.profile.as_deref())?;
        // Where before who: "no URL" is the clearer first complaint.
        profile.endpoints()?;
        // Precedence as the st2 CLI: a token, then an API key, then a password.
        let creds = if let Some(t) = secrets.token {
            Credentials::Token(t)
        } else if let Some(k) = secrets.api_key {
            Credentials::ApiKey(k)
        } else {
            match (&profile.username, secrets.password, profile.auth) {
                (Some(u), Some(p), AuthKind::Password) => Credentials::Password {
                    username: u.clone(),
                    password: p,
                },
                _ => {
                    return Err(CliError::Client(
                        stormdesk_client::ClientError::NoCredentials(profile.name.clone()),
                    ))
                }
            }
        };
        Ok((St2Client::new(&profile, creds)?, profile))
    }

    /// Whether `e` only says that no server was configured at all.
    pub fn nothing_configured(&self, e: &stormdesk_client::ClientError) -> bool {
        matches!(e, stormdesk_client::ClientError::Config(m) if m.contains("has no StackStorm URL"))
    }

    pub fn client(&self) -> Result<St2Client, CliError> {
        self.client_and_profile().map(|(c, _)| c)
    }
}

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

async fn wait_for_stop() {
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

pub async fn aliases(
    out: &Out,
    client: &St2Client,
    pack: Option<&str>,
    filter: Option<&str>,
) -> Result<ExitCode, CliError> {
    let help = client.alias_help(filter, pack, 0, 0).await?;
    if out.json {
        out.record(&serde_json::to_value(&help).unwrap_or(Value::Null));
        return Ok(ExitCode::SUCCESS);
    }
    let mut current = "";
    for h in &help.helpstrings {
        if h.pack != current {
            out.line(format!("{}:", h.pack));
            current = &h.pack;
        }
        match h.description.as_deref().filter(|d| !d.is_empty()) {
            Some(d) => out.line(format!("  {:<44} {d}", h.display)),
            None => out.line(format!("  {}", h.display)),
        }
    }
    if help.helpstrings.is_empty() {
        out.line("no aliases");
    }
    Ok(ExitCode::SUCCESS)
}

/// The readable result of an execution: its text fields, or its JSON.
pub fn result_text(e: &Execution) -> String {
    let mut parts = Vec::new();
    for k in ["stdout", "result", "output", "body", "stderr"] {
        if let Some(s) = e.result.get(k).and_then(Value::as_str) {
            if !s.trim().is_empty() {
                parts.push(if k == "stderr" {
                    format!("stderr: {}", s.trim_end())
                } else {
                    s.trim_end().to_string()
                });
            }
        }
    }
    if parts.is_empty() && !e.result.is_null() {
        parts.push(serde_json::to_string_pretty(&e.result).unwrap_or_default());
    }
    parts.join("\n")
}

pub async fn exec(
    out: &Out,
    client: &St2Client,
    profile: &Profile,
    command: &str,
    wait: bool,
    timeout: u64,
) -> Result<ExitCode, CliError> {
    let command = command.trim();
    if command.is_empty() {
        return Err(CliError::Usage("no command given".into()));
    }
    let req = MatchAndExecuteRequest {
        command: command.to_string(),
        user: profile
            .username
            .clone()
            .unwrap_or_else(|| "stormdesk".into()),
        source_channel: "stormdesk-cli".into(),
        notification_channel: None,
        notification_route: Some(profile.stream_route.clone()),
        source_context: None,
    };
    let results = client.match_and_execute(&req).await?;
    let mut failed = Vec::new();
    for r in &results {
        let ack = &r.actionalias.ack;
        let ack_enabled = ack
            .as_ref()
            .and_then(|a| a.get("enabled"))
            .and_then(Value::as_bool)
            .unwrap_or(true);
        let append_url = ack
            .as_ref()
            .and_then(|a| a.get("append_url"))
            .and_then(Value::as_bool)
            .unwrap_or(true);
        let url = r.execution.web_url.clone().unwrap_or_default();
        out.record(&json!({"event": "ack", "execution": r.execution.id, "alias": r.actionalias.reference(), "message": r.message, "web_url": url}));
        if ack_enabled {
            match (&r.message, append_url) {
                (Some(m), true) => out.line(format!("{m}\n  {url}")),
                (Some(m), false) => out.line(m),
                (None, _) => out.line(format!("details available at {url}")),
            }
        }
        if wait {
            let e = client
                .wait_for_execution(&r.execution.id, Duration::from_secs(timeout))
                .await?;
            out.record(&json!({"event": "result", "execution": e.id, "status": e.status, "result": e.result}));
            out.line(format!("[{}] {} {}", e.status, e.action_ref(), e.id));
            let text = result_text(&e);
            if !text.is_empty() {
                out.line(text);
            }
            if !e.succeeded() {
                failed.push(format!("{} {}", e.id, e.status));
            }
        } else {
            out.line(format!(
                "execution {} {}",
                r.execution.id, r.execution.status
            ));
        }
    }
    if failed.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        Err(CliError::Failed(format!(
            "execution did not succeed: {}",
            failed.join(", ")
        )))
    }
}

pub async fn execution_get(out: &Out, client: &St2Client, id: &str) -> Result<ExitCode, CliError> {
    let e = client.get_execution(id).await?;
    if out.json {
        out.record(&serde_json::to_value(&e).unwrap_or(Value::Null));
    } else {
        out.line(format!(
            "id: {}\naction: {}\nstatus: {}",
            e.id,
            e.action_ref(),
            e.status
        ));
        if let Some(s) = &e.start_timestamp {
            out.line(format!("started: {s}"));
        }
        if let Some(s) = &e.end_timestamp {
            out.line(format!("ended: {s}"));
        }
        if let Some(u) = &e.web_url {
            out.line(format!("web_url: {u}"));
        }
        out.line(format!(
            "parameters: {}",
            Value::Object(e.parameters.clone())
        ));
        let text = result_text(&e);
        if !text.is_empty() {
            out.line(format!("result:\n{text}"));
        }
    }
    Ok(ExitCode::SUCCESS)
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
    let mut profile = Profile::for_base_url("demo", &sim.base_url());
    profile.username = Some(stormdesk_sim::DEMO_USER.into());
    let client = St2Client::new(
        &profile,
        Credentials::Password {
            username: stormdesk_sim::DEMO_USER.into(),
            password: Secret::new(stormdesk_sim::DEMO_PASSWORD),
        },
    )?;
    out.line(format!(
        "Stormdesk demo: a simulated StackStorm at {} with the demo packs.\nTry: genpass, deploy web to prod, restart nginx on web1, ping db-down.",
        sim.base_url()
    ));
    let r = shell(out, &client, &profile).await;
    sim.shutdown().await;
    r
}

/// Read commands line by line until EOF or `quit`; a failed command is
/// reported and the session goes on.
pub async fn shell(out: &Out, client: &St2Client, profile: &Profile) -> Result<ExitCode, CliError> {
    out.line("Type a command, `help` for every alias, `quit` to leave.");
    let stdin = tokio::io::BufReader::new(tokio::io::stdin());
    let mut lines = stdin.lines();
    let mut stdout = tokio::io::stdout();
    loop {
        if !out.json {
            let _ = stdout.write_all(b"st2> ").await;
            let _ = stdout.flush().await;
        }
        let line = match lines.next_line().await {
            Ok(Some(l)) => l,
            Ok(None) => break,
            Err(e) => return Err(CliError::Usage(format!("cannot read input: {e}"))),
        };
        let line = line.trim();
        let result = match line {
            "" => continue,
            "quit" | "exit" => break,
            "help" | "?" => aliases(out, client, None, None).await,
            cmd => {
                exec(
                    out,
                    client,
                    profile,
                    cmd.strip_prefix("!st2 ").unwrap_or(cmd),
                    true,
                    600,
                )
                .await
            }
        };
        if let Err(e) = result {
            let _ = out.fail(&e);
        }
    }
    Ok(ExitCode::SUCCESS)
}
