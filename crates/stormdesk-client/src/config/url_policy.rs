//! Which server URLs a profile may use, and how one is shown (without its secrets).

use super::*;

pub(crate) fn parse_url(s: &str) -> Result<Url, ClientError> {
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
