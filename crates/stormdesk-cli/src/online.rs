//! Commands that talk to StackStorm (or run the simulator).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use serde_json::{json, Value};
use std::sync::Arc;

use stormdesk_alias::render::alias_result_text;
use stormdesk_client::model::Execution;
use stormdesk_client::ClientError;
use stormdesk_client::{new_request_id, Ack};
use stormdesk_client::{AliasCache, CommandRequest};
use stormdesk_client::{ConfigSources, Profile, Secret, St2Client};
use stormdesk_history::{AnnouncementData, History, NewEntry, Payload, Via};
use stormdesk_routing::Route;
use stormdesk_sim::{PackSet, SimConfig, Simulator};
use stormdesk_stream::{
    follow_output, ConnectionState, Delivery, ListenerConfig, ListenerEvent, OutputChunk,
    StreamEvent, StreamSession,
};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

use crate::output::{printable, CliError, Out};

/// What every online command needs to find its profile.
pub struct Context {
    pub profile: Option<String>,
    pub skip_config: bool,
}

/// One warning on stderr per plain-http StackStorm origin off this machine.
pub fn warn_plain_http(endpoints: &stormdesk_client::config::Endpoints) {
    let mut warned = Vec::new();
    for u in [&endpoints.api, &endpoints.auth, &endpoints.stream] {
        if let Some(w) = stormdesk_client::config::plain_http_warning(u) {
            if !warned.contains(&w) {
                eprintln!("stormdesk-cli: warning: {w}");
                warned.push(w);
            }
        }
    }
}

impl Context {
    fn sources(&self) -> ConfigSources {
        let sources = ConfigSources::from_system();
        if self.skip_config {
            sources.skip_st2_file()
        } else {
            sources
        }
    }

    /// The profile and a client for it. Secrets come from the environment
    /// or the st2 CLI's file as the st2 CLI takes them, else from the keyring.
    pub async fn client_and_profile(&self) -> Result<(Arc<St2Client>, Profile), CliError> {
        let (profile, secrets) = self.sources().load(self.profile.as_deref())?;
        // The desk's own route, shared with the app on this machine.
        let data_dir = stormdesk_history::History::default_path();
        let profile = profile.with_personal_route(data_dir.as_deref().and_then(|p| p.parent()));
        // Where before who: "no URL" is the clearer first complaint.
        warn_plain_http(&profile.endpoints()?);
        let p = profile.clone();
        let creds = tokio::task::spawn_blocking(move || {
            stormdesk_secrets::resolve_credentials(&p, secrets, &crate::account::store())
        })
        .await
        .map_err(|e| CliError::Usage(format!("keyring task failed: {e}")))??;
        Ok((Arc::new(St2Client::new(&profile, creds)?), profile))
    }

    pub fn profile(&self) -> Result<Profile, CliError> {
        Ok(self.sources().load(self.profile.as_deref())?.0)
    }

    pub fn stormdesk_file(&self) -> Option<PathBuf> {
        self.sources().stormdesk_file
    }

    /// Whether `e` only says that no server was configured at all.
    pub fn nothing_configured(&self, e: &stormdesk_client::ClientError) -> bool {
        matches!(e, stormdesk_client::ClientError::Config(m) if m.contains("has no StackStorm URL"))
    }

    pub async fn client(&self) -> Result<Arc<St2Client>, CliError> {
        self.client_and_profile().await.map(|(c, _)| c)
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

/// Write to history before showing; a history that cannot be written is
/// reported once and the command goes on.
pub struct Recorder {
    history: Option<History>,
    profile: String,
}

impl Recorder {
    pub fn open(profile: &str) -> Self {
        let history = match History::default_path().map(|p| History::open(&p)) {
            Some(Ok(h)) => Some(h),
            Some(Err(e)) => {
                eprintln!("stormdesk-cli: warning: {e}; continuing without history");
                None
            }
            None => None,
        };
        Self {
            history,
            profile: profile.to_string(),
        }
    }

    pub fn record(&self, execution_id: Option<&str>, text: &str, payload: Payload) {
        if let Some(h) = &self.history {
            let e = NewEntry {
                profile: self.profile.clone(),
                execution_id: execution_id.map(str::to_string),
                text: text.to_string(),
                payload,
            };
            if let Err(err) = h.append(&e) {
                eprintln!("stormdesk-cli: warning: history: {err}");
            }
        }
    }
}

/// How far `exec` follows what it started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Following {
    /// Print the acks and return.
    No,
    /// Wait for the results (`--wait`).
    Wait,
    /// Also print the output live and a workflow's tasks (`--tail`).
    Tail,
}

/// How `exec` runs a command.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    pub following: Following,
    /// A person confirmed it (`--yes`, or the shell's prompt).
    pub confirmed: bool,
    /// Seconds to wait for the results.
    pub timeout: u64,
}

