//! What every verb that talks to StackStorm starts from: the profile and its client.

use crate::output::CliError;
use std::path::PathBuf;
use std::sync::Arc;
use stormdesk_client::{ConfigSources, Profile, St2Client};

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
            stormdesk_secrets::resolve_credentials(&p, secrets, &store())
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

/// The OS keyring the CLI keeps secrets in.
pub fn store() -> stormdesk_secrets::KeyringStore {
    // Tests point this elsewhere so they never touch a real user's entries.
    match std::env::var("STORMDESK_KEYRING_SERVICE") {
        Ok(s) if !s.is_empty() => stormdesk_secrets::KeyringStore::new(&s),
        _ => stormdesk_secrets::KeyringStore::default(),
    }
}
