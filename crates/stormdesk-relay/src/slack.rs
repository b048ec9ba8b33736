//! Slack out: Web API `chat.postMessage` with a bot token, or an incoming
//! webhook. Long messages are split (Slack truncates `text` after 40,000
//! characters and recommends at most 4,000); `429` with `Retry-After` is
//! obeyed; `extra.slack` (as hubot-stackstorm uses it) becomes attachments
//! or blocks.

use std::time::Duration;

use reqwest::{Response, StatusCode};
use serde_json::{json, Map, Value};
use stormdesk_client::Secret;

use crate::split::split_message;
use crate::{unreachable, RelayError};

pub const DEFAULT_API: &str = "https://slack.com/api";
/// Characters per message part.
pub const PART_LIMIT: usize = 4000;
const SERVICE: &str = "Slack";

/// How many times a rate-limited call is retried after waiting.
const RETRIES: usize = 3;
/// Never wait longer than this for one Retry-After.
const MAX_WAIT: Duration = Duration::from_secs(60);

#[derive(Debug, Clone)]
pub struct SlackClient {
    http: reqwest::Client,
    api: String,
    bot_token: Secret,
}

/// One message as posted: where, and Slack's timestamp (its id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posted {
    pub channel: String,
    pub ts: String,
}

/// The JSON body(ies) for a message: text, thread, `extra.slack`.
pub fn message_bodies(
    channel: &str,
    thread_ts: Option<&str>,
    text: &str,
    extra: &Value,
) -> Vec<Value> {
    let slack = extra.get("slack").and_then(Value::as_object);
    split_message(text, PART_LIMIT)
        .into_iter()
        .map(|part| {
            let mut body = Map::new();
            body.insert("channel".into(), json!(channel));
            if let Some(ts) = thread_ts {
                body.insert("thread_ts".into(), json!(ts));
            }
            match slack {
                Some(s) if s.contains_key("blocks") || s.contains_key("attachments") => {
                    // Blocks/attachments given whole: Slack shows them; the
                    // text is the notification fallback.
                    for k in ["blocks", "attachments"] {
                        if let Some(v) = s.get(k) {
                            body.insert(k.into(), v.clone());
                        }
                    }
                    body.insert("text".into(), json!(part));
                }
                Some(s) => {
                    // hubot-stackstorm: extra.slack is one attachment's
                    // settings (color, pretext, fields, …) around the text.
                    let mut a = s.clone();
                    a.insert("text".into(), json!(part));
                    a.entry("fallback").or_insert(json!(part));
                    a.entry("mrkdwn_in").or_insert(json!(["text", "pretext"]));
                    body.insert("attachments".into(), json!([a]));
                    body.insert("text".into(), json!(""));
                }
                None => {
                    body.insert("text".into(), json!(part));
                }
            }
            Value::Object(body)
        })
        .collect()
}

fn retry_after(resp: &Response) -> Duration {
    resp.headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
        .unwrap_or(Duration::from_secs(1))
        .min(MAX_WAIT)
}

/// Send, waiting out `429 Retry-After` up to [`RETRIES`] times.
async fn send_obeying_rate_limits(
    mut make: impl FnMut() -> reqwest::RequestBuilder,
) -> Result<Response, RelayError> {
    let mut waited = 0;
    loop {
        let resp = make().send().await.map_err(|e| unreachable(SERVICE, e))?;
        if resp.status() != StatusCode::TOO_MANY_REQUESTS {
            return Ok(resp);
        }
        let wait = retry_after(&resp);
        if waited == RETRIES {
            return Err(RelayError::RateLimited {
                service: SERVICE,
                retry_after_s: wait.as_secs(),
            });
        }
        waited += 1;
        tracing::info!(wait_s = wait.as_secs(), "Slack rate limit: waiting");
        tokio::time::sleep(wait).await;
    }
}

