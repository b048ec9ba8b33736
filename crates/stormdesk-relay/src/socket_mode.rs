//! Slack in, through Socket Mode: an app-level token opens a WebSocket
//! (`apps.connections.open`), so the relay works behind NAT with no public
//! endpoint. Every envelope is acknowledged at once (Slack redelivers after
//! 3 s otherwise); each message runs once however often it arrives (as
//! `message` and `app_mention`, or retried); text is unescaped as
//! hubot-stackstorm reads it. `disconnect` (Slack's refresh), dropped
//! sockets and errors reconnect with jittered back-off (restarting only
//! after a healthy minute, waiting out Retry-After) until cancelled; only a
//! refused app token stops it, and says so.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use stormdesk_client::Secret;
use stormdesk_routing::Destination;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

use crate::inbound::{Inbound, InboundMessage};
use crate::{unreachable, LinkState, RelayError};

const SERVICE: &str = "Slack";

/// `apps.connections.open` errors that retrying cannot fix: the app token
/// is wrong, revoked, or not an app-level token with `connections:write`.
const AUTH_ERRORS: &[&str] = &[
    "not_authed",
    "invalid_auth",
    "account_inactive",
    "token_revoked",
    "token_expired",
    "not_allowed_token_type",
    "missing_scope",
    "no_permission",
];

/// The delay before reconnect `attempt` (1-based): 1 s doubling to 60 s,
/// in the upper half at random so many relays do not reconnect in step.
pub fn reconnect_delay(attempt: u32) -> Duration {
    let capped =
        Duration::from_secs(1u64 << attempt.saturating_sub(1).min(6)).min(Duration::from_secs(60));
    capped / 2 + capped.mul_f64(rand::random::<f64>() * 0.5)
}

/// A connection that lasted this long was healthy: the next drop starts
/// the back-off afresh.
const HEALTHY_AFTER: Duration = Duration::from_secs(60);

/// The message in a Socket Mode envelope, if it is one the relay reads:
/// a user's `message` (not a bot's, not an edit) or an `app_mention`.
/// Replies go to the message's thread (its own ts when it starts one).
pub fn message_from_envelope(env: &Value) -> Option<InboundMessage> {
    if env["type"] != "events_api" {
        return None;
    }
    let payload = &env["payload"];
    let event = &payload["event"];
    let kind = event["type"].as_str()?;
    if !matches!(kind, "message" | "app_mention") {
        return None;
    }
    // Our own replies come back as events too: never answer a bot.
    if event.get("bot_id").is_some_and(|b| !b.is_null())
        || event.get("subtype").is_some_and(|s| !s.is_null())
    {
        return None;
    }
    let channel = event["channel"].as_str()?;
    let user = event["user"].as_str()?;
    let ts = event["ts"].as_str()?;
    let team = event["team"]
        .as_str()
        .or(payload["team_id"].as_str())
        .unwrap_or("");
    let mut text = event["text"].as_str().unwrap_or("").trim().to_string();
    // An app_mention is addressed to the bot: the leading <@BOT> is how it
    // was reached, not part of the command. (Slack also sends the same
    // text as a `message` event; without the prefix that one is ignored,
    // so the command runs once.)
    let mentioned = kind == "app_mention";
    if mentioned && text.starts_with("<@") {
        if let Some(end) = text.find('>') {
            text = text[end + 1..].trim().to_string();
        }
    }
    let text = unescape_slack(&text);
    Some(InboundMessage {
        origin: Destination::Slack {
            team: team.to_string(),
            channel: channel.to_string(),
            thread_ts: Some(event["thread_ts"].as_str().unwrap_or(ts).to_string()),
        },
        user_id: format!("slack:{user}"),
        user_name: None,
        text,
        place: if event["channel_type"] == "im" {
            format!("direct messages with {user}")
        } else {
            format!("channel {channel}")
        },
        direct: mentioned || event["channel_type"] == "im",
    })
}

