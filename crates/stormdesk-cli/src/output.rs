//! Output conventions: text or JSON on stdout, one line per error on stderr.

use std::io::Write;
use std::process::ExitCode;

use serde_json::{json, Value};
use stormdesk_client::ClientError;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad arguments or input files.
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Keyring(#[from] stormdesk_secrets::SecretsError),
    /// The command fits no alias, or several (exit 1).
    #[error("{0}")]
    NoMatch(String),
    /// The execution ran and did not succeed (exit 1).
    #[error("{0}")]
    Failed(String),
}

impl CliError {
    pub fn kind(&self) -> &'static str {
        match self {
            CliError::Usage(_) => "usage",
            CliError::Client(e) => e.kind(),
            CliError::Keyring(_) => "keyring",
            CliError::NoMatch(_) => "no_match",
            CliError::Failed(_) => "failed",
        }
    }

    pub fn code(&self) -> u8 {
        match self {
            CliError::NoMatch(_) | CliError::Failed(_) => 1,
            CliError::Client(
                ClientError::NoMatch { .. }
                | ClientError::Ambiguous { .. }
                | ClientError::AliasDisabled(_),
            ) => 1,
            _ => 2,
        }
    }
}

pub struct Out {
    pub json: bool,
}

impl Out {
    /// One line of text, or nothing in JSON mode.
    pub fn line(&self, text: impl AsRef<str>) {
        if !self.json {
            let mut o = std::io::stdout().lock();
            let _ = writeln!(o, "{}", text.as_ref());
            let _ = o.flush();
        }
    }

    /// One JSON value per line, only in JSON mode.
    pub fn record(&self, v: &Value) {
        if self.json {
            let mut o = std::io::stdout().lock();
            let _ = writeln!(o, "{v}");
            let _ = o.flush();
        }
    }

    pub fn fail(&self, e: &CliError) -> ExitCode {
        // Messages are one line; multi-line detail is folded.
        let message = e.to_string().replace('\n', " | ");
        if self.json {
            eprintln!("{}", json!({"kind": e.kind(), "message": message}));
        } else {
            eprintln!("stormdesk-cli: {message}");
        }
        ExitCode::from(e.code())
    }
}
