//! The OAuth 2.0 bearer-token mechanisms: XOAUTH2 (Google, Microsoft) and OAUTHBEARER
//! (RFC 7628).
//!
//! Rules:
//! - Both are client-first: one message carrying the user and the access token.
//!   XOAUTH2: `user=<user> ^A auth=Bearer <token> ^A ^A`. OAUTHBEARER: a GS2 header
//!   `n,a=<saslname>,` then `^A host=<host> ^A port=<port> ^A auth=Bearer <token> ^A ^A`
//!   (`^A` is U+0001, the key/value separator; host and port are left out when unknown).
//! - Values are refused at construction if they contain `^A` or NUL (which would split the
//!   message); the token and host are also refused with any other control character.
//! - If the server rejects the token it sends one challenge holding a JSON error document
//!   (RFC 7628 §3.2.2). The client must answer it before the server ends the exchange with
//!   `NO`: XOAUTH2 with an empty response, OAUTHBEARER with a lone `^A`. The document is
//!   kept (lossily decoded, at most [`MAX_ERROR_LEN`] bytes) and shown by
//!   [`Mechanism::server_error`]; a second challenge after it is an error.

use super::{gs2, Mechanism, Rounds, Secret};
use crate::client::Error;

/// The longest server error document kept; the rest is dropped.
const MAX_ERROR_LEN: usize = 4096;

/// XOAUTH2: a user name and an OAuth 2.0 access token, in Google's format.
#[derive(Debug)]
pub struct XOAuth2 {
    exchange: Exchange,
}

/// OAUTHBEARER (RFC 7628): an OAuth 2.0 access token with the identity and server it is for.
#[derive(Debug)]
pub struct OAuthBearer {
    exchange: Exchange,
}

impl XOAuth2 {
    /// XOAUTH2 for `username` with the access `token`.
    pub fn new(username: &str, token: Secret<String>) -> Result<Self, Error> {
        const NAME: &str = "XOAUTH2";
        check(NAME, "user name", username, false)?;
        check(NAME, "token", token.expose(), true)?;
        let token = token.expose();
        let mut message = Vec::with_capacity(username.len() + token.len() + 21);
        message.extend_from_slice(b"user=");
        message.extend_from_slice(username.as_bytes());
        message.extend_from_slice(b"\x01auth=Bearer ");
        message.extend_from_slice(token.as_bytes());
        message.extend_from_slice(b"\x01\x01");
        Ok(Self {
            exchange: Exchange::new(NAME, message, b""),
        })
    }
}

impl OAuthBearer {
    /// OAUTHBEARER with the access `token`, naming `username` in the GS2 header (`a=`) and
    /// `host`, the server's name and port, if given.
    pub fn new(
        username: &str,
        token: Secret<String>,
        host: Option<(&str, u16)>,
    ) -> Result<Self, Error> {
        const NAME: &str = "OAUTHBEARER";
        check(NAME, "user name", username, false)?;
        check(NAME, "token", token.expose(), true)?;
        let token = token.expose();
        let header = gs2::header(Some(username));
        let mut message = Vec::with_capacity(header.len() + token.len() + 64);
        message.extend_from_slice(header.as_bytes());
        message.push(0x01);
        if let Some((name, port)) = host {
            check(NAME, "host", name, true)?;
            message.extend_from_slice(format!("host={name}\x01port={port}\x01").as_bytes());
        }
        message.extend_from_slice(b"auth=Bearer ");
        message.extend_from_slice(token.as_bytes());
        message.extend_from_slice(b"\x01\x01");
        Ok(Self {
            exchange: Exchange::new(NAME, message, b"\x01"),
        })
    }
}

/// Both mechanisms are one client message and at most one error challenge, all of which
/// their [`Exchange`] handles; nothing is checked at the end.
macro_rules! exchange_mechanism {
    ($($mechanism:ty),+) => {$(
        impl Mechanism for $mechanism {
            fn name(&self) -> &str {
                self.exchange.name
            }

            fn initial_response(&mut self) -> Result<Option<Vec<u8>>, Error> {
                self.exchange.initial_response().map(Some)
            }

            fn step(&mut self, challenge: &[u8]) -> Result<Vec<u8>, Error> {
                self.exchange.step(challenge)
            }

            fn finish(&mut self, _final_data: Option<&[u8]>) -> Result<(), Error> {
                Ok(())
            }

            fn server_error(&self) -> Option<&str> {
                self.exchange.server_error.as_deref()
            }
        }
    )+};
}

exchange_mechanism!(XOAuth2, OAuthBearer);

/// The exchange both mechanisms share: one message, then at most one error challenge.
#[derive(Debug)]
struct Exchange {
    name: &'static str,
    /// The initial response; it holds the token.
    message: Secret<Vec<u8>>,
    /// What to answer the error challenge with.
    abort: &'static [u8],
    state: State,
    server_error: Option<String>,
    rounds: Rounds,
}

/// Where an [`Exchange`] stands.
#[derive(Debug, PartialEq, Eq)]
enum State {
    /// Nothing sent yet.
    Start,
    /// The token was sent.
    Sent,
    /// The server's error document was answered; the tagged `NO` is next.
    Failed,
}

impl Exchange {
    fn new(name: &'static str, message: Vec<u8>, abort: &'static [u8]) -> Self {
        Self {
            name,
            message: Secret::new(message),
            abort,
            state: State::Start,
            server_error: None,
            rounds: Rounds::default(),
        }
    }

    fn initial_response(&mut self) -> Result<Vec<u8>, Error> {
        if self.state != State::Start {
            return Err(Error::Sasl(format!(
                "{}: the response was already sent",
                self.name
            )));
        }
        self.state = State::Sent;
        Ok(self.message.expose().clone())
    }

