//! Profiles: defaults → the st2 CLI's config file → Stormdesk's own config
//! file → `ST2_*` environment, the way the st2 CLI layers them. Stormdesk's
//! file never holds a secret; the st2 CLI's file may (it is the user's own),
//! and what it holds is handed back separately as [`SecretSources`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use url::Url;

use crate::error::ClientError;
use crate::secret::Secret;

pub const DEFAULT_PROFILE: &str = "default";
pub const DEFAULT_ROUTE: &str = "stormdesk";

/// How a profile authenticates. The secret itself lives elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum AuthKind {
    /// Username and password, exchanged for a token that is renewed as needed.
    #[default]
    Password,
    /// A long-lived API key sent as `St2-Api-Key`.
    ApiKey,
    /// A ready token sent as `X-Auth-Token`.
    Token,
}

/// One StackStorm connection's non-secret settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Profile {
    pub name: String,
    pub base_url: Option<String>,
    pub api_url: Option<String>,
    pub auth_url: Option<String>,
    pub stream_url: Option<String>,
    pub api_version: String,
    pub cacert: Option<PathBuf>,
    /// TLS verification off. Only ever set explicitly.
    pub insecure: bool,
    pub username: Option<String>,
    pub auth: AuthKind,
    pub stream_route: String,
}

impl Profile {
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_string(),
            base_url: None,
            api_url: None,
            auth_url: None,
            stream_url: None,
            api_version: "v1".into(),
            cacert: None,
            insecure: false,
            username: None,
            auth: AuthKind::default(),
            stream_route: DEFAULT_ROUTE.into(),
        }
    }

    /// A profile for a server at `base_url` (the simulator, a test).
    pub fn for_base_url(name: &str, base_url: &str) -> Self {
        let mut p = Self::new(name);
        p.base_url = Some(base_url.to_string());
        p
    }

    /// A profile for `base_url` signed in as `username` with `password`
    /// (the demo server; tests).
    pub fn with_password(
        name: &str,
        base_url: &str,
        username: &str,
        password: Secret,
    ) -> (Self, crate::Credentials) {
        let mut p = Self::for_base_url(name, base_url);
        p.username = Some(username.to_string());
        (
            p,
            crate::Credentials::Password {
                username: username.to_string(),
                password,
            },
        )
    }

    /// The API, auth and stream URLs: explicit ones as given, the rest
    /// derived from `base_url` as StackStorm's nginx lays them out.
    pub fn endpoints(&self) -> Result<Endpoints, ClientError> {
        let base = self.base_url.as_deref().map(|b| b.trim_end_matches('/'));
        let derive = |explicit: &Option<String>, prefix: &str| {
            let s = match (explicit, base) {
                (Some(u), _) => u.trim_end_matches('/').to_string(),
                (None, Some(b)) => format!("{b}/{prefix}/{}", self.api_version),
                (None, None) => {
                    return Err(ClientError::Config(format!(
                        "profile \"{}\" has no StackStorm URL: set base_url (or ST2_BASE_URL)",
                        self.name
                    )))
                }
            };
            parse_url(&s)
        };
        Ok(Endpoints {
            api: derive(&self.api_url, "api")?,
            auth: derive(&self.auth_url, "auth")?,
            stream: derive(&self.stream_url, "stream")?,
            web: match base {
                Some(b) => Some(parse_url(b)?),
                None => None,
            },
        })
    }
}

fn parse_url(s: &str) -> Result<Url, ClientError> {
    check_server_url(s)
}

/// A StackStorm URL as given by a person: http(s), a host, and no
/// `user:password@` (a password there would land in the config file and in
/// error messages; it belongs in the keyring). Errors never repeat the
/// user-info part.
pub fn check_server_url(s: &str) -> Result<Url, ClientError> {
    let shown = redact_url(s);
    let u = Url::parse(s.trim())
        .map_err(|e| ClientError::Config(format!("\"{shown}\" is not a URL: {e}")))?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(ClientError::Config(format!(
            "\"{shown}\": scheme \"{}\" is not http or https",
            u.scheme()
        )));
    }
    if u.host_str().is_none() {
        return Err(ClientError::Config(format!("\"{shown}\" names no host")));
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err(ClientError::Config(format!(
            "\"{shown}\" holds a user name or password: give the URL without them; the user goes in the username setting and the password is asked for and kept in the keyring"
        )));
    }
    Ok(u)
}

