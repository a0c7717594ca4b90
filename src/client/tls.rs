//! TLS client configuration: trust roots, certificate verification policy, client certificates.
//!
//! Rules:
//! - The crypto provider is always *ring*, chosen explicitly (never the process default), with
//!   TLS 1.2 and TLS 1.3 enabled.
//! - Verification is on by default: the chain must lead to a trusted root and the certificate
//!   must name the host. The default roots are the compiled-in webpki roots plus the system trust
//!   store; a system store that cannot be read is not an error, because the webpki roots are
//!   always there. The combined default store is loaded once per process.
//! - Certificates handed over from a Python `ssl.SSLContext` arrive as DER in
//!   [`TlsOptions::ca_certs_der`]; with `use_default_roots` off they are the only roots.
//! - `verify: false` accepts any certificate (the handshake signatures are still checked, so the
//!   peer must hold the key of the certificate it shows); `check_hostname` is then meaningless.
//! - `check_hostname: false` with verification on checks the chain and ignores the name.
//! - A self-signed certificate the caller trusted explicitly is accepted as the server's own
//!   certificate even when marked `CA:TRUE`, as OpenSSL does; see [`crate::client::verify`].
//! - Error texts start with what failed ("certificate verify failed: ...") so a user who knows
//!   Python's `ssl` module recognises them.
//! - The handshake helpers here serve the transport; why STARTTLS must find the socket quiet is
//!   explained in [`crate::client::transport`].

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use rustls::client::danger::ServerCertVerifier;
use rustls::client::WebPkiServerVerifier;
use rustls::{CertificateError, ClientConfig, ClientConnection, RootCertStore};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};

use crate::client::verify::{AcceptAny, Verifier, VerifyFailure};
use crate::client::Error;

/// How a TLS connection is verified and which client certificate it presents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsOptions {
    /// Verify the server's certificate chain (`ssl.CERT_REQUIRED`); off accepts any certificate.
    pub verify: bool,
    /// Check that the certificate names the server; ignored when `verify` is off.
    pub check_hostname: bool,
    /// Extra trusted CA certificates, DER encoded (those a Python `SSLContext` had loaded).
    pub ca_certs_der: Vec<Vec<u8>>,
    /// Trust the webpki roots and the system store besides `ca_certs_der`.
    pub use_default_roots: bool,
    /// Client certificate chain, PEM; it may also hold the private key.
    pub client_cert_chain_pem: Option<Vec<u8>>,
    /// Private key of the client certificate, PEM (PKCS#8, PKCS#1 or SEC1, unencrypted).
    pub client_key_pem: Option<Vec<u8>>,
    /// Name sent in SNI and checked against the certificate instead of the host connected to.
    pub server_name: Option<String>,
}

impl Default for TlsOptions {
    fn default() -> Self {
        Self {
            verify: true,
            check_hostname: true,
            ca_certs_der: Vec::new(),
            use_default_roots: true,
            client_cert_chain_pem: None,
            client_key_pem: None,
            server_name: None,
        }
    }
}

impl TlsOptions {
    /// The name to verify for a connection to `host`: [`TlsOptions::server_name`] if set.
    pub fn server_name_for(&self, host: &str) -> Result<ServerName<'static>, Error> {
        server_name(self.server_name.as_deref().unwrap_or(host))
    }
}

/// Builds the rustls client configuration described by `opts`.
pub fn client_config(opts: &TlsOptions) -> Result<Arc<ClientConfig>, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let algorithms = provider.signature_verification_algorithms;
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| Error::Tls(format!("cannot configure TLS versions: {e}")))?;
    let verifier: Arc<dyn ServerCertVerifier> = if opts.verify {
        let roots = Arc::new(root_store(opts)?);
        let webpki = WebPkiServerVerifier::builder_with_provider(roots, provider)
            .build()
            .map_err(|e| Error::Tls(format!("cannot build the certificate verifier: {e}")))?;
        let explicit = opts.ca_certs_der.clone();
        Arc::new(Verifier::new(webpki, explicit, opts.check_hostname))
    } else {
        Arc::new(AcceptAny { algorithms })
    };
    let builder = builder
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let config = match client_identity(opts)? {
        Some((chain, key)) => builder
            .with_client_auth_cert(chain, key)
            .map_err(|e| Error::Tls(format!("cannot use the client certificate: {e}")))?,
        None => builder.with_no_client_auth(),
    };
    Ok(Arc::new(config))
}

