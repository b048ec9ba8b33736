//! `stormdesk-cli desk`: the desk without a window. `serve` keeps one
//! running (the stream, notifications, the relay, history) and answers on
//! its local socket; `call` and `events` are a front end for it, the same
//! commands and events the pane uses.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use serde_json::Value;
use stormdesk_desk::commands::{carries_secret, NAMES};
use stormdesk_desk::commands::{Commands, HeadlessShell};
use stormdesk_desk::host::{event_channel, system_store, Host, HostOptions, StartMode};
use stormdesk_desk::link::{default_socket_path, LinkClient, LinkServer};
use stormdesk_notify::DesktopSink;

use crate::output::{json_line, CliError, Out};

fn refused(e: stormdesk_desk::DeskError) -> CliError {
    CliError::Desk(e.into())
}

/// Run the desk until Ctrl-C or SIGTERM. The socket is taken before
/// anything starts: a second desk refuses rather than run a second stream
/// and relay.
pub async fn serve(out: &Out, demo: bool, socket: Option<PathBuf>) -> Result<ExitCode, CliError> {
    let options = HostOptions::for_this_user()
        .ok_or_else(|| CliError::Usage("no data directory on this system".into()))?;
    let (clicked, clicks) = tokio::sync::mpsc::unbounded_channel();
    let sink = DesktopSink::default().on_action(move |action, execution_id| {
        let _ = clicked.send((action, execution_id));
    });
    let host = Host::new(options, system_store(), sink, event_channel());
    let path = socket.unwrap_or_else(default_socket_path);
    let server = LinkServer::bind(
        &path,
        Commands::new(Arc::clone(&host), Arc::new(HeadlessShell)),
    )
    .await
    .map_err(refused)?;
    host.start(if demo {
        StartMode::Demo
    } else {
        StartMode::Auto
    })
    .await;
    tokio::spawn(Arc::clone(&host).handle_notice_actions(clicks));
    let status = host.status().ok();
    out.line(format!(
        "desk: {} at {} (Ctrl-C stops it)",
        status
            .as_ref()
            .map_or("not configured".to_owned(), |s| format!(
                "profile {}",
                s.profile
            )),
        path.display()
    ));
    out.record(&serde_json::json!({"listening": path, "profile": status.map(|s| s.profile)}));
    crate::sim::wait_for_stop().await;
    server.stop().await;
    host.shutdown().await;
    Ok(ExitCode::SUCCESS)
}

/// Run one command in the running desk and print its result (JSON).
/// `args` is a JSON object, or `-` to read it from standard input: the
/// commands that take a secret refuse it on the command line, where every
/// user's process list would show it.
pub async fn call(
    out: &Out,
    socket: Option<PathBuf>,
    command: &str,
    args: Option<&str>,
) -> Result<ExitCode, CliError> {
    let text = match args {
        Some("-") => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| CliError::Usage(format!("cannot read the arguments: {e}")))?;
            s
        }
        Some(_) if NAMES.contains(&command) && carries_secret(command) => {
            return Err(CliError::Usage(format!(
                "{command} takes a secret: give its arguments on standard input ('-'), not the command line"
            )))
        }
        Some(a) => a.to_owned(),
        None => "{}".to_owned(),
    };
    let args: Value = serde_json::from_str(&text)
        .map_err(|e| CliError::Usage(format!("the arguments are not JSON: {e}")))?;
    if !args.is_object() {
        return Err(CliError::Usage(
            "the arguments are a JSON object, e.g. '{\"text\": \"pack list\", \"confirmed\": false}'".into(),
        ));
    }
    let (events, _ignored) = tokio::sync::mpsc::unbounded_channel();
    let client = connect(socket, events).await?;
    let result = client.call(command, args).await.map_err(CliError::Desk)?;
    if out.json {
        out.record(&result);
    } else {
        out.line(serde_json::to_string_pretty(&result).unwrap_or_default());
    }
    Ok(ExitCode::SUCCESS)
}

/// Print the desk's events, one JSON object per line, until it stops.
pub async fn events(socket: Option<PathBuf>) -> Result<ExitCode, CliError> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let _client = connect(socket, tx).await?;
    while let Some(ev) = rx.recv().await {
        println!("{}", json_line(&ev));
    }
    Err(CliError::Desk(stormdesk_desk::ipc::IpcError::new(
        stormdesk_desk::ErrorKind::Desk,
        "the desk stopped",
    )))
}

async fn connect(
    socket: Option<PathBuf>,
    events: tokio::sync::mpsc::UnboundedSender<Value>,
) -> Result<LinkClient, CliError> {
    let path = socket.unwrap_or_else(default_socket_path);
    LinkClient::connect(&path, events).await.map_err(refused)
}