/// `s` with any `user:password@` replaced by `***@`, for messages.
pub fn redact_url(s: &str) -> String {
    let Some(scheme_end) = s.find("://") else {
        return s.to_string();
    };
    let rest = &s[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}***{}", &s[..scheme_end + 3], &rest[at..]),
        None => s.to_string(),
    }
}

/// This install's own stream route, `stormdesk-<id>` (the id kept in
/// `data_dir/route-id`, made once): results and announcements for this
/// desk travel on it, so desks sharing a StackStorm never see each other's.
/// The stormdesk pack's rule (`route` starts with `stormdesk`) announces
/// on it as on the shared route, which stays for broadcasts. A dash, not a
/// dot: routes become RabbitMQ routing keys, where dots separate words.
pub fn personal_route(data_dir: &std::path::Path) -> std::io::Result<String> {
    let path = data_dir.join("route-id");
    let valid = |s: &str| s.len() == 16 && s.bytes().all(|b| b.is_ascii_hexdigit());
    if let Ok(id) = std::fs::read_to_string(&path) {
        let id = id.trim();
        if valid(id) {
            return Ok(format!("{DEFAULT_ROUTE}-{id}"));
        }
    }
    // The data directory holds the history too: made private, as
    // `History::open` would make it.
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(std::fs::DirBuilder::new().recursive(true), 0o700)
        .create(data_dir)?;
    #[cfg(not(unix))]
    std::fs::create_dir_all(data_dir)?;
    let id = format!("{:016x}", rand::random::<u64>());
    std::fs::write(&path, &id)?;
    Ok(format!("{DEFAULT_ROUTE}-{id}"))
}

impl Profile {
    /// The profile with its stream route made this install's own, unless
    /// one was chosen (anything but the shared default).
    pub fn with_personal_route(mut self, data_dir: Option<&std::path::Path>) -> Self {
        if self.stream_route == DEFAULT_ROUTE {
            if let Some(route) = data_dir.and_then(|d| personal_route(d).ok()) {
                self.stream_route = route;
            }
        }
        self
    }
}

/// A warning when `url` is plain http to a host other than this machine:
/// passwords, tokens and API keys would cross the network unencrypted.
pub fn plain_http_warning(url: &Url) -> Option<String> {
    if url.scheme() != "http" {
        return None;
    }
    let loopback = match url.host() {
        Some(url::Host::Ipv4(a)) => a.is_loopback(),
        Some(url::Host::Ipv6(a)) => a.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    (!loopback).then(|| {
        format!(
            "{} is plain http: credentials and results cross the network unencrypted; use https",
            url.origin().ascii_serialization()
        )
    })
}

/// Where each StackStorm service answers. No trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub api: Url,
    pub auth: Url,
    pub stream: Url,
    /// The web UI's host, where `web_url` links point.
    pub web: Option<Url>,
}

/// Secrets found in the environment or in the st2 CLI's own file.
#[derive(Debug, Clone, Default)]
pub struct SecretSources {
    pub password: Option<Secret>,
    pub api_key: Option<Secret>,
    pub token: Option<Secret>,
}

/// Where configuration comes from; tests build one by hand.
#[derive(Debug, Clone, Default)]
pub struct ConfigSources {
    pub stormdesk_file: Option<PathBuf>,
    pub st2_file: Option<PathBuf>,
    pub env: BTreeMap<String, String>,
}

