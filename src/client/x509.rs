//! The few fields of an X.509 certificate (RFC 5280 §4.1) that verification needs beyond
//! what webpki exposes: the validity period, whether the certificate is self-issued, the
//! subject's common names and whether a subjectAltName extension is present.
//!
//! Rules:
//! - The input is untrusted DER; every read is bounds-checked and a malformed certificate is
//!   `None`, never a panic. Only definite-length DER is accepted.
//! - Nothing here decides trust: the verifier in [`crate::client::verify`] does.
//!
//! ```text
//! Certificate  ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }
//! TBSCertificate ::= SEQUENCE { version [0] EXPLICIT OPTIONAL, serialNumber, signature,
//!     issuer Name, validity Validity, subject Name, subjectPublicKeyInfo,
//!     issuerUniqueID [1] OPTIONAL, subjectUniqueID [2] OPTIONAL, extensions [3] OPTIONAL }
//! Validity ::= SEQUENCE { notBefore Time, notAfter Time }
//! Time ::= CHOICE { utcTime UTCTime, generalTime GeneralizedTime }
//! ```

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const OID: u8 = 0x06;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;
const VERSION: u8 = 0xa0;
const EXTENSIONS: u8 = 0xa3;
/// id-at-commonName, 2.5.4.3.
const COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];
/// id-ce-subjectAltName, 2.5.29.17.
const SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1d, 0x11];

/// What verification reads from a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fields {
    /// Start of the validity period, seconds since the Unix epoch.
    pub not_before: u64,
    /// End of the validity period (inclusive), seconds since the Unix epoch.
    pub not_after: u64,
    /// Issuer and subject are the same name (a self-signed certificate, as a rule).
    pub self_issued: bool,
    /// The subject's commonName values that are text.
    pub common_names: Vec<String>,
    /// Whether the certificate has a subjectAltName extension.
    pub has_alt_names: bool,
}

impl Fields {
    /// Reads the fields of the DER certificate `der`; `None` when it is malformed.
    pub(crate) fn parse(der: &[u8]) -> Option<Self> {
        let (tag, cert, _) = tlv(der)?;
        if tag != SEQUENCE {
            return None;
        }
        let (tag, tbs, _) = tlv(cert)?;
        if tag != SEQUENCE {
            return None;
        }
        let mut rest = tbs;
        let (tag, _, after) = tlv(rest)?;
        if tag == VERSION {
            rest = after;
        }
        let (_serial, rest) = skip(rest)?;
        let (_signature, rest) = skip(rest)?;
        let (issuer, rest) = expect(rest, SEQUENCE)?;
        let (validity, rest) = expect(rest, SEQUENCE)?;
        let (subject, mut rest) = expect(rest, SEQUENCE)?;
        let (not_before, after) = time(validity)?;
        let (not_after, _) = time(after)?;
        let mut has_alt_names = false;
        while !rest.is_empty() {
            let (tag, value, after) = tlv(rest)?;
            if tag == EXTENSIONS {
                has_alt_names = has_extension(value, SUBJECT_ALT_NAME)?;
            }
            rest = after;
        }
        Some(Fields {
            not_before,
            not_after,
            self_issued: issuer == subject,
            common_names: common_names(subject)?,
            has_alt_names,
        })
    }
}

/// One DER element: `(tag, contents, what follows)`.
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let (bytes, rest) = rest.split_at(count);
        let len = bytes.iter().fold(0usize, |n, &b| (n << 8) | usize::from(b));
        (len, rest)
    };
    if rest.len() < len {
        return None;
    }
    let (value, rest) = rest.split_at(len);
    Some((tag, value, rest))
}

fn skip(input: &[u8]) -> Option<(&[u8], &[u8])> {
    tlv(input).map(|(_, value, rest)| (value, rest))
}

fn expect(input: &[u8], want: u8) -> Option<(&[u8], &[u8])> {
    let (tag, value, rest) = tlv(input)?;
    (tag == want).then_some((value, rest))
}

