//! Profiles in Settings: listed with whether a secret is stored, saved
//! (after the server accepted the credentials) and removed.

use super::profile_from;
use super::DEMO_PROFILE;
use super::{blocking, Host};
use crate::ipc::IpcError;
use crate::ipc::ProfileForm;
use crate::ipc::ProfileSummary;
use crate::Desk;
use crate::DeskError;
use crate::ErrorKind;
use std::sync::Arc;
use stormdesk_client::config::StormdeskFile;
use stormdesk_client::Credentials;
use stormdesk_client::SecretSources;
use stormdesk_notify::Sink;
use stormdesk_secrets::profile_account;

impl<S: Sink + Clone> Host<S> {
    /// Profiles in the config file (plus the one in use), with whether a
    /// secret is stored for each. Never the secret.
    pub async fn list_profiles(&self) -> Result<Vec<ProfileSummary>, IpcError> {
        let file = self.read_file()?;
        let current = self.current().map(|d| d.profile().name.clone());
        let mut names: Vec<String> = file.profiles.keys().cloned().collect();
        if let Ok((p, _)) = self.opts.sources.load(None) {
            if (p.base_url.is_some() || p.api_url.is_some()) && !names.contains(&p.name) {
                names.push(p.name);
            }
        }
        let mut out = Vec::new();
        for name in names {
            let Ok((p, env)) = self.opts.sources.load(Some(&name)) else {
                continue;
            };
            let store = Arc::clone(&self.store);
            let account = profile_account(&name);
            let in_keyring = tokio::task::spawn_blocking(move || store.get(&account))
                .await
                .ok()
                .and_then(Result::ok)
                .flatten()
                .is_some();
            out.push(ProfileSummary {
                current: current.as_deref() == Some(name.as_str()),
                has_secret: in_keyring
                    || env.token.is_some()
                    || env.api_key.is_some()
                    || env.password.is_some(),
                name: p.name,
                base_url: p.base_url,
                auth: p.auth,
                username: p.username,
                stream_route: p.stream_route,
            });
        }
        *self.profiles.lock().unwrap_or_else(|e| e.into_inner()) = Some(out.clone());
        Ok(out)
    }

    /// The profiles as last listed (listing them the first time): for the
    /// tray, which asks on every result.
    pub async fn known_profiles(&self) -> Vec<ProfileSummary> {
        let known = self
            .profiles
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        match known {
            Some(p) => p,
            None => self.list_profiles().await.unwrap_or_default(),
        }
    }

