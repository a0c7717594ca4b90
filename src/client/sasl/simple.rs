//! The password mechanisms without server authentication: PLAIN, LOGIN and CRAM-MD5.
//!
//! Rules:
//! - PLAIN (RFC 4616) is client-first: one message `[authzid] NUL authcid NUL passwd`. A NUL
//!   inside a field would shift the fields, so it is refused when the mechanism is built.
//! - LOGIN (draft-murchison-sasl-login) is server-first: the first challenge is answered with
//!   the user name and the second with the password, whatever their text says (servers word
//!   the prompts differently); a third challenge is an error.
//! - CRAM-MD5 (RFC 2195) answers its single challenge with
//!   `user SP hex(HMAC-MD5(password, challenge))`, hex in lower case.
//! - None of them proves anything about the server, so [`Mechanism::finish`] accepts the
//!   tagged `OK` as it comes. They belong on TLS-protected connections only.

use hmac::{Hmac, Mac};
use md5::Md5;

use super::{Mechanism, Rounds, Secret};
use crate::client::Error;

/// PLAIN (RFC 4616): user name and password in one message, optionally with an
/// authorization identity.
#[derive(Debug)]
pub struct Plain {
    authzid: Option<String>,
    username: String,
    password: Secret<String>,
    sent: bool,
    rounds: Rounds,
}

/// LOGIN: the user name and the password, each in answer to a prompt.
#[derive(Debug)]
pub struct Login {
    username: String,
    password: Secret<String>,
    answered: u8,
    rounds: Rounds,
}

/// CRAM-MD5 (RFC 2195): a keyed MD5 digest of the server's challenge.
#[derive(Debug)]
pub struct CramMd5 {
    username: String,
    password: Secret<String>,
    answered: bool,
    rounds: Rounds,
}

impl Plain {
    /// PLAIN for `username` with `password`, acting as `authzid` if given.
    ///
    /// Fails if any field contains NUL, the separator of the message.
    pub fn new(
        username: &str,
        password: Secret<String>,
        authzid: Option<&str>,
    ) -> Result<Self, Error> {
        let fields = [
            ("authorization identity", authzid.unwrap_or("")),
            ("user name", username),
            ("password", password.expose()),
        ];
        for (what, value) in fields {
            if value.contains('\0') {
                return Err(Error::Sasl(format!("PLAIN: the {what} contains NUL")));
            }
        }
        Ok(Self {
            authzid: authzid.map(str::to_owned),
            username: username.to_owned(),
            password,
            sent: false,
            rounds: Rounds::default(),
        })
    }

    /// The one message: `[authzid] NUL authcid NUL passwd`.
    fn message(&self) -> Vec<u8> {
        let authzid = self.authzid.as_deref().unwrap_or("");
        let password = self.password.expose();
        let mut out = Vec::with_capacity(authzid.len() + self.username.len() + password.len() + 2);
        out.extend_from_slice(authzid.as_bytes());
        out.push(0);
        out.extend_from_slice(self.username.as_bytes());
        out.push(0);
        out.extend_from_slice(password.as_bytes());
        out
    }
}

impl Mechanism for Plain {
    fn name(&self) -> &str {
        "PLAIN"
    }

    fn initial_response(&mut self) -> Result<Option<Vec<u8>>, Error> {
        if self.sent {
            return Err(Error::Sasl("PLAIN: the response was already sent".into()));
        }
        self.sent = true;
        Ok(Some(self.message()))
    }

    fn step(&mut self, challenge: &[u8]) -> Result<Vec<u8>, Error> {
        self.rounds.next("PLAIN")?;
        if self.sent || !challenge.is_empty() {
            return Err(Error::Sasl("PLAIN: unexpected challenge".into()));
        }
        self.sent = true;
        Ok(self.message())
    }

    fn finish(&mut self, _final_data: Option<&[u8]>) -> Result<(), Error> {
        Ok(())
    }
}

impl Login {
    /// LOGIN for `username` with `password`.
    #[must_use]
    pub fn new(username: &str, password: Secret<String>) -> Self {
        Self {
            username: username.to_owned(),
            password,
            answered: 0,
            rounds: Rounds::default(),
        }
    }
}

impl Mechanism for Login {
    fn name(&self) -> &str {
        "LOGIN"
    }

    fn initial_response(&mut self) -> Result<Option<Vec<u8>>, Error> {
        Ok(None)
    }

    fn step(&mut self, _challenge: &[u8]) -> Result<Vec<u8>, Error> {
        self.rounds.next("LOGIN")?;
        let answer = match self.answered {
            0 => self.username.as_bytes().to_vec(),
            1 => self.password.expose().as_bytes().to_vec(),
            _ => return Err(Error::Sasl("LOGIN: unexpected third challenge".into())),
        };
        self.answered += 1;
        Ok(answer)
    }

    fn finish(&mut self, _final_data: Option<&[u8]>) -> Result<(), Error> {
        Ok(())
    }
}

impl CramMd5 {
    /// CRAM-MD5 for `username` with `password`.
    #[must_use]
    pub fn new(username: &str, password: Secret<String>) -> Self {
        Self {
            username: username.to_owned(),
            password,
            answered: false,
            rounds: Rounds::default(),
        }
    }
}

impl Mechanism for CramMd5 {
    fn name(&self) -> &str {
        "CRAM-MD5"
    }

    fn initial_response(&mut self) -> Result<Option<Vec<u8>>, Error> {
        Ok(None)
    }

