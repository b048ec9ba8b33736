//! The HTTP client.

use std::time::Duration;

use base64::Engine;
use futures::{StreamExt, TryStreamExt};
use reqwest::{header, Method, RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;
use time::OffsetDateTime;
use tokio::sync::Mutex;
use url::Url;

use crate::config::{Credentials, Endpoints, Profile};
use crate::error::ClientError;
use crate::model::*;
use crate::secret::Secret;

/// Renew a token this long before StackStorm says it expires (or a tenth
/// of its lifetime, for short-lived tokens: a 30 s token is used for 27 s,
/// not renewed on every call).
const RENEW_MARGIN: Duration = Duration::from_secs(60);
const PAGE_SIZE: u32 = 100;
/// Alias pages asked for at once after the first.
const PAGES_AT_ONCE: usize = 4;

#[derive(Debug)]
struct CachedToken {
    token: Secret,
    expiry: Option<OffsetDateTime>,
    margin: Duration,
}

impl CachedToken {
    fn new(token: Secret, expiry: Option<OffsetDateTime>) -> Self {
        let lifetime = expiry
            .map(|e| e - OffsetDateTime::now_utc())
            .and_then(|d| Duration::try_from(d).ok())
            .unwrap_or_default();
        Self {
            token,
            expiry,
            margin: RENEW_MARGIN.min(lifetime / 10),
        }
    }

    fn fresh(&self) -> bool {
        match self.expiry {
            Some(e) => OffsetDateTime::now_utc() + self.margin < e,
            None => true,
        }
    }
}

/// Options for building a client; defaults suit a desktop app.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// TTL asked for when exchanging a password (None: the server's default).
    pub token_ttl: Option<u64>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            token_ttl: None,
        }
    }
}

/// A StackStorm API client for one profile.
#[derive(Debug)]
pub struct St2Client {
    http: reqwest::Client,
    endpoints: Endpoints,
    credentials: Credentials,
    token: Mutex<Option<CachedToken>>,
    options: ClientOptions,
}

impl St2Client {
    pub fn new(profile: &Profile, credentials: Credentials) -> Result<Self, ClientError> {
        Self::with_options(profile, credentials, ClientOptions::default())
    }

