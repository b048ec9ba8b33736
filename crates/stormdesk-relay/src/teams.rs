//! MS Teams out: Bot Framework proactive messages to a stored conversation
//! reference (OAuth client-credentials token, `POST {serviceUrl}/v3/
//! conversations/{id}/activities`, or `…/activities/{activityId}` to reply
//! in that thread), and Workflows / incoming webhooks with an Adaptive Card.
//! In: the conversation reference read from an inbound activity — the piece
//! the seed's err-stackstorm never sent to StackStorm.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use stormdesk_client::Secret;
use stormdesk_routing::TeamsReference;
use tokio::sync::Mutex;

use crate::split::split_message;
use crate::{unreachable, RelayError};

pub const DEFAULT_TOKEN_URL: &str =
    "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token";
pub const SCOPE: &str = "https://api.botframework.com/.default";
/// Characters per message part (Teams refuses activities over ~28 KB).
pub const PART_LIMIT: usize = 20_000;
const SERVICE: &str = "MS Teams";
/// Renew the connector token this long before it expires.
const RENEW_BEFORE: Duration = Duration::from_secs(300);

/// The bot's identity and where to get its tokens.
pub struct TeamsBot {
    http: reqwest::Client,
    token_url: String,
    app_id: String,
    app_password: Secret,
    token: Mutex<Option<(Secret, Instant)>>,
}

impl std::fmt::Debug for TeamsBot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TeamsBot")
            .field("token_url", &self.token_url)
            .field("app_id", &self.app_id)
            .finish_non_exhaustive()
    }
}

/// The conversation reference of an inbound activity: service URL,
/// conversation id, tenant, and the activity id to reply to.
pub fn reference_from_activity(activity: &Value) -> Result<TeamsReference, RelayError> {
    let bad = |what: &str| RelayError::Malformed {
        service: SERVICE,
        message: format!("the activity has no {what}"),
    };
    let service_url = activity["serviceUrl"]
        .as_str()
        .ok_or_else(|| bad("serviceUrl"))?;
    let conversation_id = activity["conversation"]["id"]
        .as_str()
        .ok_or_else(|| bad("conversation.id"))?;
    let tenant = activity["conversation"]["tenantId"]
        .as_str()
        .or_else(|| activity["channelData"]["tenant"]["id"].as_str());
    Ok(TeamsReference {
        service_url: service_url.to_string(),
        conversation_id: conversation_id.to_string(),
        tenant_id: tenant.map(str::to_string),
        activity_id: activity["id"].as_str().map(str::to_string),
    })
}

/// Everything but unreserved characters and `:`/`@` (kept, as the seed's
/// connector URL shows them) is escaped in an id path segment.
const ID_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b':')
    .remove(b'@');

/// `{serviceUrl}/v3/conversations/{id}/activities[/{activityId}]`, with the
/// ids escaped as single path segments (Teams ids hold `;`, `=`, even `/`).
pub fn activities_url(r: &TeamsReference) -> Result<url::Url, RelayError> {
    let base = url::Url::parse(&r.service_url).map_err(|e| RelayError::Malformed {
        service: SERVICE,
        message: format!("serviceUrl: {e}"),
    })?;
    // The bot's token goes with every post: https only, except to this
    // machine (the Bot Framework Emulator, tests).
    let loopback = match base.host() {
        Some(url::Host::Ipv4(a)) => a.is_loopback(),
        Some(url::Host::Ipv6(a)) => a.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    if !(base.scheme() == "https" || (base.scheme() == "http" && loopback)) {
        return Err(RelayError::Malformed {
            service: SERVICE,
            message: format!(
                "serviceUrl must be https (plain http only to this machine), not {}://{}",
                base.scheme(),
                base.host_str().unwrap_or("")
            ),
        });
    }
    let seg = |s: &str| percent_encoding::utf8_percent_encode(s, ID_SEGMENT).to_string();
    let mut text = format!(
        "{}/v3/conversations/{}/activities",
        base.as_str().trim_end_matches('/'),
        seg(&r.conversation_id)
    );
    if let Some(a) = &r.activity_id {
        text.push('/');
        text.push_str(&seg(a));
    }
    url::Url::parse(&text).map_err(|e| RelayError::Malformed {
        service: SERVICE,
        message: format!("conversation URL: {e}"),
    })
}

/// The message activity(ies) for `text`, as plain text (never rendered as
/// markup), replying to the reference's activity when there is one.
pub fn message_activities(r: &TeamsReference, text: &str) -> Vec<Value> {
    split_message(text, PART_LIMIT)
        .into_iter()
        .map(|part| {
            let mut a = json!({
                "type": "message",
                "text": part,
                "textFormat": "plain",
                "conversation": {"id": r.conversation_id},
            });
            if let Some(id) = &r.activity_id {
                a["replyToId"] = json!(id);
            }
            a
        })
        .collect()
}

/// An Adaptive Card message for a Workflows / incoming webhook.
pub fn adaptive_card(title: Option<&str>, text: &str) -> Value {
    let mut body = Vec::new();
    // An empty TextBlock is no TextBlock to Adaptive Cards (the parser
    // drops its text): no empty title, and empty output said in words.
    if let Some(t) = title.filter(|t| !t.trim().is_empty()) {
        body.push(json!({"type": "TextBlock", "text": t, "weight": "Bolder", "wrap": true}));
    }
    let text = if text.trim().is_empty() {
        "(no output)"
    } else {
        text
    };
    body.push(json!({"type": "TextBlock", "text": text, "wrap": true, "fontType": "Monospace"}));
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": body,
            }
        }]
    })
}