    fn step(&mut self, challenge: &[u8]) -> Result<Vec<u8>, Error> {
        self.rounds.next(self.name)?;
        match self.state {
            State::Start if challenge.is_empty() => self.initial_response(),
            State::Sent => {
                let kept = challenge.get(..MAX_ERROR_LEN).unwrap_or(challenge);
                self.server_error = Some(String::from_utf8_lossy(kept).into_owned());
                self.state = State::Failed;
                Ok(self.abort.to_vec())
            }
            State::Start | State::Failed => {
                Err(Error::Sasl(format!("{}: unexpected challenge", self.name)))
            }
        }
    }
}

/// Refuses `value` if it contains the separator `^A` or NUL, or with `strict` any control.
fn check(mechanism: &str, what: &str, value: &str, strict: bool) -> Result<(), Error> {
    let bad = |b: &u8| match b {
        0x00 | 0x01 => true,
        0x02..=0x1F | 0x7F => strict,
        _ => false,
    };
    if value.as_bytes().iter().any(bad) {
        return Err(Error::Sasl(format!(
            "{mechanism}: the {what} contains a control character"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==";

    /// A server's name and port.
    type Host = Option<(&'static str, u16)>;

    #[test]
    fn xoauth2_known_answers() {
        let cases: &[(&str, &str, &[u8])] = &[
            (
                "someuser@example.com",
                "ya29.vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg",
                b"user=someuser@example.com\x01auth=Bearer \
                  ya29.vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg\x01\x01",
            ),
            ("", "t", b"user=\x01auth=Bearer t\x01\x01"),
        ];
        for &(user, token, want) in cases {
            let mut mech = XOAuth2::new(user, Secret::from(token)).unwrap();
            assert_eq!(mech.name(), "XOAUTH2");
            assert_eq!(mech.initial_response().unwrap().as_deref(), Some(want));
            assert!(mech.finish(None).is_ok());
            assert_eq!(mech.server_error(), None);
        }
    }

    #[test]
    fn oauthbearer_known_answers() {
        // RFC 7628 §4.1 example (IMAP, port 143), then without host, then with escaping.
        let cases: &[(&str, Host, &[u8])] = &[
            (
                "user@example.com",
                Some(("server.example.com", 143)),
                b"n,a=user@example.com,\x01host=server.example.com\x01port=143\x01\
                  auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01",
            ),
            (
                "user@example.com",
                None,
                b"n,a=user@example.com,\x01\
                  auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01",
            ),
            (
                "a,b=c",
                Some(("h", 993)),
                b"n,a=a=2Cb=3Dc,\x01host=h\x01port=993\x01\
                  auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01",
            ),
        ];
        for &(user, host, want) in cases {
            let mut mech = OAuthBearer::new(user, Secret::from(TOKEN), host).unwrap();
            assert_eq!(mech.name(), "OAUTHBEARER");
            assert_eq!(mech.initial_response().unwrap().as_deref(), Some(want));
            assert!(mech.finish(None).is_ok());
        }
    }

    #[test]
    fn failure_challenge_is_answered_and_kept() {
        let json = br#"{"status":"invalid_token","scope":"example_scope"}"#;
        let mut xoauth2 = XOAuth2::new("user", Secret::from(TOKEN)).unwrap();
        let mut bearer = OAuthBearer::new("user", Secret::from(TOKEN), None).unwrap();
        let mechs: [(&mut dyn Mechanism, &[u8]); 2] = [(&mut xoauth2, b""), (&mut bearer, b"\x01")];
        for (mech, answer) in mechs {
            mech.initial_response().unwrap();
            assert_eq!(mech.step(json).unwrap(), answer, "{}", mech.name());
            assert_eq!(
                mech.server_error(),
                Some(std::str::from_utf8(json).unwrap())
            );
            assert!(mech.step(json).is_err(), "one error challenge only");
        }
    }

    #[test]
    fn server_error_is_bounded() {
        let mut mech = XOAuth2::new("user", Secret::from(TOKEN)).unwrap();
        mech.initial_response().unwrap();
        mech.step(&[b'x'; MAX_ERROR_LEN * 2]).unwrap();
        assert_eq!(mech.server_error().map(str::len), Some(MAX_ERROR_LEN));
    }

    #[test]
    fn initial_response_after_an_empty_challenge() {
        let mut mech = XOAuth2::new("u", Secret::from("t")).unwrap();
        assert_eq!(mech.step(b"").unwrap(), b"user=u\x01auth=Bearer t\x01\x01");
        assert!(mech.initial_response().is_err());
        let mut mech = OAuthBearer::new("u", Secret::from("t"), None).unwrap();
        assert!(mech.step(b"not empty").is_err());
    }

    #[test]
    fn refuses_separators_and_controls() {
        let cases: &[(&str, &str, Host, &str)] = &[
            (
                "u\x01",
                "t",
                None,
                "the user name contains a control character",
            ),
            ("u", "t\x01", None, "the token contains a control character"),
            ("u", "t\r\n", None, "the token contains a control character"),
            (
                "u",
                "t",
                Some(("h\x01", 1)),
                "the host contains a control character",
            ),
        ];
        for &(user, token, host, want) in cases {
            match OAuthBearer::new(user, Secret::from(token), host) {
                Err(Error::Sasl(text)) => assert_eq!(text, format!("OAUTHBEARER: {want}")),
                other => panic!("{other:?}"),
            }
            if host.is_none() {
                assert!(XOAuth2::new(user, Secret::from(token)).is_err());
            }
        }
    }

    #[test]
    fn debug_hides_the_token() {
        let mech = OAuthBearer::new("u", Secret::from(TOKEN), None).unwrap();
        let shown = format!("{mech:?}");
        assert!(!shown.contains("vF9dft4q"), "{shown}");
    }
}
