//! The TLS client of SSL_GET (rustls with the *ring* provider).
//!
//! keepalived's SSL_GET does not fail a check on the server's certificate: its context is built
//! with the global `SSL { ca … certificate … key … }` files but verification stays off
//! (OpenSSL's client default, `SSL_VERIFY_NONE`). vrrplab does the same when no `ca` is given:
//! any certificate is accepted (the check is about the service answering, not about trust).
//! With a `ca`, vrrplab verifies the server against it — stricter than keepalived, and said at
//! start. `certificate` and `key` are presented as the client certificate. The server name sent
//! (SNI) is `sni_name` / the virtualhost with `enable_sni`; without it none is sent.

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, Error, SignatureScheme};
use std::sync::Arc;

/// The global `SSL` block's files (all optional).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SslFiles {
    /// `ca`: PEM file of the CA(s) to verify servers against.
    pub ca: Option<String>,
    /// `certificate`: PEM client certificate (chain).
    pub certificate: Option<String>,
    /// `key`: PEM private key of the client certificate.
    pub key: Option<String>,
}

/// The client configuration for every SSL_GET of a run.
pub fn client_config(files: &SslFiles) -> Result<Arc<ClientConfig>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?;
    let builder = match &files.ca {
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            for cert in CertificateDer::pem_file_iter(ca).map_err(|e| format!("ca {ca}: {e}"))? {
                let cert = cert.map_err(|e| format!("ca {ca}: {e}"))?;
                roots.add(cert).map_err(|e| format!("ca {ca}: {e}"))?;
            }
            builder.with_root_certificates(roots)
        }
        None => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider))),
    };
    let config = match (&files.certificate, &files.key) {
        (Some(cert), Some(key)) => {
            let chain = CertificateDer::pem_file_iter(cert)
                .map_err(|e| format!("certificate {cert}: {e}"))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("certificate {cert}: {e}"))?;
            let key_der =
                PrivateKeyDer::from_pem_file(key).map_err(|e| format!("key {key}: {e}"))?;
            builder
                .with_client_auth_cert(chain, key_der)
                .map_err(|e| format!("certificate {cert} / key {key}: {e}"))?
        }
        (None, None) => builder.with_no_client_auth(),
        _ => return Err("SSL: certificate and key go together".to_string()),
    };
    Ok(Arc::new(config))
}

/// The server name for a probe: the SNI name when set, else the address (no SNI is sent for
/// an address).
pub fn server_name(sni: Option<&str>, address: std::net::IpAddr) -> ServerName<'static> {
    sni.and_then(|n| ServerName::try_from(n.to_string()).ok())
        .unwrap_or(ServerName::IpAddress(address.into()))
}

/// keepalived's behaviour without a `ca`: every certificate is accepted.
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
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        Ok(HandshakeSignatureValid::assertion())
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
        assert!(client_config(&SslFiles::default()).is_ok());
    }

    #[test]
    fn a_missing_ca_file_is_an_error_naming_it() {
        let err = client_config(&SslFiles {
            ca: Some("/no/such/ca.pem".into()),
            ..SslFiles::default()
        })
        .unwrap_err();
        assert!(err.contains("/no/such/ca.pem"), "{err}");
    }

    #[test]
    fn certificate_without_key_is_refused() {
        let err = client_config(&SslFiles {
            certificate: Some("/c.pem".into()),
            ..SslFiles::default()
        })
        .unwrap_err();
        assert!(err.contains("go together"), "{err}");
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
