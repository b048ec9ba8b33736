//! Secrets live in the OS keyring: Secret Service on Linux, Keychain on
//! macOS, Credential Manager on Windows. One entry per profile (its password,
//! API key or token), later one per relay secret. There is deliberately no
//! fallback to a file: a keyring that is locked, missing or refusing is an
//! error that says what to do.

use std::collections::HashMap;
use std::sync::Mutex;

use stormdesk_client::config::{AuthKind, Profile, SecretSources};
use stormdesk_client::{Credentials, Secret};

/// The keyring service name every Stormdesk entry is filed under.
pub const SERVICE: &str = "stormdesk";

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum SecretsError {
    #[error(
        "the keyring is locked or refused access ({0}): unlock your login keyring and try again"
    )]
    Locked(String),
    #[error("no keyring is available ({0}): on Linux start a Secret Service (gnome-keyring or KWallet) in your session")]
    Unavailable(String),
    #[error("the keyring rejected the entry: {0}")]
    Invalid(String),
    #[error("no credentials for profile \"{0}\": sign in (Settings, or `stormdesk-cli login --profile {0}`) or set ST2_API_KEY / ST2_AUTH_TOKEN")]
    NoCredentials(String),
    #[error("profile \"{0}\" has a password in the keyring but no username: set its username")]
    NoUsername(String),
}

impl SecretsError {
    pub fn kind(&self) -> stormdesk_client::ErrorKind {
        use stormdesk_client::ErrorKind;
        match self {
            SecretsError::Locked(_) => ErrorKind::KeyringLocked,
            SecretsError::Unavailable(_) => ErrorKind::KeyringUnavailable,
            SecretsError::Invalid(_) => ErrorKind::Keyring,
            SecretsError::NoCredentials(_) | SecretsError::NoUsername(_) => {
                ErrorKind::NoCredentials
            }
        }
    }
}

/// A profile's credentials. As the st2 CLI: a token from the environment,
/// then an API key, then a password; otherwise the profile's keyring entry,
/// read as the profile's auth kind says.
pub fn resolve_credentials(
    profile: &Profile,
    env: SecretSources,
    store: &dyn CredentialStore,
) -> Result<Credentials, SecretsError> {
    if let Some(t) = env.token {
        return Ok(Credentials::Token(t));
    }
    if let Some(k) = env.api_key {
        return Ok(Credentials::ApiKey(k));
    }
    if let (Some(u), Some(p), AuthKind::Password) = (&profile.username, env.password, profile.auth)
    {
        return Ok(Credentials::Password {
            username: u.clone(),
            password: p,
        });
    }
    let Some(secret) = store.get(&profile_account(&profile.name))? else {
        return Err(SecretsError::NoCredentials(profile.name.clone()));
    };
    Ok(match profile.auth {
        AuthKind::Password => match &profile.username {
            Some(u) => Credentials::Password {
                username: u.clone(),
                password: secret,
            },
            None => return Err(SecretsError::NoUsername(profile.name.clone())),
        },
        AuthKind::ApiKey => Credentials::ApiKey(secret),
        AuthKind::Token => Credentials::Token(secret),
    })
}

/// Which secret of a profile or relay an entry holds.
/// Where this install's destination-signing key lives.
pub const DESTINATION_KEY_ACCOUNT: &str = "relay/destination-key";

/// This install's key for signing chat destinations, made on first use. A
/// damaged entry is replaced (destinations signed with the old key then
/// stop reaching chat, which is the safe side).
pub fn destination_key(
    store: &dyn CredentialStore,
) -> Result<stormdesk_routing::DestinationKey, SecretsError> {
    if let Some(s) = store.get(DESTINATION_KEY_ACCOUNT)? {
        if let Some(k) = stormdesk_routing::DestinationKey::from_text(s.expose()) {
            return Ok(k);
        }
    }
    let key = stormdesk_routing::DestinationKey::from_bytes(rand::random());
    store.set(
        DESTINATION_KEY_ACCOUNT,
        &stormdesk_client::Secret::new(key.to_text()),
    )?;
    Ok(key)
}

pub fn profile_account(profile: &str) -> String {
    format!("profile/{profile}")
}

/// The relay's secrets, one keyring entry each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelaySecret {
    /// Slack bot token (`xoxb-…`): chat.postMessage.
    SlackBot,
    /// Slack app-level token (`xapp-…`): Socket Mode.
    SlackApp,
    /// The Bot Framework app password (client secret) of the Teams bot.
    TeamsPassword,
    /// A Slack incoming-webhook URL (the URL itself is the credential).
    SlackWebhook,
    /// A Teams Workflows / incoming-webhook URL.
    TeamsWebhook,
}

