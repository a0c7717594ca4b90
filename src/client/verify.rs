//! Server certificate verifiers: webpki's checks, OpenSSL's acceptance of a self-signed
//! certificate the caller trusted explicitly, and refusals told in OpenSSL's words.
//!
//! Rules:
//! - The verifier hands every certificate to rustls's `WebPkiServerVerifier` first; what that
//!   accepts is accepted.
//! - One exception, as OpenSSL makes it: when the server presents as its own certificate a
//!   self-issued certificate that is byte for byte one of the certificates the caller trusted
//!   explicitly (`cafile`, `cadata`, `TLSOptions.ca_certs_der`), it is accepted even though
//!   webpki refuses it (typically `CaUsedAsEndEntity`: `openssl req -x509` marks its
//!   certificates `CA:TRUE`). Its validity period and, with `check_hostname`, its names are
//!   then checked here: the subjectAltName entries, or the commonName when the certificate
//!   has no subjectAltName (OpenSSL's and Python's default). The handshake signature is
//!   verified by rustls as for any certificate. A `CA:TRUE` certificate that was not trusted
//!   explicitly is refused as before.
//! - A refusal is a [`VerifyFailure`] inside `CertificateError::Other`: OpenSSL's verify code
//!   and message (`self-signed certificate`, `Hostname mismatch, certificate is not valid for
//!   'x'.` ...), which Python's `ssl` shows, with rustls's own reason kept beside them.
//! - `check_hostname: false` accepts a certificate whose only fault is its name.

