//! MS Teams in: the Bot Framework messaging endpoint (an HTTP listener the
//! user exposes through their own reverse proxy or tunnel). Every request
//! must carry a Bot Framework JWT, checked as Microsoft's own SDK
//! (`botframework-connector`, `ChannelValidation`) checks it: signed by an
//! RSA key from the OpenID metadata's JWKS, endorsed for the activity's
//! channel, issuer `https://api.botframework.com`, `aud` exactly the bot's
//! app id, within `nbf`/`exp` (5 minutes' leeway), and its `serviceurl`
//! claim (lower case, as Microsoft writes it) exactly the activity's
//! `serviceUrl`. Stricter than the SDK on purpose: RS256 only, `exp`
//! required, a key must carry endorsements, and a channel id is required
//! (tests/vendor checks both sides agree everywhere else). Anything else is
//! a 401 with no detail; a valid activity's conversation reference goes
//! with the message, so the reply finds its conversation.
//!
//! The listener faces the internet: connections are capped, headers must
//! arrive within seconds and a connection lives a bounded time, and an
//! unknown key id re-reads the keys at most every few minutes.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde::Deserialize;
use serde_json::Value;
use stormdesk_routing::Destination;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::inbound::{Inbound, InboundMessage};
use crate::teams::reference_from_activity;
use crate::{unreachable, RelayError};

pub const DEFAULT_METADATA_URL: &str =
    "https://login.botframework.com/v1/.well-known/openidconfiguration";
pub const ISSUER: &str = "https://api.botframework.com";
const SERVICE: &str = "Bot Framework";
/// Signing keys are re-read this often.
const KEYS_TTL: Duration = Duration::from_secs(24 * 3600);
/// An unknown key id re-reads the keys, but no more often than this:
/// unauthenticated requests must not make us hammer the identity provider.
const UNKNOWN_KID_REFETCH: Duration = Duration::from_secs(300);

#[derive(Debug, Clone)]
struct Jwk {
    kid: String,
    n: String,
    e: String,
    endorsements: Vec<String>,
}

impl Jwk {
    /// An RSA signing key; anything else in the set (EC keys, keys for
    /// encryption, entries without a kid) is skipped, not fatal.
    fn from_value(v: &Value) -> Option<Jwk> {
        if v.get("kty")
            .and_then(Value::as_str)
            .is_some_and(|k| k != "RSA")
        {
            return None;
        }
        if v.get("use")
            .and_then(Value::as_str)
            .is_some_and(|u| u != "sig")
        {
            return None;
        }
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        Some(Jwk {
            kid: s("kid")?,
            n: s("n")?,
            e: s("e")?,
            endorsements: v
                .get("endorsements")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
        })
    }
}

#[derive(Debug, Deserialize)]
struct Claims {
    /// Microsoft's spelling (and every Bot Framework SDK's): lower case.
    #[serde(default)]
    serviceurl: Option<String>,
    /// A string equal to the app id: the SDK compares the claim as it is,
    /// so an array holding the app id is refused there too.
    #[serde(default)]
    aud: Value,
}

#[derive(Default)]
struct KeyCache {
    keys: Vec<Jwk>,
    fetched: Option<Instant>,
}

/// Validates Bot Framework tokens for one bot.
pub struct BotAuth {
    http: reqwest::Client,
    metadata_url: String,
    app_id: String,
    keys: tokio::sync::Mutex<KeyCache>,
    /// How many times the keys were read, for tests and diagnostics.
    pub key_fetches: std::sync::atomic::AtomicU64,
}

fn refused(why: &str) -> RelayError {
    RelayError::Unauthorized(why.to_string())
}

