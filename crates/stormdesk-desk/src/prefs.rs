//! The app's own preferences (shortcut, theme, notifications, start at
//! login), kept in `settings.toml` beside the config file. Never a secret:
//! the file refuses unknown keys, so a pasted token is an error, not data.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::DeskError;

pub const DEFAULT_SHORTCUT: &str = "CmdOrCtrl+Shift+Space";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    /// Follow the OS (prefers-color-scheme).
    #[default]
    System,
    Light,
    Dark,
}

/// Which results become desktop notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum NotifyLevel {
    #[default]
    All,
    /// Only results that did not succeed.
    Failures,
    None,
}

impl NotifyLevel {
    /// Whether a result with this status passes.
    pub fn allows(self, status: Option<&str>) -> bool {
        match self {
            NotifyLevel::All => true,
            NotifyLevel::Failures => status != Some("succeeded"),
            NotifyLevel::None => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default, deny_unknown_fields)]
pub struct Prefs {
    /// The global shortcut that summons the palette (Tauri accelerator syntax).
    pub shortcut: String,
    pub theme: Theme,
    pub notify_results: NotifyLevel,
    pub notify_announcements: bool,
    pub start_at_login: bool,
    /// History older than this many days is dropped (0: kept forever).
    pub history_days: u32,
    /// History's most size on disk, in MB; the oldest go first (0: no limit).
    pub history_mb: u32,
    /// Show every inquiry waiting on the server, not only those this desk's
    /// user may answer (named in its `users`, or none named) and those of
    /// the workflows it started.
    pub all_inquiries: bool,
    /// Slack / Teams relay (off until connected; secrets in the keyring).
    pub relay: RelayPrefs,
}

/// The relay's settings. Its secrets (bot/app tokens, the Teams app
/// password) are keyring entries, never here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default, deny_unknown_fields)]
pub struct RelayPrefs {
    /// Messages starting with this (or mentioning the bot) are commands.
    pub prefix: String,
    /// Chat users allowed to run commands: `slack:U…`, `teams:29:…`.
    /// Empty: nothing runs.
    pub allowed_users: Vec<String>,
    /// Chat users as the StackStorm users they are, for answering
    /// inquiries from chat (`!st2 respond`): nobody unmapped answers one.
    pub chat_users: Vec<ChatUser>,
    /// Slack: Socket Mode in, chat.postMessage out.
    pub slack: bool,
    /// Slack's Web API base (only for tests or Slack GovSlack).
    pub slack_api: Option<String>,
    /// Teams: the Bot Framework messaging endpoint in, proactive replies out.
    pub teams: bool,
    pub teams_app_id: Option<String>,
    /// Where the messaging endpoint listens (your tunnel points here).
    pub teams_listen: String,
    /// Bot Framework's token and OpenID metadata URLs (tests, sovereign clouds).
    pub teams_token_url: Option<String>,
    pub teams_metadata_url: Option<String>,
    /// Which results are also posted to the configured webhooks.
    pub webhook_results: NotifyLevel,
}

impl Default for RelayPrefs {
    fn default() -> Self {
        Self {
            prefix: "!st2".into(),
            allowed_users: Vec::new(),
            chat_users: Vec::new(),
            slack: false,
            slack_api: None,
            teams: false,
            teams_app_id: None,
            teams_listen: "127.0.0.1:3978".into(),
            teams_token_url: None,
            teams_metadata_url: None,
            webhook_results: NotifyLevel::None,
        }
    }
}

impl Default for Prefs {
    fn default() -> Self {
        Self {
            shortcut: DEFAULT_SHORTCUT.into(),
            theme: Theme::System,
            notify_results: NotifyLevel::All,
            notify_announcements: true,
            start_at_login: false,
            history_days: 90,
            history_mb: 200,
            all_inquiries: false,
            relay: RelayPrefs::default(),
        }
    }
}

impl Prefs {
    /// `settings.toml` next to Stormdesk's config file.
    pub fn default_path(config_file: Option<&Path>) -> Option<PathBuf> {
        config_file
            .and_then(Path::parent)
            .map(|d| d.join("settings.toml"))
    }

