//! Limits on what a server may make the parser hold, and the one framing quirk.
//!
//! Every limit is checked before the memory it guards is committed: an announced literal
//! size is compared with [`Limits::max_literal`] when the `{n}` header is read, never
//! allocated up front, and buffers grow only with the bytes that actually arrive.

use std::fmt;

/// Which configured limit was exceeded; carried by [`crate::proto::ParseErrorKind::Limit`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Limit {
    /// [`Limits::max_line`]: bytes in one line, literals excluded.
    Line,
    /// [`Limits::max_literal`]: bytes announced by one literal header.
    Literal,
    /// [`Limits::max_depth`]: nesting of parenthesised lists and response codes.
    Depth,
    /// [`Limits::max_literals`]: literals in one response.
    Literals,
    /// [`Limits::max_response`]: bytes of one response, lines and literals together.
    Response,
}

impl Limit {
    /// The option name, as accepted by the Python constructors.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Limit::Line => "max_line",
            Limit::Literal => "max_literal",
            Limit::Depth => "max_depth",
            Limit::Literals => "max_literals",
            Limit::Response => "max_response",
        }
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Explicit bounds on one response; the defaults suit any real server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Longest line in bytes, not counting literal data (default 16 MiB).
    pub max_line: usize,
    /// Largest single literal in bytes (default 512 MiB).
    pub max_literal: u64,
    /// Deepest nesting of lists (default 256).
    pub max_depth: usize,
    /// Most literals in one response (default 100,000).
    pub max_literals: usize,
    /// Most bytes in one response, lines and literals (default 512 MiB).
    pub max_response: u64,
    /// Accept a line that ends in a bare LF (default false). RFC 3501 §2.2 ends every line
    /// with CRLF; a bare LF is a framing error unless this quirk is turned on for a broken
    /// server.
    pub crlf_relaxed: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_line: 16 << 20,
            max_literal: 512 << 20,
            max_depth: 256,
            max_literals: 100_000,
            max_response: 512 << 20,
            crlf_relaxed: false,
        }
    }
}

impl Limits {
    /// The configured value of `limit`, for error messages.
    #[must_use]
    pub fn value(&self, limit: Limit) -> u64 {
        match limit {
            Limit::Line => self.max_line as u64,
            Limit::Literal => self.max_literal,
            Limit::Depth => self.max_depth as u64,
            Limit::Literals => self.max_literals as u64,
            Limit::Response => self.max_response,
        }
    }
}
