//! SASL client mechanisms (RFC 4422) as sans-I/O state machines driven by the engine.
//!
//! Rules:
//! - Mechanisms work on raw bytes. The engine does the IMAP side: base64 in both directions,
//!   the `+` continuation requests, `*` to cancel, and SASL-IR (RFC 4959).
//! - The engine calls [`Mechanism::initial_response`] once, first. `Some(bytes)` goes with
//!   `AUTHENTICATE` when the server offers SASL-IR, or answers the server's first empty `+`
//!   otherwise; `None` means the server speaks first. Every later challenge goes to
//!   [`Mechanism::step`], whose answer is sent back; an `Err` from `step` means "cancel the
//!   exchange with `*`". On the tagged `OK` the engine calls [`Mechanism::finish`], which may
//!   still turn success into failure: SCRAM authenticates the server too, and a server that
//!   cannot prove it knows the password has not authenticated the client either.
//! - The server is untrusted. Challenges are checked, nothing derived from them is unwrapped,
//!   and a mechanism answers at most [`MAX_ROUNDS`] challenges, so a server cannot keep an
//!   exchange going for ever.
//! - Passwords and tokens are held as [`Secret`]s. No error text and no `Debug` output of
//!   these types contains them; the only copies handed out are the responses themselves.
//! - Errors are [`Error::Sasl`] with a lowercase text naming the mechanism.

mod gs2;
mod oauth;
mod saslprep;
mod scram;
mod secret;
mod simple;

use std::fmt;

use crate::client::Error;

pub use oauth::{OAuthBearer, XOAuth2};
pub use scram::{Scram, ScramHash, MAX_ITERATIONS, MIN_ITERATIONS};
pub use secret::{Secret, Wipe};
pub use simple::{CramMd5, Login, Plain};

/// The most challenges one exchange may contain; the next call to [`Mechanism::step`] fails.
///
/// The longest exchange implemented here (SCRAM) has two.
pub const MAX_ROUNDS: usize = 10;

/// One SASL exchange from the client's side.
pub trait Mechanism: Send + fmt::Debug {
    /// The mechanism's registered name, upper case, as sent in `AUTHENTICATE`.
    fn name(&self) -> &str;

    /// The client's first message, `None` for mechanisms where the server speaks first.
    ///
    /// Called at most once, before any [`Mechanism::step`]. An empty `Some` is a real, empty
    /// response (sent as `=` with SASL-IR).
    fn initial_response(&mut self) -> Result<Option<Vec<u8>>, Error>;

    /// The answer to one server challenge (already base64-decoded).
    ///
    /// A client-first mechanism whose initial response was not taken answers an empty first
    /// challenge with it. Fails on a malformed or unexpected challenge, after
    /// [`MAX_ROUNDS`] calls, and when the server reports an error in its final message.
    fn step(&mut self, challenge: &[u8]) -> Result<Vec<u8>, Error>;

    /// Checks the end of the exchange when the server answered the tagged `OK`.
    ///
    /// `final_data` is additional data that came with the success, if any. Mechanisms that
    /// do not authenticate the server accept any; SCRAM requires the server's signature,
    /// here or in an earlier challenge, and fails when it is missing or wrong.
    fn finish(&mut self, final_data: Option<&[u8]>) -> Result<(), Error>;

    /// The error the server described in a challenge (the OAuth JSON document, SCRAM's
    /// `e=` value), for the message shown after the tagged `NO`; `None` if there was none.
    fn server_error(&self) -> Option<&str> {
        None
    }
}

