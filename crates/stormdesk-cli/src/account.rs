//! `login`, `logout`, `whoami`: the secret goes to the OS keyring, the
//! profile's non-secret settings to Stormdesk's config file.

use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

use serde_json::json;
use stormdesk_client::config::{FileProfile, StormdeskFile};
use stormdesk_client::{AuthKind, Credentials, Secret, St2Client};
use stormdesk_secrets::{profile_account, CredentialStore, KeyringStore, SecretsError};

use crate::context::{store, Context};
use crate::output::{CliError, Out};

async fn blocking<T: Send + 'static>(
    f: impl FnOnce(KeyringStore) -> Result<T, SecretsError> + Send + 'static,
) -> Result<T, CliError> {
    let s = store();
    tokio::task::spawn_blocking(move || f(s))
        .await
        .map_err(|e| CliError::Usage(format!("keyring task failed: {e}")))?
        .map_err(CliError::from)
}

#[derive(Debug, Default)]
pub struct LoginArgs {
    pub url: Option<String>,
    pub username: Option<String>,
    pub api_key: bool,
    pub token: bool,
    pub password_stdin: bool,
}

fn save_profile(path: &Path, name: &str, args: &LoginArgs) -> Result<(), CliError> {
    let mut file = if path.exists() {
        StormdeskFile::read(path)?
    } else {
        StormdeskFile::default()
    };
    let p = file
        .profiles
        .entry(name.to_string())
        .or_insert_with(FileProfile::default);
    if let Some(u) = &args.url {
        p.base_url = Some(u.clone());
    }
    if let Some(u) = &args.username {
        p.username = Some(u.clone());
    }
    p.auth = Some(if args.api_key {
        AuthKind::ApiKey
    } else if args.token {
        AuthKind::Token
    } else {
        AuthKind::Password
    });
    file.write(path)?;
    Ok(())
}

fn read_secret(args: &LoginArgs, prompt: &str) -> Result<Secret, CliError> {
    let s = if args.password_stdin {
        let mut buf = String::new();
        std::io::stdin()
            .read_to_string(&mut buf)
            .map_err(|e| CliError::Usage(format!("cannot read the secret from stdin: {e}")))?;
        buf.trim_end_matches(['\n', '\r']).to_string()
    } else {
        rpassword::prompt_password(prompt).map_err(|e| {
            CliError::Usage(format!(
                "cannot ask for the secret ({e}); use --password-stdin"
            ))
        })?
    };
    if s.is_empty() {
        return Err(CliError::Usage("an empty secret".into()));
    }
    Ok(Secret::new(s))
}

pub async fn login(out: &Out, ctx: &Context, args: LoginArgs) -> Result<ExitCode, CliError> {
    let name = ctx
        .profile
        .clone()
        .unwrap_or_else(|| stormdesk_client::config::DEFAULT_PROFILE.to_string());
    let Some(path) = ctx.stormdesk_file() else {
        return Err(CliError::Usage("no config directory on this system".into()));
    };
    if let Some(u) = &args.url {
        stormdesk_client::config::check_server_url(u)?;
    }
    // The file as it was: a login that fails leaves nothing behind.
    let before = std::fs::read(&path).ok();
    if args.url.is_some() || args.username.is_some() || args.api_key || args.token || !path.exists()
    {
        save_profile(&path, &name, &args)?;
    }
    let ctx = Context {
        profile: Some(name.clone()),
        skip_config: ctx.skip_config,
    };
    let result = verify_and_store(out, &ctx, &name, &args).await;
    if result.is_err() {
        let restored = match &before {
            Some(bytes) => std::fs::write(&path, bytes),
            None => std::fs::remove_file(&path).or_else(|e| match e.kind() {
                std::io::ErrorKind::NotFound => Ok(()),
                _ => Err(e),
            }),
        };
        if let Err(e) = restored {
            eprintln!(
                "stormdesk-cli: warning: could not restore {}: {e}",
                path.display()
            );
        }
    }
    result
}

async fn verify_and_store(
    out: &Out,
    ctx: &Context,
    name: &str,
    args: &LoginArgs,
) -> Result<ExitCode, CliError> {
    let name = name.to_string();
    let profile = ctx.profile()?;
    crate::context::warn_plain_http(&profile.endpoints()?);
    let url = profile.endpoints()?.api.to_string();
    let what = match profile.auth {
        AuthKind::Password => "password",
        AuthKind::ApiKey => "API key",
        AuthKind::Token => "token",
    };
    let who = profile.username.clone().unwrap_or_default();
    let secret = read_secret(args, &format!("StackStorm {what} for {who}@{url}: "))?;
    // Verify before storing: a wrong secret never reaches the keyring.
    let user = match profile.auth {
        AuthKind::Password => {
            let username = profile.username.clone().ok_or_else(|| {
                CliError::Usage(
                    "password login needs --username (or username in the profile)".into(),
                )
            })?;
            St2Client::new(&profile, Credentials::None)?
                .authenticate(&username, &secret, Some(60))
                .await?
                .user
        }
        AuthKind::ApiKey | AuthKind::Token => {
            let creds = if profile.auth == AuthKind::ApiKey {
                Credentials::ApiKey(secret.clone())
            } else {
                Credentials::Token(secret.clone())
            };
            St2Client::new(&profile, creds)?
                .alias_help(None, None, 1, 0)
                .await?;
            who.clone()
        }
    };
    let account = profile_account(&name);
    let (acc, sec) = (account.clone(), secret);
    blocking(move |s| s.set(&acc, &sec)).await?;
    let place = store().describe(&account);
    out.record(&json!({"profile": name, "user": user, "auth": what, "secret_in": place}));
    out.line(format!(
        "Logged in to {url} as {user} (profile \"{name}\"); the {what} is in {place}."
    ));
    Ok(ExitCode::SUCCESS)
}