impl ConfigSources {
    /// The real machine's: `$STORMDESK_CONFIG` or the platform config dir,
    /// `$ST2_CONFIG_FILE` or `~/.st2/config`, and the process environment.
    pub fn from_system() -> Self {
        let env: BTreeMap<String, String> = std::env::vars()
            .filter(|(k, _)| k.starts_with("ST2_") || k.starts_with("STORMDESK_"))
            .collect();
        let stormdesk_file = env
            .get("STORMDESK_CONFIG")
            .map(PathBuf::from)
            .or_else(|| dirs::config_dir().map(|d| d.join("stormdesk").join("config.toml")));
        let st2_file = env
            .get("ST2_CONFIG_FILE")
            .map(PathBuf::from)
            .or_else(|| dirs::home_dir().map(|h| h.join(".st2").join("config")));
        Self {
            stormdesk_file,
            st2_file,
            env,
        }
    }

    /// Without the st2 CLI's file (`st2 --skip-config`).
    pub fn skip_st2_file(mut self) -> Self {
        self.st2_file = None;
        self
    }

    /// Resolve a profile: `name`, else `STORMDESK_PROFILE`, else the file's
    /// `default_profile`, else `default`.
    pub fn load(&self, name: Option<&str>) -> Result<(Profile, SecretSources), ClientError> {
        let file = match &self.stormdesk_file {
            Some(p) if p.exists() => Some(StormdeskFile::read(p)?),
            _ => None,
        };
        let name = name
            .map(str::to_string)
            .or_else(|| self.env.get("STORMDESK_PROFILE").cloned())
            .or_else(|| file.as_ref().and_then(|f| f.default_profile.clone()))
            .unwrap_or_else(|| DEFAULT_PROFILE.to_string());

        let mut profile = Profile::new(&name);
        let mut secrets = SecretSources::default();
        let file_profile = file.as_ref().and_then(|f| f.profiles.get(&name));
        if file_profile.is_none() && name != DEFAULT_PROFILE {
            let known: Vec<_> = file
                .as_ref()
                .map(|f| f.profiles.keys().cloned().collect())
                .unwrap_or_default();
            return Err(ClientError::Config(format!(
                "unknown profile \"{name}\" (known: {})",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            )));
        }

        let use_st2 = file_profile
            .and_then(|p| p.use_st2_config)
            .unwrap_or(name == DEFAULT_PROFILE);
        if use_st2 {
            if let Some(p) = self.st2_file.as_deref().filter(|p| p.exists()) {
                apply_st2_file(p, &mut profile, &mut secrets)?;
            }
        }
        if let Some(fp) = file_profile {
            fp.apply(&mut profile);
        }
        self.apply_env(&mut profile, &mut secrets);
        Ok((profile, secrets))
    }

    fn apply_env(&self, profile: &mut Profile, secrets: &mut SecretSources) {
        let get = |k: &str| self.env.get(k).filter(|v| !v.is_empty()).cloned();
        if let Some(v) = get("ST2_BASE_URL") {
            profile.base_url = Some(v);
        }
        if let Some(v) = get("ST2_API_URL") {
            profile.api_url = Some(v);
        }
        if let Some(v) = get("ST2_AUTH_URL") {
            profile.auth_url = Some(v);
        }
        if let Some(v) = get("ST2_STREAM_URL") {
            profile.stream_url = Some(v);
        }
        if let Some(v) = get("ST2_API_VERSION") {
            profile.api_version = v;
        }
        if let Some(v) = get("ST2_CACERT") {
            profile.cacert = Some(PathBuf::from(v));
        }
        if let Some(v) = get("ST2_API_KEY") {
            secrets.api_key = Some(Secret::new(v));
            profile.auth = AuthKind::ApiKey;
        }
        if let Some(v) = get("ST2_AUTH_TOKEN") {
            secrets.token = Some(Secret::new(v));
            profile.auth = AuthKind::Token;
        }
    }
}

