//! The TLS client of SSL_GET (rustls with the *ring* provider), built from the top-level
//! `SSL { password … ca … certificate … key … }` block.
//!
//! keepalived builds one OpenSSL context for every SSL_GET from that block
//! (`check_ssl.c`, `build_ssl_ctx`): the client certificate and key are presented, the key is
//! decrypted with `password`, and the `ca` file is loaded — but the peer is never verified
//! (no `SSL_CTX_set_verify`, so OpenSSL's client default `SSL_VERIFY_NONE` holds and the
//! handshake goes on whatever the server's certificate). The check is about the service
//! answering, not about trust. vrrplab does the same: the `ca` file must be readable PEM (a bad
//! file is an error naming it, as keepalived refuses a context it cannot load), then any server
//! certificate is accepted; `vrrplab check` and the start log say so. An encrypted key
//! (`ENCRYPTED PRIVATE KEY`, PKCS#8 with PBES2) is decrypted with `password`. The server name
//! sent (SNI) is `sni_name` / the virtualhost with `enable_sni`; without it none is sent.

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, Error, SignatureScheme};
use std::sync::Arc;
use vrrplab_core::config::model::SslSettings;

/// The client configuration for every SSL_GET of a run, or why there is none (naming the file).
pub fn client_config(files: &SslSettings) -> Result<Arc<ClientConfig>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    if let Some(ca) = &files.ca {
        read_ca(ca)?;
    }
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)));
    let config = match (&files.certificate, &files.key) {
        (Some(cert), Some(key)) => {
            let chain = CertificateDer::pem_file_iter(cert)
                .map_err(|e| format!("SSL certificate {cert}: {e}"))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("SSL certificate {cert}: {e}"))?;
            if chain.is_empty() {
                return Err(format!(
                    "SSL certificate {cert}: no CERTIFICATE in the file"
                ));
            }
            let key_der = read_key(key, files.password.as_deref())?;
            builder
                .with_client_auth_cert(chain, key_der)
                .map_err(|e| format!("SSL certificate {cert} / key {key}: {e}"))?
        }
        (None, None) => builder.with_no_client_auth(),
        (Some(_), None) => {
            return Err(
                "SSL: `certificate` needs a `key` (the client certificate's private key)".into(),
            );
        }
        (None, Some(_)) => {
            return Err(
                "SSL: `key` needs a `certificate` (the client certificate it belongs to)".into(),
            );
        }
    };
    Ok(Arc::new(config))
}

/// Reads the `ca` file: at least one PEM certificate, each one well formed.
fn read_ca(ca: &str) -> Result<usize, String> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca).map_err(|e| format!("SSL ca {ca}: {e}"))? {
        let cert = cert.map_err(|e| format!("SSL ca {ca}: {e}"))?;
        roots.add(cert).map_err(|e| format!("SSL ca {ca}: {e}"))?;
    }
    if roots.is_empty() {
        return Err(format!("SSL ca {ca}: no CERTIFICATE in the file"));
    }
    Ok(roots.len())
}

/// Reads the client key: a plain PEM key (PKCS#8, PKCS#1 or SEC1), or a PKCS#8
/// `ENCRYPTED PRIVATE KEY` decrypted with `password`.
fn read_key(key: &str, password: Option<&str>) -> Result<PrivateKeyDer<'static>, String> {
    let text = std::fs::read_to_string(key).map_err(|e| format!("SSL key {key}: {e}"))?;
    if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
        let Some(password) = password else {
            return Err(format!(
                "SSL key {key}: the key is encrypted; give its passphrase with `password` in the SSL block"
            ));
        };
        let (_, document) =
            pkcs8::Document::from_pem(&text).map_err(|e| format!("SSL key {key}: {e}"))?;
        let encrypted = pkcs8::EncryptedPrivateKeyInfo::try_from(document.as_bytes())
            .map_err(|e| format!("SSL key {key}: {e}"))?;
        let plain = encrypted.decrypt(password).map_err(|e| {
            format!("SSL key {key}: cannot decrypt with the SSL block's password ({e})")
        })?;
        return Ok(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            plain.as_bytes().to_vec(),
        )));
    }
    if text.contains("Proc-Type: 4,ENCRYPTED") {
        return Err(format!(
            "SSL key {key}: a legacy OpenSSL-encrypted key is not supported; convert it with `openssl pkcs8 -topk8 -in {key}` (encrypted PKCS#8) or remove its passphrase"
        ));
    }
    PrivateKeyDer::from_pem_slice(text.as_bytes()).map_err(|e| format!("SSL key {key}: {e}"))
}

/// The server name for a probe: the SNI name when set, else the address (no SNI is sent for
/// an address).
pub fn server_name(sni: Option<&str>, address: std::net::IpAddr) -> ServerName<'static> {
    sni.and_then(|n| ServerName::try_from(n.to_string()).ok())
        .unwrap_or(ServerName::IpAddress(address.into()))
}

/// keepalived's behaviour: every server certificate is accepted (signatures are still checked,
/// so the handshake itself is sound).
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_without_files_accepts_any_server() {
        assert!(client_config(&SslSettings::default()).is_ok());
    }

    #[test]
    fn a_missing_ca_file_is_an_error_naming_it() {
        let err = client_config(&SslSettings {
            ca: Some("/no/such/ca.pem".into()),
            ..SslSettings::default()
        })
        .unwrap_err();
        assert!(err.contains("/no/such/ca.pem"), "{err}");
    }

    #[test]
    fn a_ca_file_without_certificates_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, "not a certificate\n").unwrap();
        let ca = ca.display().to_string();
        let err = client_config(&SslSettings {
            ca: Some(ca.clone()),
            ..SslSettings::default()
        })
        .unwrap_err();
        assert!(err.contains(&ca) && err.contains("no CERTIFICATE"), "{err}");
    }

    #[test]
    fn certificate_without_key_is_refused_saying_what_is_missing() {
        let err = client_config(&SslSettings {
            certificate: Some("/c.pem".into()),
            ..SslSettings::default()
        })
        .unwrap_err();
        assert!(err.contains("needs a `key`"), "{err}");
        let err = client_config(&SslSettings {
            key: Some("/k.pem".into()),
            ..SslSettings::default()
        })
        .unwrap_err();
        assert!(err.contains("needs a `certificate`"), "{err}");
    }

    #[test]
    fn no_sni_name_means_the_address_is_the_server_name() {
        let ip: std::net::IpAddr = "10.0.0.1".parse().unwrap();
        assert!(matches!(server_name(None, ip), ServerName::IpAddress(_)));
        assert!(matches!(
            server_name(Some("www.example.com"), ip),
            ServerName::DnsName(_)
        ));
    }
}
