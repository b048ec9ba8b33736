//! Stormdesk's own config file (TOML): profiles' settings, never a secret, written
//! atomically.

use super::*;

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

pub(crate) const SECRET_KEYS: [&str; 6] = [
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