    pub fn with_options(
        profile: &Profile,
        credentials: Credentials,
        options: ClientOptions,
    ) -> Result<Self, ClientError> {
        let endpoints = profile.endpoints()?;
        let origins: Vec<url::Origin> = [&endpoints.api, &endpoints.auth, &endpoints.stream]
            .iter()
            .map(|u| u.origin())
            .collect();
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::custom(move |attempt| {
                let from = attempt.previous().last().cloned();
                let refusal = match &from {
                    _ if attempt.previous().len() > MAX_REDIRECTS => {
                        Some(format!("more than {MAX_REDIRECTS} redirects"))
                    }
                    Some(from) => redirect_refusal(from, attempt.url(), &origins),
                    None => None,
                };
                match refusal {
                    Some(why) => attempt.error(RedirectRefused(why)),
                    None => attempt.follow(),
                }
            }))
            .use_rustls_tls()
            .user_agent(concat!("stormdesk/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(options.connect_timeout)
            .danger_accept_invalid_certs(profile.insecure);
        if let Some(ca) = &profile.cacert {
            let pem = std::fs::read(ca).map_err(|e| {
                ClientError::Config(format!("cannot read CA file {}: {e}", ca.display()))
            })?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                ClientError::Config(format!("CA file {} is not PEM: {e}", ca.display()))
            })?;
            if certs.is_empty() {
                return Err(ClientError::Config(format!(
                    "CA file {} holds no PEM certificate",
                    ca.display()
                )));
            }
            for c in certs {
                builder = builder.add_root_certificate(c);
            }
        }
        let http = builder
            .build()
            .map_err(|e| ClientError::Config(format!("cannot build HTTP client: {e}")))?;
        Ok(Self {
            http,
            endpoints,
            credentials,
            token: Mutex::new(None),
            options,
        })
    }

    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    /// `POST {auth}/tokens` with basic auth: a new token for the password.
    pub async fn authenticate(
        &self,
        username: &str,
        password: &Secret,
        ttl: Option<u64>,
    ) -> Result<TokenResponse, ClientError> {
        let url = join(&self.endpoints.auth, "tokens");
        let basic = base64::engine::general_purpose::STANDARD
            .encode(format!("{username}:{}", password.expose()));
        let body = match ttl {
            Some(t) => serde_json::json!({ "ttl": t }),
            None => serde_json::json!({}),
        };
        let resp = self
            .http
            .post(url.clone())
            .timeout(self.options.timeout)
            .header(header::AUTHORIZATION, format!("Basic {basic}"))
            .json(&body)
            .send()
            .await
            .map_err(|e| transport_error(&url, e))?;
        let resp = check(resp, None).await?;
        read_json(resp, "token").await
    }

    /// The headers that authenticate a request right now, renewing a
    /// password-based token first when it is about to expire.
    pub async fn auth_headers(&self) -> Result<Vec<(&'static str, Secret)>, ClientError> {
        match &self.credentials {
            Credentials::None => Ok(vec![]),
            Credentials::ApiKey(k) => Ok(vec![("St2-Api-Key", k.clone())]),
            Credentials::Token(t) => Ok(vec![("X-Auth-Token", t.clone())]),
            Credentials::Password { username, password } => {
                let mut cached = self.token.lock().await;
                if let Some(c) = cached.as_ref().filter(|c| c.fresh()) {
                    return Ok(vec![("X-Auth-Token", c.token.clone())]);
                }
                let t = self
                    .authenticate(username, password, self.options.token_ttl)
                    .await?;
                let expiry = t.expiry.as_deref().and_then(parse_timestamp);
                let token = t.token.clone();
                *cached = Some(CachedToken::new(t.token, expiry));
                Ok(vec![("X-Auth-Token", token)])
            }
        }
    }

    /// Forget the cached token so the next request logs in again.
    pub async fn invalidate_token(&self) {
        *self.token.lock().await = None;
    }

    /// Send an authenticated request; on a 401 with renewable credentials,
    /// log in again and retry once.
    pub async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
        context: Option<&str>,
    ) -> Result<Response, ClientError> {
        self.send_with(method, url, body, context, Some(self.options.timeout))
            .await
    }

    /// `GET {stream}/stream?events=…`: the event stream, authenticated like
    /// every call (a 401 renews a password-based token once). No overall
    /// timeout: the response body is open-ended.
    pub async fn open_stream(&self, events: &[String]) -> Result<Response, ClientError> {
        let mut url = join(&self.endpoints.stream, "stream");
        if !events.is_empty() {
            url.query_pairs_mut()
                .append_pair("events", &events.join(","));
        }
        self.send_with(Method::GET, url, None, None, None).await
    }

    /// `GET {stream}/executions/{id}/output`: one execution's output as
    /// `st2.execution.output__create` events, what was printed so far first,
    /// then live, ending with an `EOF` event once it finished or paused.
    pub async fn open_execution_output(&self, id: &str) -> Result<Response, ClientError> {
        let url = join(
            &self.endpoints.stream,
            &format!("executions/{}/output", encode(id)),
        );
        self.send_with(Method::GET, url, None, None, None).await
    }

    async fn send_with(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
        context: Option<&str>,
        timeout: Option<Duration>,
    ) -> Result<Response, ClientError> {
        let build = |headers: Vec<(&'static str, Secret)>| -> RequestBuilder {
            let mut rb = self.http.request(method.clone(), url.clone());
            if let Some(t) = timeout {
                rb = rb.timeout(t);
            }
            for (k, v) in headers {
                rb = rb.header(k, v.expose());
            }
            if let Some(b) = body {
                rb = rb.json(b);
            }
            rb
        };
        let resp = build(self.auth_headers().await?)
            .send()
            .await
            .map_err(|e| transport_error(&url, e))?;
        let resp = if resp.status() == StatusCode::UNAUTHORIZED
            && matches!(self.credentials, Credentials::Password { .. })
        {
            tracing::info!("token refused; logging in again");
            self.invalidate_token().await;
            build(self.auth_headers().await?)
                .send()
                .await
                .map_err(|e| transport_error(&url, e))?
        } else {
            resp
        };
        check(resp, context).await
    }

    async fn get_json<T: DeserializeOwned>(&self, url: Url, what: &str) -> Result<T, ClientError> {
        let resp = self.send(Method::GET, url, None, None).await?;
        read_json(resp, what).await
    }

    /// `GET /api/v1/actionalias`, every page.
    pub async fn list_aliases(&self) -> Result<Vec<stormdesk_alias::Alias>, ClientError> {
        // The first page says how many there are; the rest are asked for a
        // few at a time rather than one after another (st2api answers each
        // page in tens of milliseconds), and kept in the server's order.
        let (first, total) = self.alias_page(0).await?;
        let mut out = first;
        let Some(total) = total.filter(|&t| out.len() < t && !out.is_empty()) else {
            return Ok(out);
        };
        // Stepped by what the first page held: a server whose page size is
        // below the limit asked for (st2's `max_page_size`) caps every page.
        // Lazy, and ended by an empty page, so that a count the server gets
        // wrong costs a few requests, not one per promised page.
        let offsets = (out.len()..total)
            .step_by(out.len())
            .map_while(|o| u32::try_from(o).ok());
        let mut pages = futures::stream::iter(offsets)
            .map(|offset| self.alias_page(offset))
            .buffered(PAGES_AT_ONCE);
        while let Some((page, _)) = pages.try_next().await? {
            if page.is_empty() {
                break;
            }
            out.extend(page);
        }
        Ok(out)
    }

    /// One page of `GET /api/v1/actionalias` and its `X-Total-Count`.
    async fn alias_page(
        &self,
        offset: u32,
    ) -> Result<(Vec<stormdesk_alias::Alias>, Option<usize>), ClientError> {
        let mut url = join(&self.endpoints.api, "actionalias");
        url.query_pairs_mut()
            .append_pair("limit", &PAGE_SIZE.to_string())
            .append_pair("offset", &offset.to_string());
        let resp = self.send(Method::GET, url, None, None).await?;
        let total = resp
            .headers()
            .get("X-Total-Count")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        Ok((read_json(resp, "action alias list").await?, total))
    }

    /// `GET /api/v1/actionalias/help`.
    pub async fn alias_help(
        &self,
        filter: Option<&str>,
        pack: Option<&str>,
        limit: u32,
        offset: u32,
    ) -> Result<HelpResponse, ClientError> {
        let mut url = join(&self.endpoints.api, "actionalias/help");
        {
            let mut q = url.query_pairs_mut();
            if let Some(f) = filter {
                q.append_pair("filter", f);
            }
            if let Some(p) = pack {
                q.append_pair("pack", p);
            }
            q.append_pair("limit", &limit.to_string());
            q.append_pair("offset", &offset.to_string());
        }
        self.get_json(url, "alias help").await
    }

    /// `POST /api/v1/actionalias/match`.
    pub async fn match_alias(&self, command: &str) -> Result<AliasMatchResponse, ClientError> {
        let url = join(&self.endpoints.api, "actionalias/match");
        let body = serde_json::json!({ "command": command });
        let resp = self
            .send(Method::POST, url, Some(&body), Some(command))
            .await?;
        read_json(resp, "alias match").await
    }

    /// `POST /api/v1/aliasexecution`.
    pub async fn execute_alias(
        &self,
        req: &AliasExecutionRequest,
    ) -> Result<AliasExecutionResult, ClientError> {
        let url = join(&self.endpoints.api, "aliasexecution");
        let body = to_value(req)?;
        let resp = self
            .send(Method::POST, url, Some(&body), Some(&req.command))
            .await?;
        read_json(resp, "alias execution").await
    }

    /// `POST /api/v1/aliasexecution/match_and_execute`.
    pub async fn match_and_execute(
        &self,
        req: &MatchAndExecuteRequest,
    ) -> Result<Vec<AliasExecutionResult>, ClientError> {
        let url = join(&self.endpoints.api, "aliasexecution/match_and_execute");
        let body = to_value(req)?;
        let resp = self
            .send(Method::POST, url, Some(&body), Some(&req.command))
            .await?;
        let r: MatchAndExecuteResponse = read_json(resp, "match_and_execute").await?;
        Ok(r.results)
    }

    /// `GET /api/v1/executions/{id}`.
    pub async fn get_execution(&self, id: &str) -> Result<Execution, ClientError> {
        let url = join(&self.endpoints.api, &format!("executions/{}", encode(id)));
        self.get_json(url, "execution").await
    }

    /// `GET /api/v1/executions` with filters.
    pub async fn list_executions(
        &self,
        filter: &ExecutionFilter,
    ) -> Result<Vec<Execution>, ClientError> {
        let mut url = join(&self.endpoints.api, "executions");
        {
            let mut q = url.query_pairs_mut();
            if let Some(v) = &filter.action {
                q.append_pair("action", v);
            }
            if let Some(v) = &filter.status {
                q.append_pair("status", v);
            }
            if let Some(v) = &filter.user {
                q.append_pair("user", v);
            }
            q.append_pair("limit", &filter.limit.unwrap_or(50).to_string());
            if let Some(v) = filter.offset {
                q.append_pair("offset", &v.to_string());
            }
        }
        self.get_json(url, "execution list").await
    }

    /// `GET /api/v1/executions/{id}/output`: plain text.
    pub async fn execution_output(&self, id: &str) -> Result<String, ClientError> {
        let url = join(
            &self.endpoints.api,
            &format!("executions/{}/output", encode(id)),
        );
        let resp = self.send(Method::GET, url.clone(), None, None).await?;
        resp.text().await.map_err(|e| transport_error(&url, e))
    }

    /// Poll an execution until it reaches a final status.
    pub async fn wait_for_execution(
        &self,
        id: &str,
        timeout: Duration,
    ) -> Result<Execution, ClientError> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut delay = Duration::from_millis(100);
        loop {
            let e = self.get_execution(id).await?;
            if e.is_final() {
                return Ok(e);
            }
            if tokio::time::Instant::now() + delay > deadline {
                return Err(ClientError::Timeout {
                    url: format!("execution {id}"),
                });
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(2));
        }
    }
}

