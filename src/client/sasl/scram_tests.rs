//! Known-answer and refusal tests for SCRAM: the RFC 5802 and RFC 7677 exchanges, broken
//! server messages, and the limits.

use super::*;

/// One exchange: hash, nonce, user, authzid, then (client-first, server-first,
/// client-final, server-final).
type Exchange = (
    ScramHash,
    &'static str,
    &'static str,
    Option<&'static str>,
    [&'static str; 4],
);

const EXCHANGES: [Exchange; 3] = [
    // RFC 5802 §5.
    (
        ScramHash::Sha1,
        "fyko+d2lbbFgONRv9qkxdawL",
        "user",
        None,
        [
            "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
            "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
            "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
            "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=",
        ],
    ),
    // RFC 7677 §3.
    (
        ScramHash::Sha256,
        "rOprNGfwEbeRWgbNEkqO",
        "user",
        None,
        [
            "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
             s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
             p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
            "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
        ],
    ),
    // Escaped names, an authorization identity and a server extension.
    (
        ScramHash::Sha256,
        "abc",
        "u=s,er",
        Some("ad,min"),
        [
            "n,a=ad=2Cmin,n=u=3Ds=2Cer,r=abc",
            "r=abcXYZ,s=c2FsdA==,i=4096,x=ext",
            "c=bixhPWFkPTJDbWluLA==,r=abcXYZ,p=P1y+zApPqRzs4RUGlDn2K5DUYlgjtgJSqFlrGx6pX4Q=",
            "v=gP+zeQMxI9FT3pcrdtpIejl1J//ieF4ezIAAD/pnRIA=",
        ],
    ),
];

fn scram(hash: ScramHash, nonce: &str, user: &str, authzid: Option<&str>) -> Scram {
    Scram::with_nonce(hash, user, Secret::from("pencil"), authzid, nonce).unwrap()
}

/// A SCRAM-SHA-1 exchange of RFC 5802 §5 after client-first.
fn rfc5802() -> Scram {
    let mut mech = scram(ScramHash::Sha1, "fyko+d2lbbFgONRv9qkxdawL", "user", None);
    mech.initial_response().unwrap();
    mech
}

fn sasl_error(result: Result<impl std::fmt::Debug, Error>) -> String {
    match result {
        Err(Error::Sasl(text)) => text,
        other => panic!("{other:?}"),
    }
}

#[test]
fn known_answers_with_the_signature_in_a_challenge() {
    for (hash, nonce, user, authzid, [first, server_first, last, server_final]) in EXCHANGES {
        let mut mech = scram(hash, nonce, user, authzid);
        assert_eq!(mech.name(), hash.name());
        let got = mech.initial_response().unwrap().unwrap();
        assert_eq!(String::from_utf8(got).unwrap(), first);
        let got = mech.step(server_first.as_bytes()).unwrap();
        assert_eq!(String::from_utf8(got).unwrap(), last);
        assert_eq!(mech.step(server_final.as_bytes()).unwrap(), b"");
        mech.finish(None).unwrap();
    }
}

#[test]
fn known_answers_with_the_signature_in_the_ok() {
    for (hash, nonce, user, authzid, [_, server_first, last, server_final]) in EXCHANGES {
        let mut mech = scram(hash, nonce, user, authzid);
        // No SASL-IR: the client-first answers the server's empty `+`.
        assert!(mech.step(b"").unwrap().starts_with(b"n,"));
        let got = mech.step(server_first.as_bytes()).unwrap();
        assert_eq!(String::from_utf8(got).unwrap(), last);
        mech.finish(Some(server_final.as_bytes())).unwrap();
    }
}

#[test]
fn saslprep_applies_to_the_password() {
    // A soft hyphen is mapped to nothing, so this is RFC 5802's "pencil".
    let mut mech = Scram::with_nonce(
        ScramHash::Sha1,
        "user",
        Secret::from("pen\u{00AD}cil"),
        None,
        "fyko+d2lbbFgONRv9qkxdawL",
    )
    .unwrap();
    mech.initial_response().unwrap();
    let got = mech.step(EXCHANGES[0].4[1].as_bytes()).unwrap();
    assert_eq!(String::from_utf8(got).unwrap(), EXCHANGES[0].4[2]);
}

#[test]
fn wrong_or_missing_server_signature_fails() {
    let server_first = EXCHANGES[0].4[1].as_bytes();
    let cases: [&[u8]; 4] = [
        b"v=rmF9pqV8S7suAoZWja4dJRkFsKR=",
        b"v=AAAA",
        b"v=not base64",
        b"r=garbage",
    ];
    for server_final in cases {
        let mut mech = rfc5802();
        mech.step(server_first).unwrap();
        let text = sasl_error(mech.step(server_final));
        assert!(
            text.contains("signature is wrong") || text.contains("malformed server-final"),
            "{text}"
        );
        assert!(mech.finish(None).is_err(), "failure is final");

        let mut mech = rfc5802();
        mech.step(server_first).unwrap();
        assert!(mech.finish(Some(server_final)).is_err());
    }
    for data in [None, Some(&b""[..])] {
        let mut mech = rfc5802();
        mech.step(server_first).unwrap();
        let text = sasl_error(mech.finish(data));
        assert!(text.contains("no server signature"), "{text}");
    }
}

#[test]
fn server_error_is_reported() {
    let mut mech = rfc5802();
    mech.step(EXCHANGES[0].4[1].as_bytes()).unwrap();
    let text = sasl_error(mech.step(b"e=invalid-proof"));
    assert_eq!(text, "SCRAM-SHA-1: server reported \"invalid-proof\"");
    assert_eq!(mech.server_error(), Some("invalid-proof"));
}

#[test]
fn server_first_refusals() {
    let nonce = "fyko+d2lbbFgONRv9qkxdawL";
    let cases: &[(&str, &str)] = &[
        (
            "r=someoneelse,s=QSXCR+Q6sek8bf92,i=4096",
            "does not extend the client nonce",
        ),
        (
            "r=fyko+d2lbbFgONRv9,s=QSXCR+Q6sek8bf92,i=4096",
            "does not extend",
        ),
        (
            "r=fyko+d2lbbFgONRv9qkxdawL\u{7f},s=QSXCR+Q6sek8bf92,i=1",
            "the server nonce is not printable ASCII",
        ),
        (
            "r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=0",
            "the iteration count is 0",
        ),
        (
            "r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=000",
            "is 0",
        ),
        (
            "r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=10000001",
            "the iteration count 10000001 is above the limit of 10000000",
        ),
        (
            "r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=99999999999999999999999",
            "the iteration count is above the limit of 10000000",
        ),
        (
            "r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=-1",
            "not a number",
        ),
        (
            "r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=",
            "not a number",
        ),
        (
            "r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=4k",
            "not a number",
        ),
        (
            "r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=4095",
            "the iteration count 4095 is below the minimum of 4096",
        ),
        (
            "r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=1",
            "is below the minimum",
        ),
        ("r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92", "lacks i="),
        (
            "r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf9,i=1",
            "the salt is not base64",
        ),
        (
            "r=fyko+d2lbbFgONRv9qkxdawLx,i=4096,s=QSXCR+Q6sek8bf92",
            "lacks s=",
        ),
        (
            "m=ext,r=fyko+d2lbbFgONRv9qkxdawLx,s=QSXCR+Q6sek8bf92,i=1",
            "mandatory extension",
        ),
        ("s=QSXCR+Q6sek8bf92,i=4096", "lacks r="),
        ("", "lacks r="),
    ];
    for &(server_first, want) in cases {
        let mut mech = scram(ScramHash::Sha1, nonce, "user", None);
        mech.initial_response().unwrap();
        let text = sasl_error(mech.step(server_first.as_bytes()));
        assert!(text.contains(want), "{server_first:?}: {text}");
        assert!(mech.step(b"v=rmF9pqV8S7suAoZWja4dJRkFsKQ=").is_err());
        assert!(mech.finish(None).is_err());
    }
    let mut mech = rfc5802();
    assert!(sasl_error(mech.step(b"r=\xff")).contains("not UTF-8"));
}

#[test]
fn iteration_limit_can_be_lowered() {
    let mut mech = rfc5802().max_iterations(1000);
    let text = sasl_error(mech.step(EXCHANGES[0].4[1].as_bytes()));
    assert!(text.contains("4096 is above the limit of 1000"), "{text}");
}

#[test]
fn out_of_order_calls_fail() {
    let mut mech = scram(ScramHash::Sha256, "abc", "user", None);
    assert!(sasl_error(mech.step(b"r=abcd,s=c2FsdA==,i=1")).contains("unexpected challenge"));

    let mut mech = scram(ScramHash::Sha256, "abc", "user", None);
    assert!(sasl_error(mech.finish(None)).contains("before the exchange was complete"));

    let mut mech = rfc5802();
    assert!(mech.initial_response().is_err());
    let mut mech = rfc5802();
    assert!(mech
        .finish(Some(b"v=rmF9pqV8S7suAoZWja4dJRkFsKQ="))
        .is_err());
}

#[test]
fn random_nonce() {
    let one = Scram::new(ScramHash::Sha256, "user", Secret::from("pencil"), None).unwrap();
    let two = Scram::new(ScramHash::Sha256, "user", Secret::from("pencil"), None).unwrap();
    assert_eq!(one.nonce.len(), 24);
    assert!(one.nonce.bytes().all(printable));
    assert_ne!(one.nonce, two.nonce);
}

#[test]
fn construction_refusals() {
    let cases: &[(&str, &str, &str, &str)] = &[
        ("user", "pencil", "", "the nonce must be printable ASCII"),
        ("user", "pencil", "a,b", "the nonce must be printable ASCII"),
        ("user", "pencil", "a b", "the nonce must be printable ASCII"),
        ("us\ter", "pencil", "abc", "the user name contains U+0009"),
        (
            "user",
            "pen\u{7}cil",
            "abc",
            "the password contains a character SASLprep",
        ),
    ];
    for &(user, password, nonce, want) in cases {
        let text = sasl_error(Scram::with_nonce(
            ScramHash::Sha1,
            user,
            Secret::from(password),
            None,
            nonce,
        ));
        assert!(text.contains(want), "{text}");
        assert!(!text.contains("pen"), "{text}");
    }
}

#[test]
fn debug_hides_the_password_and_keys() {
    let mut mech = rfc5802();
    mech.step(EXCHANGES[0].4[1].as_bytes()).unwrap();
    let shown = format!("{mech:?}");
    assert!(!shown.contains("pencil"), "{shown}");
    assert!(shown.contains("<redacted>"));
}

#[test]
fn constant_time_eq_table() {
    let cases: [(&[u8], &[u8], bool); 5] = [
        (b"", b"", true),
        (b"abc", b"abc", true),
        (b"abc", b"abd", false),
        (b"abc", b"ab", false),
        (b"\x00", b"\x80", false),
    ];
    for (a, b, want) in cases {
        assert_eq!(constant_time_eq(a, b), want, "{a:?} {b:?}");
    }
}

proptest::proptest! {
    #[test]
    fn mangled_server_messages_never_panic(
        suffix in "[ -~]{0,12}",
        salt in "[A-Za-z0-9+/=]{0,12}",
        count in "[0-9]{0,12}",
        extra in "(,[a-z]=[ -~]{0,6}){0,2}",
        server_final in "[ -~]{0,40}",
    ) {
        let mut mech = rfc5802().max_iterations(64);
        let server_first = format!("r=fyko+d2lbbFgONRv9qkxdawL{suffix},s={salt},i={count}{extra}");
        if mech.step(server_first.as_bytes()).is_ok() {
            let _ = mech.step(server_final.as_bytes());
        }
        let _ = mech.finish(Some(server_final.as_bytes()));
    }
}
