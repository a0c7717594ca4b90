//! RFC 2047 encoded words: `=?charset?B?...?=` and `=?charset?Q?...?=` inside header text.
//!
//! Rules followed (RFC 2047 §§5–6, with what real mailers send):
//! - whitespace (folding included) between two adjacent encoded words is dropped, and words
//!   in the same charset are joined as bytes before decoding, so a character split over two
//!   words (as some encoders do) comes out whole; words in a stateful charset (ISO-2022-JP)
//!   are decoded one by one, since each resets its state;
//! - whitespace between an encoded word and plain text is kept, so words in the middle of a
//!   phrase read naturally;
//! - folded lines (CRLF followed by a space or tab) are unfolded;
//! - an encoded word that does not decode (bad base64) is kept as it was written;
//! - text outside encoded words is UTF-8 (RFC 6532); other bytes become U+FFFD.

use std::borrow::Cow;

use super::charset::{decode_charset, decode_text};
use crate::proto::base64;

/// Decodes the encoded words in header text `input` and unfolds it.
#[must_use]
pub fn decode_words(input: &[u8]) -> String {
    if memchr::memmem::find(input, b"=?").is_none() && !input.contains(&b'\n') {
        return decode_text(input).into_owned();
    }
    let mut out = String::with_capacity(input.len());
    let mut pending = Pending::default();
    let mut plain_start = 0;
    let mut after_word = false;
    let mut search = 0;
    while let Some(found) = memchr::memmem::find(&input[search..], b"=?") {
        let at = search + found;
        let Some(word) = parse_word(input, at) else {
            search = at + 2;
            continue;
        };
        let between = &input[plain_start..at];
        let joins = after_word && between.iter().all(|b| b" \t\r\n".contains(b));
        if !joins {
            pending.flush(&mut out);
            push_plain(&mut out, between);
        }
        match word.decode() {
            Some(bytes) => pending.add(word.charset, bytes, &mut out),
            None => {
                pending.flush(&mut out);
                push_plain(&mut out, &input[at..word.end]);
            }
        }
        after_word = true;
        plain_start = word.end;
        search = word.end;
    }
    pending.flush(&mut out);
    push_plain(&mut out, &input[plain_start..]);
    out
}

/// Header text that [`decode_words`] reads back as `text`: the text itself when it already
/// does, else one UTF-8 "B" encoded word (decoding is not idempotent: decoded text may hold
/// what looks like an encoded word, a line break or bytes that are not UTF-8).
#[must_use]
pub fn encode_words(text: &str) -> Cow<'_, [u8]> {
    if decode_words(text.as_bytes()) == text {
        return Cow::Borrowed(text.as_bytes());
    }
    Cow::Owned(format!("=?utf-8?b?{}?=", base64::encode(text.as_bytes())).into_bytes())
}

/// One encoded word: where it ends, its charset label, encoding letter and text.
struct Word<'a> {
    end: usize,
    charset: &'a [u8],
    encoding: u8,
    text: &'a [u8],
}

impl Word<'_> {
    fn decode(&self) -> Option<Vec<u8>> {
        match self.encoding {
            b'B' | b'b' => base64::decode_lenient(self.text),
            _ => Some(decode_q(self.text)),
        }
    }
}

/// The encoded word starting at `at` (the `=?`), if one does.
fn parse_word(input: &[u8], at: usize) -> Option<Word<'_>> {
    let rest = &input[at + 2..];
    let charset_len = rest.iter().position(|&b| b == b'?')?;
    let charset = &rest[..charset_len];
    if charset.is_empty() || charset.iter().any(|b| b" \t\r\n=".contains(b)) {
        return None;
    }
    let rest = &rest[charset_len + 1..];
    let (&encoding, rest) = rest.split_first()?;
    if !b"BbQq".contains(&encoding) || rest.first() != Some(&b'?') {
        return None;
    }
    let rest = &rest[1..];
    let text_len = rest.iter().position(|&b| b == b'?')?;
    let text = &rest[..text_len];
    if rest.get(text_len + 1) != Some(&b'=') || text.iter().any(|b| b" \t\r\n".contains(b)) {
        return None;
    }
    let end = at + 2 + charset_len + 1 + 2 + text_len + 2;
    Some(Word {
        end,
        charset,
        encoding,
        text,
    })
}