impl TeamsBot {
    pub fn new(token_url: &str, app_id: &str, app_password: Secret) -> Self {
        Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap_or_default(),
            token_url: token_url.to_string(),
            app_id: app_id.to_string(),
            app_password,
            token: Mutex::new(None),
        }
    }

    /// A connector token (client credentials), cached until shortly before
    /// it expires.
    async fn token(&self) -> Result<Secret, RelayError> {
        let mut cached = self.token.lock().await;
        if let Some((t, until)) = cached.as_ref() {
            if Instant::now() < *until {
                return Ok(t.clone());
            }
        }
        let resp = self
            .http
            .post(&self.token_url)
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", self.app_id.as_str()),
                ("client_secret", self.app_password.expose()),
                ("scope", SCOPE),
            ])
            .send()
            .await
            .map_err(|e| unreachable(SERVICE, e))?;
        let status = resp.status();
        let v: Value = resp.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            // error_description never echoes the client secret.
            return Err(RelayError::Refused {
                service: SERVICE,
                message: format!(
                    "the bot's sign-in was refused (HTTP {status}): {}",
                    v["error_description"]
                        .as_str()
                        .or(v["error"].as_str())
                        .unwrap_or("no reason given")
                ),
            });
        }
        let token = v["access_token"]
            .as_str()
            .ok_or_else(|| RelayError::Malformed {
                service: SERVICE,
                message: "the token response has no access_token".into(),
            })?;
        let ttl = Duration::from_secs(v["expires_in"].as_u64().unwrap_or(3600));
        let until = Instant::now() + ttl.saturating_sub(RENEW_BEFORE);
        let t = Secret::new(token);
        *cached = Some((t.clone(), until));
        Ok(t)
    }

    /// Send `text` to the conversation (reply in its thread when the
    /// reference has an activity id); returns the new activities' ids. A
    /// 401 drops the cached token and tries once more.
    pub async fn send(&self, r: &TeamsReference, text: &str) -> Result<Vec<String>, RelayError> {
        let url = activities_url(r)?;
        let mut ids = Vec::new();
        for activity in message_activities(r, text) {
            let mut renewed = false;
            loop {
                let token = self.token().await?;
                let resp = self
                    .http
                    .post(url.clone())
                    .bearer_auth(token.expose())
                    .json(&activity)
                    .send()
                    .await
                    .map_err(|e| unreachable(SERVICE, e))?;
                let status = resp.status();
                if status == reqwest::StatusCode::UNAUTHORIZED && !renewed {
                    renewed = true;
                    *self.token.lock().await = None;
                    continue;
                }
                let v: Value = resp.json().await.unwrap_or(Value::Null);
                if !status.is_success() {
                    return Err(RelayError::Refused {
                        service: SERVICE,
                        message: format!(
                            "HTTP {status}: {}",
                            v["error"]["message"].as_str().unwrap_or("no reason given")
                        ),
                    });
                }
                ids.push(v["id"].as_str().unwrap_or_default().to_string());
                break;
            }
        }
        Ok(ids)
    }
}

