//! Microsoft's own code checks our side of Teams, where the service itself
//! cannot run here.
//!
//! - Tokens: the Bot Framework SDK (`botframework-connector`, pointed at the
//!   same loopback OpenID metadata and JWKS) judges every token our endpoint
//!   judges, good and forged. Where we refuse what the SDK accepts, it is on
//!   purpose and listed below; everywhere else the verdicts must agree.
//! - Cards: every Adaptive Card the relay sends parses, validates and
//!   serialises back unchanged with the `adaptivecards` package.

use std::path::PathBuf;
use std::process::Command;

use serde_json::{json, Value};
use stormdesk_relay::teams_endpoint::BotAuth;

mod common;
use common::bot_framework::{claims, identity_provider, metadata_url, now, rsa_key, sign, sign_as};

const APP_ID: &str = "8c3a1bd1-0b1e-4e2a-9d5a-app";

fn vendor_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vendor")
}

fn node(script: &str, input: &Value) -> Value {
    let dir = tempfile_dir();
    let path = dir.join(format!("{script}.json"));
    std::fs::write(&path, input.to_string()).unwrap();
    let out = Command::new("node")
        .arg(vendor_dir().join(script))
        .arg(&path)
        .output()
        .expect("node runs (and `npm ci --prefix tests/vendor` was done)");
    assert!(
        out.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn tempfile_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("stormdesk-vendor-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

struct Case {
    name: &'static str,
    authorization: String,
    channel_id: String,
    service_url: String,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Microsoft's packages in tests/vendor/node_modules: scripts/test.sh vendor"]
async fn the_bot_framework_sdk_and_our_endpoint_agree_on_every_token() {
    let dir = tempfile_dir();
    let good = rsa_key(&dir, "bf-good", &["msteams", "skype"]);
    let other = rsa_key(&dir, "bf-other", &["msteams"]);
    let unendorsed = rsa_key(&dir, "bf-unendorsed", &[]);
    let forger = rsa_key(&dir, "forger", &["msteams"]);
    let (idp, _) = identity_provider(vec![
        good.jwk.clone(),
        other.jwk.clone(),
        unendorsed.jwk.clone(),
    ])
    .await;
    let service_url = "https://smba.trafficmanager.net/emea/".to_string();
    let c = |over: Value| claims(APP_ID, &service_url, over);
    let bearer = |t: String| format!("Bearer {t}");
    let case = |name, token: String| Case {
        name,
        authorization: bearer(token),
        channel_id: "msteams".into(),
        service_url: service_url.clone(),
    };
    use jsonwebtoken::Algorithm::RS256;
    let mut agree = vec![
        case("genuine", sign(&good, c(json!({})))),
        case("genuine, the other key", sign(&other, c(json!({})))),
        case(
            "genuine, within the 5 min leeway after exp",
            sign(&good, c(json!({"exp": now() - 200, "nbf": now() - 4000}))),
        ),
        case(
            "expired",
            sign(&good, c(json!({"exp": now() - 600, "nbf": now() - 4000}))),
        ),
        case("not yet valid", sign(&good, c(json!({"nbf": now() + 900})))),
        case(
            "another bot's audience",
            sign(&good, c(json!({"aud": "someone-else"}))),
        ),
        case("an audience list", sign(&good, c(json!({"aud": [APP_ID]})))),
        case("no audience", sign(&good, c(json!({"aud": null})))),
        case(
            "another issuer",
            sign(&good, c(json!({"iss": "https://sts.windows.net/evil/"}))),
        ),
        case("no issuer", sign(&good, c(json!({"iss": null})))),
        case(
            "another serviceurl",
            sign(&good, c(json!({"serviceurl": "https://evil.example/"}))),
        ),
        case(
            "serviceurl without its slash",
            sign(
                &good,
                c(json!({"serviceurl": "https://smba.trafficmanager.net/emea"})),
            ),
        ),
        case(
            "no serviceurl claim",
            sign(&good, c(json!({"serviceurl": null}))),
        ),
        case(
            "serviceUrl in camel case only",
            sign(
                &good,
                c(json!({"serviceurl": null, "serviceUrl": service_url})),
            ),
        ),
        case(
            "signed by a forger under a real kid",
            sign_as(&forger, "bf-good", RS256, c(json!({}))),
        ),
        case("signed by an unknown key", sign(&forger, c(json!({})))),
        case(
            "a kid naming the EC key",
            sign_as(&good, "ec-1", RS256, c(json!({}))),
        ),
        case("HS256 with the public modulus as secret", {
            let mut h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
            h.kid = Some("bf-good".into());
            jsonwebtoken::encode(
                &h,
                &c(json!({})),
                &jsonwebtoken::EncodingKey::from_secret(good.jwk["n"].as_str().unwrap().as_bytes()),
            )
            .unwrap()
        }),
        Case {
            authorization: "Bearer not.a.jwt".into(),
            ..case("garbage", String::new())
        },
        Case {
            authorization: String::new(),
            ..case("no header", String::new())
        },
        Case {
            authorization: format!("Basic {}", sign(&good, c(json!({})))),
            ..case("not a bearer", String::new())
        },
        Case {
            channel_id: "slack".into(),
            ..case(
                "a channel the key is not endorsed for",
                sign(&other, c(json!({}))),
            )
        },
        Case {
            channel_id: "skype".into(),
            ..case(
                "a channel the key is endorsed for",
                sign(&good, c(json!({}))),
            )
        },
        Case {
            service_url: "https://evil.example/".into(),
            ..case(
                "the activity claims another serviceUrl",
                sign(&good, c(json!({}))),
            )
        },
    ];
    // Where we are stricter than the SDK, on purpose.
    let stricter = [
        (
            "RS512 (we pin RS256, which Microsoft uses)",
            case(
                "RS512",
                sign_as(
                    &good,
                    "bf-good",
                    jsonwebtoken::Algorithm::RS512,
                    c(json!({})),
                ),
            ),
        ),
        (
            "no exp (the SDK's JWT library checks exp only when present)",
            case("no exp", sign(&good, c(json!({"exp": null})))),
        ),
        (
            "a key without endorsements (the SDK lets it sign for any channel)",
            case("unendorsed key", sign(&unendorsed, c(json!({})))),
        ),
        (
            "an activity without a channel id (the SDK then skips the endorsement check)",
            Case {
                channel_id: String::new(),
                ..case("no channel id", sign(&good, c(json!({}))))
            },
        ),
    ];
    let auth = BotAuth::new(&metadata_url(&idp), APP_ID);
    let mut ours = Vec::new();
    for c in agree.iter().chain(stricter.iter().map(|(_, c)| c)) {
        let activity =
            json!({"type": "message", "channelId": c.channel_id, "serviceUrl": c.service_url});
        let header = (!c.authorization.is_empty()).then_some(c.authorization.as_str());
        ours.push(auth.validate(header, &activity).await.is_ok());
    }
    let input = json!({
        "metadata_url": metadata_url(&idp),
        "app_id": APP_ID,
        "cases": agree.iter().chain(stricter.iter().map(|(_, c)| c)).map(|c| json!({
            "name": c.name, "authorization": c.authorization, "channel_id": c.channel_id, "service_url": c.service_url,
        })).collect::<Vec<_>>(),
    });
    let sdk = node("teams-auth.mjs", &input);
    let sdk = sdk.as_array().unwrap();
    assert_eq!(sdk.len(), ours.len());
    let n = agree.len();
    let mut disagreements = Vec::new();
    for (i, c) in agree.drain(..).enumerate() {
        let theirs = sdk[i]["accepted"].as_bool().unwrap();
        if theirs != ours[i] {
            disagreements.push(format!(
                "{}: SDK {theirs} ({}), ours {}",
                c.name, sdk[i]["reason"], ours[i]
            ));
        }
    }
    assert!(disagreements.is_empty(), "{disagreements:#?}");
    // The set is not trivial: both accept the genuine ones, refuse the rest.
    assert_eq!(
        ours[..n].iter().filter(|a| **a).count(),
        4,
        "{:?}",
        &ours[..n]
    );
    for (j, (why, c)) in stricter.iter().enumerate() {
        let i = n + j;
        assert!(
            sdk[i]["accepted"].as_bool().unwrap(),
            "the SDK now refuses {}: {}",
            c.name,
            sdk[i]["reason"]
        );
        assert!(!ours[i], "we accept {why}");
    }
}

#[test]
#[ignore = "needs Microsoft's packages in tests/vendor/node_modules: scripts/test.sh vendor"]
fn every_adaptive_card_the_relay_sends_parses_and_validates() {
    use stormdesk_relay::teams::adaptive_card;
    let long = "line of output\n".repeat(2_000);
    let cards = [
        (
            "result with a title",
            adaptive_card(Some("ops.deploy succeeded"), "Deployed web 1.2 to prod"),
        ),
        (
            "announcement without a title",
            adaptive_card(None, "📣 maintenance at 18:00"),
        ),
        (
            "markdown-looking text",
            adaptive_card(
                Some("**bold** _x_"),
                "<b>not html</b> [link](https://x) # heading",
            ),
        ),
        (
            "long output",
            adaptive_card(Some("remote succeeded"), &long),
        ),
        ("empty text", adaptive_card(Some(""), "")),
    ];
    let input: Vec<Value> = cards
        .iter()
        .map(|(name, card)| json!({"name": name, "message": card}))
        .collect();
    let out = node("adaptive-cards.mjs", &json!(input));
    let mut problems = Vec::new();
    for r in out.as_array().unwrap() {
        if !r["problems"].as_array().unwrap().is_empty() {
            problems.push(format!("{}: {}", r["name"], r["problems"]));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    // The checker itself refuses a broken card.
    let mut broken = adaptive_card(Some("x"), "y");
    broken["attachments"][0]["content"]["body"][0]["weight"] = json!("Heavy");
    broken["attachments"][0]["content"]["body"][1]["colour"] = json!("red");
    let out = node(
        "adaptive-cards.mjs",
        &json!([{"name": "broken", "message": broken}]),
    );
    let p = out[0]["problems"].to_string();
    assert!(
        p.contains("Invalid value") && p.contains("not kept as sent"),
        "{p}"
    );
}
