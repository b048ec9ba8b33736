//! Where a profile comes from: defaults, then the file, then the environment (`ST2_*` as
//! the st2 CLI reads them) — never a secret.

use super::*;

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