/// Post an Adaptive Card through a Workflows / incoming webhook (the URL is
/// the secret).
pub async fn post_webhook(url: &Secret, title: Option<&str>, text: &str) -> Result<(), RelayError> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap_or_default();
    let resp = http
        .post(url.expose())
        .json(&adaptive_card(title, text))
        .send()
        .await
        .map_err(|e| unreachable(SERVICE, e))?;
    let status = resp.status();
    if !status.is_success() {
        let body = resp.text().await.unwrap_or_default();
        return Err(RelayError::Refused {
            service: SERVICE,
            message: format!("HTTP {status}: {}", body.trim()),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seed's conversation, as Bot Framework delivers it.
    fn seed_activity() -> Value {
        json!({
            "type": "message",
            "id": "1625148352141",
            "serviceUrl": "https://smba.trafficmanager.net/emea/",
            "channelId": "msteams",
            "from": {"id": "29:1pm0yCoquliuVpq6Y_sCJ4xyDcl4fF3tCGUjfsixDb1VlQZtjSUOFsYPuEQFkr-n8eZgYnHSyCqUU4Fydi3mizA", "name": "FirstName Surname"},
            "recipient": {"id": "28:862d35f5-8de3-4200-8af0-31da71510155", "name": "username_nick"},
            "conversation": {"id": "a:1tjtnFy9YhaDQe_FWcXBL_wC4CsaRSs4EG6OedQ_6OmEwUqzey76DQLoEkAkJBYq5hKtQX0utNbtJXc-Ow0XfSFsKTxrAAy5D7atE7Ydo6T6E3droyiKiYsjkC6876Rpu", "conversationType": "personal", "tenantId": "tenant-1"},
            "text": "pwgen"
        })
    }

    #[test]
    fn the_seeds_activity_gives_the_url_the_seed_posted_to() {
        let r = reference_from_activity(&seed_activity()).unwrap();
        assert_eq!(r.tenant_id.as_deref(), Some("tenant-1"));
        assert_eq!(
            activities_url(&r).unwrap().as_str(),
            "https://smba.trafficmanager.net/emea/v3/conversations/a:1tjtnFy9YhaDQe_FWcXBL_wC4CsaRSs4EG6OedQ_6OmEwUqzey76DQLoEkAkJBYq5hKtQX0utNbtJXc-Ow0XfSFsKTxrAAy5D7atE7Ydo6T6E3droyiKiYsjkC6876Rpu/activities/1625148352141"
        );
        let a = message_activities(&r, "<b>x</b>");
        assert_eq!(a[0]["replyToId"], "1625148352141");
        assert_eq!(a[0]["textFormat"], "plain");
    }

    #[test]
    fn the_bot_token_goes_over_https_only_except_to_this_machine() {
        let at = |url: &str| TeamsReference {
            service_url: url.into(),
            conversation_id: "a:1".into(),
            tenant_id: None,
            activity_id: None,
        };
        for bad in [
            "http://smba.trafficmanager.net/emea/",
            "http://10.0.0.8/",
            "ftp://smba.example/",
            "file:///etc/",
        ] {
            let e = activities_url(&at(bad)).unwrap_err().to_string();
            assert!(e.contains("must be https"), "{bad}: {e}");
        }
        for ok in [
            "https://smba.trafficmanager.net/emea/",
            "http://127.0.0.1:3978/",
            "http://localhost:9000/",
        ] {
            assert!(activities_url(&at(ok)).is_ok(), "{ok}");
        }
    }

    #[test]
    fn channel_thread_ids_are_escaped_as_one_segment() {
        let r = TeamsReference {
            service_url: "https://smba.example/amer".into(),
            conversation_id: "19:abc@thread.tacv2;messageid=17".into(),
            tenant_id: None,
            activity_id: None,
        };
        let u = activities_url(&r).unwrap();
        assert_eq!(
            u.path(),
            "/amer/v3/conversations/19:abc@thread.tacv2%3Bmessageid%3D17/activities"
        );
        let odd = TeamsReference {
            conversation_id: "a/b?c#d".into(),
            ..r
        };
        assert_eq!(
            activities_url(&odd).unwrap().path(),
            "/amer/v3/conversations/a%2Fb%3Fc%23d/activities"
        );
    }

    #[test]
    fn an_activity_without_a_conversation_is_a_clear_error() {
        let mut a = seed_activity();
        a["conversation"] = Value::Null;
        let e = reference_from_activity(&a).unwrap_err();
        assert!(e.to_string().contains("conversation.id"), "{e}");
    }

    #[test]
    fn the_card_holds_the_text_as_a_text_block() {
        let c = adaptive_card(Some("ops.deploy succeeded"), "<script>x</script>");
        let body = &c["attachments"][0]["content"]["body"];
        assert_eq!(body[1]["text"], "<script>x</script>");
        assert_eq!(
            c["attachments"][0]["contentType"],
            "application/vnd.microsoft.card.adaptive"
        );
    }
}