impl BotAuth {
    pub fn new(metadata_url: &str, app_id: &str) -> Self {
        Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(15))
                .build()
                .unwrap_or_default(),
            metadata_url: metadata_url.to_string(),
            app_id: app_id.to_string(),
            keys: tokio::sync::Mutex::new(KeyCache::default()),
            key_fetches: std::sync::atomic::AtomicU64::new(0),
        }
    }

    async fn get_json(&self, url: &str) -> Result<Value, RelayError> {
        self.http
            .get(url)
            .send()
            .await
            .map_err(|e| unreachable(SERVICE, e))?
            .json()
            .await
            .map_err(|e| RelayError::Malformed {
                service: SERVICE,
                message: e.without_url().to_string(),
            })
    }

    async fn fetch_keys(&self) -> Result<Vec<Jwk>, RelayError> {
        self.key_fetches
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let meta = self.get_json(&self.metadata_url).await?;
        let jwks_uri = meta["jwks_uri"]
            .as_str()
            .ok_or_else(|| RelayError::Malformed {
                service: SERVICE,
                message: "the OpenID metadata has no jwks_uri".into(),
            })?;
        let jwks = self.get_json(jwks_uri).await?;
        let Some(all) = jwks["keys"].as_array() else {
            return Err(RelayError::Malformed {
                service: SERVICE,
                message: "the key set has no keys".into(),
            });
        };
        Ok(all.iter().filter_map(Jwk::from_value).collect())
    }

    async fn key(&self, kid: &str) -> Result<Jwk, RelayError> {
        // One fetch at a time: a burst of requests waits for it.
        let mut cache = self.keys.lock().await;
        let age = cache.fetched.map(|at| at.elapsed());
        let stale = age.is_none_or(|a| a >= KEYS_TTL);
        let known = cache.keys.iter().any(|k| k.kid == kid);
        // Unknown kid: the keys may have rolled over; read them again, but
        // not more often than UNKNOWN_KID_REFETCH.
        if stale || (!known && age.is_none_or(|a| a >= UNKNOWN_KID_REFETCH)) {
            match self.fetch_keys().await {
                Ok(keys) => {
                    cache.keys = keys;
                    cache.fetched = Some(Instant::now());
                }
                // Keep the keys we have; an outage of the identity
                // provider must not lock out valid requests.
                Err(e) if !cache.keys.is_empty() => {
                    tracing::warn!(error = %e, "cannot refresh the Bot Framework keys; using the cached ones");
                    cache.fetched = Some(Instant::now());
                }
                Err(e) => return Err(e),
            }
        }
        cache
            .keys
            .iter()
            .find(|k| k.kid == kid)
            .cloned()
            .ok_or_else(|| refused("signed by an unknown key"))
    }

    /// Check the request's `Authorization` header against the activity.
    pub async fn validate(
        &self,
        authorization: Option<&str>,
        activity: &Value,
    ) -> Result<(), RelayError> {
        let token = authorization
            .and_then(|h| h.strip_prefix("Bearer "))
            .ok_or_else(|| refused("no bearer token"))?;
        let header = jsonwebtoken::decode_header(token).map_err(|_| refused("not a JWT"))?;
        if header.alg != jsonwebtoken::Algorithm::RS256 {
            return Err(refused("not RS256"));
        }
        let kid = header.kid.ok_or_else(|| refused("no key id"))?;
        let jwk = self.key(&kid).await?;
        let channel = activity["channelId"].as_str().unwrap_or("").trim();
        if channel.is_empty() {
            return Err(refused("the activity names no channel"));
        }
        // Stricter than the SDK, which lets an unendorsed key sign for any
        // channel: Microsoft's keys all carry endorsements.
        if !jwk.endorsements.iter().any(|e| e == channel) {
            return Err(refused("the key is not endorsed for this channel"));
        }
        let key = jsonwebtoken::DecodingKey::from_rsa_components(&jwk.n, &jwk.e)
            .map_err(|_| refused("a signing key cannot be read"))?;
        let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
        v.set_issuer(&[ISSUER]);
        // The audience is compared below, as the SDK compares it.
        v.validate_aud = false;
        v.leeway = 300;
        v.validate_nbf = true;
        v.set_required_spec_claims(&["exp", "iss"]);
        let data = jsonwebtoken::decode::<Claims>(token, &key, &v)
            .map_err(|e| refused(&format!("invalid token ({:?})", e.kind())))?;
        if data.claims.aud.as_str() != Some(self.app_id.as_str()) {
            return Err(refused("the token is for another bot"));
        }
        let activity_url = activity["serviceUrl"].as_str();
        if activity_url.is_none() || data.claims.serviceurl.as_deref() != activity_url {
            return Err(refused("the token's serviceurl is not the activity's"));
        }
        Ok(())
    }
}

