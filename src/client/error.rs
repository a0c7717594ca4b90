//! Errors of the connection engine.

use thiserror::Error;

use crate::proto::{EncodeError, ParseError};

/// What can go wrong on a connection; each variant says who is usually at fault.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// The network failed (the peer reset the connection, the route went away ...).
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    /// A deadline passed while waiting for the named thing.
    #[error("timed out waiting for {0}")]
    Timeout(&'static str),
    /// TLS failed: handshake, certificate verification, or a TLS alert.
    #[error("TLS error: {0}")]
    Tls(String),
    /// STARTTLS could not be used safely (missing, refused, or bytes injected before the
    /// handshake): the server or an attacker in the path.
    #[error("STARTTLS failed: {0}")]
    StartTls(String),
    /// The server sent bytes that do not parse, or broke a limit.
    #[error("parse error: {0}")]
    Parse(#[from] ParseError),
    /// The server broke the protocol in a way that is not a parse error.
    #[error("protocol error: {0}")]
    Protocol(String),
    /// A SASL exchange failed on the client side (bad challenge, too many rounds ...).
    #[error("authentication error: {0}")]
    Sasl(String),
    /// The connection is closed; the text says why.
    #[error("connection closed: {0}")]
    Closed(String),
    /// A caller's argument cannot be sent.
    #[error("invalid argument: {0}")]
    Encode(#[from] EncodeError),
    /// The caller asked for something the connection cannot do in its state.
    #[error("{0}")]
    Usage(String),
}