fn to_value<T: serde::Serialize>(v: &T) -> Result<Value, ClientError> {
    serde_json::to_value(v).map_err(|e| ClientError::Config(e.to_string()))
}

/// `base` + `/` + `path`, keeping whatever path `base` already has.
pub fn join(base: &Url, path: &str) -> Url {
    let mut u = base.clone();
    let p = format!("{}/{}", u.path().trim_end_matches('/'), path);
    u.set_path(&p);
    u
}

pub(crate) fn encode(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes()).collect()
}

fn parse_timestamp(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

const MAX_REDIRECTS: usize = 10;

/// Why a redirect was not followed (read back by [`transport_error`]).
#[derive(Debug)]
struct RedirectRefused(String);

impl std::fmt::Display for RedirectRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RedirectRefused {}

/// Every request carries `X-Auth-Token` or `St2-Api-Key`, headers HTTP
/// clients do not know to drop on a redirect: a redirect is followed only
/// to the profile's own API, auth or stream origin, and never from https
/// down to http. `None`: follow it.
pub(crate) fn redirect_refusal(from: &Url, to: &Url, origins: &[url::Origin]) -> Option<String> {
    if from.scheme() == "https" && to.scheme() != "https" {
        return Some(format!(
            "it goes from https down to {} ({})",
            to.scheme(),
            to.origin().ascii_serialization()
        ));
    }
    if !origins.contains(&to.origin()) {
        return Some(format!(
            "{} is not this profile's StackStorm, and the credentials stay with StackStorm",
            to.origin().ascii_serialization()
        ));
    }
    None
}

fn transport_error(url: &Url, e: reqwest::Error) -> ClientError {
    let mut refused = std::error::Error::source(&e);
    while let Some(s) = refused {
        if let Some(r) = s.downcast_ref::<RedirectRefused>() {
            return ClientError::Redirect {
                url: without_query(url),
                why: r.0.clone(),
            };
        }
        refused = s.source();
    }
    let mut detail = e.to_string();
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        detail = format!("{detail}: {s}");
        src = s.source();
    }
    let shown = without_query(url);
    if e.is_timeout() {
        return ClientError::Timeout { url: shown };
    }
    let lower = detail.to_lowercase();
    if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake") {
        return ClientError::Tls { url: shown, detail };
    }
    ClientError::Unreachable { url: shown, detail }
}

