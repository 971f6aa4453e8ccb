//! The thumbprint IAM keeps for an OIDC issuer: the SHA-1 of the top
//! certificate of the chain the issuer serves, from a TLS handshake that is
//! verified against the system's trusted roots (`SSL_CERT_FILE` is honoured).

use std::sync::Arc;
use std::time::Duration;

use sha1::{Digest, Sha1};
use tokio::net::TcpStream;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

#[derive(Debug, thiserror::Error)]
pub enum ThumbprintError {
    #[error("`{0}` is not an https URL with a host")]
    Url(String),
    #[error("no trusted root certificates could be loaded: {0}")]
    Roots(String),
    #[error("connecting to `{host}:{port}`")]
    Connect {
        host: String,
        port: u16,
        #[source]
        source: std::io::Error,
    },
    #[error("timed out after {0:?} connecting to the issuer")]
    Timeout(Duration),
    #[error("the TLS handshake with `{host}` failed")]
    Handshake {
        host: String,
        #[source]
        source: std::io::Error,
    },
    #[error("`{0}` served no certificates")]
    NoCertificates(String),
    #[error("building the TLS client")]
    Tls(#[source] tokio_rustls::rustls::Error),
}

/// Host and port of an https URL.
fn host_port(url: &str) -> Result<(String, u16), ThumbprintError> {
    let rest = url
        .strip_prefix("https://")
        .ok_or_else(|| ThumbprintError::Url(url.to_string()))?;
    let authority = rest.split('/').next().unwrap_or_default();
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, p.parse::<u16>().map_err(|_| ThumbprintError::Url(url.to_string()))?),
        None => (authority, 443),
    };
    if host.is_empty() {
        return Err(ThumbprintError::Url(url.to_string()));
    }
    Ok((host.to_string(), port))
}

/// SHA-1 of DER bytes, as 40 lowercase hex digits.
pub fn sha1_hex(der: &[u8]) -> String {
    Sha1::digest(der).iter().map(|b| format!("{b:02x}")).collect()
}

/// The thumbprint of the top certificate `issuer_url` serves.
pub async fn issuer_thumbprint(issuer_url: &str, timeout: Duration) -> Result<String, ThumbprintError> {
    let (host, port) = host_port(issuer_url)?;
    let mut roots = RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for cert in native.certs {
        // A root the TLS stack cannot parse is skipped, as every TLS client does.
        let _ = roots.add(cert);
    }
    if roots.is_empty() {
        let detail = native
            .errors
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("; ");
        return Err(ThumbprintError::Roots(detail));
    }
    let config = ClientConfig::builder_with_provider(Arc::new(tokio_rustls::rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(ThumbprintError::Tls)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let server_name = ServerName::try_from(host.clone()).map_err(|_| ThumbprintError::Url(issuer_url.to_string()))?;
    let handshake = async {
        let tcp = TcpStream::connect((host.as_str(), port))
            .await
            .map_err(|source| ThumbprintError::Connect {
                host: host.clone(),
                port,
                source,
            })?;
        TlsConnector::from(Arc::new(config))
            .connect(server_name, tcp)
            .await
            .map_err(|source| ThumbprintError::Handshake {
                host: host.clone(),
                source,
            })
    };
    let tls = tokio::time::timeout(timeout, handshake)
        .await
        .map_err(|_| ThumbprintError::Timeout(timeout))??;
    let (_, connection) = tls.get_ref();
    let top = connection
        .peer_certificates()
        .and_then(|chain| chain.last())
        .ok_or_else(|| ThumbprintError::NoCertificates(host.clone()))?;
    Ok(sha1_hex(top.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            host_port("https://oidc.eks.eu-west-1.amazonaws.com/id/ABC").unwrap(),
            ("oidc.eks.eu-west-1.amazonaws.com".to_string(), 443)
        );
        assert_eq!(
            host_port("https://localhost:8443/id/x").unwrap(),
            ("localhost".to_string(), 8443)
        );
        assert!(host_port("http://x/id").is_err());
        assert!(host_port("https:///id").is_err());
    }

    #[test]
    fn sha1_of_bytes() {
        assert_eq!(sha1_hex(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
    }
}
