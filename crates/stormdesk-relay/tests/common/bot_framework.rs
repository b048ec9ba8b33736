//! Bot Framework identity, as Microsoft serves and signs it: OpenID
//! metadata and a JWKS (RSA keys made fresh per run with openssl, each
//! with `endorsements`, beside an EC key as real key sets may hold), and
//! tokens shaped as the Bot Framework channel signs them (header `typ`,
//! `kid`, `x5t`; claims `serviceurl` in lower case, `iss`, `aud`, `nbf`,
//! `exp`).
#![allow(dead_code)]

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::routing::get;
use axum::Json;
use serde_json::{json, Value};
use stormdesk_relay::teams_endpoint::ISSUER;

pub struct Key {
    pub kid: String,
    pub pem: Vec<u8>,
    pub jwk: Value,
}

/// A fresh RSA key (openssl) and its public JWK, endorsed for `endorsements`.
pub fn rsa_key(dir: &std::path::Path, kid: &str, endorsements: &[&str]) -> Key {
    let path = dir.join(format!("{kid}.pem"));
    let ok = Command::new("openssl")
        .args(["genrsa", "-out"])
        .arg(&path)
        .arg("2048")
        .output()
        .unwrap();
    assert!(ok.status.success(), "openssl genrsa");
    let out = Command::new("openssl")
        .args(["rsa", "-modulus", "-noout", "-in"])
        .arg(&path)
        .output()
        .unwrap();
    let hex = String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .trim_start_matches("Modulus=")
        .to_string();
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    let mut jwk = json!({"kty": "RSA", "use": "sig", "kid": kid, "x5t": kid, "n": b64url(&bytes), "e": "AQAB", "x5c": []});
    if !endorsements.is_empty() {
        jwk["endorsements"] = json!(endorsements);
    }
    Key {
        kid: kid.into(),
        pem: std::fs::read(&path).unwrap(),
        jwk,
    }
}

pub fn b64url(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The claims of a token from the Bot Framework channel to `app_id`, for
/// an activity from `service_url`; `over` replaces or (with null) drops
/// claims.
pub fn claims(app_id: &str, service_url: &str, over: Value) -> Value {
    let mut c = json!({"serviceurl": service_url, "nbf": now() - 10, "exp": now() + 3600, "iss": ISSUER, "aud": app_id});
    for (k, v) in over.as_object().unwrap() {
        if v.is_null() {
            c.as_object_mut().unwrap().remove(k);
        } else {
            c[k] = v.clone();
        }
    }
    c
}

/// A token signed with `key`, naming `kid` (the key's own unless forged).
pub fn sign_as(key: &Key, kid: &str, alg: jsonwebtoken::Algorithm, claims: Value) -> String {
    let mut h = jsonwebtoken::Header::new(alg);
    h.kid = Some(kid.into());
    h.x5t = Some(kid.into());
    h.typ = Some("JWT".into());
    jsonwebtoken::encode(
        &h,
        &claims,
        &jsonwebtoken::EncodingKey::from_rsa_pem(&key.pem).unwrap(),
    )
    .unwrap()
}

pub fn sign(key: &Key, claims: Value) -> String {
    sign_as(key, &key.kid, jsonwebtoken::Algorithm::RS256, claims)
}

/// A loopback identity provider serving `keys` (plus an EC key, which
/// must be skipped, not fatal). Returns its base URL and a count of JWKS
/// reads.
pub async fn identity_provider(keys: Vec<Value>) -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let idp = format!("http://{}", listener.local_addr().unwrap());
    let mut all = keys;
    all.push(json!({"kty": "EC", "use": "sig", "kid": "ec-1", "crv": "P-256",
        "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}));
    let jwks = json!({ "keys": all });
    let fetches = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&fetches);
    let meta_idp = idp.clone();
    let app = axum::Router::new()
        .route(
            "/v1/.well-known/openidconfiguration",
            get(move || {
                let idp = meta_idp.clone();
                async move {
                    Json(json!({"issuer": ISSUER, "authorization_endpoint": "https://invalid.botframework.com",
                        "jwks_uri": format!("{idp}/v1/.well-known/keys"),
                        "id_token_signing_alg_values_supported": ["RS256"], "token_endpoint_auth_methods_supported": ["private_key_jwt"]}))
                }
            }),
        )
        .route(
            "/v1/.well-known/keys",
            get(move || {
                count.fetch_add(1, Ordering::SeqCst);
                let j = jwks.clone();
                async move { Json(j) }
            }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (idp, fetches)
}

pub fn metadata_url(idp: &str) -> String {
    format!("{idp}/v1/.well-known/openidconfiguration")
}
