//! Encoding command arguments: atom, quoted string, literal — or refusal.
//!
//! RFC 3501 §4 and §9: an argument goes on the wire as an atom when it is one, as a quoted
//! string when it can be (7-bit text without CR, LF or NUL; 8-bit UTF-8 only after
//! `ENABLE UTF8=ACCEPT`), and otherwise as a literal. The rule that keeps commands from
//! being injected: CR, LF and NUL never go into an atom or a quoted string. The
//! [`CommandBuilder`] enforces it for every piece of text it writes; only literal data may
//! hold those bytes, and its length is announced before it.

use super::error::EncodeError;

/// Returns `"…"` with `\` and `"` escaped.
///
/// # Errors
/// [`EncodeError::ControlCharacter`] for CR, LF or NUL; [`EncodeError::NonAscii`] for a byte
/// of 0x80 or more.
pub fn quote(s: &[u8]) -> Result<Vec<u8>, EncodeError> {
    if s.iter().any(|&b| b >= 0x80) {
        if has_control(s) {
            return Err(EncodeError::ControlCharacter);
        }
        return Err(EncodeError::NonAscii);
    }
    quote_utf8(s)
}

/// Like [`quote`] but lets 8-bit bytes through (for `UTF8=ACCEPT` sessions).
///
/// # Errors
/// [`EncodeError::ControlCharacter`] for CR, LF or NUL.
pub fn quote_utf8(s: &[u8]) -> Result<Vec<u8>, EncodeError> {
    if has_control(s) {
        return Err(EncodeError::ControlCharacter);
    }
    let mut out = Vec::with_capacity(s.len() + 2);
    out.push(b'"');
    for &b in s {
        if b == b'"' || b == b'\\' {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.push(b'"');
    Ok(out)
}

/// True for a non-empty RFC 3501 atom: no atom-specials `(){ %*"\]`, controls or 8-bit.
#[must_use]
pub fn is_atom(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_atom_char(b) && b != b']')
}

/// True for a non-empty `astring` atom (ATOM-CHAR or `]`).
#[must_use]
pub fn is_astring_atom(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_atom_char(b))
}

fn is_atom_char(b: u8) -> bool {
    b > 0x20 && b < 0x7f && !matches!(b, b'(' | b')' | b'{' | b'%' | b'*' | b'"' | b'\\')
}

fn has_control(s: &[u8]) -> bool {
    s.iter().any(|&b| matches!(b, b'\r' | b'\n' | 0))
}

/// How an `astring` argument goes on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgForm {
    /// As it is.
    Atom,
    /// In double quotes, escaped.
    Quoted,
    /// As a literal.
    Literal,
}

/// The form for `s`: an atom when it is one, quoted when it can be, else a literal.
#[must_use]
pub fn astring_form(s: &[u8], utf8_quoting: bool) -> ArgForm {
    if is_astring_atom(s) {
        ArgForm::Atom
    } else if has_control(s) || (!utf8_quoting && !s.is_ascii()) {
        ArgForm::Literal
    } else {
        ArgForm::Quoted
    }
}

/// How a literal is announced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiteralMode {
    /// `{n}`: the server must answer `+` before the data is sent.
    Sync,
    /// `{n+}` when the server allows it (LITERAL+, or LITERAL- for small literals), else sync.
    NonSync,
    /// `~{n}` (RFC 3516 BINARY): the data may hold NUL.
    Binary,
}

/// Which non-synchronising literals the server accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiteralPlus {
    /// Neither: every literal is synchronising.
    None,
    /// RFC 7888 LITERAL-: non-synchronising up to 4096 bytes.
    Minus,
    /// RFC 7888 LITERAL+: always non-synchronising.
    Plus,
}

/// A piece of an encoded command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    /// Command text; when a literal follows, it ends with that literal's header and CRLF.
    Text(Vec<u8>),
    /// Literal data; `sync` says whether the server's `+` must be awaited before sending it.
    Literal {
        /// The data.
        data: Vec<u8>,
        /// Wait for a continuation request first.
        sync: bool,
    },
}

#[derive(Clone, Debug)]
enum Piece {
    Text(Vec<u8>),
    Literal(Vec<u8>, LiteralMode),
}

/// Builds one command: `tag SP name *(SP argument) CRLF`, literals included.
#[derive(Clone, Debug)]
pub struct CommandBuilder {
    pieces: Vec<Piece>,
    text: Vec<u8>,
    /// No space is written before the next item (just after `(`).
    tight: bool,
}

impl CommandBuilder {
    /// Starts `tag name`.
    ///
    /// # Errors
    /// [`EncodeError::Invalid`] when the tag or a word of the name is not an atom.
    pub fn new(tag: &[u8], name: &[u8]) -> Result<Self, EncodeError> {
        if !is_atom(tag) || name.split(|&b| b == b' ').any(|w| !is_atom(w)) {
            return Err(EncodeError::Invalid {
                what: "command",
                why: "tag and name must be atoms",
            });
        }
        let mut text = Vec::with_capacity(64);
        text.extend_from_slice(tag);
        text.push(b' ');
        text.extend_from_slice(name);
        Ok(CommandBuilder {
            pieces: Vec::new(),
            text,
            tight: false,
        })
    }

