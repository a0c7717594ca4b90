//! Encoding command arguments: atom, quoted string, literal — or refusal.
//!
//! RFC 3501 §4 and §9: an argument goes on the wire as an atom when it is one, as a quoted
//! string when it can be (text without CR, LF or NUL; 8-bit bytes only after
//! `ENABLE UTF8=ACCEPT`), and otherwise as a literal whose length is announced first.
//!
//! Rules:
//! - CR, LF and NUL never go into an atom, a quoted string or any other command text: every
//!   [`CommandBuilder`] method that writes text checks it. Only literal data may hold those
//!   bytes, so a caller's argument can never end the command line and start another one.
//! - A literal header is written only by the builder, at the end of a text part; raw text
//!   that ends like one (`{5}`) is refused, since the server would read the next line as
//!   literal data.
//! - Literal data may hold any byte but NUL (RFC 3501 §4.3); only a literal8 (`~{n}`, RFC
//!   3516) may carry NUL.
//! - Arguments with a grammar of their own are checked against it (see `argument.rs`):
//!   [`CommandBuilder::flag`], [`CommandBuilder::sequence_set`] and
//!   [`CommandBuilder::bounded_number`]; the command name is one or more atoms.
//! - Non-synchronising literals (RFC 7888) are chosen by [`CommandBuilder::finish`] from
//!   what the server offers: LITERAL+ allows any size, LITERAL- up to 4096 bytes. Binary
//!   literals (RFC 3516 `~{n}`) are always synchronising.

use super::argument::{
    check_flag, check_literal, check_name, check_number, check_raw, check_sequence_set,
};
#[cfg(doc)]
use super::argument::{MODSEQ_MAX, NUMBER_MAX};
use super::error::EncodeError;

/// Largest literal that may be non-synchronising under LITERAL- (RFC 7888 §4).
pub const LITERAL_MINUS_MAX: usize = 4096;

/// Returns `"…"` with `\` and `"` escaped.
///
/// # Errors
/// [`EncodeError::ControlCharacter`] for CR, LF or NUL (checked first);
/// [`EncodeError::NonAscii`] for a byte of 0x80 or more.
pub fn quote(s: &[u8]) -> Result<Vec<u8>, EncodeError> {
    if has_control(s) {
        return Err(EncodeError::ControlCharacter);
    }
    if !s.is_ascii() {
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
    Ok(escape_quoted(s))
}

/// `"…"` with `\` and `"` escaped, and no other check: the caller has made sure that `s`
/// holds no CR, LF or NUL (or, like imaplib2's `qstr(s, validate=False)`, asked for none).
#[must_use]
pub fn escape_quoted(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() + 2);
    out.push(b'"');
    for &b in s {
        if b == b'"' || b == b'\\' {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.push(b'"');
    out
}

/// True for a non-empty RFC 3501 atom: ASCII without atom-specials `(){ %*"\]` or controls.
#[must_use]
pub fn is_atom(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_astring_char(b) && b != b']')
}

/// True for a non-empty `astring` atom: ASTRING-CHAR is ATOM-CHAR or `]`.
#[must_use]
pub fn is_astring_atom(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_astring_char(b))
}

fn is_astring_char(b: u8) -> bool {
    (0x21..0x7f).contains(&b) && !matches!(b, b'(' | b')' | b'{' | b'%' | b'*' | b'"' | b'\\')
}

pub(crate) fn has_control(s: &[u8]) -> bool {
    s.iter().any(|&b| matches!(b, b'\r' | b'\n' | 0))
}

/// True when `s` ends with something a server would read as a literal header:
/// `{`, digits, an optional `+`, then `}` (a `~` before it changes nothing).
pub(crate) fn ends_like_literal_header(s: &[u8]) -> bool {
    let Some(inner) = s.strip_suffix(b"}") else {
        return false;
    };
    let inner = inner.strip_suffix(b"+").unwrap_or(inner);
    let digits = inner
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_digit())
        .count();
    digits > 0 && inner[..inner.len() - digits].ends_with(b"{")
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

/// The form for `s`: an atom when it is one, quoted when it can be, else a literal (any CR,
/// LF or NUL; 8-bit bytes unless `utf8_quoting`).
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
///
/// Given to [`CommandBuilder::literal`], it is the form asked for; in a [`Part`] returned by
/// [`CommandBuilder::finish`], the form actually written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiteralMode {
    /// `{n}`: the server's `+` must be awaited before the data is sent.
    Sync,
    /// `{n+}`: the data follows at once. Asked for, it is written when the server allows
    /// it (see [`NonSyncLiterals`]), else it falls back to `{n}`.
    NonSync,
    /// `~{n}` (RFC 3516 BINARY): the data may hold NUL; synchronising.
    Binary,
}

