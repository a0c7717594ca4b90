//! SCRAM-SHA-1 (RFC 5802) and SCRAM-SHA-256 (RFC 7677), without channel binding.
//!
//! Rules:
//! - client-first: `n,,n=<user>,r=<nonce>` (`n,a=<authzid>,...` with an authorization
//!   identity). The user name goes through `SASLprep` (see `saslprep.rs` for what is and is not
//!   covered), then `saslname` escaping; the password through `SASLprep`.
//! - The client nonce is 18 random bytes from the operating system, base64: 24 printable
//!   characters, never a comma. [`Scram::with_nonce`] takes a fixed one, for tests only.
//! - server-first is checked before any work is done on it: an `m=` extension (mandatory, and
//!   unknown to us) is refused; the nonce must start with ours; the salt must be base64; the
//!   iteration count must be between [`MIN_ITERATIONS`] (the RFC 7677 minimum: a lower count
//!   means a password hash cheap to attack, and a server asking for it is hostile or badly
//!   configured) and the limit, [`MAX_ITERATIONS`] unless changed with
//!   [`Scram::max_iterations`]. The limit exists because the count is chosen by the server
//!   and the client pays for it in CPU time: PBKDF2 runs at roughly five million iterations a
//!   second on a current core, so the default of ten million caps a hostile server at a couple
//!   of seconds per attempt, while real deployments use 4096 (the RFC 7677 minimum) to a few
//!   hundred thousand.
//! - client-final: `c=biws` (the base64 of `n,,`; of the header with `a=` when there is one),
//!   the combined nonce and the proof.
//! - server-final: `v=` must equal the server signature, compared in constant time; `e=` is
//!   the server's error, reported as one. It may come as a last challenge (answered with an
//!   empty response) or as the data of the tagged `OK`; if it never comes, the server has not
//!   proved it knows the password and [`Mechanism::finish`] fails.

use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};

use super::saslprep::saslprep;
use super::{gs2, Mechanism, Rounds, Secret};
use crate::client::Error;
use crate::proto::base64;

/// The lowest iteration count accepted (RFC 7677 §4: "at least 4096").
pub const MIN_ITERATIONS: u32 = 4096;

/// The default upper bound on the iteration count a server may ask for.
pub const MAX_ITERATIONS: u32 = 10_000_000;

/// Random bytes in a client nonce (base64 makes 24 characters of them).
const NONCE_BYTES: usize = 18;

/// The longest `e=` value kept from a server-final message.
const MAX_ERROR_LEN: usize = 256;

/// The hash function of a SCRAM mechanism.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScramHash {
    /// SHA-1: SCRAM-SHA-1 (RFC 5802).
    Sha1,
    /// SHA-256: SCRAM-SHA-256 (RFC 7677).
    Sha256,
}

/// One SCRAM exchange from the client's side.
#[derive(Debug)]
pub struct Scram {
    hash: ScramHash,
    /// The SASLprep-ed password.
    password: Secret<String>,
    gs2_header: String,
    /// `n=<user>,r=<nonce>`, which starts the `AuthMessage`.
    client_first_bare: String,
    nonce: String,
    max_iterations: u32,
    state: State,
    server_error: Option<String>,
    rounds: Rounds,
}

/// Where a [`Scram`] exchange stands.
#[derive(Debug)]
enum State {
    /// client-first not sent yet.
    Start,
    /// client-first sent; server-first expected.
    First,
    /// client-final sent; the server must prove itself with this signature.
    Final { server_signature: Vec<u8> },
    /// The server's signature matched.
    Verified,
    /// Something failed; nothing more is accepted.
    Failed,
}

impl ScramHash {
    /// The mechanism name: `SCRAM-SHA-1` or `SCRAM-SHA-256`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "SCRAM-SHA-1",
            Self::Sha256 => "SCRAM-SHA-256",
        }
    }

    /// `H(data)`.
    fn hash(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha1 => Sha1::digest(data).to_vec(),
            Self::Sha256 => Sha256::digest(data).to_vec(),
        }
    }

    /// `HMAC(key, data)`.
    fn hmac(self, key: &[u8], data: &[u8]) -> Result<Vec<u8>, Error> {
        let refused = |_| Error::Sasl(format!("{}: HMAC key refused", self.name()));
        Ok(match self {
            Self::Sha1 => {
                let mut mac = Hmac::<Sha1>::new_from_slice(key).map_err(refused)?;
                mac.update(data);
                mac.finalize().into_bytes().to_vec()
            }
            Self::Sha256 => {
                let mut mac = Hmac::<Sha256>::new_from_slice(key).map_err(refused)?;
                mac.update(data);
                mac.finalize().into_bytes().to_vec()
            }
        })
    }

    /// `Hi(password, salt, i)`: PBKDF2 with HMAC of this hash, one block.
    fn hi(self, password: &[u8], salt: &[u8], iterations: u32) -> Secret<Vec<u8>> {
        let mut out = match self {
            Self::Sha1 => vec![0; 20],
            Self::Sha256 => vec![0; 32],
        };
        match self {
            Self::Sha1 => pbkdf2::pbkdf2_hmac::<Sha1>(password, salt, iterations, &mut out),
            Self::Sha256 => pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, iterations, &mut out),
        }
        Secret::new(out)
    }
}

