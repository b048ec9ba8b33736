//! TLS: system roots plus a CA file; verification off only by the explicit
//! flag; a certificate the client cannot trust is a typed TLS error.

use std::sync::Arc;

use stormdesk_client::{ClientError, Credentials, Profile, Secret, St2Client};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls;

struct Server {
    url: String,
    ca_pem: String,
}

/// An HTTPS server on loopback with a certificate from a private CA, that
/// answers every request with one execution.
async fn https_server() -> Server {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Stormdesk test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);

    let key = rcgen::KeyPair::generate().unwrap();
    let params =
        rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .unwrap();
    let cert = params.signed_by(&key, &issuer).unwrap();

    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut buf = [0u8; 4096];
                let _ = tls.read(&mut buf).await;
                let body = r#"{"id": "e1", "status": "succeeded"}"#;
                let _ = tls
                    .write_all(format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len()).as_bytes())
                    .await;
                let _ = tls.shutdown().await;
            });
        }
    });
    Server {
        url: format!("https://127.0.0.1:{}", addr.port()),
        ca_pem: ca.pem(),
    }
}

fn client(profile: &Profile) -> St2Client {
    St2Client::new(profile, Credentials::ApiKey(Secret::new("k"))).unwrap()
}

#[tokio::test]
async fn an_untrusted_certificate_is_a_tls_error() {
    let s = https_server().await;
    let err = client(&Profile::for_base_url("t", &s.url))
        .get_execution("e1")
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Tls { .. }), "{err:?}");
    assert!(
        err.to_string().contains("CA file"),
        "says what to do: {err}"
    );
}

#[tokio::test]
async fn a_ca_file_makes_the_private_ca_trusted() {
    let s = https_server().await;
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &s.ca_pem).unwrap();
    let mut p = Profile::for_base_url("t", &s.url);
    p.cacert = Some(ca);
    assert_eq!(
        client(&p).get_execution("e1").await.unwrap().status,
        "succeeded"
    );
}

#[tokio::test]
async fn verification_is_off_only_when_asked() {
    let s = https_server().await;
    let mut p = Profile::for_base_url("t", &s.url);
    p.insecure = true;
    assert_eq!(client(&p).get_execution("e1").await.unwrap().id, "e1");
}

#[tokio::test]
async fn a_broken_ca_file_is_a_config_error() {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, "not a certificate").unwrap();
    let mut p = Profile::for_base_url("t", "https://127.0.0.1:1");
    p.cacert = Some(ca);
    let err = St2Client::new(&p, Credentials::None).unwrap_err();
    assert!(matches!(err, ClientError::Config(_)), "{err:?}");
    p.cacert = Some(dir.path().join("missing.pem"));
    assert!(St2Client::new(&p, Credentials::None)
        .unwrap_err()
        .to_string()
        .contains("missing.pem"));
}