    /// Defaults when the file is missing; an error naming the file when it
    /// is broken (the caller keeps running on defaults and shows it).
    pub fn load(path: &Path) -> Result<Self, DeskError> {
        match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text)
                .map_err(|e| DeskError::Input(format!("{}: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(DeskError::Input(format!("{}: {e}", path.display()))),
        }
    }

    pub fn save(&self, path: &Path) -> Result<(), DeskError> {
        self.validate()?;
        let text = toml::to_string_pretty(self).map_err(|e| DeskError::Input(e.to_string()))?;
        stormdesk_client::config::write_atomically(path, &text)?;
        Ok(())
    }

    /// A shortcut is modifiers and one key joined by `+`, with at least one
    /// modifier (a bare key would steal typing from every other app).
    /// How much history the preferences keep.
    pub fn retention(&self) -> stormdesk_history::Retention {
        stormdesk_history::Retention {
            max_age: (self.history_days > 0)
                .then(|| std::time::Duration::from_secs(u64::from(self.history_days) * 86_400)),
            max_bytes: (self.history_mb > 0).then(|| u64::from(self.history_mb) * 1024 * 1024),
        }
    }

    pub fn validate(&self) -> Result<(), DeskError> {
        if self.history_mb != 0 && self.history_mb < 5 {
            return Err(DeskError::Input(format!(
                "keep at least 5 MB of history (or 0 for no limit), not {} MB",
                self.history_mb
            )));
        }
        if self.history_days > 36_500 {
            return Err(DeskError::Input(format!(
                "{} days is more than a hundred years: use 0 to keep history forever",
                self.history_days
            )));
        }
        const MODS: [&str; 9] = [
            "cmdorctrl",
            "commandorcontrol",
            "ctrl",
            "control",
            "shift",
            "alt",
            "option",
            "super",
            "cmd",
        ];
        let parts: Vec<&str> = self.shortcut.split('+').map(str::trim).collect();
        let (key, mods) = parts.split_last().unwrap_or((&"", &[]));
        let mods_ok = !mods.is_empty()
            && mods
                .iter()
                .all(|m| MODS.contains(&m.to_ascii_lowercase().as_str()));
        if key.is_empty() || !mods_ok || MODS.contains(&key.to_ascii_lowercase().as_str()) {
            return Err(DeskError::Input(format!(
                "\"{}\" is not a shortcut: use modifiers and a key, like {DEFAULT_SHORTCUT}",
                self.shortcut
            )));
        }
        let mut mapped = std::collections::BTreeSet::new();
        for u in &self.relay.chat_users {
            let service_id = ["slack:", "teams:"].iter().any(|p| {
                u.chat_user
                    .strip_prefix(p)
                    .is_some_and(|rest| !rest.trim().is_empty())
            });
            if !service_id {
                return Err(DeskError::Input(format!(
                    "\"{}\" is not a chat user: write slack:U… or teams:29:…",
                    u.chat_user
                )));
            }
            if u.st2_user.trim().is_empty() {
                return Err(DeskError::Input(format!(
                    "{} is mapped to no StackStorm user",
                    u.chat_user
                )));
            }
            if !mapped.insert(u.chat_user.as_str()) {
                return Err(DeskError::Input(format!(
                    "{} is mapped twice: one StackStorm user per chat user",
                    u.chat_user
                )));
            }
        }
        Ok(())
    }
}

/// One chat user as a StackStorm user: who they are when they answer an
/// inquiry from chat. The roles are what the desk's owner says they hold
/// (StackStorm's RBAC assignments cannot be read by a non-admin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct ChatUser {
    /// `slack:U…` or `teams:29:…`.
    pub chat_user: String,
    pub st2_user: String,
    #[serde(default)]
    pub roles: Vec<String>,
    /// May answer inquiries that name neither users nor roles.
    #[serde(default)]
    pub approver: bool,
}

impl RelayPrefs {
    /// The relay's map of chat users to who they are on StackStorm.
    pub fn identities(
        &self,
    ) -> std::collections::BTreeMap<String, stormdesk_relay::approval::ChatIdentity> {
        self.chat_users
            .iter()
            .map(|u| {
                let identity = stormdesk_relay::approval::ChatIdentity {
                    st2_user: u.st2_user.clone(),
                    roles: u.roles.iter().cloned().collect(),
                    approver: u.approver,
                };
                (u.chat_user.clone(), identity)
            })
            .collect()
    }

    /// Whether the chat service named `service` (`slack`, `teams`) is on.
    pub fn service_on(&self, service: &str) -> bool {
        match service {
            "slack" => self.slack,
            "teams" => self.teams,
            _ => false,
        }
    }

