//! Secrets live in the OS keyring: Secret Service on Linux, Keychain on
//! macOS, Credential Manager on Windows. One entry per profile (its password,
//! API key or token), later one per relay secret. There is deliberately no
//! fallback to a file: a keyring that is locked, missing or refusing is an
//! error that says what to do.

use std::collections::HashMap;
use std::sync::Mutex;

use stormdesk_client::Secret;

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
}

/// Which secret of a profile or relay an entry holds.
pub fn profile_account(profile: &str) -> String {
    format!("profile/{profile}")
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
}

impl CredentialStore for MemoryStore {
    fn get(&self, account: &str) -> Result<Option<Secret>, SecretsError> {
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
    fn errors_say_what_to_do() {
        let e = SecretsError::Unavailable("no bus".into());
        assert!(e.to_string().contains("start a Secret Service"));
        assert!(SecretsError::Locked("x".into())
            .to_string()
            .contains("unlock"));
    }
}