pub async fn exec(
    out: &Out,
    client: &Arc<St2Client>,
    profile: &Profile,
    command: &str,
    run: Run,
) -> Result<ExitCode, CliError> {
    let Run {
        following,
        confirmed,
        timeout,
    } = run;
    let wait = following != Following::No;
    let command = command.trim();
    if command.is_empty() {
        return Err(CliError::Usage("no command given".into()));
    }
    let rec = Recorder::open(&profile.name);
    let request = new_request_id();
    // Follow over the stream; connect before executing so nothing is missed.
    let mut session = if wait {
        let s = StreamSession::start(
            Arc::clone(client),
            ListenerConfig::for_route(&profile.stream_route),
        );
        if !s.wait_live(Duration::from_secs(5)).await {
            eprintln!(
                "stormdesk-cli: warning: the event stream is not reachable; following by polling"
            );
        }
        s.expect(&request).await;
        Some(s)
    } else {
        None
    };
    let req = CommandRequest::from_desk(command, profile, &request);
    rec.record(None, command, Payload::command(&request));
    let ran = match AliasCache::load(Arc::clone(client)).await {
        Ok(aliases) => client
            .run_command_confirmed(&aliases, &req, confirmed)
            .await
            .map(|r| (aliases, r)),
        Err(e) => Err(e),
    };
    let (aliases, results) = match ran {
        Ok(r) => r,
        Err(e) => {
            rec.record(
                None,
                &e.to_string(),
                Payload::command_failed(e.kind().as_str(), &request),
            );
            if let Some(s) = session {
                s.stop().await;
            }
            return Err(e.into());
        }
    };
    let mut waiting: Vec<String> = Vec::new();
    for r in &results {
        let ack = Ack::of(r);
        // The link is the entry's, not part of its text (the pane shows it).
        rec.record(
            Some(&ack.execution_id),
            ack.text(),
            Payload::ack(&ack, Via::default()),
        );
        out.record(&json!({"event": "ack", "execution": r.execution.id, "alias": ack.alias, "message": r.message, "web_url": ack.web_url.clone().unwrap_or_default()}));
        if ack.shown {
            out.line(ack.with_link());
        }
        if let Some(s) = &session {
            s.track(&r.execution.id, Some(&request)).await;
            waiting.push(r.execution.id.clone());
        } else {
            out.line(format!(
                "execution {} {}",
                r.execution.id, r.execution.status
            ));
        }
    }
    let mut failed = Vec::new();
    if let Some(s) = session.take() {
        let follow = Follow {
            out,
            rec: &rec,
            client,
            aliases: &aliases,
            tail: following == Following::Tail,
        };
        follow
            .until_done(s, waiting, Duration::from_secs(timeout), &mut failed)
            .await?;
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

/// Following `exec --wait`'s executions to their results.
struct Follow<'a> {
    out: &'a Out,
    rec: &'a Recorder,
    client: &'a Arc<St2Client>,
    aliases: &'a AliasCache,
    tail: bool,
}

/// The live output of the executions `--tail` follows: one task each, all
/// chunks into one channel.
struct Tails {
    tx: tokio::sync::mpsc::Sender<OutputChunk>,
    rx: tokio::sync::mpsc::Receiver<OutputChunk>,
    /// Execution → (the workflow it is a task of, its follower).
    tasks: std::collections::HashMap<String, (Option<String>, tokio::task::JoinHandle<()>)>,
    cancel: CancellationToken,
    /// Executions some output was printed for.
    printed: std::collections::HashSet<String>,
}

impl Tails {
    fn start(client: &Arc<St2Client>, ids: &[String]) -> Self {
        let (tx, rx) = tokio::sync::mpsc::channel(256);
        let mut tails = Self {
            tx,
            rx,
            tasks: Default::default(),
            cancel: CancellationToken::new(),
            printed: Default::default(),
        };
        for id in ids {
            tails.follow(client, id, None);
        }
        tails
    }

    /// Print `id`'s output too (a workflow's task, once it runs).
    fn follow(&mut self, client: &Arc<St2Client>, id: &str, workflow: Option<&str>) {
        if self.tasks.contains_key(id) {
            return;
        }
        let (client, tx, cancel, id2) = (
            Arc::clone(client),
            self.tx.clone(),
            self.cancel.clone(),
            id.to_string(),
        );
        let task = tokio::spawn(async move {
            if let Err(e) = follow_output(client, &id2, tx, cancel).await {
                // The error can carry the server's words: no terminal controls.
                eprintln!(
                    "stormdesk-cli: warning: no live output: {}",
                    printable(&e.to_string())
                );
            }
        });
        self.tasks
            .insert(id.to_string(), (workflow.map(str::to_string), task));
    }

    /// The next chunk; never, once every follower ended.
    async fn next(&mut self) -> OutputChunk {
        match self.rx.recv().await {
            Some(c) => c,
            None => std::future::pending().await,
        }
    }

    fn print(&mut self, out: &Out, c: &OutputChunk) {
        self.printed.insert(c.execution_id.clone());
        out.output(&c.output_type, &c.data);
        out.record(&json!({"event": "output", "execution": c.execution_id, "output_type": c.output_type, "data": c.data}));
    }

    /// Before `id`'s result: what it printed last (its output stream ends
    /// just after its final status), up to a moment's wait. Whether it
    /// printed anything.
    async fn finish(&mut self, id: &str, out: &Out) -> bool {
        // It and its tasks: a task's last line can trail the workflow's end.
        let ours: Vec<String> = self
            .tasks
            .iter()
            .filter(|(k, (wf, _))| *k == id || wf.as_deref() == Some(id))
            .map(|(k, _)| k.clone())
            .collect();
        let mut handles: Vec<_> = ours
            .iter()
            .filter_map(|k| self.tasks.remove(k).map(|(_, h)| h))
            .collect();
        let until = tokio::time::sleep(Duration::from_secs(2));
        tokio::pin!(until);
        while !handles.is_empty() {
            tokio::select! {
                c = self.rx.recv() => match c {
                    Some(c) => self.print(out, &c),
                    None => break,
                },
                _ = &mut handles[0] => { handles.remove(0); }
                _ = &mut until => {
                    handles.iter().for_each(|h| h.abort());
                    break
                }
            }
        }
        while let Ok(c) = self.rx.try_recv() {
            self.print(out, &c);
        }
        self.printed.contains(id)
    }

    fn stop(self) {
        self.cancel.cancel();
    }
}

impl Follow<'_> {
    /// Over the stream first; while it stays down, by polling (backfill by
    /// hand). Failed executions are added to `failed`.
    async fn until_done(
        &self,
        mut s: StreamSession,
        mut waiting: Vec<String>,
        timeout: Duration,
        failed: &mut Vec<String>,
    ) -> Result<(), CliError> {
        let (out, rec, client, aliases) = (self.out, self.rec, self.client, self.aliases);
        let deadline = tokio::time::Instant::now() + timeout;
        let mut polled = false;
        let mut tails = self.tail.then(|| Tails::start(client, &waiting));
        while !waiting.is_empty() {
            // Stream first; if it stays down, poll (backfill by hand).
            let next = tokio::time::timeout_at(
                deadline.min(tokio::time::Instant::now() + Duration::from_secs(5)),
                async {
                    match tails.as_mut() {
                        Some(t) => tokio::select! {
                            d = s.next() => Ok(d),
                            c = t.next() => Err(c),
                        },
                        None => Ok(s.next().await),
                    }
                },
            )
            .await;
            let delivery = match next {
                Ok(Err(chunk)) => {
                    if let Some(t) = tails.as_mut() {
                        t.print(out, &chunk);
                    }
                    continue;
                }
                Ok(Ok(Some(d))) => d,
                Ok(Ok(None)) => break,
                Err(_) if tokio::time::Instant::now() >= deadline => {
                    if let Some(t) = tails {
                        t.stop();
                    }
                    s.stop().await;
                    return Err(ClientError::Timeout {
                        url: format!("execution {}", waiting.join(", ")),
                    }
                    .into());
                }
                Err(_) => {
                    if *s.state().borrow() != ConnectionState::Live || !polled {
                        polled = true;
                        for id in waiting.clone() {
                            let e = client.get_execution(&id).await?;
                            if e.is_final() {
                                waiting.retain(|w| *w != id);
                                let streamed = match tails.as_mut() {
                                    Some(t) => t.finish(&id, out).await,
                                    None => false,
                                };
                                show_result(out, rec, &e, None, aliases, streamed, failed);
                            }
                        }
                    }
                    continue;
                }
            };
            match delivery {
                Delivery::Status {
                    execution_id,
                    status,
                } => {
                    rec.record(Some(&execution_id), &status, Payload::status(&status));
                    out.record(
                        &json!({"event": "status", "execution": execution_id, "status": status}),
                    );
                }
                Delivery::Result {
                    execution, message, ..
                } => {
                    if waiting.contains(&execution.id) {
                        waiting.retain(|w| *w != execution.id);
                        let streamed = match tails.as_mut() {
                            Some(t) => t.finish(&execution.id, out).await,
                            None => false,
                        };
                        show_result(
                            out,
                            rec,
                            &execution,
                            message.as_deref(),
                            aliases,
                            streamed,
                            failed,
                        );
                    }
                }
                // The workflow waited on is asking: say how to answer.
                Delivery::Inquiry { inquiry, parent }
                    if parent.as_ref().is_some_and(|p| waiting.contains(p)) =>
                {
                    out.line(format!(
                        "waiting for an answer: stormdesk-cli inquiry respond {} key=value … (stormdesk-cli inquiry list shows the fields)",
                        inquiry.id
                    ));
                    out.record(
                        &json!({"event": "inquiry", "inquiry": inquiry, "execution": parent}),
                    );
                }
                Delivery::Task {
                    workflow_id,
                    execution_id,
                    task,
                    status,
                } => {
                    // Started and ended, not every step between.
                    if self.tail && status != "requested" && status != "scheduled" {
                        out.line(format!("task {task}: {status}"));
                    }
                    if self.tail && status == "running" {
                        if let Some(t) = tails.as_mut() {
                            t.follow(client, &execution_id, Some(&workflow_id));
                        }
                    }
                    out.record(&json!({"event": "task", "execution": workflow_id, "task_execution": execution_id, "task": task, "status": status}));
                }
                Delivery::Inquiry { .. }
                | Delivery::InquiryClosed { .. }
                | Delivery::ResultMessage { .. }
                | Delivery::Announcement { .. } => {}
            }
        }
        if let Some(t) = tails {
            t.stop();
        }
        s.stop().await;
        Ok(())
    }
}

