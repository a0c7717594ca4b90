//! Parsing one framed response into its kind, tag, status, text and tokens.
//!
//! RFC 3501 §7 (and §9 `response`): a response is a continuation request (`+ text`), an
//! untagged line (`* ...`) or a tagged completion (`tag OK|NO|BAD ...`). Untagged OK, NO,
//! BAD, PREAUTH and BYE are status responses; every other untagged line is data. A status
//! may carry a bracketed response code, which is tokenised like data; the human text after
//! it is kept as bytes.
//!
//! Data is tokenised iteratively (an explicit stack, never recursion) into a flat
//! [`Token`] list, so nesting depth costs no stack and is bounded by
//! [`Limits::max_depth`]. The parser is lenient where real servers differ from the grammar
//! and the meaning is still clear: 8-bit bytes in atoms and quoted strings, several spaces
//! between tokens, response codes whose arguments are free text, a bare `+` continuation
//! (bare LF line ends only when the framer was told to accept them). It is strict where a
//! lenient reading would let a server smuggle bytes: a quoted string holds no NUL and no
//! escape but `\\` and `\"`, and numbers fit the width their grammar gives them (see
//! `numbers.rs`).

use std::borrow::Cow;

use super::base64;
use super::error::{ParseError, ParseErrorKind};
use super::limits::{Limit, Limits};
use super::numbers;
use super::value::{unescape, Token, TokenKind, Tokens};

/// The four kinds of response of the design.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// An untagged OK, NO, BAD, PREAUTH or BYE.
    Status,
    /// Any other untagged response.
    Data,
    /// A tagged completion.
    Done,
    /// A continuation request (`+`).
    Continue,
}

impl Kind {
    /// The design's name for the kind: `status`, `data`, `done` or `continue`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Kind::Status => "status",
            Kind::Data => "data",
            Kind::Done => "done",
            Kind::Continue => "continue",
        }
    }
}

/// The status word of a status or completion response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// `OK`
    Ok,
    /// `NO`
    No,
    /// `BAD`
    Bad,
    /// `PREAUTH` (greeting only)
    Preauth,
    /// `BYE`
    Bye,
}

impl Status {
    /// The upper-case status word.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::No => "NO",
            Status::Bad => "BAD",
            Status::Preauth => "PREAUTH",
            Status::Bye => "BYE",
        }
    }

    fn from_word(word: &[u8]) -> Option<Status> {
        const WORDS: [(&[u8], Status); 5] = [
            (b"OK", Status::Ok),
            (b"NO", Status::No),
            (b"BAD", Status::Bad),
            (b"PREAUTH", Status::Preauth),
            (b"BYE", Status::Bye),
        ];
        WORDS
            .iter()
            .find(|(w, _)| w.eq_ignore_ascii_case(word))
            .map(|&(_, s)| s)
    }
}

/// The text of a continuation request, decoded as the design says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContinueText<'a> {
    /// Text with no space that is valid base64 (or empty, or `=`, SASL's spelling of an empty
    /// challenge): its decoded bytes.
    Base64(Vec<u8>),
    /// Any other text, as sent.
    Text(&'a [u8]),
}

/// One parsed response, borrowing the response bytes and the token buffer.
#[derive(Clone, Copy, Debug)]
pub struct Response<'a> {
    raw: &'a [u8],
    kind: Kind,
    tag: &'a [u8],
    status: Option<Status>,
    info: Option<&'a [u8]>,
    tokens: &'a [Token],
}

impl<'a> Response<'a> {
    /// Untagged data made of `tokens` over `raw` (tokens kept from an earlier parse).
    #[must_use]
    pub(crate) fn data(raw: &'a [u8], tokens: &'a [Token]) -> Self {
        Response {
            raw,
            kind: Kind::Data,
            tag: b"*",
            status: None,
            info: None,
            tokens,
        }
    }

