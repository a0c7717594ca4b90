//! Errors of the sans-I/O core.
//!
//! [`ParseError`] is what a server's bytes can cause: it names the byte offset in the
//! response (or input) and what was wrong. [`EncodeError`] is what a caller's argument can
//! cause. Running out of input is not an error: the framer reports it as `None`.

use thiserror::Error;

use super::limits::Limit;

/// A response (or a value inside it) that could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("{kind} at byte {offset}")]
pub struct ParseError {
    /// What went wrong.
    pub kind: ParseErrorKind,
    /// Offset of the offending byte within the response or input.
    pub offset: usize,
}

impl ParseError {
    /// A new error of `kind` at `offset`.
    #[must_use]
    pub fn new(kind: ParseErrorKind, offset: usize) -> Self {
        ParseError { kind, offset }
    }

    /// A [`ParseErrorKind::Invalid`](crate::proto::ParseErrorKind::Invalid) error: `what` could not be parsed because `why`.
    #[must_use]
    pub fn invalid(what: &'static str, why: &'static str, offset: usize) -> Self {
        ParseError::new(ParseErrorKind::Invalid { what, why }, offset)
    }

    /// True when the error is a configured limit being exceeded.
    #[must_use]
    pub fn is_limit(&self) -> bool {
        matches!(self.kind, ParseErrorKind::Limit { .. })
    }
}

/// The kinds of [`ParseError`]; the server is at fault unless said otherwise.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// A configured limit was exceeded (a hostile or broken server).
    #[error("{limit} exceeded: {actual} > {max}")]
    Limit {
        /// Which limit.
        limit: Limit,
        /// Its configured value.
        max: u64,
        /// The size seen or announced (at least `max + 1`).
        actual: u64,
    },
    /// The response ended where more was required.
    #[error("unexpected end of response")]
    UnexpectedEnd,
    /// The input ended in the middle of a response (end of stream).
    #[error("stream ended inside a response ({0} bytes buffered)")]
    Truncated(usize),
    /// A byte that cannot start or continue the expected token.
    #[error("unexpected byte {0:#04x}")]
    UnexpectedByte(u8),
    /// A quoted string without its closing quote.
    #[error("unterminated quoted string")]
    UnterminatedQuoted,
    /// A line ended in LF without CR (framing error; accepted only with
    /// [`Limits::crlf_relaxed`](crate::proto::Limits::crlf_relaxed)).
    #[error("line ends in a bare LF, not CRLF")]
    BareLineFeed,
    /// A literal header `{n}` that is malformed or not at the end of its line.
    #[error("malformed literal header")]
    BadLiteral,
    /// A literal placeholder `{i}` naming a literal that was not supplied.
    #[error("literal placeholder {0} has no literal")]
    MissingLiteral(usize),
    /// A number does not fit the allowed width.
    #[error("number too large")]
    NumberTooLarge,
    /// A `)` without `(`, a `(` without `)`, or a `]` without `[`.
    #[error("unbalanced parentheses or brackets")]
    Unbalanced,
    /// The tag or response type is missing or malformed.
    #[error("malformed response start")]
    BadStart,
    /// A value that is not valid for its grammar (sequence set, date, modified UTF-7 ...).
    #[error("invalid {what}: {why}")]
    Invalid {
        /// What was being parsed, e.g. "sequence set".
        what: &'static str,
        /// Why it was refused.
        why: &'static str,
    },
}

/// A caller's argument that cannot be put on the wire in the requested form.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// CR, LF or NUL in an argument: refused so no command can be injected.
    #[error("control characters not allowed in commands")]
    ControlCharacter,
    /// Non-ASCII text where only a quoted string or atom is allowed.
    #[error("non-ASCII text cannot be quoted")]
    NonAscii,
    /// The argument is not valid for its grammar (empty atom, bad sequence set ...).
    #[error("invalid {what}: {why}")]
    Invalid {
        /// What was being encoded.
        what: &'static str,
        /// Why it was refused.
        why: &'static str,
    },
}
