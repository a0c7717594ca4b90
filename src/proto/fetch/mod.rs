//! Typed views of FETCH responses: the item map, ENVELOPE, BODYSTRUCTURE.
//!
//! RFC 3501 §7.4.2: `* <seq> FETCH (<name> <value> ...)`. [`parse_fetch`] walks the tokens
//! of one parsed response once and builds a [`Fetch`]: the items every client wants typed
//! (UID, FLAGS, INTERNALDATE, RFC822.SIZE, ENVELOPE, BODYSTRUCTURE, MODSEQ) and every other
//! item by its name, body sections included. Names are kept in a canonical form
//! ([`item_key`]) so that what a caller asked for (`BODY.PEEK[]<0.100>`) finds what the
//! server answered (`BODY[]<0>`).
//!
//! Servers differ; the views follow what they send rather than refuse it: NIL where a string
//! belongs reads as absent, missing extension data as absent, numbers in quotes as numbers.
//! Only a response that is not a FETCH at all is an error.

mod address;
mod bodystructure;
pub mod envelope;
mod maildate;
mod source;
mod wire;

use std::borrow::Cow;

pub use address::Address;
pub use bodystructure::BodyStructure;
pub use bodystructure::Node;
pub use envelope::{Envelope, EnvelopeView};
pub use maildate::{parse_mail_date, MailDate};
pub use source::Source;

use super::date::parse_internaldate;
use super::error::ParseError;
use super::{TokenKind, View};

/// One FETCH response, typed.
#[derive(Clone, Debug, PartialEq)]
pub struct Fetch<'a> {
    /// The message sequence number.
    pub seq: u64,
    /// `UID`.
    pub uid: Option<u64>,
    /// `FLAGS`, as sent.
    pub flags: Option<Vec<Cow<'a, [u8]>>>,
    /// `INTERNALDATE`, when it parses.
    pub internaldate: Option<MailDate>,
    /// `RFC822.SIZE`.
    pub size: Option<u64>,
    /// `ENVELOPE`.
    pub envelope: Option<Envelope>,
    /// `BODYSTRUCTURE` (or the non-extensible `BODY`).
    pub body_structure: Option<BodyStructure>,
    /// `MODSEQ` (RFC 7162).
    pub modseq: Option<u64>,
    /// Every other item (body sections, `X-GM-*`, ...) under its canonical name.
    pub others: Vec<(String, Value<'a>)>,
}

/// An item value with no typed view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value<'a> {
    /// NIL.
    Nil,
    /// A number.
    Number(u64),
    /// An atom or quoted string.
    Text(Cow<'a, [u8]>),
    /// A literal; `index` is its place among a template response's literals.
    Literal {
        /// The literal's index, when the caller holds the literals.
        index: Option<usize>,
        /// Its bytes.
        bytes: &'a [u8],
    },
    /// A parenthesised list.
    List(Vec<Value<'a>>),
}

/// One FETCH response, scanned: the small items read, the large ones (FLAGS, ENVELOPE,
/// BODYSTRUCTURE) left as the indices of their tokens for a reader to build when asked.
#[derive(Clone, Debug, PartialEq)]
pub struct Scan<'a> {
    /// The message sequence number.
    pub seq: u64,
    /// `UID`.
    pub uid: Option<u64>,
    /// The token of the `FLAGS` list.
    pub flags: Option<usize>,
    /// `INTERNALDATE`, when it parses.
    pub internaldate: Option<MailDate>,
    /// `RFC822.SIZE`.
    pub size: Option<u64>,
    /// The token of the `ENVELOPE` list.
    pub envelope: Option<usize>,
    /// The token of the `BODYSTRUCTURE` (or `BODY`) list.
    pub body_structure: Option<usize>,
    /// `MODSEQ` (RFC 7162).
    pub modseq: Option<u64>,
    /// Every other item (body sections, `X-GM-*`, ...) under its canonical name.
    pub others: Vec<(String, Value<'a>)>,
}

/// Builds the typed view of one FETCH response.
///
/// # Errors
/// [`ParseErrorKind::Invalid`](super::ParseErrorKind::Invalid) when the response is not
/// `* <number> FETCH (...)`.
pub fn parse_fetch<'a>(src: &View<'a>) -> Result<Fetch<'a>, ParseError> {
    let scan = scan_fetch(src)?;
    Ok(Fetch {
        seq: scan.seq,
        uid: scan.uid,
        flags: scan.flags.map(|f| flags(src, f)),
        internaldate: scan.internaldate,
        size: scan.size,
        envelope: scan.envelope.map(|i| Envelope::from_tokens(src, i)),
        body_structure: scan
            .body_structure
            .map(|i| BodyStructure::from_tokens(src, i)),
        modseq: scan.modseq,
        others: scan.others,
    })
}