    fn space(&mut self) {
        if !self.tight {
            self.text.push(b' ');
        }
        self.tight = false;
    }

    /// Appends an atom, or a flag (`\Seen`: a backslash and an atom).
    ///
    /// # Errors
    /// [`EncodeError::Invalid`] when `a` is neither.
    pub fn atom(&mut self, a: &[u8]) -> Result<&mut Self, EncodeError> {
        let flag = a.strip_prefix(b"\\").is_some_and(is_atom);
        if !flag && !is_astring_atom(a) {
            return Err(EncodeError::Invalid {
                what: "atom",
                why: "not an atom",
            });
        }
        self.space();
        self.text.extend_from_slice(a);
        Ok(self)
    }

    /// Appends pre-formed syntax such as `(FLAGS UID)` or `BODY.PEEK[]`.
    ///
    /// # Errors
    /// [`EncodeError::ControlCharacter`] when it holds CR, LF or NUL.
    pub fn raw(&mut self, text: &[u8]) -> Result<&mut Self, EncodeError> {
        if has_control(text) {
            return Err(EncodeError::ControlCharacter);
        }
        self.space();
        self.text.extend_from_slice(text);
        Ok(self)
    }

    /// Appends an `astring`: atom, quoted string or literal, whichever fits.
    pub fn astring(&mut self, s: &[u8], utf8: bool) -> &mut Self {
        match astring_form(s, utf8) {
            ArgForm::Atom => {
                self.space();
                self.text.extend_from_slice(s);
                self
            }
            _ => self.string(s, utf8),
        }
    }

    /// Appends a `string`: quoted when it can be, else a literal; never an atom.
    pub fn string(&mut self, s: &[u8], utf8: bool) -> &mut Self {
        match astring_form(s, utf8) {
            ArgForm::Literal => self.literal(s, LiteralMode::NonSync),
            _ => {
                self.space();
                // Cannot fail: astring_form chose quoting only for text without controls.
                let quoted = quote_utf8(s).unwrap_or_default();
                self.text.extend_from_slice(&quoted);
                self
            }
        }
    }

    /// Appends a literal.
    pub fn literal(&mut self, data: &[u8], mode: LiteralMode) -> &mut Self {
        self.space();
        let text = std::mem::take(&mut self.text);
        self.pieces.push(Piece::Text(text));
        self.pieces.push(Piece::Literal(data.to_vec(), mode));
        self
    }

    /// Appends `NIL`.
    pub fn nil(&mut self) -> &mut Self {
        self.space();
        self.text.extend_from_slice(b"NIL");
        self
    }

    /// Appends a number.
    pub fn number(&mut self, n: u64) -> &mut Self {
        self.space();
        self.text.extend_from_slice(n.to_string().as_bytes());
        self
    }

    /// Opens a parenthesised list.
    pub fn list_start(&mut self) -> &mut Self {
        self.space();
        self.text.push(b'(');
        self.tight = true;
        self
    }

    /// Closes a parenthesised list.
    pub fn list_end(&mut self) -> &mut Self {
        self.text.push(b')');
        self.tight = false;
        self
    }

    /// The command as parts to send in order, literal headers chosen by `plus`.
    #[must_use]
    pub fn finish(mut self, plus: LiteralPlus) -> Vec<Part> {
        let mut tail = std::mem::take(&mut self.text);
        tail.extend_from_slice(b"\r\n");
        self.pieces.push(Piece::Text(tail));
        let mut parts = Vec::with_capacity(self.pieces.len());
        let mut pieces = self.pieces.into_iter().peekable();
        while let Some(piece) = pieces.next() {
            match piece {
                Piece::Text(mut text) => {
                    if let Some(Piece::Literal(data, mode)) = pieces.peek() {
                        let (header, _) = literal_header(data.len(), *mode, plus);
                        text.extend_from_slice(header.as_bytes());
                    }
                    parts.push(Part::Text(text));
                }
                Piece::Literal(data, mode) => {
                    let (_, sync) = literal_header(data.len(), mode, plus);
                    parts.push(Part::Literal { data, sync });
                }
            }
        }
        parts
    }
}

/// The header announcing a literal of `len` bytes and whether it is synchronising.
fn literal_header(len: usize, mode: LiteralMode, plus: LiteralPlus) -> (String, bool) {
    let non_sync = match plus {
        LiteralPlus::Plus => mode != LiteralMode::Sync,
        LiteralPlus::Minus => mode != LiteralMode::Sync && len <= 4096,
        LiteralPlus::None => false,
    };
    let prefix = if mode == LiteralMode::Binary { "~" } else { "" };
    let plus_sign = if non_sync { "+" } else { "" };
    (format!("{prefix}{{{len}{plus_sign}}}\r\n"), !non_sync)
}

#[cfg(test)]
#[path = "command_tests.rs"]
mod tests;
