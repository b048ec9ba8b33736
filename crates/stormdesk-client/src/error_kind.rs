//! Every kind of failure, named once: each crate's error says which kind it
//! is, the IPC `{kind, message}` carries it, and the UI receives it as a
//! generated TypeScript union it can switch on exhaustively.

macro_rules! error_kinds {
    ($( $(#[$doc:meta])* $variant:ident => $name:literal, )*) => {
        /// What kind of failure (serialised as the snake_case name).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, ts_rs::TS)]
        #[serde(rename_all = "snake_case")]
        pub enum ErrorKind {
            $( $(#[$doc])* $variant, )*
        }

        impl ErrorKind {
            pub const ALL: &'static [ErrorKind] = &[$( ErrorKind::$variant ),*];

            /// The name, as `--json` output and the IPC `{kind}` spell it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( ErrorKind::$variant => $name, )*
                }
            }
        }
    };
}

error_kinds! {
    /// StackStorm cannot be reached (connection refused, DNS, reset).
    Unreachable => "unreachable",
    /// A TLS failure (certificate, handshake).
    Tls => "tls",
    /// The credentials were refused (or expired and could not be renewed).
    Unauthorized => "unauthorized",
    NotFound => "not_found",
    /// No action alias matches the command.
    NoMatch => "no_match",
    /// More than one alias matches equally well.
    Ambiguous => "ambiguous",
    AliasDisabled => "alias_disabled",
    /// The alias asks for confirmation first (`extra.security.twofactor`).
    ConfirmationRequired => "confirmation_required",
    /// StackStorm answered with a 5xx or an unexpected error.
    Server => "server",
    /// StackStorm would not do what was asked (cancel a finished execution,
    /// an answer its inquiry's schema rejects); its reason is the message.
    Refused => "refused",
    /// A response that is not what StackStorm's API describes.
    Malformed => "malformed",
    Redirect => "redirect",
    Timeout => "timeout",
    /// A configuration file or value is wrong.
    Config => "config",
    /// No secret for the profile: sign in.
    NoCredentials => "no_credentials",
    /// The keyring is locked (the user dismissed the unlock prompt).
    KeyringLocked => "keyring_locked",
    /// No keyring service is running.
    KeyringUnavailable => "keyring_unavailable",
    Keyring => "keyring",
    History => "history",
    /// Bad input from the user (a form, a command's argument).
    Input => "input",
    /// The built-in demo server could not start.
    Demo => "demo",
    /// Stormdesk is still connecting.
    Starting => "starting",
    /// Nothing configured yet: the first-run choice.
    NotConfigured => "not_configured",
    /// `settings.toml` could not be read or written.
    Settings => "settings",
    /// A link that may not open from Stormdesk.
    Link => "link",
    /// A share target that is not available.
    Share => "share",
    /// A global shortcut the desktop refused.
    Shortcut => "shortcut",
    /// Start at login could not be set.
    Autostart => "autostart",
    /// A relay that could not start or stopped.
    Relay => "relay",
    RelayRefused => "relay_refused",
    RelayRateLimited => "relay_rate_limited",
    RelayUnreachable => "relay_unreachable",
    RelayMalformed => "relay_malformed",
    RelayUnauthorized => "relay_unauthorized",
    /// A chat user not on the relay's allow-list.
    NotAllowed => "not_allowed",
    /// Stormdesk's own background process cannot be reached (its socket).
    Desk => "desk",
    /// A bug: a task that died.
    Internal => "internal",
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Compared with its name (tests, `--json` consumers).
impl PartialEq<&str> for ErrorKind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_name_is_its_serialised_form_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for k in ErrorKind::ALL {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str(), "{k:?}");
            assert!(seen.insert(k.as_str()), "{k:?} twice");
        }
    }
}
