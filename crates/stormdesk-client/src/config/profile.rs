//! A profile: one StackStorm server, how to sign in to it, and where its replies go.

use super::*;

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
    ) -> (Self, Credentials) {
        let mut p = Self::for_base_url(name, base_url);
        p.username = Some(username.to_string());
        (
            p,
            Credentials::Password {
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

/// How requests authenticate.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// Exchanged for a token, renewed before expiry and after a 401.
    Password {
        username: String,
        password: Secret,
    },
    ApiKey(Secret),
    Token(Secret),
    /// No credentials (auth-less servers, or only to call `authenticate`).
    None,
}