impl Scram {
    /// SCRAM with `hash` for `username` and `password`, acting as `authzid` if given, with a
    /// fresh random nonce.
    ///
    /// Fails if `SASLprep` prohibits a character of the user name or password, or if the
    /// operating system has no randomness to give.
    pub fn new(
        hash: ScramHash,
        username: &str,
        password: Secret<String>,
        authzid: Option<&str>,
    ) -> Result<Self, Error> {
        let mut random = [0u8; NONCE_BYTES];
        getrandom::fill(&mut random)
            .map_err(|e| Error::Sasl(format!("{}: no random nonce: {e}", hash.name())))?;
        Self::with_nonce(hash, username, password, authzid, &base64::encode(&random))
    }

    /// Like [`Scram::new`] with a fixed client nonce: for known-answer tests, never for a
    /// real exchange. The nonce must be printable ASCII without commas.
    pub fn with_nonce(
        hash: ScramHash,
        username: &str,
        password: Secret<String>,
        authzid: Option<&str>,
        nonce: &str,
    ) -> Result<Self, Error> {
        let name = hash.name();
        if nonce.is_empty() || !nonce.bytes().all(printable) {
            return Err(Error::Sasl(format!(
                "{name}: the nonce must be printable ASCII without commas"
            )));
        }
        let username = saslprep(username).map_err(|c| {
            Error::Sasl(format!(
                "{name}: the user name contains U+{:04X}, which SASLprep prohibits",
                u32::from(c)
            ))
        })?;
        let password = saslprep(password.expose()).map_err(|_| {
            Error::Sasl(format!(
                "{name}: the password contains a character SASLprep prohibits"
            ))
        })?;
        Ok(Self {
            hash,
            password: Secret::new(password),
            gs2_header: gs2::header(authzid),
            client_first_bare: format!("n={},r={nonce}", gs2::saslname(&username)),
            nonce: nonce.to_owned(),
            max_iterations: MAX_ITERATIONS,
            state: State::Start,
            server_error: None,
            rounds: Rounds::default(),
        })
    }

    /// Sets the largest iteration count the server may ask for (at least 1).
    #[must_use]
    pub fn max_iterations(mut self, limit: u32) -> Self {
        self.max_iterations = limit.max(1);
        self
    }

    /// An error naming this mechanism, after which the exchange accepts nothing more.
    fn fail(&mut self, text: impl std::fmt::Display) -> Error {
        self.state = State::Failed;
        Error::Sasl(format!("{}: {text}", self.hash.name()))
    }

    /// client-first: the GS2 header and the bare message.
    fn client_first(&mut self) -> Vec<u8> {
        self.state = State::First;
        format!("{}{}", self.gs2_header, self.client_first_bare).into_bytes()
    }

    /// Checks server-first and computes client-final.
    fn client_final(&mut self, server_first: &[u8]) -> Result<Vec<u8>, Error> {
        let Ok(text) = std::str::from_utf8(server_first) else {
            return Err(self.fail("server-first message is not UTF-8"));
        };
        let (nonce, salt, iterations) =
            match parse_server_first(text, &self.nonce, self.max_iterations) {
                Ok(parsed) => parsed,
                Err(why) => return Err(self.fail(why)),
            };
        let hash = self.hash;
        let without_proof = format!("c={},r={nonce}", base64::encode(self.gs2_header.as_bytes()));
        let auth_message = format!("{},{text},{without_proof}", self.client_first_bare);
        let salted = hash.hi(self.password.expose().as_bytes(), &salt, iterations);
        let client_key = Secret::new(hash.hmac(salted.expose(), b"Client Key")?);
        let stored_key = hash.hash(client_key.expose());
        let client_signature = hash.hmac(&stored_key, auth_message.as_bytes())?;
        let proof: Vec<u8> = client_key
            .expose()
            .iter()
            .zip(&client_signature)
            .map(|(k, s)| k ^ s)
            .collect();
        let server_key = Secret::new(hash.hmac(salted.expose(), b"Server Key")?);
        let server_signature = hash.hmac(server_key.expose(), auth_message.as_bytes())?;
        self.state = State::Final { server_signature };
        Ok(format!("{without_proof},p={}", base64::encode(&proof)).into_bytes())
    }