impl LiteralMode {
    /// True when the sender must wait for the server's `+` before sending the data.
    #[must_use]
    pub fn is_sync(self) -> bool {
        self != LiteralMode::NonSync
    }
}

/// Which non-synchronising literals the server accepts (RFC 7888).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NonSyncLiterals {
    /// Neither LITERAL+ nor LITERAL-: every literal is synchronising.
    #[default]
    Never,
    /// LITERAL-: non-synchronising up to [`LITERAL_MINUS_MAX`] bytes.
    UpTo4096,
    /// LITERAL+: non-synchronising at any size.
    Always,
}

impl NonSyncLiterals {
    /// The choice for a server that announced LITERAL+ and/or LITERAL-.
    #[must_use]
    pub fn from_capabilities(literal_plus: bool, literal_minus: bool) -> Self {
        match (literal_plus, literal_minus) {
            (true, _) => NonSyncLiterals::Always,
            (false, true) => NonSyncLiterals::UpTo4096,
            (false, false) => NonSyncLiterals::Never,
        }
    }

    /// The form a literal of `len` bytes asked for as `mode` is written in.
    #[must_use]
    pub fn announce(self, mode: LiteralMode, len: usize) -> LiteralMode {
        let allowed = match self {
            NonSyncLiterals::Always => true,
            NonSyncLiterals::UpTo4096 => len <= LITERAL_MINUS_MAX,
            NonSyncLiterals::Never => false,
        };
        match mode {
            LiteralMode::NonSync if !allowed => LiteralMode::Sync,
            other => other,
        }
    }
}

/// A piece of an encoded command, to be sent in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    /// Command text. When a literal follows, it ends with that literal's header and CRLF;
    /// the last part ends with CRLF.
    Text(Vec<u8>),
    /// Literal data, sent after the text before it; when `mode.is_sync()`, only once the
    /// server has answered that text with a continuation request.
    Literal {
        /// The data.
        data: Vec<u8>,
        /// The form its header was written in.
        mode: LiteralMode,
    },
}

#[derive(Clone, Debug)]
enum Piece {
    Text(Vec<u8>),
    Literal(Vec<u8>, LiteralMode),
}

/// Builds one command: `tag SP name *(SP argument) CRLF`, literals included.
///
/// Items are separated by one space, except just after [`list_start`](Self::list_start)
/// and before [`list_end`](Self::list_end); balancing the parentheses is the caller's job.
#[derive(Clone, Debug)]
pub struct CommandBuilder {
    pieces: Vec<Piece>,
    text: Vec<u8>,
    /// No space is written before the next item (just after `(`).
    tight: bool,
}

impl CommandBuilder {
    /// Starts `tag name`; `name` may be several atoms separated by single spaces
    /// (`UID FETCH`).
    ///
    /// # Errors
    /// [`EncodeError::Invalid`] when the tag or a word of the name is not an atom.
    pub fn new(tag: &[u8], name: &[u8]) -> Result<Self, EncodeError> {
        if !is_atom(tag) {
            return Err(EncodeError::Invalid {
                what: "command",
                why: "tag and name must be atoms",
            });
        }
        check_name(name)?;
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
        if !flag && !is_atom(a) {
            return Err(EncodeError::Invalid {
                what: "atom",
                why: "not an atom or flag",
            });
        }
        self.space();
        self.text.extend_from_slice(a);
        Ok(self)
    }

    /// Appends pre-formed syntax such as `(FLAGS UID)`, `1:*` or `BODY.PEEK[]`.
    ///
    /// # Errors
    /// As [`check_raw`], and [`EncodeError::Invalid`] for empty text.
    pub fn raw(&mut self, text: &[u8]) -> Result<&mut Self, EncodeError> {
        check_raw(text)?;
        if text.is_empty() {
            return Err(EncodeError::Invalid {
                what: "command text",
                why: "empty",
            });
        }
        self.space();
        self.text.extend_from_slice(text);
        Ok(self)
    }

    /// Appends an `astring`: atom, quoted string or literal, as [`astring_form`] chooses.
    /// A literal is asked for as [`LiteralMode::NonSync`].
    ///
    /// # Errors
    /// [`EncodeError::ControlCharacter`] when `s` holds NUL (only a literal8 may).
    pub fn astring(&mut self, s: &[u8], utf8: bool) -> Result<&mut Self, EncodeError> {
        if astring_form(s, utf8) == ArgForm::Atom {
            self.space();
            self.text.extend_from_slice(s);
            Ok(self)
        } else {
            self.string(s, utf8)
        }
    }