impl SlackClient {
    /// `api`: Slack's Web API base (`https://slack.com/api`; a fake in tests).
    pub fn new(api: &str, bot_token: Secret) -> Self {
        Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap_or_default(),
            api: api.trim_end_matches('/').to_string(),
            bot_token,
        }
    }

    /// Post `text` into a channel (or thread), split as needed; returns
    /// every part as posted. Parts go in order; a failure stops the rest.
    pub async fn post_message(
        &self,
        channel: &str,
        thread_ts: Option<&str>,
        text: &str,
        extra: &Value,
    ) -> Result<Vec<Posted>, RelayError> {
        let url = format!("{}/chat.postMessage", self.api);
        let mut out = Vec::new();
        for body in message_bodies(channel, thread_ts, text, extra) {
            let resp = send_obeying_rate_limits(|| {
                self.http
                    .post(&url)
                    .bearer_auth(self.bot_token.expose())
                    .json(&body)
            })
            .await?;
            let status = resp.status();
            let v: Value = resp.json().await.map_err(|e| RelayError::Malformed {
                service: SERVICE,
                message: format!("HTTP {status}: {}", e.without_url()),
            })?;
            if v["ok"] != json!(true) {
                return Err(RelayError::Refused {
                    service: SERVICE,
                    message: v["error"].as_str().unwrap_or("unknown error").to_string(),
                });
            }
            out.push(Posted {
                channel: v["channel"].as_str().unwrap_or(channel).to_string(),
                ts: v["ts"].as_str().unwrap_or_default().to_string(),
            });
        }
        Ok(out)
    }

    /// A channel's name (`conversations.info`), for the share list: `None`
    /// when Slack will not say (a DM, the app lacks `channels:read` /
    /// `groups:read`), which is not an error worth showing.
    pub async fn channel_name(&self, channel: &str) -> Result<Option<String>, RelayError> {
        let url = format!("{}/conversations.info", self.api);
        let resp = send_obeying_rate_limits(|| {
            self.http
                .get(&url)
                .bearer_auth(self.bot_token.expose())
                .query(&[("channel", channel)])
        })
        .await?;
        let v: Value = resp.json().await.unwrap_or(Value::Null);
        if v["ok"] != json!(true) {
            tracing::debug!(error = %v["error"], "conversations.info: no name");
            return Ok(None);
        }
        Ok(v["channel"]["name"]
            .as_str()
            .filter(|n| !n.is_empty())
            .map(str::to_string))
    }
}

/// Post through an incoming webhook (the URL is the secret). Slack answers
/// `ok` as text, or an error word (`invalid_token`, `channel_not_found`…).
pub async fn post_webhook(url: &Secret, text: &str, extra: &Value) -> Result<usize, RelayError> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap_or_default();
    let bodies = message_bodies("", None, text, extra);
    let n = bodies.len();
    for mut body in bodies {
        // A webhook posts to its own channel.
        if let Some(o) = body.as_object_mut() {
            o.remove("channel");
        }
        let resp = send_obeying_rate_limits(|| http.post(url.expose()).json(&body)).await?;
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        if !status.is_success() {
            return Err(RelayError::Refused {
                service: SERVICE,
                message: format!("HTTP {status}: {}", text.trim()),
            });
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_slack_becomes_an_attachment_around_the_text() {
        let b = message_bodies(
            "C1",
            Some("1.2"),
            "hi",
            &json!({"slack": {"color": "#439FE0"}}),
        );
        assert_eq!(b.len(), 1);
        assert_eq!(b[0]["thread_ts"], "1.2");
        assert_eq!(b[0]["attachments"][0]["color"], "#439FE0");
        assert_eq!(b[0]["attachments"][0]["text"], "hi");
        assert_eq!(b[0]["attachments"][0]["fallback"], "hi");
        let blocks = message_bodies(
            "C1",
            None,
            "hi",
            &json!({"slack": {"blocks": [{"type": "divider"}]}}),
        );
        assert_eq!(blocks[0]["blocks"][0]["type"], "divider");
        assert_eq!(blocks[0]["text"], "hi");
        assert!(blocks[0].get("thread_ts").is_none());
        let plain = message_bodies("C1", None, "hi", &Value::Null);
        assert_eq!(plain[0], json!({"channel": "C1", "text": "hi"}));
    }

    #[test]
    fn the_token_never_prints() {
        let c = SlackClient::new(DEFAULT_API, Secret::new("xoxb-123-secret"));
        assert!(!format!("{c:?}").contains("xoxb"));
    }
}
