//! The desk over a local socket: a front end in another process (a pane, a
//! headless command line) sends the UI's commands and follows its events,
//! while the host (stream, notifications, relay, history) lives elsewhere.
//!
//! One JSON object per line, both ways:
//! - front end → desk: `{"id": 7, "command": "run_command", "args": {…}}`
//!   (a [`Call`] with an id the front end picks);
//! - desk → front end: `{"id": 7, "ok": …}` or `{"id": 7, "err": {kind,
//!   message}}`, answered as each command finishes (not in order), and
//!   `{"event": …}` for every [`DeskEvent`](crate::DeskEvent).
//!
//! The socket lives in a directory only its user may enter (`0700`, owned
//! by the user, not a link: one found otherwise is refused, never used), in
//! `$XDG_RUNTIME_DIR`. The desk answers only its own user (the peer's uid,
//! `SO_PEERCRED`), and a front end sends nothing to a socket another user
//! owns. Which desk runs is decided by a lock (`desk.lock`, `flock`) held for
//! the desk's life, not by how fast it answers: a busy desk is never taken
//! for a dead one, and a desk removes only the socket it made. A front end's
//! requests are bounded (in flight, queued answers, connections), so none can
//! make the desk grow or stop it from stopping. Unix only for now (Windows
//! would use a named pipe).

#![cfg(unix)]

use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use stormdesk_notify::Sink;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::commands::{answer, Commands};
use crate::ipc::IpcError;
use crate::{next_event, DeskError, ErrorKind};

mod client;
mod socket_dir;

pub use client::*;
pub use socket_dir::*;

/// A request longer than this is refused and the connection closed (a front
/// end's largest request, a saved preference set, is a few kilobytes).
pub const MAX_LINE: usize = 1 << 20;

/// What a front end reads at most in one line: an answer is far longer than
/// any request (a history page of long outputs), and still bounded.
pub const MAX_ANSWER: usize = 64 << 20;

/// Requests of one front end being answered at once; past it, the desk
/// reads no more of its requests until one is answered.
pub const MAX_IN_FLIGHT: usize = 32;

/// Answers and events queued for one front end; one that does not read
/// them within [`WRITE_WITHIN`] is dropped.
const MAX_QUEUED: usize = 256;
const WRITE_WITHIN: Duration = Duration::from_secs(10);

/// Front ends connected at once (a pane, a few command lines, a tray).
pub const MAX_CONNECTIONS: usize = 64;

/// How long a new desk waits for one that holds the lock but answers
/// nothing (going away) before saying it is still there.
const LOCK_WAIT: Duration = Duration::from_secs(15);

/// Show the desk's window, the palette focused (a second launch, `stormdesk-cli
/// desk call summon`). Not a command of the UI's: a pane cannot send it.
pub const SUMMON: &str = "summon";

/// A request as it arrives, before its command is read.
#[derive(Deserialize)]
struct Envelope {
    id: Option<u64>,
}

/// What the desk sends: an answer or an event.
#[derive(Serialize)]
#[serde(untagged)]
enum Outgoing {
    Ok { id: u64, ok: Value },
    Err { id: Option<u64>, err: IpcError },
    Event { event: crate::DeskEvent },
}

/// A desk listening on its socket. Dropping it (or [`LinkServer::stop`])
/// stops listening, removes the socket file if it is still the one it made,
/// then lets go of the lock.
pub struct LinkServer {
    path: PathBuf,
    /// The socket file this desk made (device, inode).
    made: (u64, u64),
    cancel: CancellationToken,
    task: Option<JoinHandle<()>>,
    /// Held while this desk runs; released last.
    _lock: nix::fcntl::Flock<std::fs::File>,
}