    fn step(&mut self, challenge: &[u8]) -> Result<Vec<u8>, Error> {
        self.rounds.next("CRAM-MD5")?;
        if self.answered {
            return Err(Error::Sasl("CRAM-MD5: unexpected second challenge".into()));
        }
        if challenge.is_empty() {
            return Err(Error::Sasl("CRAM-MD5: empty challenge".into()));
        }
        let mut mac = Hmac::<Md5>::new_from_slice(self.password.expose().as_bytes())
            .map_err(|_| Error::Sasl("CRAM-MD5: key refused".into()))?;
        mac.update(challenge);
        let digest = mac.finalize().into_bytes();
        let mut answer = Vec::with_capacity(self.username.len() + 1 + 2 * digest.len());
        answer.extend_from_slice(self.username.as_bytes());
        answer.push(b' ');
        for byte in digest {
            answer.push(HEX[usize::from(byte >> 4)]);
            answer.push(HEX[usize::from(byte & 0x0F)]);
        }
        self.answered = true;
        Ok(answer)
    }

    fn finish(&mut self, _final_data: Option<&[u8]>) -> Result<(), Error> {
        Ok(())
    }
}

/// Lower-case hexadecimal digits, as RFC 2195 requires.
const HEX: &[u8; 16] = b"0123456789abcdef";

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(user: &str, password: &str, authzid: Option<&str>) -> Result<Plain, Error> {
        Plain::new(user, Secret::from(password), authzid)
    }

    #[test]
    fn plain_known_answers() {
        // RFC 4616 §4 examples, then edge cases.
        let cases: &[(&str, &str, Option<&str>, &[u8])] = &[
            ("tim", "tanstaaftanstaaf", None, b"\0tim\0tanstaaftanstaaf"),
            (
                "Kurt",
                "xipj3plmq",
                Some("Ursel"),
                b"Ursel\0Kurt\0xipj3plmq",
            ),
            ("user", "", None, b"\0user\0"),
            ("üser", "päss", Some(""), "\0üser\0päss".as_bytes()),
        ];
        for &(user, password, authzid, want) in cases {
            let mut mech = plain(user, password, authzid).unwrap();
            assert_eq!(mech.initial_response().unwrap().as_deref(), Some(want));
            assert!(mech.finish(None).is_ok());
        }
    }

    #[test]
    fn plain_refuses_nul() {
        let cases = [
            ("u\0ser", "pw", None, "the user name contains NUL"),
            ("user", "p\0w", None, "the password contains NUL"),
            (
                "user",
                "pw",
                Some("a\0"),
                "the authorization identity contains NUL",
            ),
        ];
        for (user, password, authzid, want) in cases {
            match plain(user, password, authzid) {
                Err(Error::Sasl(text)) => {
                    assert_eq!(text, format!("PLAIN: {want}"));
                    assert!(!text.contains("p\0w"));
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn plain_after_an_empty_challenge() {
        let mut mech = plain("tim", "tanstaaftanstaaf", None).unwrap();
        assert_eq!(mech.step(b"").unwrap(), b"\0tim\0tanstaaftanstaaf");
        assert!(mech.step(b"").is_err(), "only one message");
        assert!(mech.initial_response().is_err());

        let mut mech = plain("tim", "x", None).unwrap();
        assert!(mech.step(b"hello").is_err(), "PLAIN has no challenge");
    }

    #[test]
    fn login_answers_in_order() {
        let mut mech = Login::new("tim", Secret::from("tanstaaftanstaaf"));
        assert_eq!(mech.initial_response().unwrap(), None);
        let exchange: [(&[u8], &[u8]); 2] =
            [(b"Username:", b"tim"), (b"Password:", b"tanstaaftanstaaf")];
        for (challenge, want) in exchange {
            assert_eq!(mech.step(challenge).unwrap(), want);
        }
        assert!(mech.step(b"Password:").is_err());
        assert!(mech.finish(None).is_ok());

        // The prompt text is not checked.
        let mut mech = Login::new("u", Secret::from("p"));
        assert_eq!(mech.step(b"User Name\0").unwrap(), b"u");
        assert_eq!(mech.step(b"").unwrap(), b"p");
    }

    #[test]
    fn cram_md5_known_answers() {
        // RFC 2195 §2 example, then RFC 2202 HMAC-MD5 test cases 2 and 1 as challenges.
        let cases: &[(&str, &str, &[u8], &[u8])] = &[
            (
                "tim",
                "tanstaaftanstaaf",
                b"<1896.697170952@postoffice.reston.mci.net>",
                b"tim b913a602c7eda7a495b4e6e7334d3890",
            ),
            (
                "jefe",
                "Jefe",
                b"what do ya want for nothing?",
                b"jefe 750c783e6ab0b503eaa86e310a5db738",
            ),
        ];
        for &(user, password, challenge, want) in cases {
            let mut mech = CramMd5::new(user, Secret::from(password));
            assert_eq!(mech.initial_response().unwrap(), None);
            assert_eq!(mech.step(challenge).unwrap(), want);
            assert!(mech.step(challenge).is_err(), "one challenge only");
        }
    }

    #[test]
    fn cram_md5_refuses_an_empty_challenge() {
        let mut mech = CramMd5::new("tim", Secret::from("tanstaaftanstaaf"));
        match mech.step(b"") {
            Err(Error::Sasl(text)) => assert_eq!(text, "CRAM-MD5: empty challenge"),
            other => panic!("{other:?}"),
        }
    }
}
