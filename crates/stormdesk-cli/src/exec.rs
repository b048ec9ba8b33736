//! `exec`: a ChatOps command through the one run pipeline, then (with `--wait` or
//! `--tail`) its result and live output.

use crate::output::{printable, CliError, Out};
use serde_json::json;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use stormdesk_alias::render::alias_result_text;
use stormdesk_client::model::AliasExecutionResult;
use stormdesk_client::model::Execution;
use stormdesk_client::ClientError;
use stormdesk_client::RunRecorder;
use stormdesk_client::{new_request_id, Ack};
use stormdesk_client::{AliasCache, CommandRequest};
use stormdesk_client::{Profile, St2Client};
use stormdesk_history::{History, NewEntry, Payload, Via};
use stormdesk_stream::{
    follow_output, ConnectionState, Delivery, ListenerConfig, OutputChunk, StreamSession,
};
use tokio_util::sync::CancellationToken;

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
    let mut term = TerminalRun {
        out,
        rec: &rec,
        session: session.as_ref(),
        request: request.clone(),
        waiting: Vec::new(),
    };
    let ran = match AliasCache::load(Arc::clone(client)).await {
        Ok(aliases) => stormdesk_client::run_recorded(client, &aliases, &req, confirmed, &mut term)
            .await
            .map(|_| aliases),
        Err(e) => {
            // Nothing to match against: recorded as a command that failed.
            term.command(&req).await?;
            term.failed(&e).await?;
            Err(e.into())
        }
    };
    let waiting = std::mem::take(&mut term.waiting);
    let aliases = match ran {
        Ok(a) => a,
        Err(e) => {
            if let Some(s) = session {
                s.stop().await;
            }
            return Err(e);
        }
    };
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
pub(crate) struct Follow<'a> {
    out: &'a Out,
    rec: &'a Recorder,
    client: &'a Arc<St2Client>,
    aliases: &'a AliasCache,
    tail: bool,
}

/// The live output of the executions `--tail` follows: one task each, all
/// chunks into one channel.
pub(crate) struct Tails {
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

pub(crate) fn show_result(
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

/// The terminal's side of a run: each step to history (when there is one),
/// then printed; what it started is followed when `--wait` asks.
struct TerminalRun<'a> {
    out: &'a Out,
    rec: &'a Recorder,
    session: Option<&'a StreamSession>,
    request: String,
    waiting: Vec<String>,
}

impl RunRecorder for TerminalRun<'_> {
    type Error = CliError;

    async fn command(&mut self, req: &CommandRequest) -> Result<(), CliError> {
        self.rec
            .record(None, &req.command, Payload::command(&self.request));
        Ok(())
    }

    async fn failed(&mut self, e: &ClientError) -> Result<(), CliError> {
        self.rec.record(
            None,
            &e.to_string(),
            Payload::command_failed(e.kind().as_str(), &self.request),
        );
        Ok(())
    }

    async fn acked(&mut self, ack: &Ack, r: &AliasExecutionResult) -> Result<(), CliError> {
        // The link is the entry's, not part of its text (the pane shows it).
        self.rec.record(
            Some(&ack.execution_id),
            ack.text(),
            Payload::ack(ack, Via::default()),
        );
        self.out.record(&json!({"event": "ack", "execution": r.execution.id, "alias": ack.alias, "message": r.message, "web_url": ack.web_url.clone().unwrap_or_default()}));
        if ack.shown {
            self.out.line(ack.with_link());
        }
        if let Some(s) = self.session {
            s.track(&r.execution.id, Some(&self.request)).await;
            self.waiting.push(r.execution.id.clone());
        } else {
            self.out.line(format!(
                "execution {} {}",
                r.execution.id, r.execution.status
            ));
        }
        Ok(())
    }
}