impl LinkServer {
    /// Listen at `path` and answer every connection's calls with `commands`.
    /// Refused if another desk runs there (it holds the lock), however slow
    /// it is to answer; one going away (the lock held, nothing answering) is
    /// waited for. A socket file left by a desk that died is replaced.
    pub async fn bind<S: Sink + Clone + Send + Sync + 'static>(
        path: &Path,
        commands: Commands<S>,
    ) -> Result<Self, DeskError> {
        let io = |what: &str, e: std::io::Error| {
            DeskError::Link(format!("{what} {}: {e}", path.display()))
        };
        if let Some(dir) = path.parent() {
            private_dir(dir)?;
        }
        let lock_at = lock_path(path);
        let running = || {
            DeskError::Link(format!(
                "another Stormdesk is already running (it answers at {})",
                path.display()
            ))
        };
        let lock = match try_lock(&lock_at)? {
            Some(l) => l,
            None => {
                // Held: a desk runs. One that answers stays; one that does
                // not is going away, and its lock goes with it.
                if answers(path).await {
                    return Err(running());
                }
                let until = tokio::time::Instant::now() + LOCK_WAIT;
                loop {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    if let Some(l) = try_lock(&lock_at)? {
                        break l;
                    }
                    if tokio::time::Instant::now() >= until {
                        return Err(running());
                    }
                }
            }
        };
        // Ours now: whatever socket file is there was left by a desk gone.
        match std::fs::symlink_metadata(path) {
            Ok(_) => {
                std::fs::remove_file(path).map_err(|e| io("cannot remove the stale socket", e))?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io("cannot read", e)),
        }
        let listener = UnixListener::bind(path).map_err(|e| io("cannot listen at", e))?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| io("cannot make private", e))?;
        let made = identity(path).ok_or_else(|| {
            DeskError::Link(format!("the socket {} went at once", path.display()))
        })?;
        let cancel = CancellationToken::new();
        let task = tokio::spawn(accept_loop(listener, commands, cancel.clone()));
        tracing::info!(path = %path.display(), "desk listening");
        Ok(Self {
            path: path.to_owned(),
            made,
            cancel,
            task: Some(task),
            _lock: lock,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stop listening, end every connection, remove the socket file (if
    /// it is still ours), then release the lock.
    pub async fn stop(mut self) {
        self.cancel.cancel();
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
        remove_own(&self.path, self.made);
    }
}

impl Drop for LinkServer {
    fn drop(&mut self) {
        if self.task.is_some() {
            self.cancel.cancel();
            remove_own(&self.path, self.made);
        }
    }
}

/// How long a running desk may take to answer whether it is there.
pub const ANSWER_WITHIN: Duration = Duration::from_secs(2);

/// Whether a desk answers at `path`: connected, and a status request
/// answered (its events may come first) within [`ANSWER_WITHIN`].
pub async fn answers(path: &Path) -> bool {
    if own_socket(path).is_err() {
        return false;
    }
    let Ok(stream) = UnixStream::connect(path).await else {
        return false;
    };
    let asked = async move {
        let (read, mut write) = stream.into_split();
        write
            .write_all(b"{\"id\": 0, \"command\": \"get_status\", \"args\": {}}\n")
            .await
            .ok()?;
        let mut lines = BufReader::new(read);
        loop {
            let line = read_line(&mut lines, MAX_ANSWER).await.ok()??;
            let v: Value = serde_json::from_str(&line).ok()?;
            if v.get("id").and_then(Value::as_u64) == Some(0) {
                return Some(());
            }
        }
    };
    matches!(
        tokio::time::timeout(ANSWER_WITHIN, asked).await,
        Ok(Some(()))
    )
}

/// A launch's first step: if a desk already runs at `path` (the app's, the
/// tray's, `desk serve`), ask it to show its pane and say so; the caller
/// then ends instead of starting a second stream, notifier and relay. One
/// that is going away answers nothing, and the caller starts.
pub async fn summon_running(path: &Path) -> bool {
    let (ignored, _events) = tokio::sync::mpsc::unbounded_channel();
    let Ok(running) = LinkClient::connect(path, ignored).await else {
        return false;
    };
    matches!(
        tokio::time::timeout(ANSWER_WITHIN, running.call(SUMMON, serde_json::json!({}))).await,
        Ok(Ok(_))
    )
}

async fn accept_loop<S: Sink + Clone + Send + Sync + 'static>(
    listener: UnixListener,
    commands: Commands<S>,
    cancel: CancellationToken,
) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let stream = tokio::select! {
            _ = cancel.cancelled() => return,
            accepted = listener.accept() => match accepted {
                Ok((s, _)) => s,
                Err(e) => {
                    // Out of descriptors, say: wait rather than spin.
                    tracing::warn!(error = %e, "desk link: accept");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        // Only this user: the directory keeps others out, and this says so
        // again whatever happened to it.
        match stream.peer_cred() {
            Ok(c) if c.uid() == me() => {}
            Ok(c) => {
                tracing::warn!(
                    uid = c.uid(),
                    "desk link: another user's connection refused"
                );
                continue;
            }
            Err(e) => {
                tracing::warn!(error = %e, "desk link: whose connection cannot be told; refused");
                continue;
            }
        }
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            tracing::warn!(
                "desk link: {MAX_CONNECTIONS} front ends connected already; one more refused"
            );
            continue;
        };
        let child = cancel.child_token();
        let commands = commands.clone();
        tokio::spawn(async move {
            connection(stream, commands, child).await;
            drop(slot);
        });
    }
}

/// One front end: its calls answered concurrently, every event sent to it.
async fn connection<S: Sink + Clone + Send + Sync + 'static>(
    stream: UnixStream,
    commands: Commands<S>,
    cancel: CancellationToken,
) {
    let (read, mut write) = stream.into_split();
    let (out, mut outgoing) = mpsc::channel::<Outgoing>(MAX_QUEUED);
    let mut events = commands.host().subscribe();
    let in_flight = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    let mut reads_nothing = false;
    let reader = {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(read);
            loop {
                // No more requests read than can be answered at once: a
                // front end that floods waits for its answers.
                let permit = tokio::select! {
                    _ = cancel.cancelled() => break,
                    p = Arc::clone(&in_flight).acquire_owned() => match p { Ok(p) => p, Err(_) => break },
                };
                let line = tokio::select! {
                    _ = cancel.cancelled() => break,
                    line = read_line(&mut lines, MAX_LINE) => line,
                };
                match line {
                    Ok(Some(line)) => {
                        if line.trim().is_empty() {
                            continue;
                        }
                        let commands = commands.clone();
                        let out = out.clone();
                        let cancel = cancel.clone();
                        tokio::spawn(async move {
                            let answer = tokio::select! {
                                _ = cancel.cancelled() => return,
                                a = respond(&commands, &line) => a,
                            };
                            tokio::select! {
                                _ = cancel.cancelled() => {}
                                _ = out.send(answer) => {}
                            }
                            drop(permit);
                        });
                    }
                    Ok(None) => break,
                    Err(err) => {
                        let _ = out.try_send(Outgoing::Err { id: None, err });
                        break;
                    }
                }
            }
            cancel.cancel();
        })
    };
    loop {
        let message = tokio::select! {
            _ = cancel.cancelled() => break,
            Some(m) = outgoing.recv() => m,
            ev = next_event(&mut events) => match ev {
                Some(event) => Outgoing::Event { event },
                None => break,
            },
        };
        let mut line = match serde_json::to_vec(&message) {
            Ok(l) => l,
            Err(e) => {
                tracing::error!(error = %e, "desk link: cannot encode");
                continue;
            }
        };
        line.push(b'\n');
        // A front end that reads nothing is dropped, not waited for; nor
        // does one hold up the desk's stopping.
        let wrote = tokio::select! {
            _ = cancel.cancelled() => break,
            w = tokio::time::timeout(WRITE_WITHIN, write.write_all(&line)) => w,
        };
        match wrote {
            Ok(Ok(())) => {}
            Ok(Err(_)) => break,
            Err(_) => {
                tracing::warn!("desk link: a front end reads nothing; dropped");
                reads_nothing = true;
                break;
            }
        }
    }
    // A refusal queued just before the reader gave up still goes out (not
    // to one that reads nothing).
    while let Some(m) = (!reads_nothing).then(|| outgoing.try_recv().ok()).flatten() {
        if let Ok(mut l) = serde_json::to_vec(&m) {
            l.push(b'\n');
            if !matches!(
                tokio::time::timeout(WRITE_WITHIN, write.write_all(&l)).await,
                Ok(Ok(()))
            ) {
                break;
            }
        }
    }
    cancel.cancel();
    let _ = reader.await;
}