pub async fn logout(out: &Out, ctx: &Context) -> Result<ExitCode, CliError> {
    let profile = ctx.profile()?;
    let account = profile_account(&profile.name);
    let acc = account.clone();
    let removed = blocking(move |s| s.delete(&acc)).await?;
    out.record(&json!({"profile": profile.name, "removed": removed}));
    out.line(if removed {
        format!(
            "Removed the secret of profile \"{}\" from {}.",
            profile.name,
            store().describe(&account)
        )
    } else {
        format!("Profile \"{}\" had no secret in the keyring.", profile.name)
    });
    Ok(ExitCode::SUCCESS)
}

pub async fn whoami(out: &Out, ctx: &Context) -> Result<ExitCode, CliError> {
    let profile = ctx.profile()?;
    let url = profile.endpoints()?.api.to_string();
    let account = profile_account(&profile.name);
    let acc = account.clone();
    let source = if std::env::var_os("ST2_AUTH_TOKEN").is_some() {
        "ST2_AUTH_TOKEN (environment)".to_string()
    } else if std::env::var_os("ST2_API_KEY").is_some() {
        "ST2_API_KEY (environment)".to_string()
    } else {
        // Only now does the keyring matter: a session without one still
        // answers whoami for credentials from the environment.
        match blocking(move |s| s.get(&acc).map(|x| x.is_some())).await? {
            true => store().describe(&account),
            false => "nowhere: log in with `stormdesk-cli login`".to_string(),
        }
    };
    let client = ctx.client().await.ok();
    let verified = match &client {
        Some(c) => c.alias_help(None, None, 1, 0).await.is_ok(),
        None => false,
    };
    // Whether results on our route come back as chatops announcements.
    let rule = match (&client, verified) {
        (Some(c), true) => c.announcing_rule(&profile.stream_route).await.ok(),
        _ => None,
    };
    let announcements = match &rule {
        Some(Some(r)) => format!("announced on route {} by rule {r}", profile.stream_route),
        Some(None) => format!(
            "none on route {}: results are formatted here (install the stormdesk pack for StackStorm's own)",
            profile.stream_route
        ),
        None => "unknown (not connected)".to_string(),
    };
    let auth = serde_json::to_value(profile.auth).unwrap_or_default();
    out.record(&json!({"profile": profile.name, "url": url, "user": profile.username, "auth": auth, "secret_in": source, "verified": verified, "stream_route": profile.stream_route, "announcing_rule": rule.clone().flatten()}));
    out.line(format!(
        "profile: {}\nurl: {url}\nuser: {}\nauth: {}\nsecret: {source}\nverified: {}\nannouncements: {announcements}",
        profile.name,
        profile.username.as_deref().unwrap_or("(none)"),
        auth.as_str().unwrap_or(""),
        if verified { "yes" } else { "no" }
    ));
    Ok(ExitCode::SUCCESS)
}

/// `relay-secret NAME`: a Slack/Teams relay secret into the keyring.
pub async fn relay_secret(out: &Out, name: &str, stdin: bool) -> Result<ExitCode, CliError> {
    let which = stormdesk_secrets::RelaySecret::parse(name).ok_or_else(|| {
        CliError::Usage(format!(
            "\"{name}\" is not a relay secret (one of: {})",
            stormdesk_secrets::RelaySecret::ALL
                .map(|s| s.name())
                .join(", ")
        ))
    })?;
    let args = LoginArgs {
        password_stdin: stdin,
        ..LoginArgs::default()
    };
    let account = which.account();
    let secret = match read_secret(&args, &format!("{}: ", which.name())) {
        Ok(s) => s,
        // An empty secret removes the entry.
        Err(CliError::Usage(m)) if m == "an empty secret" => {
            let acc = account.clone();
            let removed = blocking(move |s| s.delete(&acc)).await?;
            out.record(&json!({"secret": which.name(), "removed": removed}));
            out.line(format!(
                "{}: {}",
                which.name(),
                if removed {
                    "removed from the keyring"
                } else {
                    "was not stored"
                }
            ));
            return Ok(ExitCode::SUCCESS);
        }
        Err(e) => return Err(e),
    };
    which.check(secret.expose()).map_err(CliError::Usage)?;
    let acc = account.clone();
    blocking(move |s| s.set(&acc, &secret)).await?;
    let place = store().describe(&account);
    out.record(&json!({"secret": which.name(), "stored_in": place}));
    out.line(format!("{}: stored in {place}", which.name()));
    Ok(ExitCode::SUCCESS)
}