    /// The bytes the response was parsed from.
    #[must_use]
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// Status, data, done or continue.
    #[must_use]
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// `*`, `+` or the command tag.
    #[must_use]
    pub fn tag(&self) -> &'a [u8] {
        self.tag
    }

    /// The status word of a status or done response.
    #[must_use]
    pub fn status(&self) -> Option<Status> {
        self.status
    }

    /// The human-readable text of a status, done or continue response (`None` when empty).
    #[must_use]
    pub fn info(&self) -> Option<&'a [u8]> {
        self.info
    }

    /// The data tokens, or the response code's tokens for status and done responses.
    #[must_use]
    pub fn tokens(&self) -> &'a [Token] {
        self.tokens
    }

    /// The design's `dtype` before upper-casing: the first top-level item when it is an atom
    /// or quoted string, else the second one when it is; `None` otherwise.
    #[must_use]
    pub fn dtype(&self) -> Option<Cow<'a, [u8]>> {
        let mut top = super::value::children(self.tokens, None);
        let first = top.next()?;
        let pick = if self.is_text(first) {
            first
        } else {
            top.next()?
        };
        self.text_of(pick)
    }

    /// The continuation text, decoded: `None` unless this is a continuation request.
    #[must_use]
    pub fn continuation(&self) -> Option<ContinueText<'a>> {
        if self.kind != Kind::Continue {
            return None;
        }
        let text = self.info.unwrap_or(b"");
        if text == b"=" {
            return Some(ContinueText::Base64(Vec::new())); // RFC 4959: `=` is empty
        }
        if !text.contains(&b' ') {
            if let Some(bytes) = base64::decode(text) {
                return Some(ContinueText::Base64(bytes));
            }
        }
        Some(ContinueText::Text(text))
    }

    fn is_text(&self, index: usize) -> bool {
        matches!(self.tokens[index].kind, TokenKind::Atom | TokenKind::Quoted)
    }

    fn text_of(&self, index: usize) -> Option<Cow<'a, [u8]>> {
        let token = self.tokens[index];
        let bytes = token.bytes(self.raw);
        match token.kind {
            TokenKind::Atom => Some(Cow::Borrowed(bytes)),
            TokenKind::Quoted if token.num != 0 => Some(Cow::Owned(unescape(bytes))),
            TokenKind::Quoted => Some(Cow::Borrowed(bytes)),
            _ => None,
        }
    }
}

/// Parses one complete response as framed by [`super::Framer`]: the line, its literals
/// inline after their `{n}` headers, and the final CRLF.
///
/// # Errors
/// A [`ParseError`] naming the offset and the fault; the bytes of the next response are not
/// affected, since framing is already done.
pub fn parse_response<'a>(
    raw: &'a [u8],
    tokens: &'a mut Tokens,
    limits: &Limits,
) -> Result<Response<'a>, ParseError> {
    let end = match raw {
        [.., b'\r', b'\n'] => raw.len() - 2,
        [.., b'\n'] => raw.len() - 1,
        _ => return Err(ParseError::new(ParseErrorKind::UnexpectedEnd, raw.len())),
    };
    parse(raw, end, None, tokens, limits)
}

/// Parses the design's template form: one line in which `{0}`, `{1}` ... stand for the
/// literals `0..literal_count`, which the caller holds (tokens of kind
/// [`TokenKind::LiteralRef`]). A final CRLF is optional.
///
/// # Errors
/// As [`parse_response`], plus [`ParseErrorKind::MissingLiteral`].
pub fn parse_template<'a>(
    text: &'a [u8],
    literal_count: usize,
    tokens: &'a mut Tokens,
    limits: &Limits,
) -> Result<Response<'a>, ParseError> {
    let end = text
        .strip_suffix(b"\n")
        .map_or(text.len(), |t| t.strip_suffix(b"\r").unwrap_or(t).len());
    parse(text, end, Some(literal_count), tokens, limits)
}