/// The conversation in words: its name (channels, group chats) or whom the
/// personal chat is with.
fn place_of(activity: &Value) -> String {
    let c = &activity["conversation"];
    let named = |v: &Value| {
        v.as_str()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string)
    };
    if let Some(name) = named(&c["name"]) {
        return name;
    }
    // Channel activities name the team (and a channel other than General)
    // in channelData, when Teams knows them.
    let data = &activity["channelData"];
    if let Some(team) = named(&data["team"]["name"]) {
        return match named(&data["channel"]["name"]) {
            Some(channel) => format!("{team} › {channel}"),
            None => team,
        };
    }
    let who = activity["from"]["name"]
        .as_str()
        .or(activity["from"]["id"].as_str())
        .unwrap_or("someone");
    match c["conversationType"].as_str() {
        Some("personal") => format!("chat with {who}"),
        Some("channel") => "a channel".into(),
        _ => "a group chat".into(),
    }
}

/// An inbound message from a validated activity (`None`: not a message).
pub fn message_from_activity(activity: &Value) -> Result<Option<InboundMessage>, RelayError> {
    if activity["type"] != "message" {
        return Ok(None);
    }
    let reference = reference_from_activity(activity)?;
    let from = activity["from"]["id"]
        .as_str()
        .ok_or_else(|| RelayError::Malformed {
            service: SERVICE,
            message: "the activity has no from.id".into(),
        })?;
    // In channels the bot is addressed as <at>Bot</at>; that mention is
    // how it was reached, not part of the command.
    let mut text = activity["text"].as_str().unwrap_or("").to_string();
    while let (Some(a), Some(b)) = (text.find("<at>"), text.find("</at>")) {
        if b < a {
            break;
        }
        text.replace_range(a..b + 5, "");
    }
    Ok(Some(InboundMessage {
        origin: Destination::Teams(reference),
        user_id: format!("teams:{from}"),
        user_name: activity["from"]["name"].as_str().map(str::to_string),
        text: text.trim().to_string(),
        place: place_of(activity),
        direct: activity["conversation"]["conversationType"] == "personal",
    }))
}

/// What a validated activity tells the relay: a message; that the bot is
/// now in the conversation (a `conversationUpdate` adding members, which
/// Teams sends only to a bot in that team or chat, or an
/// `installationUpdate` adding the app), so it can be shared to before
/// anyone there has written to the bot; or that the bot was removed (or
/// the app uninstalled). Anything else: `None`.
pub fn inbound_from_activity(activity: &Value) -> Result<Option<Inbound>, RelayError> {
    #[derive(PartialEq)]
    enum Change {
        Joined,
        Left,
    }
    let bot = activity["recipient"]["id"].as_str();
    let lists_bot = |members: &Value| {
        members
            .as_array()
            .is_some_and(|m| m.iter().any(|x| bot.is_some_and(|b| x["id"] == b)))
    };
    let action = activity["action"].as_str().unwrap_or("");
    let change = match activity["type"].as_str() {
        Some("message") => return Ok(message_from_activity(activity)?.map(Inbound::from)),
        Some("conversationUpdate") if lists_bot(&activity["membersRemoved"]) => Change::Left,
        Some("conversationUpdate")
            if activity["membersAdded"]
                .as_array()
                .is_some_and(|m| !m.is_empty()) =>
        {
            Change::Joined
        }
        Some("installationUpdate") if action == "add" || action.starts_with("add-") => {
            Change::Joined
        }
        Some("installationUpdate") if action == "remove" || action.starts_with("remove-") => {
            Change::Left
        }
        _ => return Ok(None),
    };
    let conversation = Destination::Teams(reference_from_activity(activity)?).conversation();
    Ok(Some(match change {
        Change::Joined => Inbound::Joined {
            conversation,
            place: place_of(activity),
        },
        Change::Left => Inbound::Left { conversation },
    }))
}

struct Endpoint {
    auth: BotAuth,
    inbound: mpsc::Sender<Inbound>,
    body_timeout: Duration,
}

/// The largest activity read (Bot Framework's are a few kilobytes).
const MAX_BODY: usize = 2 * 1024 * 1024;

