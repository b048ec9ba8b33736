//! A front end's side of the link: calls by id, the desk's events pushed.

use super::*;

/// A front end's end of the link: calls, and the events as they come.
pub(crate) type Reply = tokio::sync::oneshot::Sender<Result<Value, IpcError>>;

/// A call that cannot be answered: the desk's process is gone.
pub(crate) fn went_away() -> IpcError {
    IpcError::new(ErrorKind::Desk, "Stormdesk's background process went away")
}

pub struct LinkClient {
    calls: mpsc::UnboundedSender<(Value, Reply)>,
    task: JoinHandle<()>,
}

impl LinkClient {
    /// Connect to the desk at `path`. `events` receives every event, as the
    /// JSON the desk sent, until the desk goes away (then it closes).
    pub async fn connect(
        path: &Path,
        events: mpsc::UnboundedSender<Value>,
    ) -> Result<Self, DeskError> {
        own_socket(path)?;
        let stream = UnixStream::connect(path).await.map_err(|e| {
            DeskError::Link(format!(
                "Stormdesk is not running (nothing answers at {}): {e}",
                path.display()
            ))
        })?;
        let (calls, queued) = mpsc::unbounded_channel();
        let task = tokio::spawn(client_loop(stream, queued, events));
        Ok(Self { calls, task })
    }

    /// Run `command` with `args` (a JSON object, as the UI sends it) in the
    /// desk; its result as JSON.
    pub async fn call(&self, command: &str, args: Value) -> Result<Value, IpcError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let request = serde_json::json!({"command": command, "args": args});
        self.calls.send((request, reply)).map_err(|_| went_away())?;
        answer.await.unwrap_or_else(|_| Err(went_away()))
    }
}

/// The client's end: calls out with an id each, answers back to their
/// callers by id, events to `events`. When the desk goes, every call still
/// waiting is told so.
pub(crate) async fn client_loop(
    stream: UnixStream,
    mut queued: mpsc::UnboundedReceiver<(Value, Reply)>,
    events: mpsc::UnboundedSender<Value>,
) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    let mut waiting: std::collections::HashMap<u64, Reply> = Default::default();
    let mut next_id = 0u64;
    loop {
        tokio::select! {
            call = queued.recv() => {
                let Some((mut request, reply)) = call else { break };
                next_id += 1;
                request["id"] = next_id.into();
                let mut line = serde_json::to_vec(&request).unwrap_or_default();
                line.push(b'\n');
                if write.write_all(&line).await.is_err() {
                    let _ = reply.send(Err(went_away()));
                    break;
                }
                waiting.insert(next_id, reply);
            }
            line = read_line(&mut lines, MAX_ANSWER) => {
                let Ok(Some(line)) = line else { break };
                let Ok(mut message) = serde_json::from_str::<Value>(&line) else { continue };
                if let Some(event) = message.get_mut("event") {
                    let _ = events.send(event.take());
                    continue;
                }
                let id = message.get("id").and_then(Value::as_u64);
                let Some(reply) = id.and_then(|id| waiting.remove(&id)) else {
                    if let Some(err) = message.get("err") {
                        tracing::warn!(%err, "desk link: refused");
                    }
                    continue;
                };
                let result = if let Some(ok) = message.get_mut("ok") {
                    Ok(ok.take())
                } else if let Some(err) = message.get("err") {
                    Err(ipc_error(err))
                } else {
                    Err(IpcError::new(ErrorKind::Internal, "an answer with neither ok nor err"))
                };
                let _ = reply.send(result);
            }
        }
    }
    for (_, w) in waiting.drain() {
        let _ = w.send(Err(went_away()));
    }
}

impl Drop for LinkClient {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// An error as the desk sent it (`{kind, message}`); an unknown kind reads
/// as internal rather than failing the call twice.
pub(crate) fn ipc_error(err: &Value) -> IpcError {
    let message = err
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("the desk refused")
        .to_owned();
    let kind = err
        .get("kind")
        .and_then(Value::as_str)
        .and_then(|k| ErrorKind::ALL.iter().copied().find(|x| x.as_str() == k))
        .unwrap_or(ErrorKind::Internal);
    IpcError::new(kind, message)
}