/// The mechanism called `name` (case-insensitive) for `username` and `secret`.
///
/// `secret` is the password, or the OAuth 2.0 access token for `XOAUTH2` and
/// `OAUTHBEARER`. `authzid` is the identity to act as: `PLAIN` and SCRAM send it next to
/// `username`, `OAUTHBEARER` sends it instead of `username` in its GS2 header, and the other
/// mechanisms cannot carry one, so giving one is an error. `host` is the server's name and
/// port, sent by `OAUTHBEARER` only.
pub fn mechanism(
    name: &str,
    username: &str,
    secret: Secret<String>,
    authzid: Option<&str>,
    host: Option<(&str, u16)>,
) -> Result<Box<dyn Mechanism>, Error> {
    let upper = name.to_ascii_uppercase();
    let mechanism: Box<dyn Mechanism> = match upper.as_str() {
        "PLAIN" => Box::new(Plain::new(username, secret, authzid)?),
        "LOGIN" => {
            no_authzid("LOGIN", authzid)?;
            Box::new(Login::new(username, secret))
        }
        "CRAM-MD5" => {
            no_authzid("CRAM-MD5", authzid)?;
            Box::new(CramMd5::new(username, secret))
        }
        "XOAUTH2" => {
            no_authzid("XOAUTH2", authzid)?;
            Box::new(XOAuth2::new(username, secret)?)
        }
        "OAUTHBEARER" => Box::new(OAuthBearer::new(authzid.unwrap_or(username), secret, host)?),
        "SCRAM-SHA-1" => Box::new(Scram::new(ScramHash::Sha1, username, secret, authzid)?),
        "SCRAM-SHA-256" => Box::new(Scram::new(ScramHash::Sha256, username, secret, authzid)?),
        _ => return Err(Error::Sasl(format!("unsupported mechanism {name:?}"))),
    };
    Ok(mechanism)
}

/// The strongest password mechanism among `server_mechs`, or `None`.
///
/// Order: `SCRAM-SHA-256`, `SCRAM-SHA-1`, `CRAM-MD5`, `PLAIN`, `LOGIN`. Names compare
/// case-insensitively and may keep their capability prefix (`AUTH=PLAIN`). The OAuth
/// mechanisms take a token, not a password, so they are never chosen here; ask for them by
/// name.
#[must_use]
pub fn preferred(server_mechs: &[&str]) -> Option<&'static str> {
    const ORDER: [&str; 5] = ["SCRAM-SHA-256", "SCRAM-SHA-1", "CRAM-MD5", "PLAIN", "LOGIN"];
    ORDER.into_iter().find(|wanted| {
        server_mechs.iter().any(|offered| {
            let name = offered
                .get(..5)
                .filter(|prefix| prefix.eq_ignore_ascii_case("AUTH="))
                .and_then(|_| offered.get(5..))
                .unwrap_or(offered);
            name.eq_ignore_ascii_case(wanted)
        })
    })
}

/// Counts the challenges of one exchange and refuses the one past [`MAX_ROUNDS`].
#[derive(Debug, Default)]
struct Rounds(usize);

impl Rounds {
    /// Records one more challenge for `mechanism`; fails once the limit is passed.
    fn next(&mut self, mechanism: &str) -> Result<(), Error> {
        if self.0 >= MAX_ROUNDS {
            return Err(Error::Sasl(format!(
                "{mechanism}: more than {MAX_ROUNDS} challenges (limit sasl rounds)"
            )));
        }
        self.0 += 1;
        Ok(())
    }
}