/// Slack's message text as the person typed it, the way hubot-slack and
/// hubot-stackstorm hand it to StackStorm: links and mentions unwrapped
/// (`<http://x|x>` → `x`, `<http://x>` → `http://x`, `<#C1|ops>` → `#ops`,
/// `<!here>` → `@here`, `<@U1>` → `@U1`), `&lt;` `&gt;` `&amp;` undone,
/// smart quotes made plain (Slack's clients curl the quotes a command's
/// parameters need), and non-breaking spaces made spaces.
pub fn unescape_slack(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('>') else {
            out.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let inner = &after[..close];
        let (target, label) = match inner.split_once('|') {
            Some((t, l)) => (t, Some(l)),
            None => (inner, None),
        };
        let shown = match target.chars().next() {
            Some('@') => format!(
                "@{}",
                label.map_or(&target[1..], |l| l.trim_start_matches('@'))
            ),
            Some('#') => format!("#{}", label.unwrap_or(&target[1..])),
            Some('!') => match label {
                Some(l) => l.to_string(),
                None => format!("@{}", target[1..].split('^').next().unwrap_or("")),
            },
            _ => {
                let bare = target.trim_start_matches("mailto:");
                match label {
                    // Slack linked what was typed: keep what was typed.
                    Some(l) => l.to_string(),
                    None => bare.to_string(),
                }
            }
        };
        out.push_str(&shown);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
        .replace(['\u{201c}', '\u{201d}'], "\"")
        .replace(['\u{2018}', '\u{2019}'], "'")
        .replace('\u{a0}', " ")
}

/// The key that makes one Slack message one command: its channel and ts.
/// The same message arrives as `message` and `app_mention` when it names
/// the bot, and again (`retry_attempt`) when an ack was late.
pub fn message_key(env: &Value) -> Option<String> {
    let event = &env["payload"]["event"];
    if !matches!(event["type"].as_str(), Some("message" | "app_mention")) {
        return None;
    }
    Some(format!(
        "{}:{}",
        event["channel"].as_str()?,
        event["ts"].as_str()?
    ))
}

/// The last messages seen, so each runs once.
#[derive(Default)]
pub struct SeenMessages {
    set: std::collections::HashSet<String>,
    order: std::collections::VecDeque<String>,
}

impl SeenMessages {
    const KEEP: usize = 2048;

    /// `true` the first time `key` is seen.
    pub fn first(&mut self, key: String) -> bool {
        if !self.set.insert(key.clone()) {
            return false;
        }
        self.order.push_back(key);
        if self.order.len() > Self::KEEP {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
        true
    }
}

/// What a Socket Mode envelope tells the relay: a message (see
/// [`message_from_envelope`]); `member_joined_channel`, which Slack sends
/// only for channels the bot is in (the bot was just added, or the channel
/// gained a member), so it can be shared to before anyone there has
/// addressed the bot; or `channel_left` / `group_left`: the bot is out.
pub fn inbound_from_envelope(env: &Value) -> Option<Inbound> {
    if let Some(m) = message_from_envelope(env) {
        return Some(m.into());
    }
    if env["type"] != "events_api" {
        return None;
    }
    let payload = &env["payload"];
    let event = &payload["event"];
    let kind = event["type"].as_str()?;
    if !matches!(
        kind,
        "member_joined_channel" | "channel_left" | "group_left"
    ) {
        return None;
    }
    let channel = event["channel"].as_str()?;
    let team = event["team"]
        .as_str()
        .or(payload["team_id"].as_str())
        .unwrap_or("");
    let conversation = Destination::Slack {
        team: team.to_string(),
        channel: channel.to_string(),
        thread_ts: None,
    };
    Some(if kind == "member_joined_channel" {
        Inbound::Joined {
            conversation,
            place: format!("channel {channel}"),
        }
    } else {
        // Sent to the bot itself: it left or was removed.
        Inbound::Left { conversation }
    })
}

/// `apps.connections.open`: a fresh WebSocket URL for this app.
pub async fn open_url(
    http: &reqwest::Client,
    api: &str,
    app_token: &Secret,
) -> Result<String, RelayError> {
    let resp = http
        .post(format!(
            "{}/apps.connections.open",
            api.trim_end_matches('/')
        ))
        .bearer_auth(app_token.expose())
        .send()
        .await
        .map_err(|e| unreachable(SERVICE, e))?;
    let status = resp.status();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let v: Value = resp.json().await.map_err(|e| RelayError::Malformed {
        service: SERVICE,
        message: e.without_url().to_string(),
    })?;
    if status == reqwest::StatusCode::TOO_MANY_REQUESTS || v["error"] == "ratelimited" {
        return Err(RelayError::RateLimited {
            service: SERVICE,
            retry_after_s: retry_after.unwrap_or(30),
        });
    }
    if v["ok"] != json!(true) {
        let error = v["error"].as_str().unwrap_or("unknown error");
        // Only a refused token is for good; anything else may pass.
        if !AUTH_ERRORS.contains(&error) {
            return Err(RelayError::Unreachable {
                service: SERVICE,
                message: format!("Socket Mode: {error}"),
            });
        }
        return Err(RelayError::Refused {
            service: SERVICE,
            message: format!(
                "Socket Mode: {}",
                v["error"].as_str().unwrap_or("unknown error")
            ),
        });
    }
    v["url"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| RelayError::Malformed {
            service: SERVICE,
            message: "apps.connections.open returned no url".into(),
        })
}

/// How one connection ended.
enum Ended {
    Cancelled,
    /// Slack asked us to reconnect, or the socket dropped.
    Reconnect(String),
}

async fn one_connection(
    url: &str,
    inbound: &mpsc::Sender<Inbound>,
    cancel: &CancellationToken,
    state: &(dyn Fn(LinkState) + Send + Sync),
    seen: &mut SeenMessages,
) -> Result<Ended, RelayError> {
    let (mut ws, _) =
        tokio_tungstenite::connect_async(url)
            .await
            .map_err(|e| RelayError::Unreachable {
                service: SERVICE,
                message: format!("Socket Mode connection: {e}"),
            })?;
    loop {
        let frame = tokio::select! {
            _ = cancel.cancelled() => {
                let _ = ws.close(None).await;
                return Ok(Ended::Cancelled);
            }
            f = ws.next() => f,
        };
        let text = match frame {
            None => return Ok(Ended::Reconnect("the socket closed".into())),
            Some(Err(e)) => return Ok(Ended::Reconnect(e.to_string())),
            Some(Ok(Message::Text(t))) => t.to_string(),
            Some(Ok(Message::Ping(p))) => {
                let _ = ws.send(Message::Pong(p)).await;
                continue;
            }
            Some(Ok(Message::Close(_))) => return Ok(Ended::Reconnect("closed by Slack".into())),
            Some(Ok(_)) => continue,
        };
        let Ok(env) = serde_json::from_str::<Value>(&text) else {
            tracing::warn!("Socket Mode: an unreadable frame was skipped");
            continue;
        };
        if let Some(id) = env["envelope_id"].as_str() {
            // Acknowledge before any work: a slow command must not make
            // Slack deliver the same message again.
            ws.send(Message::text(json!({"envelope_id": id}).to_string()))
                .await
                .map_err(|e| RelayError::Unreachable {
                    service: SERVICE,
                    message: format!("Socket Mode ack: {e}"),
                })?;
        }
        match env["type"].as_str() {
            Some("disconnect") => {
                return Ok(Ended::Reconnect(format!(
                    "Slack asked to reconnect ({})",
                    env["reason"].as_str().unwrap_or("no reason")
                )))
            }
            Some("hello") => {
                tracing::info!("Socket Mode connected");
                state(LinkState::Connected);
            }
            _ => {
                // Once per message: not again as an app_mention, not again
                // when Slack retries.
                if let Some(key) = message_key(&env) {
                    if !seen.first(key) {
                        continue;
                    }
                }
                if let Some(m) = inbound_from_envelope(&env) {
                    if inbound.send(m).await.is_err() {
                        return Ok(Ended::Cancelled);
                    }
                }
            }
        }
    }
}

/// Run Socket Mode until cancelled: open, read, acknowledge, forward
/// messages; reconnect with back-off (1 s doubling to 30 s) on drops.
/// Returns early only for an error that retrying cannot fix (a refused
/// app token). `state` is told every change of the connection
/// (connecting, connected, retrying, failed; off when it returns).
pub async fn run(
    api: String,
    app_token: Secret,
    inbound: mpsc::Sender<Inbound>,
    cancel: CancellationToken,
    state: impl Fn(LinkState) + Send + Sync,
) -> Result<(), RelayError> {
    let r = run_linked(&api, &app_token, &inbound, &cancel, &state).await;
    state(match &r {
        Ok(()) => LinkState::Off,
        Err(e) => LinkState::Failed {
            reason: e.to_string(),
        },
    });
    r
}

async fn run_linked(
    api: &str,
    app_token: &Secret,
    inbound: &mpsc::Sender<Inbound>,
    cancel: &CancellationToken,
    state: &(dyn Fn(LinkState) + Send + Sync),
) -> Result<(), RelayError> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap_or_default();
    let mut attempt: u32 = 0;
    let mut seen = SeenMessages::default();
    loop {
        state(LinkState::Connecting);
        let started = tokio::time::Instant::now();
        let connection = async {
            let url = open_url(&http, api, app_token).await?;
            one_connection(&url, inbound, cancel, state, &mut seen).await
        };
        let ended = tokio::select! {
            _ = cancel.cancelled() => return Ok(()),
            r = connection => r,
        };
        if started.elapsed() >= HEALTHY_AFTER {
            attempt = 0;
        }
        attempt = attempt.saturating_add(1);
        let mut delay = reconnect_delay(attempt);
        match ended {
            Ok(Ended::Cancelled) => return Ok(()),
            Ok(Ended::Reconnect(why)) => {
                tracing::info!(%why, "Socket Mode reconnecting");
                state(LinkState::Retrying { reason: why });
            }
            Err(e @ RelayError::Refused { .. }) => return Err(e),
            Err(e) => {
                if let RelayError::RateLimited { retry_after_s, .. } = &e {
                    delay = delay.max(Duration::from_secs(*retry_after_s));
                }
                tracing::warn!(error = %e, wait_ms = delay.as_millis() as u64, "Socket Mode");
                state(LinkState::Retrying {
                    reason: format!("{e}; again in {} s", delay.as_secs().max(1)),
                });
            }
        }
        tokio::select! {
            _ = cancel.cancelled() => return Ok(()),
            _ = tokio::time::sleep(delay) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope(event: Value) -> Value {
        json!({"envelope_id": "e1", "type": "events_api", "payload": {"team_id": "T0V6H6HCJ", "event": event}})
    }

    #[test]
    fn the_seeds_slack_message_becomes_an_inbound_message_in_its_thread() {
        let env = envelope(
            json!({"text": ".st2 test notify test test", "source_team": "T0V6H6HCJ", "ts": "1506953521.000382", "user": "U110FGZSQ", "type": "message", "channel": "C110T9SMT", "team": "T0V6H6HCJ"}),
        );
        let m = message_from_envelope(&env).unwrap();
        assert_eq!(m.user_id, "slack:U110FGZSQ");
        assert_eq!(
            m.origin,
            Destination::Slack {
                team: "T0V6H6HCJ".into(),
                channel: "C110T9SMT".into(),
                thread_ts: Some("1506953521.000382".into())
            }
        );
        assert!(!m.direct);
    }

    #[test]
    fn a_message_naming_the_bot_and_slacks_retries_run_once() {
        // `!st2 genpass <@BOT>` arrives as a message and as an app_mention,
        // both of which would run; Slack may deliver either again.
        let ev =
            json!({"channel": "C1", "user": "U1", "ts": "7.7", "text": "!st2 genpass <@U0BOT>"});
        let mut mention = ev.clone();
        mention["type"] = json!("app_mention");
        let mut plain = ev;
        plain["type"] = json!("message");
        let mut retry = envelope(plain.clone());
        retry["retry_attempt"] = json!(1);
        retry["retry_reason"] = json!("timeout");
        let mut seen = SeenMessages::default();
        let runs: Vec<bool> = [envelope(plain), envelope(mention), retry]
            .iter()
            .map(|e| message_key(e).is_some_and(|k| seen.first(k)))
            .collect();
        assert_eq!(runs, [true, false, false]);
        // Another message in the same channel is its own.
        let other = envelope(
            json!({"type": "message", "channel": "C1", "user": "U1", "ts": "7.8", "text": "!st2 genpass"}),
        );
        assert!(seen.first(message_key(&other).unwrap()));
        // The memory is bounded.
        for i in 0..5000 {
            seen.first(format!("C:{i}"));
        }
        assert!(seen.set.len() <= SeenMessages::KEEP);
    }

    #[test]
    fn slack_text_reaches_stackstorm_as_it_was_typed() {
        for (slack, typed) in [
            ("deploy &lt;web&gt; &amp; db", "deploy <web> & db"),
            (
                "fetch <https://example.com/a?b=1|example.com/a?b=1>",
                "fetch example.com/a?b=1",
            ),
            (
                "fetch <https://example.com/x>",
                "fetch https://example.com/x",
            ),
            (
                "mail <mailto:ops@example.com|ops@example.com>",
                "mail ops@example.com",
            ),
            (
                "tell <#C024BE7LR|ops> and <@U024BE7LH> <!here>",
                "tell #ops and @U024BE7LH @here",
            ),
            ("ping <!subteam^S012|@oncall>", "ping @oncall"),
            (
                "run \u{201c}echo hi\u{201d} on \u{2018}web1\u{2019}",
                "run \"echo hi\" on 'web1'",
            ),
            ("deploy\u{a0}web", "deploy web"),
            ("a < b but no close", "a < b but no close"),
            ("already &amp;lt; escaped", "already &lt; escaped"),
        ] {
            assert_eq!(unescape_slack(slack), typed, "{slack}");
        }
    }

    #[test]
    fn reconnects_back_off_with_jitter_up_to_a_minute() {
        for attempt in 1..40 {
            let d = reconnect_delay(attempt);
            let cap =
                Duration::from_secs(1u64 << (attempt - 1).min(6)).min(Duration::from_secs(60));
            assert!(d >= cap / 2 && d <= cap, "{attempt}: {d:?}");
        }
        let spread: std::collections::HashSet<u128> =
            (0..20).map(|_| reconnect_delay(5).as_millis()).collect();
        assert!(spread.len() > 1, "jittered");
    }

    #[test]
    fn a_mention_is_addressed_to_the_bot_and_runs_once() {
        use crate::inbound::{decide, Decision, InboundPolicy};
        let policy = InboundPolicy {
            allowed: ["slack:U1".to_string()].into(),
            ..InboundPolicy::default()
        };
        let ev = json!({"channel": "C1", "user": "U1", "ts": "5.5", "text": "<@U0BOT> deploy web to prod"});
        let mut mention = ev.clone();
        mention["type"] = json!("app_mention");
        let mut plain = ev;
        plain["type"] = json!("message");
        let m = message_from_envelope(&envelope(mention)).unwrap();
        assert_eq!(
            decide(&policy, &m),
            Decision::Run {
                command: "deploy web to prod".into()
            }
        );
        let p = message_from_envelope(&envelope(plain)).unwrap();
        assert_eq!(
            decide(&policy, &p),
            Decision::Ignore,
            "the twin message event does not run it again"
        );
    }

    #[test]
    fn bots_edits_and_other_events_are_not_read() {
        for ev in [
            json!({"type": "message", "bot_id": "B1", "channel": "C", "user": "U", "ts": "1", "text": "x"}),
            json!({"type": "message", "subtype": "message_changed", "channel": "C", "ts": "1"}),
            json!({"type": "reaction_added", "user": "U"}),
        ] {
            assert!(message_from_envelope(&envelope(ev)).is_none());
        }
        assert!(message_from_envelope(&json!({"type": "hello"})).is_none());
        let reply = envelope(
            json!({"type": "message", "channel": "D1", "channel_type": "im", "user": "U", "ts": "2", "thread_ts": "1", "text": "genpass"}),
        );
        let m = message_from_envelope(&reply).unwrap();
        assert!(m.direct);
        assert!(matches!(m.origin, Destination::Slack { thread_ts: Some(t), .. } if t == "1"));
    }

    #[test]
    fn a_channel_the_bot_is_in_is_known_when_it_gains_a_member() {
        let joined = envelope(
            json!({"type": "member_joined_channel", "user": "U0BOT", "channel": "C0698JE0H", "channel_type": "C", "team": "T024BE7LD", "inviter": "U1"}),
        );
        assert_eq!(
            inbound_from_envelope(&joined),
            Some(Inbound::Joined {
                conversation: Destination::Slack {
                    team: "T024BE7LD".into(),
                    channel: "C0698JE0H".into(),
                    thread_ts: None
                },
                place: "channel C0698JE0H".into()
            })
        );
        // Not a message, so nothing to decide on; and messages still are.
        assert!(message_from_envelope(&joined).is_none());
        let msg = envelope(
            json!({"type": "message", "channel": "C1", "user": "U1", "ts": "5.5", "text": "!st2 genpass"}),
        );
        assert!(matches!(
            inbound_from_envelope(&msg),
            Some(Inbound::Message(m)) if m.text == "!st2 genpass"
        ));
        assert_eq!(
            inbound_from_envelope(&envelope(
                json!({"type": "channel_left", "channel": "C0698JE0H", "actor_id": "U1"})
            )),
            Some(Inbound::Left {
                conversation: Destination::Slack {
                    team: "T0V6H6HCJ".into(),
                    channel: "C0698JE0H".into(),
                    thread_ts: None
                }
            }),
            "the team from the envelope when the event has none"
        );
        for other in [
            json!({"type": "member_left_channel", "user": "U1", "channel": "C1"}),
            json!({"type": "member_joined_channel", "user": "U1"}),
        ] {
            assert_eq!(inbound_from_envelope(&envelope(other)), None);
        }
        assert_eq!(inbound_from_envelope(&json!({"type": "hello"})), None);
    }
}