/// A `Time` as seconds since the epoch, and what follows it.
fn time(input: &[u8]) -> Option<(u64, &[u8])> {
    let (tag, value, rest) = tlv(input)?;
    let text = std::str::from_utf8(value).ok()?;
    let text = text.strip_suffix('Z')?;
    let (year, rest_text) = match tag {
        UTC_TIME if text.len() == 12 => {
            let yy: u64 = digits(&text[..2])?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &text[2..])
        }
        GENERALIZED_TIME if text.len() == 14 => (digits(&text[..4])?, &text[4..]),
        _ => return None,
    };
    let month = digits(&rest_text[0..2])?;
    let day = digits(&rest_text[2..4])?;
    let hour = digits(&rest_text[4..6])?;
    let minute = digits(&rest_text[6..8])?;
    let second = digits(&rest_text[8..10])?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    let days = days_from_civil(year, month, day)?;
    Some((
        days * 86_400 + hour * 3_600 + minute * 60 + second.min(60),
        rest,
    ))
}

fn digits(text: &str) -> Option<u64> {
    if text.bytes().all(|b| b.is_ascii_digit()) {
        text.parse().ok()
    } else {
        None
    }
}

/// Days from 1970-01-01 to the given date of the proleptic Gregorian calendar (dates before
/// the epoch are `None`: no certificate of interest starts there).
fn days_from_civil(year: u64, month: u64, day: u64) -> Option<u64> {
    let y = if month <= 2 {
        year.checked_sub(1)?
    } else {
        year
    };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe).checked_sub(719_468)
}

/// The text values of the commonName attributes of a `Name` (an RDNSequence).
fn common_names(name: &[u8]) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut rdns = name;
    while !rdns.is_empty() {
        let (set, rest) = expect(rdns, SET)?;
        rdns = rest;
        let mut attributes = set;
        while !attributes.is_empty() {
            let (attribute, rest) = expect(attributes, SEQUENCE)?;
            attributes = rest;
            let (oid, value) = expect(attribute, OID)?;
            if oid == COMMON_NAME {
                let (_, text, _) = tlv(value)?;
                if let Ok(text) = std::str::from_utf8(text) {
                    out.push(text.to_owned());
                }
            }
        }
    }
    Some(out)
}

/// Whether the `[3]` extensions hold the extension `oid`.
fn has_extension(explicit: &[u8], oid: &[u8]) -> Option<bool> {
    let (list, _) = expect(explicit, SEQUENCE)?;
    let mut rest = list;
    while !rest.is_empty() {
        let (extension, after) = expect(rest, SEQUENCE)?;
        rest = after;
        let (id, _) = expect(extension, OID)?;
        if id == oid {
            return Some(true);
        }
    }
    Some(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn certificate(params: rcgen::CertificateParams) -> Vec<u8> {
        let key = rcgen::KeyPair::generate().expect("key generation");
        params.self_signed(&key).expect("signing").der().to_vec()
    }

    #[test]
    fn reads_validity_names_and_self_issue() {
        let mut params =
            rcgen::CertificateParams::new(vec!["mail.example.com".into()]).expect("params");
        params.not_before = rcgen::date_time_ymd(2020, 1, 2);
        params.not_after = rcgen::date_time_ymd(2049, 12, 31);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "mail.example.com");
        let fields = Fields::parse(&certificate(params)).expect("parses");
        assert_eq!(fields.not_before, 1_577_923_200);
        assert_eq!(fields.not_after, 2_524_521_600);
        assert!(fields.self_issued && fields.has_alt_names);
        assert_eq!(fields.common_names, ["mail.example.com"]);
    }

    #[test]
    fn generalized_time_and_no_alt_names() {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        params.not_after = rcgen::date_time_ymd(2051, 3, 1);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "cn-only");
        let fields = Fields::parse(&certificate(params)).expect("parses");
        assert_eq!(fields.not_after, 2_561_241_600);
        assert!(!fields.has_alt_names);
        assert_eq!(fields.common_names, ["cn-only"]);
    }

    #[test]
    fn malformed_input_is_none() {
        assert_eq!(Fields::parse(b""), None);
        assert_eq!(Fields::parse(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), None);
        assert_eq!(Fields::parse(&[0x30, 0x03, 0x30, 0x01]), None);
        let mut params = rcgen::CertificateParams::new(vec!["x".into()]).expect("params");
        params.not_before = rcgen::date_time_ymd(2020, 1, 2);
        let der = certificate(params);
        for cut in 0..der.len() {
            let _ = Fields::parse(&der[..cut]);
        }
    }
}
