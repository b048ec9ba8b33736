//! Running: a command through the client's one pipeline, an execution's
//! controls (cancel, pause, resume, re-run) and the live output of what the
//! pane started.

use super::*;

impl Desk {
    /// Run a ChatOps command: record it, execute, record the acks, follow
    /// the executions; results arrive as events.
    pub async fn run_command(&self, text: &str) -> Result<Vec<Entry>, DeskError> {
        self.run_command_confirmed(text, false).await
    }

    /// [`run_command`](Self::run_command) with the person's confirmation
    /// given (or not) for an alias that asks for one
    /// (`extra.security.twofactor`). Unconfirmed, such a command is refused
    /// before anything is recorded or sent: the UI asks, then calls again.
    pub async fn run_command_confirmed(
        &self,
        text: &str,
        confirmed: bool,
    ) -> Result<Vec<Entry>, DeskError> {
        let text = text.trim();
        let text = text.strip_prefix("!st2 ").unwrap_or(text).trim();
        if text.is_empty() {
            return Err(DeskError::Input("type a command first".into()));
        }
        // Refused before anything is recorded (the client refuses too).
        if let Ok(m) = self.match_command(text) {
            m.confirmed(text, confirmed)?;
        }
        let request = new_request_id();
        let req = CommandRequest::from_desk(text, &self.profile, &request);
        let mut pane = PaneRun {
            desk: self,
            request,
            entries: Vec::new(),
        };
        stormdesk_client::run_recorded(&self.client, self, &req, confirmed, &mut pane).await?;
        Ok(pane.entries)
    }

    /// Cancel, pause, resume or re-run an execution (a card's menu, the
    /// tray, a notification). The status StackStorm answers moves the card;
    /// a re-run is a new execution, acknowledged and followed like a
    /// command's. StackStorm's refusal comes back with its reason. A re-run
    /// this way is unconfirmed: one whose alias asks for confirmation is
    /// refused (`rerun_execution` with `confirmed` runs it).
    pub async fn control_execution(
        &self,
        execution_id: &str,
        control: impl Into<Control>,
    ) -> Result<Vec<Entry>, DeskError> {
        let control = control.into();
        let e = self
            .client
            .control_execution(execution_id, &control)
            .await?;
        let entry = match control {
            Control::Rerun { .. } => self.rerun_started(execution_id, &e).await?,
            _ => self.record(Some(&e.id), &e.status, Payload::status(&e.status))?,
        };
        Ok(vec![entry])
    }

    /// Re-run an execution with some parameters changed (`key=value`, typed
    /// as the action types them; the rest stay as they were). A change the
    /// action refuses (unknown, immutable, not its type) is an input error
    /// and nothing is sent; so is a change to a parameter the alias that
    /// started it fixes, and, unless `confirmed`, a re-run of an alias that
    /// asks for confirmation (the client checks both for every path).
    pub async fn rerun_execution(
        &self,
        execution_id: &str,
        changes: &[String],
        confirmed: bool,
    ) -> Result<Vec<Entry>, DeskError> {
        let before = self.client.get_execution(execution_id).await?;
        let parameters =
            stormdesk_client::rerun_parameters(&before, changes).map_err(DeskError::Input)?;
        let rerun = Control::Rerun {
            parameters,
            confirmed,
        };
        let e = self.client.control_execution(execution_id, &rerun).await?;
        Ok(vec![self.rerun_started(execution_id, &e).await?])
    }

    /// A re-run's new execution: acknowledged and followed like a command's.
    pub(crate) async fn rerun_started(
        &self,
        of: &str,
        e: &stormdesk_client::model::Execution,
    ) -> Result<Entry, DeskError> {
        let ack = Ack {
            execution_id: e.id.clone(),
            alias: e.action_ref().to_string(),
            status: e.status.clone(),
            web_url: e.web_url.clone(),
            message: None,
            shown: true,
            append_url: false,
            workflow: e.workflow(),
        };
        let text = format!("Re-run of {of}: {}", e.action_ref());
        let entry = self.record(Some(&e.id), &text, Payload::ack(&ack, Via::default()))?;
        self.control.track(&e.id, None).await;
        self.follow_output(&e.id, ack.workflow);
        Ok(entry)
    }

    /// Show what an execution the pane started prints, as it prints it. A
    /// workflow prints nothing of its own (its engine's log aside): its
    /// tasks are followed once they run.
    pub(crate) fn follow_output(&self, execution_id: &str, workflow: bool) {
        if !workflow {
            self.live.follow(execution_id, execution_id);
        }
    }

    /// Output streams open now (tests).
    pub fn outputs_followed(&self) -> usize {
        self.live.followed()
    }
}

/// The pane's side of a run: each step written to history (which emits it
/// to the UI) before the next; what it started is tracked and its output
/// followed.
struct PaneRun<'a> {
    desk: &'a Desk,
    request: String,
    entries: Vec<Entry>,
}

impl stormdesk_client::RunRecorder for PaneRun<'_> {
    type Error = DeskError;

    async fn command(&mut self, req: &CommandRequest) -> Result<(), DeskError> {
        let entry = self
            .desk
            .record(None, &req.command, Payload::command(&self.request))?;
        self.entries.push(entry);
        self.desk.control.expect(&self.request).await;
        Ok(())
    }

    async fn failed(&mut self, e: &ClientError) -> Result<(), DeskError> {
        let entry = self.desk.record(
            None,
            &e.to_string(),
            Payload::command_failed(e.kind().as_str(), &self.request),
        )?;
        self.entries.push(entry);
        Ok(())
    }

    async fn acked(
        &mut self,
        ack: &Ack,
        _result: &stormdesk_client::model::AliasExecutionResult,
    ) -> Result<(), DeskError> {
        let entry = self.desk.record(
            Some(&ack.execution_id),
            ack.text(),
            Payload::ack(ack, Via::default()),
        )?;
        self.entries.push(entry);
        self.desk
            .control
            .track(&ack.execution_id, Some(&self.request))
            .await;
        self.desk.follow_output(&ack.execution_id, ack.workflow);
        Ok(())
    }
}
