//! `shell`: a prompt that runs commands and shows what the stream says.

use crate::aliases::aliases;
use crate::exec::exec;
use crate::exec::Following;
use crate::exec::Run;
use crate::output::{printable, CliError, Out};
use std::process::ExitCode;
use std::sync::Arc;
use stormdesk_client::ClientError;
use stormdesk_client::{Profile, St2Client};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};

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