fn without_query(url: &Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.to_string()
}

pub(crate) async fn read_json<T: DeserializeOwned>(
    resp: Response,
    what: &str,
) -> Result<T, ClientError> {
    let url = resp.url().clone();
    let bytes = resp.bytes().await.map_err(|e| transport_error(&url, e))?;
    serde_json::from_slice(&bytes).map_err(|e| ClientError::Malformed {
        what: what.to_string(),
        detail: e.to_string(),
    })
}

/// Turn an error status into a typed error, reading StackStorm's `faultstring`.
async fn check(resp: Response, command: Option<&str>) -> Result<Response, ClientError> {
    let status = resp.status();
    if status.is_success() {
        return Ok(resp);
    }
    let url = without_query(resp.url());
    let text = resp.text().await.unwrap_or_default();
    let faultstring = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|v| {
            v.get("faultstring")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .unwrap_or_else(|| {
            let t: String = text.chars().take(200).collect();
            if t.trim().is_empty() {
                status.canonical_reason().unwrap_or("error").to_string()
            } else {
                t
            }
        });
    Err(match status {
        StatusCode::UNAUTHORIZED => ClientError::Unauthorized(faultstring),
        StatusCode::NOT_FOUND => ClientError::NotFound(format!("{url}: {faultstring}")),
        StatusCode::BAD_REQUEST => classify_bad_request(faultstring, command),
        s => ClientError::Server {
            status: s.as_u16(),
            faultstring,
        },
    })
}

fn classify_bad_request(faultstring: String, command: Option<&str>) -> ClientError {
    let command = command.unwrap_or_default().to_string();
    if faultstring.contains("matched no patterns") || faultstring.contains("doesn't match format") {
        ClientError::NoMatch {
            command,
            faultstring,
        }
    } else if faultstring.contains("matched more than 1") {
        ClientError::Ambiguous {
            command,
            faultstring,
        }
    } else if faultstring.contains("is disabled") {
        ClientError::AliasDisabled(faultstring)
    } else {
        ClientError::Server {
            status: 400,
            faultstring,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_stay_on_stackstorm_and_never_go_down_to_http() {
        let u = |s: &str| Url::parse(s).unwrap();
        let origins = [
            u("https://st2.example/api").origin(),
            u("https://st2.example:9100/").origin(),
        ];
        let from = u("https://st2.example/api/v1/executions");
        assert_eq!(
            redirect_refusal(&from, &u("https://st2.example/api/v1/x"), &origins),
            None
        );
        assert_eq!(
            redirect_refusal(&from, &u("https://st2.example:9100/tokens"), &origins),
            None
        );
        for bad in [
            "https://evil.example/x",
            "https://st2.example:444/x",
            "http://st2.example/x",
            "http://st2.example:443/x",
        ] {
            assert!(
                redirect_refusal(&from, &u(bad), &origins).is_some(),
                "{bad}"
            );
        }
        let down = redirect_refusal(&from, &u("http://st2.example/x"), &origins).unwrap();
        assert!(down.contains("https down to http"), "{down}");
    }

    #[test]
    fn join_keeps_base_path() {
        let b = Url::parse("http://h/api/v1").unwrap();
        assert_eq!(
            join(&b, "actionalias").as_str(),
            "http://h/api/v1/actionalias"
        );
        let b = Url::parse("http://h/api/v1/").unwrap();
        assert_eq!(join(&b, "x/y").as_str(), "http://h/api/v1/x/y");
    }

    #[test]
    fn bad_requests_are_classified_by_faultstring() {
        assert!(matches!(
            classify_bad_request("Command 'x' matched no patterns".into(), Some("x")),
            ClientError::NoMatch { .. }
        ));
        assert!(matches!(
            classify_bad_request("Command 'x' matched more than 1 pattern".into(), Some("x")),
            ClientError::Ambiguous { .. }
        ));
        assert!(matches!(
            classify_bad_request("Action alias with name \"a\" is disabled.".into(), None),
            ClientError::AliasDisabled(_)
        ));
    }
}
