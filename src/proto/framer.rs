//! Cutting a byte stream into complete responses.
//!
//! RFC 3501 §4.3 and §7.5: a response is a line ending in CRLF, except that a line ending
//! in a literal header `{n}` (or `{n+}`, or literal8 `~{n}`) is followed by exactly `n`
//! bytes of literal data and then the rest of the response. The [`Framer`] takes bytes in
//! any chunking — one byte at a time works, in linear time — and yields each complete
//! response as one contiguous slice. While a literal is arriving it reports how many bytes
//! are still missing.
//!
//! Every line ends in CRLF; a bare LF is a framing error ([`ParseErrorKind::BareLineFeed`])
//! unless [`Limits::crlf_relaxed`] accepts it for a broken server.
//!
//! Limits are checked as bytes arrive: a line longer than [`Limits::max_line`] fails as soon
//! as that many bytes have come without a line end, and an announced literal larger than
//! [`Limits::max_literal`] fails when its header is read, before any of it is buffered.
//! Nothing is ever allocated from an announced size. Once framing has failed the stream
//! cannot be resynchronised, so every later call returns the same error.
//!
//! Streaming: with [`Framer::set_stream_threshold`], a literal announced at or above the
//! threshold is not buffered. [`Framer::next_event`] hands its data out in
//! [`Event::LiteralChunk`]s as it arrives (each chunk is dropped from the buffer on the next
//! call), and the response that finally completes holds an empty literal (`{0}`) in its
//! place. Streamed literals do not count toward [`Limits::max_literal`] or
//! [`Limits::max_response`]: they are never held, so a message far larger than memory can be
//! received with the buffer bounded by one read plus one line.

use super::error::{ParseError, ParseErrorKind};
use super::limits::{Limit, Limits};

/// What [`Framer::next_event`] yields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event<'a> {
    /// A complete response (line, literals and final CRLF); a streamed literal appears in it
    /// as an empty literal.
    Response(&'a [u8]),
    /// A piece of a streamed literal's data.
    LiteralChunk {
        /// The response so far, up to and including the literal's (rewritten) header: enough
        /// to tell which command and which FETCH item the data belongs to.
        head: &'a [u8],
        /// The literal's position among the literals of its response (0 for the first).
        index: usize,
        /// Offset of `data` within the literal.
        offset: u64,
        /// The literal's announced size.
        total: u64,
        /// The bytes.
        data: &'a [u8],
    },
}

/// A literal being streamed.
#[derive(Clone, Copy, Debug)]
struct Stream {
    index: usize,
    offset: u64,
    total: u64,
}

