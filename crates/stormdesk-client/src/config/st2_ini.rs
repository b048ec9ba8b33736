//! The st2 CLI's own config file (`~/.st2/config`), read as the st2 CLI reads it.

use super::*;

/// The st2 CLI's ini file, read as `st2client.config_parser` reads it.
pub(crate) fn apply_st2_file(
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
