//! The palette: the aliases commands are matched against, refreshed from the
//! server and swapped whole, and what it suggests as you type.

use super::*;

/// The palette's aliases are the ones commands are matched against.
impl AliasSource for Desk {
    fn match_command(&self, command: &str) -> Result<MatchedAlias, ClientError> {
        let palette = self.palette.read().unwrap_or_else(|e| e.into_inner());
        stormdesk_client::match_command(palette.index(), command)
    }

    async fn refresh(&self) -> Result<(), ClientError> {
        refresh_palette(&self.client, &self.palette)
            .await
            .map(|_| ())
    }
}

/// How often the palette asks the server for its aliases (besides when the
/// window gains focus and when a command matches none).
pub(crate) const ALIAS_REFRESH: Duration = Duration::from_secs(300);

/// Fetch the aliases; rebuild the palette only when they changed (the
/// palette is read on every keystroke: a swap, never a rebuild in place).
/// Returns how many aliases there are.
pub(crate) async fn refresh_palette(
    client: &St2Client,
    palette: &RwLock<Palette>,
) -> Result<usize, ClientError> {
    let aliases = client.list_aliases().await?;
    let n = aliases.len();
    let same = palette
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .index()
        .aliases()
        == aliases.as_slice();
    if !same {
        let fresh = Palette::new(aliases);
        *palette.write().unwrap_or_else(|e| e.into_inner()) = fresh;
        tracing::info!(aliases = n, "aliases changed on the server");
    }
    Ok(n)
}

/// Refresh the palette's aliases every [`ALIAS_REFRESH`] until `cancel`.
pub(crate) fn spawn_alias_refresh(
    client: Arc<St2Client>,
    palette: Arc<RwLock<Palette>>,
    cancel: CancellationToken,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = tokio::time::sleep(ALIAS_REFRESH) => {}
            }
            if let Err(e) = refresh_palette(&client, &palette).await {
                tracing::warn!(error = %e, "alias refresh failed; the palette keeps the aliases it has");
            }
        }
    })
}

/// A result that came without its chatops announcement (none yet, or no
/// notify rule for our route on this server) reads as the alias's
/// `result.format` says, rendered here as `chatops.format_execution_result`
/// renders it. Without a format the result's own text is clearer in the pane
/// than the chatops default template.
pub(crate) fn with_alias_format(palette: &RwLock<Palette>, d: Delivery) -> Delivery {
    match d {
        Delivery::Result {
            execution,
            message: None,
            request,
        } => {
            let formatted = serde_json::to_value(&execution).ok().and_then(|exec| {
                let palette = palette.read().unwrap_or_else(|e| e.into_inner());
                alias_result_text(palette.index(), &exec)
            });
            Delivery::Result {
                execution,
                message: formatted,
                request,
            }
        }
        other => other,
    }
}

impl Desk {
    /// Palette suggestions for the text typed so far (offline, per keystroke).
    pub fn suggest(&self, text: &str, limit: usize) -> Vec<Suggestion> {
        self.palette
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .suggest(text, limit.clamp(1, 50))
    }

    /// Ask the server for its aliases now (the window gained focus): the
    /// palette has the new ones from the next keystroke. Returns how many.
    pub async fn refresh_aliases(&self) -> Result<usize, DeskError> {
        Ok(refresh_palette(&self.client, &self.palette).await?)
    }
}