fn parse<'a>(
    raw: &'a [u8],
    end: usize,
    template: Option<usize>,
    tokens: &'a mut Tokens,
    limits: &Limits,
) -> Result<Response<'a>, ParseError> {
    if raw.len() as u64 > limits.max_response.min(u64::from(u32::MAX)) {
        return Err(limit_error(Limit::Response, limits, raw.len() as u64, 0));
    }
    tokens.items.clear();
    let mut lexer = Lexer {
        raw,
        end,
        pos: 0,
        limits,
        template,
        literals: 0,
    };
    let tag_end = lexer.word_end(0);
    if tag_end == 0 {
        return Err(ParseError::new(ParseErrorKind::BadStart, 0));
    }
    let tag = &raw[..tag_end];
    if tag == b"+" {
        let info = raw.get(2..end).filter(|t| !t.is_empty());
        if end > 1 && raw[1] != b' ' {
            return Err(ParseError::new(ParseErrorKind::BadStart, 1));
        }
        return Ok(Response {
            raw,
            kind: Kind::Continue,
            tag,
            status: None,
            info,
            tokens: &[],
        });
    }
    if tag_end >= end || raw[tag_end] != b' ' {
        return Err(ParseError::new(ParseErrorKind::BadStart, tag_end));
    }
    let word_start = skip_spaces(raw, tag_end, end);
    let word_end = lexer.word_end(word_start);
    let status = Status::from_word(&raw[word_start..word_end]);
    let untagged = tag == b"*";
    match status {
        None if untagged => {
            lexer.pos = word_start;
            lexer.items(&mut tokens.items, &mut tokens.stack, false)?;
            numbers::check(raw, &tokens.items)?;
            let tokens = &tokens.items[..];
            Ok(Response {
                raw,
                kind: Kind::Data,
                tag,
                status: None,
                info: None,
                tokens,
            })
        }
        Some(Status::Preauth | Status::Bye) | None if !untagged => {
            Err(ParseError::new(ParseErrorKind::BadStart, word_start))
        }
        None => unreachable_start(word_start),
        Some(status) => {
            let kind = if untagged { Kind::Status } else { Kind::Done };
            let text_start = lexer.code(word_end, &mut tokens.items, &mut tokens.stack)?;
            numbers::check(raw, &tokens.items)?;
            let info = raw.get(text_start..end).filter(|t| !t.is_empty());
            let tokens = &tokens.items[..];
            Ok(Response {
                raw,
                kind,
                tag,
                status: Some(status),
                info,
                tokens,
            })
        }
    }
}

fn unreachable_start<T>(offset: usize) -> Result<T, ParseError> {
    Err(ParseError::new(ParseErrorKind::BadStart, offset))
}

fn skip_spaces(raw: &[u8], mut pos: usize, end: usize) -> usize {
    while pos < end && raw[pos] == b' ' {
        pos += 1;
    }
    pos
}

fn limit_error(limit: Limit, limits: &Limits, actual: u64, offset: usize) -> ParseError {
    let max = limits.value(limit);
    ParseError::new(
        ParseErrorKind::Limit {
            limit,
            max,
            actual: actual.max(max + 1),
        },
        offset,
    )
}

/// Bytes that end an atom: space, parentheses, quote, CR, LF, NUL and brackets (the slow
/// path decides what a bracket means).
static ATOM_STOP: [bool; 256] = {
    let mut table = [false; 256];
    let stops = [b' ', b'(', b')', b'"', b'\r', b'\n', 0, b'[', b']'];
    let mut i = 0;
    while i < stops.len() {
        table[stops[i] as usize] = true;
        i += 1;
    }
    table
};

