//! SSL_GET against real TLS servers on loopback, with certificates made by the `openssl`
//! command (the tests skip with a message when it is missing): keepalived's trust model (no
//! server verification, `ca` or not) and the client certificate of the `SSL` block, its key
//! encrypted with `password`.

use super::runner::{Finished, Runner};
use super::tls;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;
use vrrplab_core::check::{
    ConnectOptions, HttpVersion, Probe, ProbeAction, ProbeId, ProbeResult, TlsOptions,
};
use vrrplab_core::config::model::SslSettings;

/// Runs `openssl` with `args` in `dir`; false when it is missing or fails.
fn openssl(dir: &Path, args: &[&str]) -> bool {
    Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A self-signed certificate `NAME.pem` and plain key `NAME.key` in `dir`.
fn self_signed(dir: &Path, name: &str) -> Option<(String, String)> {
    let (cert, key) = (format!("{name}.pem"), format!("{name}.key"));
    let ok = openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=real.example",
            "-keyout",
            &key,
            "-out",
            &cert,
        ],
    );
    let path = |f: &str| dir.join(f).display().to_string();
    ok.then(|| (path(&cert), path(&key)))
}

/// A client certificate `client.pem` signed by the CA `ca.pem`/`ca.key`, with its key
/// `client.key` encrypted (PKCS#8, AES-256-CBC) under `password`.
fn client_certificate(dir: &Path, password: &str) -> Option<(String, String)> {
    let pass = format!("pass:{password}");
    std::fs::write(
        dir.join("client.ext"),
        "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n",
    )
    .ok()?;
    let steps: [&[&str]; 3] = [
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-aes-256-cbc",
            "-pass",
            &pass,
            "-out",
            "client.key",
        ],
        &[
            "req",
            "-new",
            "-key",
            "client.key",
            "-passin",
            &pass,
            "-subj",
            "/CN=client",
            "-out",
            "client.csr",
        ],
        &[
            "x509",
            "-req",
            "-in",
            "client.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "1",
            "-extfile",
            "client.ext",
            "-out",
            "client.pem",
        ],
    ];
    for step in steps {
        if !openssl(dir, step) {
            return None;
        }
    }
    let path = |f: &str| dir.join(f).display().to_string();
    Some((path("client.pem"), path("client.key")))
}

/// A TLS server on loopback answering every request with `200 secret`; with `client_ca` it
/// requires a client certificate signed by that CA.
async fn serve(cert: &str, key: &str, client_ca: Option<&str>) -> std::net::SocketAddr {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = match client_ca {
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            for c in CertificateDer::pem_file_iter(ca).unwrap() {
                roots.add(c.unwrap()).unwrap();
            }
            let verifier =
                rustls::server::WebPkiClientVerifier::builder_with_provider(roots.into(), provider)
                    .build()
                    .unwrap();
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let server = builder
        .with_single_cert(chain, PrivateKeyDer::from_pem_file(key).unwrap())
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(mut tls) = acceptor.accept(tcp).await {
                    let mut buf = [0u8; 512];
                    let _ = tls.read(&mut buf).await;
                    let _ = tls
                        .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret")
                        .await;
                    let _ = tls.shutdown().await;
                }
            });
        }
    });
    address
}

/// One SSL_GET of `/` at `address` through a runner built from `files`.
async fn ssl_get(address: std::net::SocketAddr, files: &SslSettings) -> Finished {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut runner = Runner::new(tx, tls::client_config(files));
    runner.start(Probe {
        id: ProbeId::new(0, 0),
        action: ProbeAction::HttpGet {
            address,
            options: ConnectOptions::default(),
            host: "real.example".into(),
            path: "/".into(),
            version: HttpVersion::Http11,
            tls: Some(TlsOptions {
                sni: Some("real.example".into()),
            }),
        },
        timeout: Duration::from_secs(5),
    });
    rx.recv().await.unwrap()
}

fn ok_response() -> ProbeResult {
    ProbeResult::HttpResponse {
        status: 200,
        body: b"secret".to_vec(),
    }
}

#[tokio::test(flavor = "current_thread")]
async fn ssl_get_accepts_any_server_certificate_with_or_without_a_ca_as_keepalived() {
    let dir = tempfile::tempdir().unwrap();
    let Some((cert, key)) = self_signed(dir.path(), "server") else {
        crate::test_support::skip("no openssl command to make a certificate");
        return;
    };
    let address = serve(&cert, &key, None).await;
    let f = ssl_get(address, &SslSettings::default()).await;
    assert_eq!(f.result, ok_response(), "{}", f.detail);
    // A `ca` that did not sign the server's certificate: keepalived never verifies the peer,
    // so neither does vrrplab — the check still passes.
    let (other_ca, _) = self_signed(dir.path(), "other").unwrap();
    let files = SslSettings {
        ca: Some(other_ca),
        ..SslSettings::default()
    };
    let f = ssl_get(address, &files).await;
    assert_eq!(f.result, ok_response(), "{}", f.detail);
}

#[tokio::test(flavor = "current_thread")]
async fn ssl_block_client_certificate_with_an_encrypted_key_passes_a_server_that_requires_one() {
    let dir = tempfile::tempdir().unwrap();
    let Some((ca, _)) = self_signed(dir.path(), "ca") else {
        crate::test_support::skip("no openssl command to make a certificate");
        return;
    };
    let (server_cert, server_key) = self_signed(dir.path(), "server").unwrap();
    let Some((client_cert, client_key)) = client_certificate(dir.path(), "s3cret phrase") else {
        crate::test_support::skip("openssl could not make an encrypted client key");
        return;
    };
    let address = serve(&server_cert, &server_key, Some(&ca)).await;
    // Without the client certificate the server refuses the handshake.
    let f = ssl_get(address, &SslSettings::default()).await;
    assert_ne!(f.result, ok_response(), "{}", f.detail);
    // With the SSL block's certificate, key and password it answers.
    let files = SslSettings {
        certificate: Some(client_cert),
        key: Some(client_key.clone()),
        password: Some("s3cret phrase".into()),
        ..SslSettings::default()
    };
    let f = ssl_get(address, &files).await;
    assert_eq!(f.result, ok_response(), "{}", f.detail);
    // A wrong password, or none, is an error naming the key file and what to change.
    let wrong = tls::client_config(&SslSettings {
        password: Some("nope".into()),
        ..files.clone()
    })
    .unwrap_err();
    assert!(
        wrong.contains(&client_key) && wrong.contains("password"),
        "{wrong}"
    );
    let missing = tls::client_config(&SslSettings {
        password: None,
        ..files
    })
    .unwrap_err();
    assert!(
        missing.contains("encrypted") && missing.contains("`password`"),
        "{missing}"
    );
}