fn show_result(
    out: &Out,
    rec: &Recorder,
    e: &Execution,
    message: Option<&str>,
    aliases: &AliasCache,
    streamed: bool,
    failed: &mut Vec<String>,
) {
    // The announcement's text, else the alias's result.format rendered here
    // (no notify rule for our route on this server), else the raw result.
    let text = message
        .map(str::to_string)
        .or_else(|| {
            serde_json::to_value(e)
                .ok()
                .and_then(|x| alias_result_text(&aliases.index(), &x))
        })
        .unwrap_or_else(|| e.result_text());
    rec.record(Some(&e.id), &text, Payload::result(e));
    out.record(&json!({"event": "result", "execution": e.id, "status": e.status, "result": e.result, "message": message}));
    out.line(format!("[{}] {} {}", e.status, e.action_ref(), e.id));
    // The raw output was just printed live: not again.
    let printed_live = streamed && text == e.result_text();
    if !text.is_empty() && !printed_live {
        out.line(text.trim_end());
    }
    if !e.succeeded() {
        failed.push(format!("{} {}", e.id, e.status));
    }
}

/// `listen`: print announcements and execution updates as they arrive.
pub async fn listen(
    out: &Out,
    client: &Arc<St2Client>,
    profile: &Profile,
    notify: bool,
) -> Result<ExitCode, CliError> {
    let rec = Recorder::open(&profile.name);
    let mut config = ListenerConfig::for_route(&profile.stream_route);
    config.events.retain(|e| e != "st2.execution__create");
    let cancel = tokio_util::sync::CancellationToken::new();
    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    let listener =
        stormdesk_stream::listener::spawn(Arc::clone(client), config, tx, cancel.clone());
    let notifier =
        notify.then(|| stormdesk_notify::spawn(stormdesk_notify::DesktopSink::default()));
    let mut state = listener.state();
    if !out.json {
        eprintln!(
            "listening on {} (route {}); Ctrl-C stops",
            client.endpoints().stream,
            profile.stream_route
        );
    }
    let stop = wait_for_stop();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => break,
            changed = state.changed() => {
                if changed.is_err() { break; }
                let st = state.borrow().clone();
                out.record(&json!({"event": "connection", "state": st}));
                if !out.json { eprintln!("connection: {}", serde_json::to_value(&st).map(|v| v["state"].to_string()).unwrap_or_default()); }
            }
            ev = rx.recv() => {
                let Some(ev) = ev else { break };
                if let ListenerEvent::Event(ev) = ev {
                    match ev {
                        StreamEvent::Announcement { route, payload } => {
                            // Others' results and whispers stay theirs.
                            if !payload.is_for(&route, &profile.stream_route, profile.username.as_deref()) {
                                continue;
                            }
                            let note = match stormdesk_routing::decode(Some(&payload.channel)) {
                                Route::To(d) => serde_json::to_value(&d).unwrap_or_default(),
                                Route::Fallback { note } => json!({"kind": "pane", "note": note}),
                            };
                            rec.record(None, &payload.message, Payload::Announcement(AnnouncementData {
                                route: Some(route.clone()),
                                channel: payload.channel.clone(),
                                note: note.get("note").and_then(Value::as_str).map(str::to_string),
                                extra: payload.extra.clone(),
                                ..Default::default()
                            }));
                            out.record(&json!({"event": "announcement", "route": route, "message": payload.message, "channel": payload.channel, "destination": note}));
                            out.line(format!("[announcement {route}] {}", payload.message));
                            if let Some(n) = &notifier { n.notify(stormdesk_notify::notice_for_announcement(&route, &payload.message)).await; }
                        }
                        StreamEvent::ExecutionUpdate(e) => {
                            out.record(&json!({"event": "execution", "execution": e.id, "status": e.status, "action": e.action_ref()}));
                            out.line(format!("[{}] {} {}", e.status, e.action_ref(), e.id));
                            if e.is_final() {
                                if let Some(n) = &notifier { n.notify(stormdesk_notify::notice_for_result(&e, None)).await; }
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    listener.stop().await;
    if let Some(n) = notifier {
        n.stop().await;
    }
    Ok(ExitCode::SUCCESS)
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
        let text = e.result_text();
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

/// Read commands line by line until EOF or `quit`; a failed command is
/// reported and the session goes on.
pub async fn shell(
    out: &Out,
    client: &Arc<St2Client>,
    profile: &Profile,
) -> Result<ExitCode, CliError> {
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
                let cmd = cmd.strip_prefix("!st2 ").unwrap_or(cmd);
                // A person at a prompt sees the output as it comes.
                let mut run = Run {
                    following: Following::Tail,
                    confirmed: false,
                    timeout: 600,
                };
                match exec(out, client, profile, cmd, run).await {
                    // The alias asks for confirmation: the person here is asked.
                    Err(CliError::Client(e @ ClientError::NeedsConfirmation { .. })) => {
                        let _ = stdout
                            .write_all(
                                format!("{}\nRun it? [y/N] ", printable(&e.to_string())).as_bytes(),
                            )
                            .await;
                        let _ = stdout.flush().await;
                        match lines.next_line().await {
                            Ok(Some(a)) if matches!(a.trim(), "y" | "Y" | "yes") => {
                                run.confirmed = true;
                                exec(out, client, profile, cmd, run).await
                            }
                            _ => {
                                out.line("Not run.");
                                Ok(ExitCode::SUCCESS)
                            }
                        }
                    }
                    other => other,
                }
            }
        };
        if let Err(e) = result {
            let _ = out.fail(&e);
        }
    }
    Ok(ExitCode::SUCCESS)
}
