//! Credentials stay with StackStorm: a redirect to another origin, or from
//! https down to http, is not followed, and the other host never sees the
//! API key or token. A redirect within StackStorm's own origin still works.

use std::sync::{Arc, Mutex};

use stormdesk_client::{ClientError, Credentials, Profile, Secret, St2Client};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A loopback HTTP server answering every request with `reply(path)`, and
/// recording each request's head.
async fn server(
    reply: impl Fn(&str) -> String + Send + Sync + 'static,
) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let reply = Arc::new(reply);
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let log = Arc::clone(&log);
            let reply = Arc::clone(&reply);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let n = sock.read(&mut buf).await.unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]).to_string();
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
                log.lock().unwrap().push(head);
                let _ = sock.write_all(reply(&path).as_bytes()).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    (url, seen)
}

fn redirect_to(location: &str) -> String {
    format!("HTTP/1.1 302 Found\r\nlocation: {location}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
}

fn execution() -> String {
    let body = r#"{"id": "e1", "status": "succeeded"}"#;
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

#[tokio::test]
async fn a_redirect_to_another_host_does_not_carry_the_api_key_or_token() {
    let (elsewhere, seen_elsewhere) = server(|_| execution()).await;
    let target = format!("{elsewhere}/api/v1/executions/e1");
    let (st2, _) = server(move |_| redirect_to(&target)).await;
    for credentials in [
        Credentials::ApiKey(Secret::new("key-that-must-stay")),
        Credentials::Token(Secret::new("token-that-must-stay")),
    ] {
        let client = St2Client::new(&Profile::for_base_url("r", &st2), credentials).unwrap();
        let err = client.get_execution("e1").await.unwrap_err();
        assert!(matches!(err, ClientError::Redirect { .. }), "{err:?}");
        assert_eq!(err.kind(), "redirect");
        let text = err.to_string();
        assert!(
            text.contains(&elsewhere) && !text.contains("must-stay"),
            "{text}"
        );
    }
    assert!(
        seen_elsewhere.lock().unwrap().is_empty(),
        "the other host was asked: {:?}",
        seen_elsewhere.lock().unwrap()
    );
}

#[tokio::test]
async fn a_redirect_within_stackstorm_is_followed_with_the_credentials() {
    let (st2, seen) = server(|path| {
        if path.starts_with("/api/v1/executions/e1") {
            redirect_to("/api/v1/executions/moved")
        } else {
            execution()
        }
    })
    .await;
    let client = St2Client::new(
        &Profile::for_base_url("r", &st2),
        Credentials::ApiKey(Secret::new("k1")),
    )
    .unwrap();
    assert_eq!(client.get_execution("e1").await.unwrap().id, "e1");
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert!(
        seen[1].contains("/api/v1/executions/moved")
            && seen[1].to_lowercase().contains("st2-api-key: k1"),
        "{seen:?}"
    );
}

#[tokio::test]
async fn a_password_login_redirected_elsewhere_sends_no_basic_auth_there() {
    let (elsewhere, seen_elsewhere) = server(|_| execution()).await;
    let target = format!("{elsewhere}/auth/v1/tokens");
    let (st2, _) = server(move |_| redirect_to(&target)).await;
    let client = St2Client::new(&Profile::for_base_url("r", &st2), Credentials::None).unwrap();
    let err = client
        .authenticate("st2admin", &Secret::new("Ch@ngeMe"), None)
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Redirect { .. }), "{err:?}");
    assert!(seen_elsewhere.lock().unwrap().is_empty());
}