/// Bytes that end the plain run of a quoted string: the quote, a backslash and the control
/// bytes (CR, LF and NUL end it; any other is taken by the caller and the run goes on).
static QUOTED_STOP: [bool; 256] = {
    let mut table = [false; 256];
    let mut c = 0;
    while c < 0x20 {
        table[c] = true;
        c += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

/// Length of the run of `bytes` before the first quote, backslash or control byte.
///
/// Eight bytes at a time: for a stop byte `c`, `x = word ^ c*0x01..01` has a zero byte where
/// `c` is, and `(x - 0x01..01) & !x & 0x80..80` sets the top bit of the lowest such byte;
/// `(word - 0x20*0x01..01) & !word & 0x80..80` does the same for the lowest byte below 0x20
/// (higher bits may be false positives, which is why only the lowest is taken).
fn quoted_run(bytes: &[u8]) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let zero_at = |c: u8| {
            let x = w ^ (LO * u64::from(c));
            x.wrapping_sub(LO) & !x & HI
        };
        let control = w.wrapping_sub(LO * 0x20) & !w & HI;
        let hits = zero_at(b'"') | zero_at(b'\\') | control;
        if hits != 0 {
            return i + (hits.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i + bytes[i..]
        .iter()
        .position(|&b| QUOTED_STOP[b as usize])
        .unwrap_or(bytes.len() - i)
}

struct Lexer<'a, 'l> {
    raw: &'a [u8],
    end: usize,
    pos: usize,
    limits: &'l Limits,
    template: Option<usize>,
    literals: usize,
}

impl Lexer<'_, '_> {
    fn err(&self, kind: ParseErrorKind, offset: usize) -> ParseError {
        ParseError::new(kind, offset)
    }

    /// End of the space-delimited word starting at `start`.
    fn word_end(&self, start: usize) -> usize {
        let mut pos = start;
        while pos < self.end && self.raw[pos] != b' ' {
            pos += 1;
        }
        pos
    }

    /// Parses an optional `[code]` after a status word ending at `pos`; returns where the
    /// human text starts. A code whose arguments do not tokenise is kept as free text.
    fn code(
        &mut self,
        pos: usize,
        out: &mut Vec<Token>,
        stack: &mut Vec<usize>,
    ) -> Result<usize, ParseError> {
        let pos = skip_spaces(self.raw, pos, self.end);
        if pos >= self.end || self.raw[pos] != b'[' {
            return Ok(pos);
        }
        self.pos = pos + 1;
        let tokenised = self.items(out, stack, true).is_ok()
            && self.pos < self.end
            && self.raw[self.pos] == b']';
        if tokenised {
            return Ok(skip_one_space(self.raw, self.pos + 1, self.end));
        }
        out.clear();
        let Some(close) = memchr::memchr(b']', &self.raw[pos..self.end]).map(|i| pos + i) else {
            return Ok(pos);
        };
        let name_end =
            memchr::memchr(b' ', &self.raw[pos + 1..close]).map_or(close, |i| pos + 1 + i);
        for (start, stop) in [(pos + 1, name_end), (name_end + 1, close)] {
            if start < stop {
                out.push(Token {
                    kind: TokenKind::Atom,
                    start: start as u32,
                    len: (stop - start) as u32,
                    num: 0,
                });
            }
        }
        Ok(skip_one_space(self.raw, close + 1, self.end))
    }

    /// Tokenises items from `self.pos` to the end of the response, or, in `code` mode, to the
    /// `]` that closes the response code (left at `self.pos`).
    fn items(
        &mut self,
        out: &mut Vec<Token>,
        stack: &mut Vec<usize>,
        code: bool,
    ) -> Result<(), ParseError> {
        let (raw, end) = (self.raw, self.end);
        stack.clear();
        loop {
            // One space between tokens, none after `(` or before `)`: the loop is for the rest.
            let pos = match raw.get(self.pos) {
                Some(b' ') if raw.get(self.pos + 1) != Some(&b' ') => self.pos + 1,
                Some(b' ') => skip_spaces(raw, self.pos, end),
                _ => self.pos,
            };
            self.pos = pos;
            if pos >= end {
                if !stack.is_empty() || code {
                    return Err(self.err(ParseErrorKind::Unbalanced, pos));
                }
                return Ok(());
            }
            match raw[pos] {
                b'(' => {
                    if stack.len() >= self.limits.max_depth {
                        return Err(limit_error(
                            Limit::Depth,
                            self.limits,
                            stack.len() as u64 + 1,
                            pos,
                        ));
                    }
                    stack.push(out.len());
                    out.push(Token {
                        kind: TokenKind::List,
                        start: pos as u32,
                        len: 0,
                        num: 0,
                    });
                    self.pos = pos + 1;
                }
                b')' => {
                    let Some(open) = stack.pop() else {
                        return Err(self.err(ParseErrorKind::Unbalanced, pos));
                    };
                    let size = (out.len() - open - 1) as u64;
                    let list = &mut out[open];
                    list.num = size;
                    list.len = (pos + 1) as u32 - list.start;
                    self.pos = pos + 1;
                }
                b']' if code && stack.is_empty() => return Ok(()),
                b'"' => out.push(self.quoted(pos)?),
                b'{' => out.push(self.literal(pos, pos)?),
                b'~' if raw.get(pos + 1) == Some(&b'{') => out.push(self.literal(pos, pos + 1)?),
                b'\r' | b'\n' | 0 | b']' => {
                    return Err(self.err(ParseErrorKind::UnexpectedByte(raw[pos]), pos))
                }
                _ => out.push(self.atom(pos, code && stack.is_empty())?),
            }
        }
    }

    fn quoted(&mut self, open: usize) -> Result<Token, ParseError> {
        let raw = self.raw;
        let mut pos = open + 1;
        let mut escaped = false;
        loop {
            pos += quoted_run(&raw[pos..self.end]);
            match raw.get(pos) {
                Some(b'\\') if pos + 1 < self.end && matches!(raw[pos + 1], b'"' | b'\\') => {
                    escaped = true;
                    pos += 2;
                }
                Some(b'\\') if pos + 1 < self.end && !matches!(raw[pos + 1], b'\r' | b'\n') => {
                    let why = "an escape other than \\\\ or \\\"";
                    return Err(self.err(
                        ParseErrorKind::Invalid {
                            what: "quoted string",
                            why,
                        },
                        pos,
                    ));
                }
                Some(0) if pos < self.end => {
                    let why = "NUL inside";
                    return Err(self.err(
                        ParseErrorKind::Invalid {
                            what: "quoted string",
                            why,
                        },
                        pos,
                    ));
                }
                Some(b'"') if pos < self.end => break,
                // A control byte other than CR, LF and NUL is text (TAB, ...).
                Some(&c) if c < 0x20 && !matches!(c, b'\r' | b'\n') && pos < self.end => pos += 1,
                _ => return Err(self.err(ParseErrorKind::UnterminatedQuoted, open)),
            }
        }
        self.pos = pos + 1;
        let len = (pos - open - 1) as u32;
        Ok(Token {
            kind: TokenKind::Quoted,
            start: (open + 1) as u32,
            len,
            num: u64::from(escaped),
        })
    }

    /// `{n}`, `{n+}`, `~{n}`; `brace` is the offset of `{`, `start` of the token.
    fn literal(&mut self, start: usize, brace: usize) -> Result<Token, ParseError> {
        let raw = self.raw;
        let mut pos = brace + 1;
        let mut n: u64 = 0;
        let digits_start = pos;
        while pos < self.end && raw[pos].is_ascii_digit() {
            n = n
                .saturating_mul(10)
                .saturating_add(u64::from(raw[pos] - b'0'));
            pos += 1;
        }
        if pos == digits_start {
            return Err(self.err(ParseErrorKind::BadLiteral, start));
        }
        if let Some(count) = self.template {
            if pos >= self.end || raw[pos] != b'}' {
                return Err(self.err(ParseErrorKind::BadLiteral, start));
            }
            self.pos = pos + 1;
            if n >= count as u64 {
                return Err(self.err(ParseErrorKind::MissingLiteral(n as usize), start));
            }
            self.count_literal(start)?;
            return Ok(Token {
                kind: TokenKind::LiteralRef,
                start: start as u32,
                len: 0,
                num: n,
            });
        }
        if pos < self.end && raw[pos] == b'+' {
            pos += 1;
        }
        if pos >= self.end || raw[pos] != b'}' {
            return Err(self.err(ParseErrorKind::BadLiteral, start));
        }
        pos += 1;
        if raw.get(pos) == Some(&b'\r') {
            pos += 1;
        }
        if raw.get(pos) != Some(&b'\n') {
            return Err(self.err(ParseErrorKind::BadLiteral, start));
        }
        pos += 1;
        if n > self.limits.max_literal {
            return Err(limit_error(Limit::Literal, self.limits, n, start));
        }
        self.count_literal(start)?;
        let data_end = pos as u64 + n;
        if data_end > self.end as u64 {
            return Err(self.err(ParseErrorKind::UnexpectedEnd, self.end));
        }
        self.pos = data_end as usize;
        Ok(Token {
            kind: TokenKind::Literal,
            start: pos as u32,
            len: n as u32,
            num: 0,
        })
    }

    fn count_literal(&mut self, offset: usize) -> Result<(), ParseError> {
        self.literals += 1;
        if self.literals > self.limits.max_literals {
            return Err(limit_error(
                Limit::Literals,
                self.limits,
                self.literals as u64,
                offset,
            ));
        }
        Ok(())
    }

    /// An atom, possibly with bracketed sections (`BODY[HEADER.FIELDS (TO)]<0>`); in `code`
    /// mode a `]` outside any section ends it.
    fn atom(&mut self, start: usize, code: bool) -> Result<Token, ParseError> {
        let raw = self.raw;
        let mut pos = start;
        loop {
            pos += raw[pos..self.end]
                .iter()
                .position(|&b| ATOM_STOP[b as usize])
                .unwrap_or(self.end - pos);
            if pos >= self.end {
                break;
            }
            match raw[pos] {
                b'[' => pos = self.section_end(pos)?,
                b']' if !code => pos += 1,
                _ => break,
            }
        }
        if pos == start {
            return Err(self.err(ParseErrorKind::UnexpectedByte(raw[pos]), pos));
        }
        self.pos = pos;
        let bytes = &raw[start..pos];
        let len = (pos - start) as u32;
        if bytes[0].is_ascii_digit() {
            match parse_number(bytes) {
                Some(num) => {
                    return Ok(Token {
                        kind: TokenKind::Number,
                        start: start as u32,
                        len,
                        num,
                    })
                }
                None if bytes.iter().all(u8::is_ascii_digit) => {
                    return Err(self.err(ParseErrorKind::NumberTooLarge, start))
                }
                None => {}
            }
        }
        let kind = if bytes.len() == 3 && bytes.eq_ignore_ascii_case(b"NIL") {
            TokenKind::Nil
        } else {
            TokenKind::Atom
        };
        Ok(Token {
            kind,
            start: start as u32,
            len,
            num: 0,
        })
    }

    /// Offset just past the `]` matching the `[` at `open`.
    fn section_end(&self, open: usize) -> Result<usize, ParseError> {
        let mut depth = 0usize;
        for (i, &b) in self.raw[open..self.end].iter().enumerate() {
            match b {
                b'[' => depth += 1,
                b']' => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(open + i + 1);
                    }
                }
                b'\r' | b'\n' | 0 => break,
                _ => {}
            }
        }
        Err(self.err(ParseErrorKind::Unbalanced, open))
    }
}

fn skip_one_space(raw: &[u8], pos: usize, end: usize) -> usize {
    if pos < end && raw[pos] == b' ' {
        pos + 1
    } else {
        pos
    }
}

/// The value of a digit-only atom; `None` when a byte is not a digit or the value overflows.
fn parse_number(digits: &[u8]) -> Option<u64> {
    digits.iter().try_fold(0u64, |n, &d| {
        let digit = d.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        n.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

#[cfg(test)]
#[path = "response_tests.rs"]
mod tests;
