//! Cutting a byte stream into complete responses.
//!
//! RFC 3501 §4.3 and §7.5: a response is a line ending in CRLF, except that a line ending
//! in a literal header `{n}` (or `{n+}`, or literal8 `~{n}`) is followed by exactly `n`
//! bytes of literal data and then the rest of the response. The [`Framer`] takes bytes in
//! any chunking — one byte at a time works, in linear time — and yields each complete
//! response as one contiguous slice. While a literal is arriving it reports how many bytes
//! are still missing.
//!
//! Limits are checked as bytes arrive: a line longer than [`Limits::max_line`] fails as soon
//! as that many bytes have come without a line end, and an announced literal larger than
//! [`Limits::max_literal`] fails when its header is read, before any of it is buffered.
//! Nothing is ever allocated from an announced size. Once framing has failed the stream
//! cannot be resynchronised, so every later call returns the same error.

use super::error::{ParseError, ParseErrorKind};
use super::limits::{Limit, Limits};

/// A push framer: [`Framer::feed`] bytes, then take responses with [`Framer::next_response`].
#[derive(Clone, Debug)]
pub struct Framer {
    limits: Limits,
    buf: Vec<u8>,
    /// Offset in `buf` of the response being framed.
    start: usize,
    /// Offset of the current line's first byte.
    line_start: usize,
    /// Offset from which to keep looking for a line feed.
    scan: usize,
    /// While inside a literal: the offset just past its data.
    literal_end: Option<usize>,
    /// Literals announced so far in the current response.
    literals: usize,
    failed: Option<ParseError>,
}

impl Framer {
    /// A framer enforcing `limits`.
    #[must_use]
    pub fn new(limits: Limits) -> Self {
        Framer {
            limits,
            buf: Vec::new(),
            start: 0,
            line_start: 0,
            scan: 0,
            literal_end: None,
            literals: 0,
            failed: None,
        }
    }

    /// The limits in force.
    #[must_use]
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Appends received bytes.
    pub fn feed(&mut self, data: &[u8]) {
        if self.start > 0 && (self.start == self.buf.len() || self.start >= self.buf.len() / 2) {
            self.compact();
        }
        self.buf.extend_from_slice(data);
    }

    /// The next complete response (line, literals and final CRLF), or `None` when more bytes
    /// are needed.
    ///
    /// # Errors
    /// A [`ParseErrorKind::Limit`] or [`ParseErrorKind::BadLiteral`] error when the stream
    /// breaks a limit; framing is then lost and the same error is returned from now on.
    pub fn next_response(&mut self) -> Result<Option<&[u8]>, ParseError> {
        if let Some(err) = &self.failed {
            return Err(err.clone());
        }
        match self.frame() {
            Ok(Some(end)) => {
                let start = self.start;
                self.start = end;
                self.line_start = end;
                self.scan = end;
                self.literals = 0;
                Ok(Some(&self.buf[start..end]))
            }
            Ok(None) => Ok(None),
            Err(err) => {
                self.failed = Some(err.clone());
                Err(err)
            }
        }
    }

    /// Bytes of the current literal that have not arrived yet (0 when not inside one).
    #[must_use]
    pub fn pending_literal(&self) -> u64 {
        self.literal_end
            .map_or(0, |end| end.saturating_sub(self.buf.len()) as u64)
    }

    /// Bytes received but not yet returned as part of a response.
    #[must_use]
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    /// Declares the end of the stream.
    ///
    /// # Errors
    /// [`ParseErrorKind::Truncated`] when the stream ended inside a response.
    pub fn finish(&self) -> Result<(), ParseError> {
        if let Some(err) = &self.failed {
            return Err(err.clone());
        }
        match self.buffered() {
            0 => Ok(()),
            n => Err(ParseError::new(
                ParseErrorKind::Truncated(n),
                self.buf.len(),
            )),
        }
    }

    fn compact(&mut self) {
        let shift = self.start;
        self.buf.drain(..shift);
        self.start = 0;
        self.line_start -= shift;
        self.scan -= shift;
        if let Some(end) = &mut self.literal_end {
            *end -= shift;
        }
        if self.buf.capacity() > (1 << 20) && self.buf.len() < self.buf.capacity() / 4 {
            self.buf.shrink_to(self.buf.len().max(64 << 10));
        }
    }

    /// Advances the scan; the end offset of the response once it is complete.
    fn frame(&mut self) -> Result<Option<usize>, ParseError> {
        loop {
            if let Some(end) = self.literal_end {
                if self.buf.len() < end {
                    return Ok(None);
                }
                self.literal_end = None;
                self.line_start = end;
                self.scan = end;
            }
            let Some(i) = memchr::memchr(b'\n', &self.buf[self.scan..]) else {
                self.scan = self.buf.len();
                self.check_sizes(self.buf.len())?;
                return Ok(None);
            };
            let lf = self.scan + i;
            self.check_sizes(lf)?;
            let line = &self.buf[self.line_start..lf];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            match literal_header(line) {
                None => return Ok(Some(lf + 1)),
                Some(announced) => self.start_literal(announced, lf)?,
            }
        }
    }

    /// Checks the current line (ending at `line_end`) and the response so far.
    fn check_sizes(&self, line_end: usize) -> Result<(), ParseError> {
        let line = line_end - self.line_start;
        if line > self.limits.max_line {
            return Err(self.limit(Limit::Line, line as u64, self.line_start));
        }
        let total = (line_end - self.start) as u64;
        if total > self.limits.max_response {
            return Err(self.limit(Limit::Response, total, self.start));
        }
        Ok(())
    }

    fn start_literal(&mut self, announced: Option<u64>, lf: usize) -> Result<(), ParseError> {
        let n = announced.unwrap_or(u64::MAX);
        if n > self.limits.max_literal {
            return Err(self.limit(Limit::Literal, n, lf));
        }
        self.literals += 1;
        if self.literals > self.limits.max_literals {
            return Err(self.limit(Limit::Literals, self.literals as u64, lf));
        }
        let total = (lf + 1 - self.start) as u64 + n;
        if total > self.limits.max_response {
            return Err(self.limit(Limit::Response, total, self.start));
        }
        // Cannot overflow: n <= max_response, which is far below usize::MAX on any target
        // that could hold the buffer.
        self.literal_end = Some(lf + 1 + n as usize);
        Ok(())
    }

    fn limit(&self, limit: Limit, actual: u64, offset: usize) -> ParseError {
        let max = self.limits.value(limit);
        let kind = ParseErrorKind::Limit {
            limit,
            max,
            actual: actual.max(max.saturating_add(1)),
        };
        ParseError::new(kind, offset - self.start)
    }
}

/// The size announced by a literal header ending `line`: `None` when there is none,
/// `Some(None)` when the digits overflow 64 bits.
fn literal_header(line: &[u8]) -> Option<Option<u64>> {
    let body = line.strip_suffix(b"}")?;
    let body = body.strip_suffix(b"+").unwrap_or(body);
    let digits = body.len() - body.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    if digits == body.len() || digits == 0 || body[digits - 1] != b'{' {
        return None;
    }
    let value = body[digits..].iter().try_fold(0u64, |n, &d| {
        n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    });
    Some(value)
}

#[cfg(test)]
#[path = "framer_tests.rs"]
mod tests;