    /// The service URLs a change from the UI may set: the services' own
    /// hosts (and sovereign clouds) over https, or this machine. The bot
    /// and app tokens go to these; a compromised page must not be able to
    /// point them elsewhere. A hand-edited settings file is trusted.
    pub fn check_service_urls(&self, old: &RelayPrefs) -> Result<(), DeskError> {
        type Field<'a> = (
            &'a str,
            &'a Option<String>,
            &'a Option<String>,
            &'a [&'a str],
        );
        let fields: [Field; 3] = [
            (
                "slack_api",
                &self.slack_api,
                &old.slack_api,
                &["slack.com", "slack-gov.com"],
            ),
            (
                "teams_token_url",
                &self.teams_token_url,
                &old.teams_token_url,
                &["login.microsoftonline.com", "login.microsoftonline.us"],
            ),
            (
                "teams_metadata_url",
                &self.teams_metadata_url,
                &old.teams_metadata_url,
                &["login.botframework.com", "login.botframework.azure.us"],
            ),
        ];
        for (name, new, old, hosts) in fields {
            let Some(value) = new.as_deref().filter(|_| new != old) else {
                continue;
            };
            let url = url::Url::parse(value.trim())
                .map_err(|_| DeskError::Input(format!("relay.{name} is not a URL")))?;
            let host = url.host_str().unwrap_or("").to_ascii_lowercase();
            let loopback = match url.host() {
                Some(url::Host::Ipv4(a)) => a.is_loopback(),
                Some(url::Host::Ipv6(a)) => a.is_loopback(),
                Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
                None => false,
            };
            let theirs = url.scheme() == "https"
                && url.username().is_empty()
                && hosts
                    .iter()
                    .any(|h| host == *h || host.ends_with(&format!(".{h}")));
            let local = matches!(url.scheme(), "http" | "https") && loopback;
            if !(theirs || local) {
                return Err(DeskError::Input(format!(
                    "relay.{name} must be https on {} (or this machine), not {}",
                    hosts.join(" / "),
                    url.origin().ascii_serialization()
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_urls_from_the_ui_stay_with_the_services_or_this_machine() {
        let old = RelayPrefs::default();
        let with = |f: &dyn Fn(&mut RelayPrefs)| {
            let mut p = RelayPrefs::default();
            f(&mut p);
            p.check_service_urls(&old)
        };
        for ok in [
            with(&|p| p.slack_api = Some("https://slack.com/api".into())),
            with(&|p| p.slack_api = Some("https://slack-gov.com/api".into())),
            with(&|p| p.slack_api = Some("http://127.0.0.1:4000/api".into())),
            with(&|p| {
                p.teams_token_url = Some(
                    "https://login.microsoftonline.us/botframework.com/oauth2/v2.0/token".into(),
                )
            }),
            with(&|p| {
                p.teams_metadata_url =
                    Some("https://login.botframework.com/v1/.well-known/openidconfiguration".into())
            }),
        ] {
            assert!(ok.is_ok(), "{ok:?}");
        }
        for (bad, field) in [
            (
                with(&|p| p.slack_api = Some("https://evil.example/api".into())),
                "slack_api",
            ),
            (
                with(&|p| p.slack_api = Some("http://slack.com/api".into())),
                "slack_api",
            ),
            (
                with(&|p| p.slack_api = Some("https://slack.com.evil.example/api".into())),
                "slack_api",
            ),
            (
                with(&|p| p.teams_token_url = Some("https://10.0.0.5/token".into())),
                "teams_token_url",
            ),
            (
                with(&|p| p.teams_metadata_url = Some("not a url".into())),
                "teams_metadata_url",
            ),
        ] {
            let e = bad.unwrap_err().to_string();
            assert!(e.contains(field), "{e}");
        }
        // A value already in the file (hand-edited) is not re-judged.
        let edited = RelayPrefs {
            slack_api: Some("https://proxy.corp.example/api".into()),
            ..RelayPrefs::default()
        };
        assert!(edited.clone().check_service_urls(&edited).is_ok());
    }

    #[test]
    fn missing_file_is_defaults_broken_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.toml");
        assert_eq!(Prefs::load(&path).unwrap(), Prefs::default());
        std::fs::write(&path, "theme = \"dark\"\ntoken = \"s3cret\"\n").unwrap();
        let e = Prefs::load(&path).unwrap_err().to_string();
        assert!(
            e.contains("settings.toml") && e.contains("unknown field"),
            "{e}"
        );
        std::fs::write(&path, "theme = 3").unwrap();
        assert!(Prefs::load(&path).is_err());
    }

    #[test]
    fn save_then_load_round_trips_and_writes_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("settings.toml");
        let p = Prefs {
            shortcut: "Alt+Space".into(),
            theme: Theme::Dark,
            notify_results: NotifyLevel::Failures,
            notify_announcements: false,
            start_at_login: true,
            history_days: 30,
            history_mb: 50,
            all_inquiries: true,
            relay: RelayPrefs {
                slack: true,
                allowed_users: vec!["slack:U1".into()],
                ..RelayPrefs::default()
            },
        };
        p.save(&path).unwrap();
        assert_eq!(Prefs::load(&path).unwrap(), p);
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("settings.toml")]);
    }

    #[test]
    fn shortcuts_need_a_modifier_and_a_key() {
        for ok in ["CmdOrCtrl+Shift+Space", "Alt+K", "ctrl + shift + p"] {
            let p = Prefs {
                shortcut: ok.into(),
                ..Prefs::default()
            };
            assert!(p.validate().is_ok(), "{ok}");
        }
        for bad in ["", "Space", "Ctrl+", "Ctrl+Shift", "Hyper+K"] {
            let p = Prefs {
                shortcut: bad.into(),
                ..Prefs::default()
            };
            assert!(p.validate().is_err(), "{bad}");
        }
    }
}