/// Reads every certificate of a PEM CA bundle (a `cafile`), as DER.
pub fn ca_file_der(path: impl AsRef<Path>) -> Result<Vec<Vec<u8>>, Error> {
    let path = path.as_ref();
    let pem = std::fs::read(path).map_err(|e| {
        Error::Io(io::Error::new(
            e.kind(),
            format!("cannot read CA file {}: {e}", path.display()),
        ))
    })?;
    let mut certs = Vec::new();
    for cert in CertificateDer::pem_slice_iter(&pem) {
        let cert =
            cert.map_err(|e| Error::Tls(format!("cannot read CA file {}: {e}", path.display())))?;
        certs.push(cert.to_vec());
    }
    if certs.is_empty() {
        return Err(Error::Tls(format!(
            "no certificate found in CA file {}",
            path.display()
        )));
    }
    Ok(certs)
}

/// The TLS name of `host`: a DNS name, or an IPv4/IPv6 address (brackets allowed).
pub fn server_name(host: &str) -> Result<ServerName<'static>, Error> {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    ServerName::try_from(bare.to_owned())
        .map_err(|_| Error::Usage(format!("{host:?} is not a valid TLS server name")))
}

/// Error text when bytes came between the STARTTLS `OK` line and the TLS handshake.
pub(crate) const INJECTED: &str = "server sent data after the STARTTLS OK line";

/// Checks without blocking that no byte waits on `tcp` before the `ClientHello` is sent.
pub(crate) fn ensure_quiet(tcp: &TcpStream) -> Result<(), Error> {
    tcp.set_nonblocking(true)?;
    let peeked = tcp.peek(&mut [0u8; 1]);
    tcp.set_nonblocking(false)?;
    match peeked {
        Ok(0) => Err(Error::Closed(
            "the server closed the connection after STARTTLS".into(),
        )),
        Ok(_) => Err(Error::StartTls(INJECTED.to_owned())),
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(()),
        Err(e) => Err(Error::Io(e)),
    }
}

/// Drives a client handshake over `sock` to its end. With `starttls`, an answer that is not
/// TLS at all is reported as [`Error::StartTls`]: it can only be injected plaintext.
pub(crate) fn handshake<S: Read + Write>(
    conn: &mut ClientConnection,
    sock: &mut S,
    starttls: bool,
) -> Result<(), Error> {
    while conn.is_handshaking() {
        let Err(err) = conn.complete_io(sock) else {
            continue;
        };
        let tls = err
            .get_ref()
            .and_then(|e| e.downcast_ref::<rustls::Error>());
        let not_tls = matches!(tls, Some(rustls::Error::InvalidMessage(_)));
        return Err(match tls.map(describe) {
            _ if starttls && not_tls => {
                Error::StartTls(format!("{INJECTED}: the server's answer is not TLS"))
            }
            Some(text) => Error::Tls(text),
            None if matches!(
                err.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ) =>
            {
                Error::Timeout("TLS handshake")
            }
            None if err.kind() == io::ErrorKind::UnexpectedEof => {
                Error::Tls("the server closed the connection during the handshake".to_owned())
            }
            None => Error::Io(err),
        });
    }
    Ok(())
}