    /// Appends a `string`: quoted when it can be, else a literal (asked for as
    /// [`LiteralMode::NonSync`]); never an atom.
    ///
    /// # Errors
    /// [`EncodeError::ControlCharacter`] when `s` holds NUL (only a literal8 may).
    pub fn string(&mut self, s: &[u8], utf8: bool) -> Result<&mut Self, EncodeError> {
        let quoted = if astring_form(s, utf8) == ArgForm::Literal {
            None
        } else {
            quote_utf8(s).ok()
        };
        match quoted {
            Some(q) => {
                self.space();
                self.text.extend_from_slice(&q);
                Ok(self)
            }
            None => self.literal(s, LiteralMode::NonSync),
        }
    }

    /// Appends a literal; its header is written by [`finish`](Self::finish).
    ///
    /// # Errors
    /// [`EncodeError::ControlCharacter`] when `data` holds NUL and `mode` is not
    /// [`LiteralMode::Binary`]: RFC 3501 §4.3 allows any octet but NUL in a literal.
    pub fn literal(&mut self, data: &[u8], mode: LiteralMode) -> Result<&mut Self, EncodeError> {
        check_literal(data, mode == LiteralMode::Binary)?;
        self.space();
        let text = std::mem::take(&mut self.text);
        self.pieces.push(Piece::Text(text));
        self.pieces.push(Piece::Literal(data.to_vec(), mode));
        Ok(self)
    }

    /// Appends a flag or keyword (`\Seen`, `$Label1`), checked by [`check_flag`].
    ///
    /// # Errors
    /// As [`check_flag`].
    pub fn flag(&mut self, flag: &[u8]) -> Result<&mut Self, EncodeError> {
        check_flag(flag)?;
        self.space();
        self.text.extend_from_slice(flag);
        Ok(self)
    }

    /// Appends a sequence or UID set (`1,3:*`), checked by [`check_sequence_set`].
    ///
    /// # Errors
    /// As [`check_sequence_set`].
    pub fn sequence_set(&mut self, set: &[u8]) -> Result<&mut Self, EncodeError> {
        check_sequence_set(set)?;
        self.space();
        self.text.extend_from_slice(set);
        Ok(self)
    }

    /// Appends a number no larger than `max` ([`NUMBER_MAX`] for `number`, [`MODSEQ_MAX`]
    /// for a mod-sequence).
    ///
    /// # Errors
    /// As [`check_number`].
    pub fn bounded_number(&mut self, n: u64, max: u64) -> Result<&mut Self, EncodeError> {
        check_number(n, max)?;
        Ok(self.number(n))
    }

    /// Appends `NIL`.
    pub fn nil(&mut self) -> &mut Self {
        self.space();
        self.text.extend_from_slice(b"NIL");
        self
    }

    /// Appends a number (64-bit: bound it with [`bounded_number`](Self::bounded_number)
    /// where the grammar says `number`).
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

    /// The command as parts to send in order, each literal announced in the form
    /// `non_sync` allows.
    #[must_use]
    pub fn finish(mut self, non_sync: NonSyncLiterals) -> Vec<Part> {
        let mut tail = std::mem::take(&mut self.text);
        tail.extend_from_slice(b"\r\n");
        self.pieces.push(Piece::Text(tail));
        let mut parts = Vec::with_capacity(self.pieces.len());
        let mut pieces = self.pieces.into_iter().peekable();
        while let Some(piece) = pieces.next() {
            match piece {
                Piece::Text(mut text) => {
                    if let Some(Piece::Literal(data, mode)) = pieces.peek() {
                        let mode = non_sync.announce(*mode, data.len());
                        write_header(&mut text, data.len(), mode);
                    }
                    parts.push(Part::Text(text));
                }
                Piece::Literal(data, mode) => {
                    let mode = non_sync.announce(mode, data.len());
                    parts.push(Part::Literal { data, mode });
                }
            }
        }
        parts
    }
}

/// Writes `{len}`, `{len+}` or `~{len}` and CRLF.
fn write_header(out: &mut Vec<u8>, len: usize, mode: LiteralMode) {
    let header = match mode {
        LiteralMode::Sync => format!("{{{len}}}\r\n"),
        LiteralMode::NonSync => format!("{{{len}+}}\r\n"),
        LiteralMode::Binary => format!("~{{{len}}}\r\n"),
    };
    out.extend_from_slice(header.as_bytes());
}

#[cfg(test)]
#[path = "command_tests.rs"]
mod tests;