/// RFC 2047 §4.2 "Q": `_` is a space, `=XX` a byte; anything malformed is kept as written.
fn decode_q(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'_' => out.push(b' '),
            b'=' => {
                if let Some(byte) = text.get(i + 1..i + 3).and_then(hex_pair) {
                    out.push(byte);
                    i += 3;
                    continue;
                }
                out.push(b'=');
            }
            b => out.push(b),
        }
        i += 1;
    }
    out
}

/// The byte written as two hexadecimal digits.
pub(crate) fn hex_pair(pair: &[u8]) -> Option<u8> {
    let digit = |b: u8| char::from(b).to_digit(16);
    Some((digit(pair[0])? * 16 + digit(pair[1])?) as u8)
}

/// Plain header text, unfolded: a line break followed by whitespace is removed.
fn push_plain(out: &mut String, bytes: &[u8]) {
    if !bytes.contains(&b'\n') {
        out.push_str(&decode_text(bytes));
        return;
    }
    let mut unfolded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => i += 2,
            b'\n' => i += 1,
            b => {
                unfolded.push(b);
                i += 1;
            }
        }
    }
    out.push_str(&decode_text(&unfolded));
}

/// Decoded bytes of adjacent encoded words in one charset, waiting to become text.
#[derive(Default)]
struct Pending<'a> {
    charset: &'a [u8],
    bytes: Vec<u8>,
}

impl<'a> Pending<'a> {
    fn add(&mut self, charset: &'a [u8], bytes: Vec<u8>, out: &mut String) {
        // Stateful charsets (ISO-2022-*) reset at the end of every word: joining two words
        // would put two escape sequences side by side, which decoders reject.
        let stateful = charset.len() >= 8 && charset[..8].eq_ignore_ascii_case(b"iso-2022");
        if stateful || !self.charset.eq_ignore_ascii_case(charset) {
            self.flush(out);
            self.charset = charset;
        }
        self.bytes.extend_from_slice(&bytes);
    }

    fn flush(&mut self, out: &mut String) {
        if !self.charset.is_empty() {
            out.push_str(&decode_charset(self.charset, &self.bytes).0);
        }
        self.bytes.clear();
        self.charset = b"";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answers() {
        let cases: &[(&[u8], &str)] = &[
            (b"plain text", "plain text"),
            (b"=?utf-8?q?R=C3=BCckfrage?= alt", "Rückfrage alt"),
            (b"Re: =?UTF-8?B?R3LDvMOfZQ==?=", "Re: Grüße"),
            (b"=?iso-8859-1?q?a?= =?iso-8859-1?q?b?=", "ab"),
            (b"=?iso-8859-1?q?a?=\r\n =?iso-8859-1?q?_b?=", "a b"),
            (
                b"=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>",
                "Keld Jørn Simonsen <keld@dkuug.dk>",
            ),
            (b"=?koi8-r?B?8NLJ18XU?=", "Привет"),
            (b"=?windows-1251?Q?=CF=F0=E8=E2=E5=F2?=", "Привет"),
            (b"=?shift_jis?B?grGC8YLJgr+CzQ==?=", "こんにちは"),
            (b"=?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?=", "こんにちは"),
            (b"=?gb2312?B?xOO6ww==?=", "你好"),
            (b"=?big5?B?p0Gmbg==?=", "你好"),
            (b"=?euc-kr?B?vsiz58fPvLy/5A==?=", "안녕하세요"),
            (b"=?utf-8*en?q?hi?=", "hi"),
            // A UTF-8 character split over two base64 words.
            (b"=?utf-8?B?w6Q=?= =?utf-8?B?w7w=?=", "äü"),
            (b"=?utf-8?B?4oI=?= plain", "\u{fffd} plain"),
            (b"=?utf-8?B?4oI=?= =?utf-8?B?rA==?=", "€"),
            (b"a =?utf-8?q?b?= c", "a b c"),
            (b"=?utf-8?q?not closed", "=?utf-8?q?not closed"),
            (b"=?utf-8?B?!!!!?=", "=?utf-8?B?!!!!?="),
            (b"=?x-unknown?q?ok?=", "ok"),
            (b"Folded\r\n line", "Folded line"),
            (b"8-bit \xc3\xa4 and \xff", "8-bit ä and \u{fffd}"),
            (b"=?utf-8?q?a?= =?iso-8859-1?q?=E4?=", "aä"),
            (
                b"=?iso-2022-jp?b?GyRCJCEbKEI=?=\n =?iso-2022-jp?b?GyRCJCEbKEI=?=",
                "ぁぁ",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(
                decode_words(input),
                *expected,
                "{}",
                String::from_utf8_lossy(input)
            );
        }
    }
}