/// OpenSSL's name of a cipher suite (as `ssl.SSLSocket.cipher()` reports it) and its secret
/// bits; a suite OpenSSL has no name for keeps the IANA name.
pub(crate) fn openssl_cipher(suite: rustls::CipherSuite) -> (String, u32) {
    use rustls::CipherSuite as S;
    let (name, bits) = match suite {
        S::TLS13_AES_128_GCM_SHA256 => ("TLS_AES_128_GCM_SHA256", 128),
        S::TLS13_AES_256_GCM_SHA384 => ("TLS_AES_256_GCM_SHA384", 256),
        S::TLS13_CHACHA20_POLY1305_SHA256 => ("TLS_CHACHA20_POLY1305_SHA256", 256),
        S::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 => ("ECDHE-ECDSA-AES128-GCM-SHA256", 128),
        S::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 => ("ECDHE-ECDSA-AES256-GCM-SHA384", 256),
        S::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 => ("ECDHE-ECDSA-CHACHA20-POLY1305", 256),
        S::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 => ("ECDHE-RSA-AES128-GCM-SHA256", 128),
        S::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 => ("ECDHE-RSA-AES256-GCM-SHA384", 256),
        S::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => ("ECDHE-RSA-CHACHA20-POLY1305", 256),
        other => return (format!("{other:?}"), 0),
    };
    (name.to_owned(), bits)
}

/// A readable explanation of a rustls error, in the words of Python's `ssl` where they exist.
///
/// A refused certificate reads `certificate verify failed: <OpenSSL's message> (X509 error
/// <OpenSSL's code>; rustls: <rustls's reason>)`.
pub(crate) fn describe(err: &rustls::Error) -> String {
    match err {
        rustls::Error::InvalidCertificate(cert) => match VerifyFailure::of(cert) {
            Some(failure) => format!(
                "certificate verify failed: {} (X509 error {}; rustls: {})",
                failure.message, failure.code, failure.detail
            ),
            None => format!("certificate verify failed: {}", describe_certificate(cert)),
        },
        rustls::Error::AlertReceived(alert) => format!("the server sent the TLS alert {alert:?}"),
        other => other.to_string(),
    }
}

fn describe_certificate(err: &CertificateError) -> String {
    match err {
        CertificateError::UnknownIssuer => {
            "unable to get local issuer certificate (not issued by a trusted CA)".to_owned()
        }
        CertificateError::NotValidForName => "hostname mismatch".to_owned(),
        CertificateError::NotValidForNameContext {
            expected,
            presented,
        } => format!(
            "hostname mismatch, certificate is not valid for '{}' (it names: {})",
            expected.to_str(),
            presented.join(", ")
        ),
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            "certificate has expired".to_owned()
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "certificate is not yet valid".to_owned()
        }
        CertificateError::Revoked => "certificate revoked".to_owned(),
        CertificateError::BadSignature => "certificate signature failure".to_owned(),
        other => format!("{other:?}"),
    }
}

/// The trust anchors for `opts`: defaults (if asked) plus the caller's certificates.
fn root_store(opts: &TlsOptions) -> Result<RootCertStore, Error> {
    let mut roots = if opts.use_default_roots {
        default_roots().clone()
    } else {
        RootCertStore::empty()
    };
    for der in &opts.ca_certs_der {
        roots
            .add(CertificateDer::from(der.clone()))
            .map_err(|e| Error::Tls(format!("cannot use a CA certificate: {e}")))?;
    }
    if roots.is_empty() {
        return Err(Error::Tls(
            "no trusted CA certificates: load some or turn verification off".to_owned(),
        ));
    }
    Ok(roots)
}

/// The webpki roots plus whatever the system store yields, loaded once.
fn default_roots() -> &'static RootCertStore {
    static ROOTS: OnceLock<RootCertStore> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let mut roots = RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        // Unreadable or unparsable system certificates are skipped: the webpki roots suffice.
        let native = rustls_native_certs::load_native_certs();
        roots.add_parsable_certificates(native.certs);
        roots
    })
}

type Identity = (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>);