/// The st2 CLI's ini file, read as `st2client.config_parser` reads it.
fn apply_st2_file(
    path: &Path,
    profile: &mut Profile,
    secrets: &mut SecretSources,
) -> Result<(), ClientError> {
    let ini = ini::Ini::load_from_file(path).map_err(|e| {
        ClientError::Config(format!("cannot read st2 config {}: {e}", path.display()))
    })?;
    let get = |section: &str, key: &str| {
        ini.section(Some(section))
            .and_then(|s| s.get(key))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    if let Some(v) = get("general", "base_url") {
        profile.base_url = Some(v);
    }
    if let Some(v) = get("general", "api_version") {
        profile.api_version = v;
    }
    if let Some(v) = get("general", "cacert") {
        profile.cacert = Some(PathBuf::from(v));
    }
    if let Some(v) = get("api", "url") {
        profile.api_url = Some(v);
    }
    if let Some(v) = get("auth", "url") {
        profile.auth_url = Some(v);
    }
    if let Some(v) = get("stream", "url") {
        profile.stream_url = Some(v);
    }
    if let Some(v) = get("credentials", "username") {
        profile.username = Some(v);
        profile.auth = AuthKind::Password;
    }
    if let Some(v) = get("credentials", "password") {
        secrets.password = Some(Secret::new(v));
    }
    if let Some(v) = get("credentials", "api_key") {
        secrets.api_key = Some(Secret::new(v));
        profile.auth = AuthKind::ApiKey;
    }
    Ok(())
}

/// Stormdesk's own config file (TOML). Unknown keys are errors, and so is
/// anything that looks like a secret.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StormdeskFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_profile: Option<String>,
    #[serde(default)]
    pub profiles: BTreeMap<String, FileProfile>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FileProfile {
    pub base_url: Option<String>,
    pub api_url: Option<String>,
    pub auth_url: Option<String>,
    pub stream_url: Option<String>,
    pub api_version: Option<String>,
    pub cacert: Option<PathBuf>,
    pub insecure: Option<bool>,
    pub username: Option<String>,
    pub auth: Option<AuthKind>,
    pub stream_route: Option<String>,
    /// Layer `~/.st2/config` under this profile (default: only for `default`).
    pub use_st2_config: Option<bool>,
}

const SECRET_KEYS: [&str; 6] = [
    "password",
    "api_key",
    "token",
    "auth_token",
    "secret",
    "bot_token",
];

impl StormdeskFile {
    pub fn read(path: &Path) -> Result<Self, ClientError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ClientError::Config(format!("cannot read {}: {e}", path.display())))?;
        Self::parse(&text).map_err(|e| ClientError::Config(format!("{}: {e}", path.display())))
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let raw: toml::Table = text.parse().map_err(|e: toml::de::Error| e.to_string())?;
        if let Some(toml::Value::Table(profiles)) = raw.get("profiles") {
            for (name, p) in profiles {
                if let toml::Value::Table(t) = p {
                    if let Some(k) = t.keys().find(|k| SECRET_KEYS.contains(&k.as_str())) {
                        return Err(format!(
                            "profile \"{name}\" has \"{k}\": secrets are not kept in files; \
                             use `stormdesk-cli login --profile {name}` (keyring) or ST2_API_KEY/ST2_AUTH_TOKEN"
                        ));
                    }
                }
            }
        }
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// Write the file (temporary file, then rename: a crash never leaves
    /// half a config behind). An existing file is edited in place, so the
    /// user's comments, order and layout survive; only what changed is
    /// rewritten.
    pub fn write(&self, path: &Path) -> Result<(), ClientError> {
        let fresh = toml::to_string_pretty(self).map_err(|e| ClientError::Config(e.to_string()))?;
        let text = std::fs::read_to_string(path)
            .ok()
            .and_then(|old| old.parse::<toml_edit::DocumentMut>().ok())
            .and_then(|doc| self.edit(doc, &fresh))
            .unwrap_or(fresh);
        write_atomically(path, &text)
    }

    /// `doc` changed to say what `fresh` says (`None`: a layout this does
    /// not edit, such as inline profile tables; the file is then rewritten).
    fn edit(&self, mut doc: toml_edit::DocumentMut, fresh: &str) -> Option<String> {
        use toml_edit::{Item, Table};
        let fresh: toml_edit::DocumentMut = fresh.parse().ok()?;
        match &self.default_profile {
            Some(d) if doc.get("default_profile").and_then(Item::as_str) != Some(d) => {
                doc["default_profile"] = toml_edit::value(d.as_str());
            }
            Some(_) => {}
            None => {
                doc.remove("default_profile");
            }
        }
        if doc.get("profiles").is_none() {
            let mut t = Table::new();
            t.set_implicit(true);
            doc.insert("profiles", Item::Table(t));
        }
        let profiles = doc.get_mut("profiles")?.as_table_mut()?;
        let gone: Vec<String> = profiles
            .iter()
            .map(|(k, _)| k.to_string())
            .filter(|k| !self.profiles.contains_key(k))
            .collect();
        for k in gone {
            profiles.remove(&k);
        }
        let empty = Table::new();
        let wanted = fresh
            .get("profiles")
            .and_then(Item::as_table)
            .unwrap_or(&empty);
        for (name, item) in wanted.iter() {
            let want = item.as_table()?;
            let Some(have) = profiles.get_mut(name) else {
                profiles.insert(name, item.clone());
                continue;
            };
            let have = have.as_table_mut()?;
            let stale: Vec<String> = have
                .iter()
                .map(|(k, _)| k.to_string())
                .filter(|k| !want.contains_key(k))
                .collect();
            for k in stale {
                have.remove(&k);
            }
            for (k, v) in want.iter() {
                // Unchanged values keep their own formatting and comments.
                let bare = |x: &toml_edit::Value| {
                    let mut x = x.clone();
                    x.decor_mut().clear();
                    x.to_string()
                };
                let same = have.get(k).and_then(Item::as_value).map(bare) == v.as_value().map(bare);
                if !same {
                    have[k] = v.clone();
                }
            }
        }
        Some(doc.to_string())
    }
}