    /// Profiles changed (saved, removed, switched): list them afresh.
    pub(super) fn forget_profiles(&self) {
        *self.profiles.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Forget a profile: its entry in config.toml and its secret in the
    /// keyring. Not the running one (switch away first), so what runs never
    /// loses its footing. History keeps what that profile did.
    pub async fn remove_profile(&self, name: &str) -> Result<Vec<ProfileSummary>, IpcError> {
        if self.current().is_some_and(|d| d.profile().name == name) {
            return Err(IpcError::new(
                ErrorKind::Input,
                format!("\"{name}\" is in use: switch to another profile (or the demo) first"),
            ));
        }
        let mut file = self.read_file()?;
        if file.profiles.remove(name).is_none() {
            return Err(IpcError::new(
                ErrorKind::Input,
                format!("there is no profile \"{name}\" in the config file"),
            ));
        }
        if file.default_profile.as_deref() == Some(name) {
            file.default_profile = None;
        }
        let Some(path) = self.opts.sources.stormdesk_file.clone() else {
            return Err(DeskError::Input("no config directory on this system".into()).into());
        };
        file.write(&path).map_err(DeskError::from)?;
        self.forget_profiles();
        let store = Arc::clone(&self.store);
        let account = profile_account(name);
        blocking(ErrorKind::Keyring, move || store.delete(&account)).await?;
        self.list_profiles().await
    }

    pub(super) fn read_file(&self) -> Result<StormdeskFile, IpcError> {
        match &self.opts.sources.stormdesk_file {
            Some(p) if p.exists() => Ok(StormdeskFile::read(p).map_err(DeskError::from)?),
            _ => Ok(StormdeskFile::default()),
        }
    }

    /// Save a profile from Settings: the server must accept the
    /// credentials first; then the secret goes to the keyring, the rest to
    /// the config file (as the default profile), and the app switches to it.
    pub async fn save_profile(
        self: &Arc<Self>,
        form: ProfileForm,
    ) -> Result<ProfileSummary, IpcError> {
        let name = form.name.trim().to_string();
        let name_ok = !name.is_empty()
            && name.len() <= 64
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        if !name_ok || name == DEMO_PROFILE {
            return Err(DeskError::Input(format!(
                "\"{name}\" cannot be a profile name: use letters, digits, - _ . (and not \"demo\")"
            ))
            .into());
        }
        let url = stormdesk_client::config::check_server_url(&form.base_url)
            .map_err(|e| DeskError::Input(e.to_string().replace("configuration: ", "")))?;
        let Some(path) = self.opts.sources.stormdesk_file.clone() else {
            return Err(DeskError::Input("no config directory on this system".into()).into());
        };
        let mut file = self.read_file()?;
        let before = file.profiles.get(&name).cloned();
        let mut entry = before.clone().unwrap_or_default();
        entry.base_url = Some(url.as_str().trim_end_matches('/').to_string());
        entry.auth = Some(form.auth);
        entry.username = form.username.clone().filter(|u| !u.trim().is_empty());
        entry.stream_route = form.stream_route.clone().filter(|r| !r.trim().is_empty());
        entry.insecure = form.insecure.then_some(true);
        let profile = profile_from(&name, &entry);
        let secret = form.secret.clone().filter(|s| !s.is_empty());
        if secret.is_none() {
            if let Some(why) = before.as_ref().and_then(|b| retype_needed(b, &entry)) {
                return Err(DeskError::Input(why).into());
            }
        }
        let creds = match &secret {
            Some(s) => match form.auth {
                stormdesk_client::AuthKind::Password => Credentials::Password {
                    username: entry
                        .username
                        .clone()
                        .ok_or_else(|| DeskError::Input("a password needs a username".into()))?,
                    password: s.clone(),
                },
                stormdesk_client::AuthKind::ApiKey => Credentials::ApiKey(s.clone()),
                stormdesk_client::AuthKind::Token => Credentials::Token(s.clone()),
            },
            None => self.credentials(&profile, SecretSources::default()).await?,
        };
        // Connecting proves the server and the secret; nothing is stored
        // before that, so a typo never reaches the keyring or the file.
        let desk = Desk::start(
            profile.clone(),
            creds,
            &self.opts.history_path,
            self.sink.clone(),
        )
        .await?;
        if let Some(s) = secret {
            let store = Arc::clone(&self.store);
            let account = profile_account(&name);
            let stored = tokio::task::spawn_blocking(move || store.set(&account, &s))
                .await
                .map_err(|e| {
                    IpcError::new(ErrorKind::Keyring, format!("keyring task failed: {e}"))
                })?;
            if let Err(e) = stored {
                desk.stop().await;
                return Err(DeskError::from(e).into());
            }
        }
        file.profiles.insert(name.clone(), entry);
        file.default_profile = Some(name.clone());
        if let Err(e) = file.write(&path) {
            desk.stop().await;
            return Err(DeskError::from(e).into());
        }
        self.install(desk).await;
        Ok(ProfileSummary {
            name,
            base_url: profile.base_url,
            auth: profile.auth,
            username: profile.username,
            stream_route: profile.stream_route,
            has_secret: true,
            current: true,
        })
    }
}

/// Why a stored secret may not be kept for `now` without being typed again:
/// it goes only where it was saved for, as it was checked then. A profile
/// pointed at another server, or whose TLS checks are now off, or that
/// authenticates another way, needs its secret typed again.
fn retype_needed(
    before: &stormdesk_client::config::FileProfile,
    now: &stormdesk_client::config::FileProfile,
) -> Option<String> {
    let trim = |u: &Option<String>| u.as_deref().map(|u| u.trim_end_matches('/').to_string());
    if trim(&before.base_url) != trim(&now.base_url) {
        return Some(format!(
            "the server changed (from {} to {}): type the secret again — a stored secret goes only to the server it was saved for",
            before.base_url.as_deref().unwrap_or("none"),
            now.base_url.as_deref().unwrap_or("none")
        ));
    }
    if now.insecure == Some(true) && before.insecure != Some(true) {
        return Some(
            "TLS verification is now off: type the secret again to send it without it".into(),
        );
    }
    if before.auth != now.auth {
        return Some("the way of signing in changed: type the new secret".into());
    }
    None
}