    /// Checks server-final: `v=` must match, `e=` is the server's error.
    fn verify(&mut self, server_final: &[u8]) -> Result<(), Error> {
        // Any failure below leaves the exchange failed; success sets `Verified`.
        let State::Final { server_signature } = std::mem::replace(&mut self.state, State::Failed)
        else {
            return Err(self.fail("server-final message out of order"));
        };
        let first = server_final
            .split(|&b| b == b',')
            .next()
            .unwrap_or_default();
        if let Some(value) = first.strip_prefix(b"e=") {
            let kept = value.get(..MAX_ERROR_LEN).unwrap_or(value);
            let error = String::from_utf8_lossy(kept).into_owned();
            let err = self.fail(format_args!("server reported {error:?}"));
            self.server_error = Some(error);
            return Err(err);
        }
        let Some(signature) = first.strip_prefix(b"v=").and_then(base64::decode) else {
            return Err(self.fail("malformed server-final message"));
        };
        if !constant_time_eq(&signature, &server_signature) {
            return Err(self.fail("the server's signature is wrong: it does not know the password"));
        }
        self.state = State::Verified;
        Ok(())
    }
}

impl Mechanism for Scram {
    fn name(&self) -> &str {
        self.hash.name()
    }

    fn initial_response(&mut self) -> Result<Option<Vec<u8>>, Error> {
        match self.state {
            State::Start => Ok(Some(self.client_first())),
            _ => Err(self.fail("client-first message already sent")),
        }
    }

    fn step(&mut self, challenge: &[u8]) -> Result<Vec<u8>, Error> {
        self.rounds.next(self.hash.name())?;
        match self.state {
            State::Start if challenge.is_empty() => Ok(self.client_first()),
            State::First => self.client_final(challenge),
            State::Final { .. } => self.verify(challenge).map(|()| Vec::new()),
            State::Start | State::Verified | State::Failed => {
                Err(self.fail("unexpected challenge"))
            }
        }
    }

    fn finish(&mut self, final_data: Option<&[u8]>) -> Result<(), Error> {
        match (&self.state, final_data) {
            (State::Verified, _) => Ok(()),
            (State::Final { .. }, Some(data)) if !data.is_empty() => self.verify(data),
            (State::Final { .. }, _) => Err(self.fail(
                "the server accepted without proving it knows the password (no server signature)",
            )),
            (State::Start | State::First, _) => {
                Err(self.fail("the server accepted before the exchange was complete"))
            }
            (State::Failed, _) => Err(self.fail("the exchange had already failed")),
        }
    }

    fn server_error(&self) -> Option<&str> {
        self.server_error.as_deref()
    }
}

/// Parses server-first: `[m=...,] r=<nonce>,s=<salt>,i=<count>[,extensions]`.
///
/// Returns the combined nonce, the decoded salt and the iteration count; the error text never
/// contains secrets.
fn parse_server_first<'a>(
    text: &'a str,
    client_nonce: &str,
    max_iterations: u32,
) -> Result<(&'a str, Vec<u8>, u32), String> {
    let mut attributes = text.split(',');
    let mut next = |key: &str| {
        attributes
            .next()
            .and_then(|attribute| attribute.strip_prefix(key))
            .ok_or_else(|| format!("server-first message lacks {key}"))
    };
    if text.starts_with("m=") {
        return Err("server-first message has a mandatory extension (m=)".into());
    }
    let nonce = next("r=")?;
    if !nonce.starts_with(client_nonce) {
        return Err("the server nonce does not extend the client nonce".into());
    }
    if !nonce.bytes().all(printable) {
        return Err("the server nonce is not printable ASCII".into());
    }
    let salt = base64::decode(next("s=")?.as_bytes())
        .ok_or_else(|| "the salt is not base64".to_owned())?;
    let count = next("i=")?;
    if count.is_empty() || !count.bytes().all(|b| b.is_ascii_digit()) {
        return Err("the iteration count is not a number".into());
    }
    let digits = count.trim_start_matches('0');
    if digits.is_empty() {
        return Err("the iteration count is 0".into());
    }
    // All digits, so a failed parse can only be an overflow: above any limit too.
    match digits.parse::<u32>() {
        Ok(n) if n <= max_iterations && n >= MIN_ITERATIONS => Ok((nonce, salt, n)),
        Ok(n) if n < MIN_ITERATIONS => Err(format!(
            "the iteration count {n} is below the minimum of {MIN_ITERATIONS}"
        )),
        _ if count.len() <= 20 => Err(format!(
            "the iteration count {count} is above the limit of {max_iterations}"
        )),
        _ => Err(format!(
            "the iteration count is above the limit of {max_iterations}"
        )),
    }
}

/// `printable` of RFC 5802: `%x21-2B / %x2D-7E`, visible ASCII except the comma.
fn printable(b: u8) -> bool {
    matches!(b, 0x21..=0x2B | 0x2D..=0x7E)
}

/// Compares `a` and `b` in time that depends only on their lengths.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let difference = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(difference) == 0
}

#[cfg(test)]
#[path = "scram_tests.rs"]
mod tests;
