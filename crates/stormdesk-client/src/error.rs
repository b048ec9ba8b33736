use thiserror::Error;

use crate::ErrorKind;

/// What can go wrong talking to StackStorm, each with a message a person can
/// act on. No variant ever carries a secret.
#[derive(Debug, Error)]
pub enum ClientError {
    #[error(
        "cannot reach StackStorm at {url}: {detail}. Check the URL and that the server is running"
    )]
    Unreachable { url: String, detail: String },
    #[error("TLS failure talking to {url}: {detail}. Set a CA file (cacert) for a private CA; verification is only off with the explicit insecure flag")]
    Tls { url: String, detail: String },
    #[error("StackStorm refused the credentials: {0}. Log in again or check the API key")]
    Unauthorized(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("no alias matches \"{command}\": {faultstring}")]
    NoMatch {
        command: String,
        faultstring: String,
    },
    #[error("\"{command}\" matches more than one alias: {faultstring}")]
    Ambiguous {
        command: String,
        faultstring: String,
    },
    #[error("{0}")]
    AliasDisabled(String),
    /// The alias asks for a person's confirmation first (hubot-stackstorm's
    /// `extra.security.twofactor`); nothing was run.
    #[error("\"{command}\" runs {alias}, which asks to be confirmed before it runs (extra.security.twofactor); nothing was run")]
    NeedsConfirmation { command: String, alias: String },
    #[error("StackStorm answered {status}: {faultstring}")]
    Server { status: u16, faultstring: String },
    #[error("StackStorm refused to {what}: {reason}")]
    Refused { what: String, reason: String },
    #[error("StackStorm sent a response Stormdesk cannot read ({what}): {detail}")]
    Malformed { what: String, detail: String },
    /// A redirect that would carry the credentials off the StackStorm
    /// host, or from https to http: not followed.
    #[error("StackStorm at {url} redirected elsewhere and the redirect was not followed: {why}")]
    Redirect { url: String, why: String },
    #[error("request to {url} timed out")]
    Timeout { url: String },
    #[error("configuration: {0}")]
    Config(String),
    #[error("no credentials for profile \"{0}\": log in, or set ST2_API_KEY / ST2_AUTH_TOKEN")]
    NoCredentials(String),
}

impl ClientError {
    /// A short machine-readable name, for `--json` output and the IPC `{kind}`.
    pub fn kind(&self) -> ErrorKind {
        match self {
            ClientError::Unreachable { .. } => ErrorKind::Unreachable,
            ClientError::Tls { .. } => ErrorKind::Tls,
            ClientError::Unauthorized(_) => ErrorKind::Unauthorized,
            ClientError::NotFound(_) => ErrorKind::NotFound,
            ClientError::NoMatch { .. } => ErrorKind::NoMatch,
            ClientError::Ambiguous { .. } => ErrorKind::Ambiguous,
            ClientError::AliasDisabled(_) => ErrorKind::AliasDisabled,
            ClientError::NeedsConfirmation { .. } => ErrorKind::ConfirmationRequired,
            ClientError::Server { .. } => ErrorKind::Server,
            ClientError::Refused { .. } => ErrorKind::Refused,
            ClientError::Malformed { .. } => ErrorKind::Malformed,
            ClientError::Redirect { .. } => ErrorKind::Redirect,
            ClientError::Timeout { .. } => ErrorKind::Timeout,
            ClientError::Config(_) => ErrorKind::Config,
            ClientError::NoCredentials(_) => ErrorKind::NoCredentials,
        }
    }
}