/// Scans one FETCH response: its items by name, the large ones as token indices.
///
/// # Errors
/// [`ParseErrorKind::Invalid`](super::ParseErrorKind::Invalid) when the response is not
/// `* <number> FETCH (...)`.
pub fn scan_fetch<'a>(src: &View<'a>) -> Result<Scan<'a>, ParseError> {
    let tokens = src.tokens();
    let not_fetch = || ParseError::invalid("FETCH", "not a FETCH response", 0);
    let mut top = super::children(tokens, None);
    let (Some(seq), Some(name), Some(list)) = (top.next(), top.next(), top.next()) else {
        return Err(not_fetch());
    };
    let is_fetch = src
        .text(name)
        .is_some_and(|n| n.eq_ignore_ascii_case(b"FETCH"));
    let (Some(seq), true, true) = (src.loose_number(seq), is_fetch, src.is_list(list)) else {
        return Err(not_fetch());
    };
    let mut scan = Scan {
        seq,
        uid: None,
        flags: None,
        internaldate: None,
        size: None,
        envelope: None,
        body_structure: None,
        modseq: None,
        others: Vec::new(),
    };
    let mut items = src.children(list);
    while let Some(name) = items.next() {
        let Some(value) = items.next() else { break };
        let Some(name) = src.text(name) else {
            continue;
        };
        scan.add(src, &name, value);
    }
    Ok(scan)
}

/// The flags of the list at token `i`, as sent.
#[must_use]
pub fn flags<'a>(src: &View<'a>, i: usize) -> Vec<Cow<'a, [u8]>> {
    src.children(i).filter_map(|i| src.text(i)).collect()
}

impl<'a> Scan<'a> {
    fn add(&mut self, src: &View<'a>, name: &[u8], value: usize) {
        let is = |word: &[u8]| name.eq_ignore_ascii_case(word);
        if is(b"UID") {
            self.uid = src.loose_number(value);
        } else if is(b"FLAGS") {
            self.flags = Some(value);
        } else if is(b"INTERNALDATE") {
            self.internaldate = src.text(value).and_then(|s| internaldate(&s));
        } else if is(b"RFC822.SIZE") {
            self.size = src.loose_number(value);
        } else if is(b"MODSEQ") {
            self.modseq = src.children(value).next().and_then(|i| src.loose_number(i));
        } else if is(b"ENVELOPE") && src.is_list(value) {
            self.envelope = Some(value);
        } else if (is(b"BODYSTRUCTURE") || is(b"BODY")) && src.is_list(value) {
            self.body_structure = Some(value);
        } else {
            let key = item_key(&String::from_utf8_lossy(name));
            self.others.push((key, generic(src, value)));
        }
    }
}

/// The canonical name of a FETCH item: upper case, without `.PEEK`, and a partial range
/// `<origin.length>` shortened to `<origin>` as servers answer it.
#[must_use]
pub fn item_key(name: &str) -> String {
    let mut key = name.to_ascii_uppercase().replacen(".PEEK[", "[", 1);
    if key.ends_with('>') {
        if let Some(open) = key.rfind('<') {
            if let Some(dot) = key[open..].find('.') {
                key.replace_range(open + dot..key.len() - 1, "");
            }
        }
    }
    key
}

/// INTERNALDATE as a moment and its zone.
fn internaldate(text: &[u8]) -> Option<MailDate> {
    let timestamp = parse_internaldate(text).ok()?;
    let text = text
        .trim_ascii()
        .strip_suffix(b"\"")
        .unwrap_or(text.trim_ascii());
    let zone = text.get(text.len().checked_sub(5)?..)?;
    let sign = if zone[0] == b'-' { -1 } else { 1 };
    let digits = std::str::from_utf8(&zone[1..]).ok()?.parse::<i32>().ok()?;
    Some(MailDate {
        timestamp,
        offset_minutes: sign * (digits / 100 * 60 + digits % 100),
    })
}

/// Any item value, recursively (depth is bounded by the parser's limits).
fn generic<'a>(src: &View<'a>, i: usize) -> Value<'a> {
    match src.kind(i).unwrap_or(TokenKind::Nil) {
        TokenKind::Nil => Value::Nil,
        TokenKind::Number => Value::Number(src.loose_number(i).unwrap_or(0)),
        TokenKind::List => Value::List(src.children(i).map(|c| generic(src, c)).collect()),
        TokenKind::Literal | TokenKind::LiteralRef => match src.text(i) {
            Some(Cow::Borrowed(bytes)) => Value::Literal {
                index: src.literal_index(i),
                bytes,
            },
            _ => Value::Nil,
        },
        TokenKind::Atom | TokenKind::Quoted => Value::Text(src.text(i).unwrap_or_default()),
    }
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