/// A push framer: [`Framer::feed`] bytes, then take responses with [`Framer::next_response`]
/// (or [`Framer::next_event`] when literals are streamed).
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
    /// Literals of at least this size are streamed.
    stream_threshold: Option<u64>,
    /// The literal being streamed; its data starts at `line_start`.
    stream: Option<Stream>,
    /// Bytes handed out in the last chunk, dropped from `buf` on the next call.
    handed_out: usize,
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
            stream_threshold: None,
            stream: None,
            handed_out: 0,
        }
    }

    /// Streams literals of `threshold` bytes or more instead of buffering them (`None`, the
    /// default, buffers every literal). Applies from the next literal header on.
    pub fn set_stream_threshold(&mut self, threshold: Option<u64>) {
        self.stream_threshold = threshold;
    }

    /// The limits in force.
    #[must_use]
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Appends received bytes.
    pub fn feed(&mut self, data: &[u8]) {
        self.drop_handed_out();
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
        loop {
            match self.advance()? {
                Ready::Response(start, end) => return Ok(Some(&self.buf[start..end])),
                Ready::Chunk(_) => {}
                Ready::NeedData => return Ok(None),
            }
        }
    }

    /// The next complete response or piece of a streamed literal, or `None` when more bytes
    /// are needed.
    ///
    /// # Errors
    /// As [`Framer::next_response`].
    pub fn next_event(&mut self) -> Result<Option<Event<'_>>, ParseError> {
        match self.advance()? {
            Ready::Response(start, end) => Ok(Some(Event::Response(&self.buf[start..end]))),
            Ready::Chunk(stream) => {
                let data_start = self.line_start;
                let len = self.handed_out;
                Ok(Some(Event::LiteralChunk {
                    head: &self.buf[self.start..data_start],
                    index: stream.index,
                    offset: stream.offset - len as u64,
                    total: stream.total,
                    data: &self.buf[data_start..data_start + len],
                }))
            }
            Ready::NeedData => Ok(None),
        }
    }

    /// One step of [`Framer::next_event`], as offsets into the buffer.
    fn advance(&mut self) -> Result<Ready, ParseError> {
        if let Some(err) = &self.failed {
            return Err(err.clone());
        }
        self.drop_handed_out();
        match self.frame() {
            Ok(Step::Complete(end)) => {
                let start = self.start;
                self.start = end;
                self.line_start = end;
                self.scan = end;
                self.literals = 0;
                Ok(Ready::Response(start, end))
            }
            Ok(Step::Chunk(len)) => match self.stream {
                Some(stream) => {
                    self.handed_out = len;
                    Ok(Ready::Chunk(stream))
                }
                None => Ok(Ready::NeedData),
            },
            Ok(Step::NeedData) => Ok(Ready::NeedData),
            Err(err) => {
                self.failed = Some(err.clone());
                Err(err)
            }
        }
    }

    /// Drops the chunk handed out last from the buffer; ends the stream when it was the last.
    fn drop_handed_out(&mut self) {
        if self.handed_out == 0 {
            return;
        }
        let at = self.line_start;
        self.buf.drain(at..at + self.handed_out);
        self.handed_out = 0;
        if self.stream.is_some_and(|s| s.offset == s.total) {
            self.stream = None;
        }
    }

    /// Bytes of the current literal that have not arrived yet (0 when not inside one).
    #[must_use]
    pub fn pending_literal(&self) -> u64 {
        if let Some(stream) = self.stream {
            let waiting = (self.buf.len() - self.line_start - self.handed_out) as u64;
            return (stream.total - stream.offset).saturating_sub(waiting);
        }
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

    /// Advances the scan: the end offset of the response once it is complete, or the length
    /// of a streamed chunk (starting at `line_start`).
    fn frame(&mut self) -> Result<Step, ParseError> {
        loop {
            if let Some(stream) = &mut self.stream {
                let available = (self.buf.len() - self.line_start) as u64;
                let left = stream.total - stream.offset;
                if left > 0 {
                    if available == 0 {
                        return Ok(Step::NeedData);
                    }
                    let len = available.min(left);
                    stream.offset += len;
                    // `len` <= bytes in the buffer, so it fits a usize.
                    return Ok(Step::Chunk(len as usize));
                }
                self.stream = None;
            }
            if let Some(end) = self.literal_end {
                if self.buf.len() < end {
                    return Ok(Step::NeedData);
                }
                self.literal_end = None;
                self.line_start = end;
                self.scan = end;
            }
            let Some(i) = memchr::memchr(b'\n', &self.buf[self.scan..]) else {
                self.scan = self.buf.len();
                self.check_sizes(self.buf.len())?;
                return Ok(Step::NeedData);
            };
            let lf = self.scan + i;
            self.check_sizes(lf)?;
            let line = &self.buf[self.line_start..lf];
            let line = match line.strip_suffix(b"\r") {
                Some(line) => line,
                None if self.limits.crlf_relaxed => line,
                None => {
                    let kind = ParseErrorKind::BareLineFeed;
                    return Err(ParseError::new(kind, lf - self.start));
                }
            };
            // Only untagged data carries literals: a completion or a continuation request
            // is text to its end (RFC 3501 resp-text), whatever it ends with.
            let untagged = self.buf.get(self.start) == Some(&b'*');
            match literal_header(line).filter(|_| untagged) {
                None => return Ok(Step::Complete(lf + 1)),
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
        if announced.is_some() && self.stream_threshold.is_some_and(|t| n >= t) {
            self.literals += 1;
            if self.literals > self.limits.max_literals {
                return Err(self.limit(Limit::Literals, self.literals as u64, lf));
            }
            let lf = self.rewrite_header_empty(lf);
            self.stream = Some(Stream {
                index: self.literals - 1,
                offset: 0,
                total: n,
            });
            self.line_start = lf + 1;
            self.scan = lf + 1;
            return Ok(());
        }
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

    /// Rewrites the literal header ending the line at `lf` to announce 0 bytes (the data is
    /// streamed instead); returns where the line feed is now.
    fn rewrite_header_empty(&mut self, lf: usize) -> usize {
        let close = if lf > 0 && self.buf[lf - 1] == b'\r' {
            lf - 2
        } else {
            lf - 1
        };
        let mut digits_end = close;
        if self.buf[digits_end - 1] == b'+' {
            digits_end -= 1;
        }
        let mut digits_start = digits_end;
        while self.buf[digits_start - 1].is_ascii_digit() {
            digits_start -= 1;
        }
        self.buf.splice(digits_start..close, *b"0");
        lf - (close - digits_start - 1)
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

/// What [`Framer::advance`] found, as offsets.
enum Ready {
    Response(usize, usize),
    Chunk(Stream),
    NeedData,
}

/// One step of framing.
enum Step {
    /// The response ends at this offset.
    Complete(usize),
    /// This many bytes of a streamed literal are at `line_start`.
    Chunk(usize),
    /// More bytes are needed.
    NeedData,
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