use std::fmt;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, OtherError};
use rustls::{Error as TlsError, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

use crate::client::x509::Fields;

/// Why a certificate was refused: OpenSSL's verify code and message, and rustls's reason.
#[derive(Debug, Clone)]
pub struct VerifyFailure {
    /// OpenSSL's `X509_V_ERR_*` number (`ssl.SSLCertVerificationError.verify_code`).
    pub code: u32,
    /// OpenSSL's text for it (`verify_message`).
    pub message: String,
    /// What rustls or webpki reported.
    pub detail: String,
}

impl fmt::Display for VerifyFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for VerifyFailure {}

impl VerifyFailure {
    fn new(code: u32, message: impl Into<String>, detail: impl fmt::Debug) -> Self {
        Self {
            code,
            message: message.into(),
            detail: format!("{detail:?}"),
        }
    }

    /// The failure inside a rustls certificate error, if it is one of ours.
    pub fn of(err: &CertificateError) -> Option<&VerifyFailure> {
        match err {
            CertificateError::Other(OtherError(inner)) => inner.downcast_ref(),
            _ => None,
        }
    }
}

/// The verifier used whenever verification is on.
#[derive(Debug)]
pub(crate) struct Verifier {
    webpki: Arc<WebPkiServerVerifier>,
    /// Certificates the caller trusted explicitly, DER.
    explicit: Vec<Vec<u8>>,
    check_hostname: bool,
}

impl Verifier {
    pub(crate) fn new(
        webpki: Arc<WebPkiServerVerifier>,
        explicit: Vec<Vec<u8>>,
        check_hostname: bool,
    ) -> Self {
        Self {
            webpki,
            explicit,
            check_hostname,
        }
    }

    /// The checks OpenSSL still makes on an explicitly trusted self-signed certificate.
    fn check_trusted(
        &self,
        end_entity: &CertificateDer<'_>,
        fields: &Fields,
        server_name: &ServerName<'_>,
        now: UnixTime,
    ) -> Result<(), VerifyFailure> {
        let now = now.as_secs();
        if now < fields.not_before {
            return Err(VerifyFailure::new(
                9,
                "certificate is not yet valid",
                CertificateError::NotValidYet,
            ));
        }
        if now > fields.not_after {
            return Err(VerifyFailure::new(
                10,
                "certificate has expired",
                CertificateError::Expired,
            ));
        }
        if !self.check_hostname || names_match(end_entity, fields, server_name) {
            return Ok(());
        }
        Err(mismatch(server_name, CertificateError::NotValidForName))
    }
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, TlsError> {
        let refused = self.webpki.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        let err = match refused {
            Err(TlsError::InvalidCertificate(err)) => err,
            other => return other,
        };
        let fields = Fields::parse(end_entity);
        let failure = match &fields {
            Some(fields) if fields.self_issued && self.is_explicit(end_entity) => {
                match self.check_trusted(end_entity, fields, server_name, now) {
                    Ok(()) => return Ok(ServerCertVerified::assertion()),
                    Err(failure) => failure,
                }
            }
            _ if !self.check_hostname && is_name_error(&err) => {
                return Ok(ServerCertVerified::assertion())
            }
            _ => classify(err, fields.as_ref(), intermediates, server_name),
        };
        Err(TlsError::InvalidCertificate(CertificateError::Other(
            OtherError(Arc::new(failure)),
        )))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }

    fn root_hint_subjects(&self) -> Option<&[DistinguishedName]> {
        self.webpki.root_hint_subjects()
    }
}

impl Verifier {
    fn is_explicit(&self, end_entity: &CertificateDer<'_>) -> bool {
        self.explicit
            .iter()
            .any(|der| der.as_slice() == end_entity.as_ref())
    }
}

/// Verifier for `verify: false`: any certificate passes, handshake signatures are still checked.
#[derive(Debug)]
pub(crate) struct AcceptAny {
    pub(crate) algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, TlsError> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, TlsError> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

fn is_name_error(err: &CertificateError) -> bool {
    matches!(
        err,
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }
    )
}

/// Whether the certificate names `server_name`: its subjectAltName entries (webpki's
/// check), or without that extension a DNS name in its commonName, as OpenSSL falls back.
fn names_match(end_entity: &CertificateDer<'_>, fields: &Fields, name: &ServerName<'_>) -> bool {
    let by_alt_name = webpki::EndEntityCert::try_from(end_entity)
        .is_ok_and(|cert| cert.verify_is_valid_for_subject_name(name).is_ok());
    if by_alt_name || fields.has_alt_names {
        return by_alt_name;
    }
    let ServerName::DnsName(dns) = name else {
        return false;
    };
    let host = dns.as_ref().trim_end_matches('.');
    fields
        .common_names
        .iter()
        .any(|cn| dns_name_matches(cn.trim_end_matches('.'), host))
}

/// RFC 6125 matching of one presented name: equal ignoring ASCII case, or a `*` standing
/// for the whole leftmost label.
fn dns_name_matches(presented: &str, host: &str) -> bool {
    if presented.eq_ignore_ascii_case(host) {
        return true;
    }
    match (presented.strip_prefix("*."), host.split_once('.')) {
        (Some(rest), Some((label, host_rest))) => {
            !label.is_empty() && rest.contains('.') && rest.eq_ignore_ascii_case(host_rest)
        }
        _ => false,
    }
}

/// OpenSSL's code and words for a certificate webpki refused.
fn classify(
    err: CertificateError,
    fields: Option<&Fields>,
    intermediates: &[CertificateDer<'_>],
    name: &ServerName<'_>,
) -> VerifyFailure {
    let ca_as_leaf = matches!(&err, CertificateError::Other(OtherError(e))
        if e.downcast_ref::<webpki::Error>() == Some(&webpki::Error::CaUsedAsEndEntity));
    let self_issued = fields.is_some_and(|f| f.self_issued);
    match err {
        CertificateError::UnknownIssuer | CertificateError::Other(_)
            if ca_as_leaf || matches!(err, CertificateError::UnknownIssuer) =>
        {
            if self_issued {
                VerifyFailure::new(18, "self-signed certificate", err)
            } else if intermediates
                .iter()
                .any(|c| Fields::parse(c).is_some_and(|f| f.self_issued))
            {
                VerifyFailure::new(19, "self-signed certificate in certificate chain", err)
            } else if ca_as_leaf {
                VerifyFailure::new(26, "unsupported certificate purpose", err)
            } else {
                VerifyFailure::new(20, "unable to get local issuer certificate", err)
            }
        }
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            VerifyFailure::new(10, "certificate has expired", err)
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            VerifyFailure::new(9, "certificate is not yet valid", err)
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            mismatch(name, err)
        }
        CertificateError::BadSignature => {
            VerifyFailure::new(7, "certificate signature failure", err)
        }
        CertificateError::Revoked => VerifyFailure::new(23, "certificate revoked", err),
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            VerifyFailure::new(26, "unsupported certificate purpose", err)
        }
        other => VerifyFailure::new(1, "unspecified certificate verification error", other),
    }
}

/// OpenSSL's name mismatch, as Python's `ssl` words it.
fn mismatch(name: &ServerName<'_>, detail: CertificateError) -> VerifyFailure {
    let shown = name.to_str();
    match name {
        ServerName::IpAddress(_) => VerifyFailure::new(
            64,
            format!("IP address mismatch, certificate is not valid for '{shown}'."),
            detail,
        ),
        _ => VerifyFailure::new(
            62,
            format!("Hostname mismatch, certificate is not valid for '{shown}'."),
            detail,
        ),
    }
}

#[cfg(test)]
#[path = "verify_tests.rs"]
mod tests;