impl RelaySecret {
    pub const ALL: [RelaySecret; 5] = [
        RelaySecret::SlackBot,
        RelaySecret::SlackApp,
        RelaySecret::TeamsPassword,
        RelaySecret::SlackWebhook,
        RelaySecret::TeamsWebhook,
    ];

    pub fn name(self) -> &'static str {
        match self {
            RelaySecret::SlackBot => "slack-bot-token",
            RelaySecret::SlackApp => "slack-app-token",
            RelaySecret::TeamsPassword => "teams-app-password",
            RelaySecret::SlackWebhook => "slack-webhook-url",
            RelaySecret::TeamsWebhook => "teams-webhook-url",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    pub fn account(self) -> String {
        format!("relay/{}", self.name())
    }

    /// Whether `value` can be this secret. A webhook URL must be https
    /// (plain http only to this machine); the error never repeats the
    /// value, which is the credential.
    pub fn check(self, value: &str) -> Result<(), String> {
        if !matches!(self, RelaySecret::SlackWebhook | RelaySecret::TeamsWebhook) {
            return Ok(());
        }
        let url = url::Url::parse(value.trim())
            .map_err(|_| format!("that {} is not a URL", self.name()))?;
        let loopback = match url.host() {
            Some(url::Host::Domain(d)) => d == "localhost",
            Some(url::Host::Ipv4(a)) => a.is_loopback(),
            Some(url::Host::Ipv6(a)) => a.is_loopback(),
            None => false,
        };
        match url.scheme() {
            "https" => Ok(()),
            "http" if loopback => Ok(()),
            _ => Err(format!("that {} must start with https://", self.name())),
        }
    }
}

/// Where secrets are kept.
pub trait CredentialStore: Send + Sync {
    fn get(&self, account: &str) -> Result<Option<Secret>, SecretsError>;
    fn set(&self, account: &str, secret: &Secret) -> Result<(), SecretsError>;
    /// Whether there was something to delete.
    fn delete(&self, account: &str) -> Result<bool, SecretsError>;
    /// For `whoami`: where the secret lives, in words.
    fn describe(&self, account: &str) -> String;
}

/// The OS keyring.
#[derive(Debug, Clone)]
pub struct KeyringStore {
    service: String,
}

impl Default for KeyringStore {
    fn default() -> Self {
        Self::new(SERVICE)
    }
}

impl KeyringStore {
    pub fn new(service: &str) -> Self {
        Self {
            service: service.to_string(),
        }
    }

    fn entry(&self, account: &str) -> Result<keyring::Entry, SecretsError> {
        keyring::Entry::new(&self.service, account).map_err(map_err)
    }
}

fn map_err(e: keyring::Error) -> SecretsError {
    // The platform's own error text never holds the secret.
    match e {
        keyring::Error::NoStorageAccess(inner) => SecretsError::Locked(inner.to_string()),
        // Secret Service reports a locked collection as a platform error.
        keyring::Error::PlatformFailure(inner)
            if inner.to_string().contains("Locked") || inner.to_string().contains("locked") =>
        {
            SecretsError::Locked(inner.to_string())
        }
        keyring::Error::PlatformFailure(inner) => SecretsError::Unavailable(inner.to_string()),
        other => SecretsError::Invalid(other.to_string()),
    }
}

impl CredentialStore for KeyringStore {
    fn get(&self, account: &str) -> Result<Option<Secret>, SecretsError> {
        match self.entry(account)?.get_password() {
            Ok(p) => Ok(Some(Secret::new(p))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_err(e)),
        }
    }

    fn set(&self, account: &str, secret: &Secret) -> Result<(), SecretsError> {
        if secret.is_empty() {
            return Err(SecretsError::Invalid("an empty secret".into()));
        }
        self.entry(account)?
            .set_password(secret.expose())
            .map_err(map_err)
    }

    fn delete(&self, account: &str) -> Result<bool, SecretsError> {
        match self.entry(account)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(map_err(e)),
        }
    }

    fn describe(&self, account: &str) -> String {
        let backend = if cfg!(target_os = "macos") {
            "the macOS Keychain"
        } else if cfg!(windows) {
            "the Windows Credential Manager"
        } else {
            "the Secret Service keyring"
        };
        format!(
            "{backend} (service \"{}\", account \"{account}\")",
            self.service
        )
    }
}

/// An in-memory store, for unit tests of other code only.
#[derive(Debug, Default)]
pub struct MemoryStore {
    entries: Mutex<HashMap<String, Secret>>,
    reads: std::sync::atomic::AtomicUsize,
}