/// The client certificate chain and key, if one was configured.
fn client_identity(opts: &TlsOptions) -> Result<Option<Identity>, Error> {
    let Some(chain_pem) = &opts.client_cert_chain_pem else {
        if opts.client_key_pem.is_some() {
            return Err(Error::Usage(
                "a client key was given without a client certificate".to_owned(),
            ));
        }
        return Ok(None);
    };
    let chain = CertificateDer::pem_slice_iter(chain_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Error::Tls(format!("cannot read the client certificate: {e}")))?;
    if chain.is_empty() {
        return Err(Error::Tls(
            "no certificate in the client certificate file".to_owned(),
        ));
    }
    let key_pem = opts.client_key_pem.as_deref().unwrap_or(chain_pem);
    let key = PrivateKeyDer::from_pem_slice(key_pem)
        .map_err(|e| Error::Tls(format!("cannot read the client private key: {e}")))?;
    Ok(Some((chain, key)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_verify_with_hostname_and_default_roots() {
        let opts = TlsOptions::default();
        assert!(opts.verify && opts.check_hostname && opts.use_default_roots);
        assert!(opts.client_cert_chain_pem.is_none() && opts.server_name.is_none());
        assert!(client_config(&opts).is_ok());
    }

    #[test]
    fn server_names_accept_dns_and_ip() {
        assert!(matches!(
            server_name("imap.example.com"),
            Ok(ServerName::DnsName(_))
        ));
        assert!(matches!(
            server_name("127.0.0.1"),
            Ok(ServerName::IpAddress(_))
        ));
        assert!(matches!(server_name("::1"), Ok(ServerName::IpAddress(_))));
        assert!(matches!(server_name("[::1]"), Ok(ServerName::IpAddress(_))));
        assert!(matches!(server_name("bad name"), Err(Error::Usage(_))));
        assert!(matches!(server_name(""), Err(Error::Usage(_))));
    }

    #[test]
    fn server_name_override_wins() {
        let opts = TlsOptions {
            server_name: Some("mail.example".into()),
            ..TlsOptions::default()
        };
        let name = opts
            .server_name_for("10.0.0.1")
            .map(|n| n.to_str().into_owned());
        assert_eq!(name.ok().as_deref(), Some("mail.example"));
    }

    #[test]
    fn empty_trust_store_is_refused() {
        let opts = TlsOptions {
            use_default_roots: false,
            ..TlsOptions::default()
        };
        assert!(matches!(client_config(&opts), Err(Error::Tls(_))));
        let opts = TlsOptions {
            verify: false,
            use_default_roots: false,
            ..TlsOptions::default()
        };
        assert!(client_config(&opts).is_ok());
    }

    #[test]
    fn garbage_ca_and_key_are_errors() {
        let opts = TlsOptions {
            ca_certs_der: vec![b"not der".to_vec()],
            ..TlsOptions::default()
        };
        assert!(matches!(client_config(&opts), Err(Error::Tls(_))));
        let opts = TlsOptions {
            client_cert_chain_pem: Some(b"no pem here".to_vec()),
            ..TlsOptions::default()
        };
        assert!(matches!(client_config(&opts), Err(Error::Tls(_))));
        let opts = TlsOptions {
            client_key_pem: Some(Vec::new()),
            ..TlsOptions::default()
        };
        assert!(matches!(client_config(&opts), Err(Error::Usage(_))));
    }

    #[test]
    fn ca_file_errors() {
        assert!(matches!(
            ca_file_der("/nonexistent/ca.pem"),
            Err(Error::Io(_))
        ));
    }

    #[test]
    fn certificate_errors_read_like_python() {
        let err = rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer);
        assert!(describe(&err).starts_with("certificate verify failed: unable to get local"));
        let err = rustls::Error::InvalidCertificate(CertificateError::Expired);
        assert_eq!(
            describe(&err),
            "certificate verify failed: certificate has expired"
        );
    }
}
