//! Known answers of the verifier: certificates made the way `openssl req -x509` makes them
//! (self-signed, `CA:TRUE`), trusted explicitly or not.

use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use rustls::client::WebPkiServerVerifier;
use rustls::RootCertStore;

use super::*;

/// A self-signed `CA:TRUE` certificate for `names` (DNS names or IP addresses) with the
/// commonName `cn`; no subjectAltName when `names` is empty.
fn self_signed(cn: &str, names: &[&str], expired: bool) -> Vec<u8> {
    let mut params =
        CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())
            .expect("params");
    params.distinguished_name.push(DnType::CommonName, cn);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    if expired {
        params.not_before = rcgen::date_time_ymd(2000, 1, 1);
        params.not_after = rcgen::date_time_ymd(2001, 1, 1);
    }
    let key = KeyPair::generate().expect("key");
    params.self_signed(&key).expect("sign").der().to_vec()
}

fn verifier(trusted: &[&[u8]], other_roots: &[&[u8]], check_hostname: bool) -> Verifier {
    let mut roots = RootCertStore::empty();
    for der in trusted.iter().chain(other_roots) {
        roots.add(CertificateDer::from(der.to_vec())).expect("root");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
        .build()
        .expect("verifier");
    let explicit = trusted.iter().map(|d| d.to_vec()).collect();
    Verifier::new(webpki, explicit, check_hostname)
}

fn verify(v: &Verifier, der: &[u8], host: &str) -> Result<(), (u32, String)> {
    let name = ServerName::try_from(host.to_owned()).expect("name");
    let now = UnixTime::since_unix_epoch(Duration::from_secs(1_800_000_000));
    match v.verify_server_cert(&CertificateDer::from(der.to_vec()), &[], &name, &[], now) {
        Ok(_) => Ok(()),
        Err(TlsError::InvalidCertificate(err)) => {
            let failure = VerifyFailure::of(&err).expect("classified");
            Err((failure.code, failure.message.clone()))
        }
        Err(other) => panic!("unexpected {other:?}"),
    }
}

#[test]
fn explicitly_trusted_ca_certificate_is_accepted_as_the_server_certificate() {
    let cert = self_signed(
        "mail.example.com",
        &["mail.example.com", "127.0.0.1"],
        false,
    );
    let v = verifier(&[&cert], &[], true);
    assert_eq!(verify(&v, &cert, "mail.example.com"), Ok(()));
    assert_eq!(verify(&v, &cert, "127.0.0.1"), Ok(()));
}

#[test]
fn names_and_validity_are_still_checked() {
    let cert = self_signed("mail.example.com", &["mail.example.com"], false);
    let v = verifier(&[&cert], &[], true);
    assert_eq!(
        verify(&v, &cert, "other.example.com"),
        Err((
            62,
            "Hostname mismatch, certificate is not valid for 'other.example.com'.".into()
        ))
    );
    assert_eq!(
        verify(&v, &cert, "127.0.0.1"),
        Err((
            64,
            "IP address mismatch, certificate is not valid for '127.0.0.1'.".into()
        ))
    );
    let unchecked = verifier(&[&cert], &[], false);
    assert_eq!(verify(&unchecked, &cert, "other.example.com"), Ok(()));
    let old = self_signed("mail.example.com", &["mail.example.com"], true);
    let v = verifier(&[&old], &[], true);
    assert_eq!(
        verify(&v, &old, "mail.example.com"),
        Err((10, "certificate has expired".into()))
    );
}

#[test]
fn common_name_counts_only_without_alt_names() {
    let cn_only = self_signed("mail.example.com", &[], false);
    let v = verifier(&[&cn_only], &[], true);
    assert_eq!(verify(&v, &cn_only, "MAIL.example.com"), Ok(()));
    assert_eq!(
        verify(&v, &cn_only, "x.example.com").map_err(|e| e.0),
        Err(62)
    );
    let wildcard = self_signed("*.example.com", &[], false);
    let v = verifier(&[&wildcard], &[], true);
    assert_eq!(verify(&v, &wildcard, "imap.example.com"), Ok(()));
    assert_eq!(
        verify(&v, &wildcard, "example.com").map_err(|e| e.0),
        Err(62)
    );
    let with_alt = self_signed("mail.example.com", &["imap.example.com"], false);
    let v = verifier(&[&with_alt], &[], true);
    assert_eq!(
        verify(&v, &with_alt, "mail.example.com").map_err(|e| e.0),
        Err(62)
    );
}

#[test]
fn a_ca_certificate_not_trusted_explicitly_is_refused() {
    let cert = self_signed("mail.example.com", &["mail.example.com"], false);
    let other = self_signed("other", &["other"], false);
    let v = verifier(&[&other], &[], true);
    assert_eq!(
        verify(&v, &cert, "mail.example.com"),
        Err((18, "self-signed certificate".into()))
    );
    // Trusted as a root among the defaults, not named by the caller: webpki's rule holds.
    let v = verifier(&[], &[&cert], true);
    assert_eq!(
        verify(&v, &cert, "mail.example.com").map_err(|e| e.0),
        Err(18)
    );
}

#[test]
fn dns_name_matching() {
    assert!(dns_name_matches("a.b.c", "A.B.C"));
    assert!(dns_name_matches("*.b.c", "a.b.c"));
    assert!(!dns_name_matches("*.b.c", "x.a.b.c"));
    assert!(!dns_name_matches("*.c", "b.c"));
    assert!(!dns_name_matches("a*.b.c", "ab.b.c"));
}