/// Write `text` to `path` through a temporary file in the same directory.
pub fn write_atomically(path: &Path, text: &str) -> Result<(), ClientError> {
    let fail = |p: &Path, e: std::io::Error| ClientError::Config(format!("{}: {e}", p.display()));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| fail(dir, e))?;
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).map_err(|e| fail(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| fail(path, e))
}

impl FileProfile {
    /// Lay this file profile's settings over `p`.
    pub fn apply(&self, p: &mut Profile) {
        macro_rules! set {
            ($field:ident) => {
                if let Some(v) = &self.$field {
                    p.$field = Some(v.clone());
                }
            };
        }
        set!(base_url);
        set!(api_url);
        set!(auth_url);
        set!(stream_url);
        set!(cacert);
        set!(username);
        if let Some(v) = &self.api_version {
            p.api_version = v.clone();
        }
        if let Some(v) = self.insecure {
            p.insecure = v;
        }
        if let Some(v) = self.auth {
            p.auth = v;
        }
        if let Some(v) = &self.stream_route {
            p.stream_route = v.clone();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_install_has_its_own_route_and_keeps_it() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let ra = personal_route(a.path()).unwrap();
        assert!(
            ra.starts_with("stormdesk-") && ra.len() == "stormdesk-".len() + 16,
            "{ra}"
        );
        assert_eq!(personal_route(a.path()).unwrap(), ra, "kept across starts");
        assert_ne!(
            personal_route(b.path()).unwrap(),
            ra,
            "another install, another route"
        );
        let p = Profile::new("p").with_personal_route(Some(a.path()));
        assert_eq!(p.stream_route, ra);
        let mut chosen = Profile::new("p");
        chosen.stream_route = "team-desk".into();
        assert_eq!(
            chosen.with_personal_route(Some(a.path())).stream_route,
            "team-desk"
        );
    }

    #[test]
    fn a_password_in_the_url_is_refused_and_never_repeated() {
        for bad in [
            "https://bob:hunter2@st2.example",
            "https://bob@st2.example/",
            "http://:hunter2@st2.example:8080/x",
        ] {
            let e = check_server_url(bad).unwrap_err().to_string();
            assert!(
                e.contains("user name or password") && !e.contains("hunter2") && !e.contains("bob"),
                "{e}"
            );
        }
        let e = check_server_url("https://bob:hunter2@")
            .unwrap_err()
            .to_string();
        assert!(!e.contains("hunter2"), "{e}");
        let p = Profile::for_base_url("p", "https://bob:hunter2@st2.example");
        let e = p.endpoints().unwrap_err().to_string();
        assert!(!e.contains("hunter2"), "{e}");
        assert_eq!(redact_url("https://a:b@h/p@q"), "https://***@h/p@q");
        assert_eq!(redact_url("https://h/p@q"), "https://h/p@q");
        assert!(check_server_url("https://st2.example").is_ok());
    }

    #[test]
    fn plain_http_is_warned_about_except_on_this_machine() {
        let w = |s: &str| plain_http_warning(&Url::parse(s).unwrap());
        assert!(w("http://st2.example").unwrap().contains("unencrypted"));
        assert!(w("http://10.0.0.5:8080/api").is_some());
        for ok in [
            "https://st2.example",
            "http://127.0.0.1:8080",
            "http://localhost:9101",
            "http://[::1]:80",
        ] {
            assert_eq!(w(ok), None, "{ok}");
        }
    }

    #[test]
    fn writing_keeps_the_users_comments_and_layout() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let original = "# Stormdesk profiles (hand-edited)\n\
default_profile = \"work\"\n\
\n\
# the production StackStorm\n\
[profiles.work]\n\
base_url = \"https://st2.example\"   # via the VPN\n\
username = \"ann\"\n\
insecure = false\n\
\n\
[profiles.old]\n\
base_url = \"https://old.example\"\n";
        std::fs::write(&path, original).unwrap();
        let mut f = StormdeskFile::read(&path).unwrap();
        f.profiles.remove("old");
        let work = f.profiles.get_mut("work").unwrap();
        work.username = Some("bob".into());
        work.insecure = None;
        f.profiles.insert(
            "lab".into(),
            FileProfile {
                base_url: Some("http://127.0.0.1:9101".into()),
                ..FileProfile::default()
            },
        );
        f.default_profile = Some("lab".into());
        f.write(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        for kept in [
            "# Stormdesk profiles (hand-edited)",
            "# the production StackStorm",
            "base_url = \"https://st2.example\"   # via the VPN",
        ] {
            assert!(text.contains(kept), "{kept:?} lost:\n{text}");
        }
        assert!(!text.contains("old.example"), "{text}");
        assert!(!text.contains("insecure"), "{text}");
        let back = StormdeskFile::parse(&text).unwrap();
        assert_eq!(back.default_profile.as_deref(), Some("lab"));
        assert_eq!(back.profiles["work"].username.as_deref(), Some("bob"));
        assert_eq!(
            back.profiles["lab"].base_url.as_deref(),
            Some("http://127.0.0.1:9101")
        );
        assert_eq!(back.profiles.len(), 2);
        // A new file is written whole, and reads back the same.
        let fresh = dir.path().join("new.toml");
        back.write(&fresh).unwrap();
        let again = StormdeskFile::read(&fresh).unwrap();
        assert_eq!(again.profiles["work"].username.as_deref(), Some("bob"));
    }

    fn sources(
        dir: &Path,
        st2: Option<&str>,
        file: Option<&str>,
        env: &[(&str, &str)],
    ) -> ConfigSources {
        let st2_file = st2.map(|t| {
            let p = dir.join("st2.ini");
            std::fs::write(&p, t).unwrap();
            p
        });
        let stormdesk_file = file.map(|t| {
            let p = dir.join("config.toml");
            std::fs::write(&p, t).unwrap();
            p
        });
        ConfigSources {
            stormdesk_file,
            st2_file,
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn urls_derive_from_base_url_like_stackstorm_behind_nginx() {
        let p = Profile::for_base_url("x", "https://st2.example.com/");
        let e = p.endpoints().unwrap();
        assert_eq!(e.api.as_str(), "https://st2.example.com/api/v1");
        assert_eq!(e.auth.as_str(), "https://st2.example.com/auth/v1");
        assert_eq!(e.stream.as_str(), "https://st2.example.com/stream/v1");
        assert!(Profile::new("none")
            .endpoints()
            .unwrap_err()
            .to_string()
            .contains("no StackStorm URL"));
        assert!(Profile::for_base_url("x", "ftp://h").endpoints().is_err());
        assert!(Profile::for_base_url("x", "not a url").endpoints().is_err());
    }

    #[test]
    fn st2_cli_file_then_stormdesk_file_then_environment() {
        let dir = tempfile::tempdir().unwrap();
        let st2 = "[general]\nbase_url = https://from-st2\napi_version = v1\ncacert = /etc/ca.pem\n\n[api]\nurl = https://from-st2/api/v1\n\n[credentials]\nusername = alice\npassword = p4ss\n";
        let s = sources(dir.path(), Some(st2), None, &[]);
        let (p, secrets) = s.load(None).unwrap();
        assert_eq!(p.name, "default");
        assert_eq!(p.base_url.as_deref(), Some("https://from-st2"));
        assert_eq!(p.api_url.as_deref(), Some("https://from-st2/api/v1"));
        assert_eq!(p.cacert.as_deref(), Some(Path::new("/etc/ca.pem")));
        assert_eq!(p.username.as_deref(), Some("alice"));
        assert_eq!(secrets.password.as_ref().map(Secret::expose), Some("p4ss"));
        assert!(
            !format!("{p:?}{secrets:?}").contains("p4ss"),
            "no secret in Debug"
        );

        let file =
            "[profiles.default]\nbase_url = \"https://from-file\"\nstream_route = \"desk\"\n";
        let env = [
            ("ST2_BASE_URL", "https://from-env"),
            ("ST2_AUTH_TOKEN", "tok"),
        ];
        let s = sources(dir.path(), Some(st2), Some(file), &env);
        let (p, secrets) = s.load(None).unwrap();
        assert_eq!(
            p.base_url.as_deref(),
            Some("https://from-env"),
            "environment wins"
        );
        assert_eq!(p.stream_route, "desk", "file over defaults");
        assert_eq!(p.auth, AuthKind::Token);
        assert_eq!(secrets.token.as_ref().map(Secret::expose), Some("tok"));
    }

    #[test]
    fn named_profiles_and_their_errors() {
        let dir = tempfile::tempdir().unwrap();
        let file = "default_profile = \"work\"\n[profiles.work]\nbase_url = \"https://work\"\nauth = \"api_key\"\n[profiles.lab]\nbase_url = \"https://lab\"\ninsecure = true\n";
        let st2 = "[general]\nbase_url = https://st2-file\n";
        let s = sources(dir.path(), Some(st2), Some(file), &[]);
        let (p, _) = s.load(None).unwrap();
        assert_eq!(
            (p.name.as_str(), p.base_url.as_deref()),
            ("work", Some("https://work"))
        );
        assert_eq!(p.auth, AuthKind::ApiKey);
        let (p, _) = s.load(Some("lab")).unwrap();
        assert!(p.insecure, "only because the profile says so");
        assert!(!Profile::new("x").insecure);
        let e = s.load(Some("nope")).unwrap_err().to_string();
        assert!(
            e.contains("unknown profile \"nope\"") && e.contains("lab, work"),
            "{e}"
        );
        // The st2 CLI's file only layers under `default` unless asked.
        let (p, _) = s.load(Some("default")).unwrap();
        assert_eq!(p.base_url.as_deref(), Some("https://st2-file"));
    }

    #[test]
    fn broken_and_secret_holding_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        for (text, want) in [
            (
                "[profiles.a]\nbase_url = \"x\"\npassword = \"hunter2\"\n",
                "secrets are not kept in files",
            ),
            (
                "[profiles.a]\ntoken = \"hunter2\"\n",
                "secrets are not kept in files",
            ),
            ("[profiles.a\n", "config.toml"),
            ("[profiles.a]\nbase_urll = \"typo\"\n", "unknown field"),
        ] {
            let s = sources(dir.path(), None, Some(text), &[]);
            let e = s.load(Some("a")).unwrap_err().to_string();
            assert!(e.contains(want), "{text:?}: {e}");
            assert!(!e.contains("hunter2"), "{e}");
        }
        let s = sources(dir.path(), Some("this is [not an ini"), None, &[]);
        assert!(s.load(None).is_err());
    }
}