/// Refuses an authorization identity for a mechanism that has no field for one.
fn no_authzid(mechanism: &str, authzid: Option<&str>) -> Result<(), Error> {
    match authzid {
        Some(_) => Err(Error::Sasl(format!(
            "{mechanism} cannot carry an authorization identity"
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> Secret<String> {
        Secret::from("pencil")
    }

    #[test]
    fn factory_names() {
        let cases = [
            ("PLAIN", "PLAIN", true),
            ("plain", "PLAIN", true),
            ("LOGIN", "LOGIN", false),
            ("CRAM-MD5", "CRAM-MD5", false),
            ("XOAUTH2", "XOAUTH2", true),
            ("OAUTHBEARER", "OAUTHBEARER", true),
            ("SCRAM-SHA-1", "SCRAM-SHA-1", true),
            ("scram-sha-256", "SCRAM-SHA-256", true),
        ];
        for (name, canonical, client_first) in cases {
            let mut mech = mechanism(name, "user", secret(), None, Some(("imap.example", 993)))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(mech.name(), canonical);
            let first = mech
                .initial_response()
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(first.is_some(), client_first, "{name}");
        }
    }

    #[test]
    fn factory_refusals() {
        let cases = [
            ("GSSAPI", None, "unsupported mechanism \"GSSAPI\""),
            ("SCRAM-SHA-256-PLUS", None, "unsupported mechanism"),
            ("", None, "unsupported mechanism"),
            (
                "LOGIN",
                Some("admin"),
                "LOGIN cannot carry an authorization identity",
            ),
            ("CRAM-MD5", Some("admin"), "CRAM-MD5 cannot carry"),
            ("XOAUTH2", Some("admin"), "XOAUTH2 cannot carry"),
        ];
        for (name, authzid, want) in cases {
            match mechanism(name, "user", secret(), authzid, None) {
                Err(Error::Sasl(text)) => assert!(text.contains(want), "{name}: {text}"),
                other => panic!("{name}: {other:?}"),
            }
        }
    }

    #[test]
    fn factory_passes_authzid() {
        let mut plain = mechanism("PLAIN", "user", secret(), Some("admin"), None).unwrap();
        assert_eq!(
            plain.initial_response().unwrap().unwrap(),
            b"admin\0user\0pencil"
        );
        let mut bearer = mechanism("OAUTHBEARER", "user", secret(), Some("admin"), None).unwrap();
        let first = bearer.initial_response().unwrap().unwrap();
        assert!(first.starts_with(b"n,a=admin,\x01"), "{first:?}");
    }

    #[test]
    fn preferred_order() {
        let cases: &[(&[&str], Option<&str>)] = &[
            (&[], None),
            (&["LOGIN"], Some("LOGIN")),
            (&["LOGIN", "PLAIN"], Some("PLAIN")),
            (&["PLAIN", "CRAM-MD5"], Some("CRAM-MD5")),
            (&["cram-md5", "scram-sha-1"], Some("SCRAM-SHA-1")),
            (
                &["SCRAM-SHA-1", "SCRAM-SHA-256", "PLAIN"],
                Some("SCRAM-SHA-256"),
            ),
            (&["AUTH=PLAIN", "AUTH=LOGIN"], Some("PLAIN")),
            (&["auth=scram-sha-256"], Some("SCRAM-SHA-256")),
            (&["XOAUTH2", "OAUTHBEARER"], None),
            (&["XOAUTH2", "LOGIN"], Some("LOGIN")),
            (&["SCRAM-SHA-256-PLUS", "GSSAPI"], None),
            (&["AUTH="], None),
            (&["é"], None),
        ];
        for &(offered, want) in cases {
            assert_eq!(preferred(offered), want, "{offered:?}");
        }
    }

    #[test]
    fn rounds_limit() {
        let mut rounds = Rounds::default();
        for _ in 0..MAX_ROUNDS {
            rounds.next("TEST").unwrap();
        }
        match rounds.next("TEST") {
            Err(Error::Sasl(text)) => {
                assert_eq!(text, "TEST: more than 10 challenges (limit sasl rounds)");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_mechanism_stops_at_the_rounds_limit() {
        let names = [
            "PLAIN",
            "LOGIN",
            "CRAM-MD5",
            "XOAUTH2",
            "OAUTHBEARER",
            "SCRAM-SHA-1",
            "SCRAM-SHA-256",
        ];
        for name in names {
            let mut mech = mechanism(name, "user", secret(), None, None).unwrap();
            for _ in 0..MAX_ROUNDS {
                // Whatever these answer, none may panic.
                let _ = mech.step(b"challenge");
            }
            match mech.step(b"challenge") {
                Err(Error::Sasl(text)) => assert!(text.contains("limit sasl rounds"), "{text}"),
                other => panic!("{name}: {other:?}"),
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn hostile_challenges_never_panic(
            name in proptest::sample::select(&[
                "PLAIN", "LOGIN", "CRAM-MD5", "XOAUTH2", "OAUTHBEARER", "SCRAM-SHA-1",
                "SCRAM-SHA-256",
            ][..]),
            take_initial in proptest::bool::ANY,
            challenges in proptest::collection::vec(
                proptest::collection::vec(proptest::num::u8::ANY, 0..48), 0..14),
            final_data in proptest::option::of(
                proptest::collection::vec(proptest::num::u8::ANY, 0..48)),
        ) {
            let mut mech = mechanism(name, "user", secret(), None, None).unwrap();
            if take_initial {
                let _ = mech.initial_response();
            }
            for challenge in &challenges {
                let _ = mech.step(challenge);
            }
            let _ = mech.finish(final_data.as_deref());
            let _ = mech.server_error();
        }
    }

    #[test]
    fn debug_never_shows_the_secret() {
        for name in ["PLAIN", "LOGIN", "CRAM-MD5", "XOAUTH2", "SCRAM-SHA-256"] {
            let mut mech = mechanism(name, "user", secret(), None, None).unwrap();
            let _ = mech.initial_response();
            let shown = format!("{mech:?}");
            assert!(!shown.contains("pencil"), "{name}: {shown}");
        }
    }
}