async fn messages(
    State(ep): State<Arc<Endpoint>>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> StatusCode {
    // Headers first, then the whole body within its own deadline: a client
    // that trickles its body does not hold a connection for long.
    let body =
        match tokio::time::timeout(ep.body_timeout, axum::body::to_bytes(body, MAX_BODY)).await {
            Ok(Ok(b)) => b,
            Ok(Err(_)) => return StatusCode::PAYLOAD_TOO_LARGE,
            Err(_) => return StatusCode::REQUEST_TIMEOUT,
        };
    let Ok(activity) = serde_json::from_slice::<Value>(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
    if let Err(e) = ep.auth.validate(auth, &activity).await {
        // Logged for the user; the caller learns nothing.
        tracing::warn!(error = %e, "Bot Framework request refused");
        return match e {
            RelayError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            _ => StatusCode::SERVICE_UNAVAILABLE,
        };
    }
    match inbound_from_activity(&activity) {
        Ok(Some(m)) => {
            if ep.inbound.send(m).await.is_err() {
                return StatusCode::SERVICE_UNAVAILABLE;
            }
            StatusCode::OK
        }
        Ok(None) => StatusCode::OK,
        Err(_) => StatusCode::BAD_REQUEST,
    }
}

/// What one client can hold of the endpoint.
#[derive(Debug, Clone)]
pub struct EndpointLimits {
    /// Open connections at once; more are closed on arrival.
    pub max_connections: usize,
    /// Open connections from one address at once (a tunnel's is one
    /// address: Bot Framework's traffic is light).
    pub max_per_peer: usize,
    /// A request's headers must arrive within this.
    pub header_timeout: Duration,
    /// And its body within this, once the headers are in.
    pub body_timeout: Duration,
    /// A connection is closed after this, whatever it is doing (a Bot
    /// Framework request is answered in well under a second).
    pub connection_lifetime: Duration,
}

impl Default for EndpointLimits {
    fn default() -> Self {
        Self {
            max_connections: 64,
            max_per_peer: 16,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            connection_lifetime: Duration::from_secs(60),
        }
    }
}

/// Serve `POST /api/messages` on `listener` until cancelled.
pub async fn serve(
    listener: tokio::net::TcpListener,
    auth: BotAuth,
    inbound: mpsc::Sender<Inbound>,
    cancel: CancellationToken,
) -> std::io::Result<()> {
    serve_with_limits(listener, auth, inbound, cancel, EndpointLimits::default()).await
}

/// [`serve`] with chosen limits.
pub async fn serve_with_limits(
    listener: tokio::net::TcpListener,
    auth: BotAuth,
    inbound: mpsc::Sender<Inbound>,
    cancel: CancellationToken,
    limits: EndpointLimits,
) -> std::io::Result<()> {
    let app = axum::Router::new()
        .route("/api/messages", post(messages))
        .with_state(Arc::new(Endpoint {
            auth,
            inbound,
            body_timeout: limits.body_timeout,
        }));
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    let peers: Peers = Arc::default();
    loop {
        let (socket, peer) = tokio::select! {
            _ = cancel.cancelled() => return Ok(()),
            r = listener.accept() => match r {
                Ok(s) => s,
                // Out of file descriptors and the like: pause, do not spin.
                Err(e) => {
                    tracing::warn!(error = %e, "Teams endpoint cannot accept");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            drop(socket);
            continue;
        };
        // One address cannot take every slot.
        let Some(peer_slot) = PeerSlot::take(&peers, peer.ip(), limits.max_per_peer) else {
            tracing::warn!(peer = %peer.ip(), "Teams endpoint: too many connections from one address");
            drop(socket);
            continue;
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let limits = limits.clone();
        let cancel = cancel.clone();
        tokio::spawn(async move {
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .serve_connection(hyper_util::rt::TokioIo::new(socket), service);
            tokio::select! {
                _ = cancel.cancelled() => {}
                _ = tokio::time::timeout(limits.connection_lifetime, conn) => {}
            }
            drop(peer_slot);
            drop(slot);
        });
    }
}

type Peers = Arc<std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, usize>>>;

/// One of an address's connections, given back when dropped.
struct PeerSlot {
    peers: Peers,
    ip: std::net::IpAddr,
}

impl PeerSlot {
    fn take(peers: &Peers, ip: std::net::IpAddr, max: usize) -> Option<Self> {
        let mut p = peers.lock().unwrap_or_else(|e| e.into_inner());
        let n = p.entry(ip).or_default();
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(Self {
            peers: Arc::clone(peers),
            ip,
        })
    }
}

impl Drop for PeerSlot {
    fn drop(&mut self) {
        let mut p = self.peers.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = p.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                p.remove(&self.ip);
            }
        }
    }
}

/// Bind the endpoint's address (the user's tunnel points here).
pub async fn bind(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_channel_mention_is_not_part_of_the_command() {
        let a = json!({"type": "message", "id": "1", "serviceUrl": "https://smba.example/", "from": {"id": "29:u", "name": "U"},
                       "conversation": {"id": "19:c@thread.tacv2", "conversationType": "channel"}, "text": "<at>Stormdesk</at> deploy web to prod"});
        let m = message_from_activity(&a).unwrap().unwrap();
        assert_eq!(m.text, "deploy web to prod");
        assert!(!m.direct);
        assert_eq!(m.user_id, "teams:29:u");
        assert_eq!(m.place, "a channel");
        let mut named = a.clone();
        named["conversation"]["name"] = json!("Ops");
        assert_eq!(message_from_activity(&named).unwrap().unwrap().place, "Ops");
        let mut personal = a;
        personal["conversation"]["conversationType"] = json!("personal");
        assert_eq!(
            message_from_activity(&personal).unwrap().unwrap().place,
            "chat with U"
        );
        assert!(
            message_from_activity(&json!({"type": "conversationUpdate"}))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn the_bot_added_to_a_team_or_chat_makes_the_conversation_known() {
        // As Teams sends it when the app is added to a team: the team's
        // General channel, named in channelData.
        let added = json!({"type": "conversationUpdate", "id": "f:1", "serviceUrl": "https://smba.example/emea/",
            "membersAdded": [{"id": "28:bot"}], "recipient": {"id": "28:bot", "name": "Stormdesk"},
            "from": {"id": "29:ana"},
            "conversation": {"isGroup": true, "conversationType": "channel", "id": "19:gen@thread.tacv2", "tenantId": "t1"},
            "channelData": {"team": {"id": "19:gen@thread.tacv2", "name": "Ops"}, "eventType": "teamMemberAdded", "tenant": {"id": "t1"}}});
        let Some(Inbound::Joined {
            conversation,
            place,
        }) = inbound_from_activity(&added).unwrap()
        else {
            panic!("not joined");
        };
        assert_eq!(place, "Ops");
        let Destination::Teams(r) = conversation else {
            panic!("not Teams");
        };
        assert_eq!(
            (
                r.conversation_id.as_str(),
                r.tenant_id.as_deref(),
                r.activity_id
            ),
            ("19:gen@thread.tacv2", Some("t1"), None),
            "the conversation, never the update's activity"
        );
        let mut channel = added.clone();
        channel["channelData"]["channel"] = json!({"id": "19:dep@thread.tacv2", "name": "Deploys"});
        assert!(matches!(
            inbound_from_activity(&channel).unwrap(),
            Some(Inbound::Joined { place, .. }) if place == "Ops › Deploys"
        ));
        // Installed for one person: their chat with the bot.
        let installed = json!({"type": "installationUpdate", "action": "add", "serviceUrl": "https://smba.example/",
            "from": {"id": "29:ana", "name": "Ana"}, "conversation": {"conversationType": "personal", "id": "a:1"}});
        assert!(matches!(
            inbound_from_activity(&installed).unwrap(),
            Some(Inbound::Joined { place, .. }) if place == "chat with Ana"
        ));
        // The bot removed, the app uninstalled: left. Someone else leaving,
        // and other activities, say nothing.
        let mut removed = added.clone();
        removed.as_object_mut().unwrap().remove("membersAdded");
        removed["membersRemoved"] = json!([{"id": "28:bot"}]);
        assert!(matches!(
            inbound_from_activity(&removed).unwrap(),
            Some(Inbound::Left { conversation: Destination::Teams(r) }) if r.conversation_id == "19:gen@thread.tacv2" && r.activity_id.is_none()
        ));
        let mut uninstalled = installed.clone();
        uninstalled["action"] = json!("remove");
        assert!(matches!(
            inbound_from_activity(&uninstalled).unwrap(),
            Some(Inbound::Left { .. })
        ));
        let mut someone_left = removed.clone();
        someone_left["membersRemoved"] = json!([{"id": "29:ana"}]);
        for a in [someone_left, json!({"type": "typing"})] {
            assert_eq!(inbound_from_activity(&a).unwrap(), None, "{a}");
        }
        let mut message = added.clone();
        message["type"] = json!("message");
        message["text"] = json!("genpass");
        assert!(matches!(
            inbound_from_activity(&message).unwrap(),
            Some(Inbound::Message(m)) if m.text == "genpass" && m.place == "Ops"
        ));
        let mut no_conversation = added;
        no_conversation
            .as_object_mut()
            .unwrap()
            .remove("conversation");
        assert!(inbound_from_activity(&no_conversation).is_err());
    }
}