/// One line, without its newline; `None` at the end of the stream.
async fn read_line<R: AsyncRead + Unpin>(
    r: &mut BufReader<R>,
    max: usize,
) -> Result<Option<String>, IpcError> {
    let mut buf = Vec::new();
    loop {
        let available = r
            .fill_buf()
            .await
            .map_err(|e| IpcError::new(ErrorKind::Desk, format!("the connection failed: {e}")))?;
        if available.is_empty() {
            return Ok((!buf.is_empty()).then(|| String::from_utf8_lossy(&buf).into_owned()));
        }
        let (taken, done) = match available.iter().position(|b| *b == b'\n') {
            Some(i) => (i + 1, true),
            None => (available.len(), false),
        };
        buf.extend_from_slice(&available[..taken]);
        r.consume(taken);
        if buf.len() > max {
            return Err(IpcError::new(
                ErrorKind::Input,
                format!("a line longer than {max} bytes; the connection is closed"),
            ));
        }
        if done {
            buf.pop();
            return String::from_utf8(buf)
                .map(Some)
                .map_err(|_| IpcError::new(ErrorKind::Input, "a request that is not UTF-8"));
        }
    }
}

async fn respond<S: Sink + Clone + Send + Sync + 'static>(
    commands: &Commands<S>,
    line: &str,
) -> Outgoing {
    let value: Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => {
            return Outgoing::Err {
                id: None,
                err: IpcError::new(ErrorKind::Input, format!("a request that is not JSON: {e}")),
            }
        }
    };
    let id = Envelope::deserialize(&value).ok().and_then(|e| e.id);
    let Some(id) = id else {
        return Outgoing::Err {
            id: None,
            err: IpcError::new(ErrorKind::Input, "a request without a numeric \"id\""),
        };
    };
    // Not one of the UI's commands: what a second launch asks of the first.
    if value.get("command").and_then(Value::as_str) == Some(SUMMON) {
        commands.host().summon(false);
        return Outgoing::Ok {
            id,
            ok: Value::Bool(true),
        };
    }
    let command = value
        .get("command")
        .and_then(Value::as_str)
        .unwrap_or("?")
        .to_owned();
    let args = value.get("args").cloned().unwrap_or(Value::Null);
    let call = match crate::commands::decode(&command, args) {
        Ok(c) => c,
        Err(err) => return Outgoing::Err { id: Some(id), err },
    };
    tracing::debug!(id, command = call.name(), "desk link: call");
    match answer(commands, call).await {
        Ok(ok) => Outgoing::Ok { id, ok },
        Err(err) => Outgoing::Err { id: Some(id), err },
    }
}

#[cfg(test)]
mod tests;
