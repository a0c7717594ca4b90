//! The one place where Rust errors become Python exceptions.
//!
//! The exception classes live in `python/imaprs/errors.py` so that they can inherit from
//! standard classes (`ParseError` is also a `ValueError`); they are imported here.

use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::client::Error;
use crate::proto::{EncodeError, ParseError, ParseErrorKind};

mod classes {
    pyo3::import_exception!(imaprs.errors, ParseError);
    pyo3::import_exception!(imaprs.errors, LimitError);
    pyo3::import_exception!(imaprs.errors, ProtocolError);
    pyo3::import_exception!(imaprs.errors, IMAP4Timeout);
    pyo3::import_exception!(imaprs.errors, TLSError);
    pyo3::import_exception!(imaprs.errors, ConnectionClosed);
    pyo3::import_exception!(imaprs.errors, IMAP4Error);
    pyo3::import_exception!(imaprs.errors, AuthenticationError);
    pyo3::import_exception!(imaprs.errors, InvalidArgument);
}

/// A parse failure as `imaprs.ParseError` (`imaprs.LimitError` for a limit,
/// `imaprs.ProtocolError` for a bare LF line end, which loses the framing), carrying
/// `offset` and, when known, the `raw` bytes of the response that failed.
pub(crate) fn parse_error(py: Python<'_>, err: &ParseError, raw: Option<&[u8]>) -> PyErr {
    let message = err.to_string();
    let raw = raw.map(|r| PyBytes::new(py, r).into_any().unbind());
    let pyerr = match &err.kind {
        ParseErrorKind::Limit { limit, max, actual } => {
            classes::LimitError::new_err((message, limit.name(), *max, *actual))
        }
        // Framing is lost: the server broke the protocol, not just one response.
        ParseErrorKind::BareLineFeed => classes::ProtocolError::new_err(message),
        _ => classes::ParseError::new_err(message),
    };
    let value = pyerr.value(py);
    // Setting attributes on a fresh exception instance cannot fail short of memory
    // exhaustion; if it does, the exception is still raised without them.
    let _ = value.setattr("offset", err.offset);
    let _ = value.setattr("raw", raw);
    pyerr
}

/// A refused caller argument as `imaprs.errors.InvalidArgument` (a `ValueError`), with
/// CPython's wording for control characters.
pub(crate) fn encode_error(err: &EncodeError) -> PyErr {
    match err {
        EncodeError::ControlCharacter => {
            classes::InvalidArgument::new_err("Control characters not allowed in commands")
        }
        other => classes::InvalidArgument::new_err(other.to_string()),
    }
}

/// A connection error as the matching `imaprs` exception.
pub(crate) fn client_error(py: Python<'_>, err: &Error) -> PyErr {
    let text = err.to_string();
    match err {
        Error::Parse(parse) => parse_error(py, parse, None),
        Error::Encode(encode) => encode_error(encode),
        Error::Timeout(_) => classes::IMAP4Timeout::new_err(text),
        Error::Tls(_) | Error::StartTls(_) => classes::TLSError::new_err(text),
        Error::Closed(_) | Error::Io(_) => classes::ConnectionClosed::new_err(text),
        Error::Protocol(_) => classes::ProtocolError::new_err(text),
        Error::Usage(_) => pyo3::exceptions::PyValueError::new_err(text),
        Error::Sasl(_) => classes::AuthenticationError::new_err(text),
        // For variants added later.
        #[allow(unreachable_patterns)]
        _ => classes::IMAP4Error::new_err(text),
    }
}

/// A full unclaimed queue as `imaprs.LimitError` (`max_unclaimed`).
pub(crate) fn overflow_error(err: &crate::proto::session::Overflow) -> PyErr {
    classes::LimitError::new_err((err.to_string(), "max_unclaimed", err.bound, err.len))
}