impl MemoryStore {
    /// How many times a secret was read (a keyring round trip, for real).
    pub fn reads(&self) -> usize {
        self.reads.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl CredentialStore for MemoryStore {
    fn get(&self, account: &str) -> Result<Option<Secret>, SecretsError> {
        self.reads
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(self
            .entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(account)
            .cloned())
    }

    fn set(&self, account: &str, secret: &Secret) -> Result<(), SecretsError> {
        if secret.is_empty() {
            return Err(SecretsError::Invalid("an empty secret".into()));
        }
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(account.to_string(), secret.clone());
        Ok(())
    }

    fn delete(&self, account: &str) -> Result<bool, SecretsError> {
        Ok(self
            .entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(account)
            .is_some())
    }

    fn describe(&self, account: &str) -> String {
        format!("memory (account \"{account}\")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_destination_key_is_made_once_and_kept() {
        let store = MemoryStore::default();
        let a = destination_key(&store).unwrap();
        let b = destination_key(&store).unwrap();
        assert_eq!(a.to_text(), b.to_text(), "the same key on every start");
        let other = MemoryStore::default();
        assert_ne!(
            destination_key(&other).unwrap().to_text(),
            a.to_text(),
            "one key per install"
        );
        // A damaged entry is replaced, not fatal.
        store
            .set(
                DESTINATION_KEY_ACCOUNT,
                &stormdesk_client::Secret::new("damaged"),
            )
            .unwrap();
        let c = destination_key(&store).unwrap();
        assert_ne!(c.to_text(), a.to_text());
        assert_eq!(destination_key(&store).unwrap().to_text(), c.to_text());
    }

    #[test]
    fn webhook_urls_must_be_https_or_loopback_and_errors_hide_them() {
        let hook = RelaySecret::SlackWebhook;
        assert!(hook.check("https://hooks.slack.com/services/T/B/x").is_ok());
        assert!(hook.check("http://127.0.0.1:8080/hook").is_ok());
        assert!(hook.check("http://localhost/hook").is_ok());
        assert!(RelaySecret::TeamsWebhook.check("http://[::1]:9/h").is_ok());
        for bad in [
            "http://hooks.example/s3cret",
            "ftp://x/s3cret",
            "s3cret",
            "file:///s3cret",
        ] {
            let e = hook.check(bad).unwrap_err();
            assert!(!e.contains("s3cret"), "{e}");
        }
        // Tokens are not URLs: no such rule.
        assert!(RelaySecret::SlackBot.check("xoxb-1").is_ok());
    }

    #[test]
    fn memory_store_round_trip() {
        let s = MemoryStore::default();
        assert_eq!(s.get("a").unwrap(), None);
        s.set("a", &Secret::new("x")).unwrap();
        assert_eq!(s.get("a").unwrap(), Some(Secret::new("x")));
        assert!(s.delete("a").unwrap());
        assert!(!s.delete("a").unwrap());
        assert!(s.set("a", &Secret::new("")).is_err());
    }

    #[test]
    fn credentials_environment_first_then_keyring_by_kind() {
        let store = MemoryStore::default();
        let mut p = Profile::new("work");
        p.username = Some("ann".into());
        let missing = resolve_credentials(&p, SecretSources::default(), &store).unwrap_err();
        assert_eq!(missing.kind(), "no_credentials");
        assert!(missing.to_string().contains("\"work\""));
        store.set("profile/work", &Secret::new("pw")).unwrap();
        assert!(matches!(
            resolve_credentials(&p, SecretSources::default(), &store).unwrap(),
            Credentials::Password { username, password } if username == "ann" && password.expose() == "pw"
        ));
        p.auth = AuthKind::ApiKey;
        assert!(matches!(
            resolve_credentials(&p, SecretSources::default(), &store).unwrap(),
            Credentials::ApiKey(k) if k.expose() == "pw"
        ));
        let env = SecretSources {
            token: Some(Secret::new("tok")),
            ..SecretSources::default()
        };
        assert!(
            matches!(resolve_credentials(&p, env, &store).unwrap(), Credentials::Token(t) if t.expose() == "tok")
        );
        p.auth = AuthKind::Password;
        p.username = None;
        assert_eq!(
            resolve_credentials(&p, SecretSources::default(), &store).unwrap_err(),
            SecretsError::NoUsername("work".into())
        );
    }

    #[test]
    fn errors_say_what_to_do() {
        let e = SecretsError::Unavailable("no bus".into());
        assert!(e.to_string().contains("start a Secret Service"));
        assert!(SecretsError::Locked("x".into())
            .to_string()
            .contains("unlock"));
    }
}
