//! Streaming Content-Transfer-Encoding decoders (RFC 2045 §6): base64 and quoted-printable.
//!
//! A [`TransferDecoder`] takes an encoded body in pieces of any size and writes the decoded
//! bytes as soon as they are known; it holds back only the few bytes that may belong to the
//! next piece (an incomplete base64 quantum, an `=` escape cut in two, whitespace that may
//! turn out to end a line), so memory stays bounded whatever the body's size.
//!
//! Decoding never fails, as mail readers do not: base64 skips line breaks and bytes outside
//! its alphabet and accepts missing padding and several padded pieces in a row;
//! quoted-printable keeps a malformed `=` as it is and keeps 8-bit bytes (which the
//! `quoted_printable` crate drops, the reason this decoder is written here), removes soft
//! line breaks and the whitespace that ends a line (§6.7 rule 3).

use base64::Engine as _;

use super::base64::LENIENT;
use super::header::hex_pair;

/// Whitespace held back before a line end, at most; a longer run is written as it is.
const MAX_HELD_SPACE: usize = 1024;
/// Base64 characters gathered before decoding them in one call.
const BASE64_BATCH: usize = 16 * 1024;

/// A Content-Transfer-Encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransferEncoding {
    /// `base64`.
    Base64,
    /// 7bit, 8bit, binary and anything unknown: the bytes as they are.
    Identity,
    /// `quoted-printable`.
    QuotedPrintable,
}

impl TransferEncoding {
    /// The encoding a Content-Transfer-Encoding value names (case-insensitive).
    #[must_use]
    pub fn from_label(label: &[u8]) -> Self {
        let label = label.trim_ascii();
        if label.eq_ignore_ascii_case(b"base64") {
            TransferEncoding::Base64
        } else if label.eq_ignore_ascii_case(b"quoted-printable") {
            TransferEncoding::QuotedPrintable
        } else {
            TransferEncoding::Identity
        }
    }
}

/// Decodes one body, fed in pieces.
#[derive(Clone, Debug)]
pub struct TransferDecoder {
    encoding: TransferEncoding,
    carry: Vec<u8>,
}

impl TransferDecoder {
    /// A decoder for `encoding`.
    #[must_use]
    pub fn new(encoding: TransferEncoding) -> Self {
        TransferDecoder {
            encoding,
            carry: Vec::new(),
        }
    }

    /// Decodes the next piece of the body, appending to `out`.
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) {
        match self.encoding {
            TransferEncoding::Identity => out.extend_from_slice(input),
            TransferEncoding::Base64 => self.base64(input, out, false),
            TransferEncoding::QuotedPrintable => self.quoted_printable(input, out, false),
        }
    }

    /// Decodes what was held back at the end of the body.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        match self.encoding {
            TransferEncoding::Identity => {}
            TransferEncoding::Base64 => self.base64(b"", out, true),
            TransferEncoding::QuotedPrintable => self.quoted_printable(b"", out, true),
        }
        self.carry.clear();
    }

    fn base64(&mut self, input: &[u8], out: &mut Vec<u8>, last: bool) {
        for &b in input {
            if b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=') {
                self.carry.push(b);
                if b == b'=' && self.carry.len() % 4 == 0 {
                    flush_base64(&self.carry, out);
                    self.carry.clear();
                } else if self.carry.len() >= BASE64_BATCH {
                    let whole = self.carry.len() / 4 * 4;
                    flush_base64(&self.carry[..whole], out);
                    self.carry.drain(..whole);
                }
            }
        }
        let whole = if last {
            self.carry.len()
        } else {
            self.carry.len() / 4 * 4
        };
        flush_base64(&self.carry[..whole], out);
        self.carry.drain(..whole);
    }

    fn quoted_printable(&mut self, input: &[u8], out: &mut Vec<u8>, last: bool) {
        let mut buf = std::mem::take(&mut self.carry);
        buf.extend_from_slice(input);
        let mut i = 0;
        while i < buf.len() {
            let run = memchr::memchr3(b'=', b' ', b'\t', &buf[i..]).unwrap_or(buf.len() - i);
            out.extend_from_slice(&buf[i..i + run]);
            i += run;
            if i >= buf.len() {
                break;
            }
            let step = if buf[i] == b'=' {
                qp_escape(&buf[i..], out, last)
            } else {
                qp_space(&buf[i..], out, last)
            };
            match step {
                Some(n) => i += n,
                None => {
                    self.carry = buf.split_off(i);
                    return;
                }
            }
        }
    }
}

/// Decodes whole base64 quanta (and, at the end, a partial one); bytes that do not decode are
/// skipped a quantum at a time.
fn flush_base64(chars: &[u8], out: &mut Vec<u8>) {
    if chars.is_empty() || LENIENT.decode_vec(chars, out).is_ok() {
        return;
    }
    for quantum in chars.chunks(4) {
        let _ = LENIENT.decode_vec(quantum, out);
    }
}

/// Handles the `=` at the start of `rest`: returns how many bytes it used, or `None` to wait
/// for more input.
fn qp_escape(rest: &[u8], out: &mut Vec<u8>, last: bool) -> Option<usize> {
    let after = &rest[1..];
    let spaces = after
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    match after.get(spaces) {
        Some(b'\n') => return Some(1 + spaces + 1),
        Some(b'\r') if after.get(spaces + 1) == Some(&b'\n') => return Some(1 + spaces + 2),
        Some(b'\r') if spaces + 1 == after.len() && !last => return None,
        None if !last && spaces < MAX_HELD_SPACE => return None,
        _ => {}
    }
    if after.len() < 2 && !last {
        return None;
    }
    match after.get(..2).and_then(hex_pair) {
        Some(byte) => {
            out.push(byte);
            Some(3)
        }
        None => {
            out.push(b'=');
            Some(1)
        }
    }
}

/// Handles the run of spaces and tabs at the start of `rest`: dropped before a line end,
/// written otherwise; `None` to wait for more input.
fn qp_space(rest: &[u8], out: &mut Vec<u8>, last: bool) -> Option<usize> {
    let run = rest
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    let line_end = match rest.get(run) {
        Some(b'\n') => true,
        Some(b'\r') if rest.get(run + 1) == Some(&b'\n') => true,
        Some(b'\r') if run + 1 == rest.len() && !last => return None,
        None if !last && run < MAX_HELD_SPACE => return None,
        None => last,
        _ => false,
    };
    if !line_end {
        out.extend_from_slice(&rest[..run]);
    }
    Some(run)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn decode_in_pieces(encoding: TransferEncoding, input: &[u8], piece: usize) -> Vec<u8> {
        let mut decoder = TransferDecoder::new(encoding);
        let mut out = Vec::new();
        for chunk in input.chunks(piece.max(1)) {
            decoder.feed(chunk, &mut out);
        }
        decoder.finish(&mut out);
        out
    }

    /// Each case decodes to its answer whatever size the pieces are.
    fn check(encoding: TransferEncoding, cases: &[(&[u8], &[u8])]) {
        for (input, expected) in cases {
            for piece in [1, 2, 3, 4, 5, 7, 1000] {
                let got = decode_in_pieces(encoding, input, piece);
                let shown = String::from_utf8_lossy(input);
                assert_eq!(got, *expected, "{shown} in pieces of {piece}");
            }
        }
    }

    #[test]
    fn quoted_printable_known_answers() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"Gr=C3=BC=C3=9Fe", "Grüße".as_bytes()),
            (b"soft=\r\nbreak", b"softbreak"),
            (b"soft=  \r\nbreak", b"softbreak"),
            (b"soft=\nbreak", b"softbreak"),
            (b"trailing  \r\nspace\t\r\n", b"trailing\r\nspace\r\n"),
            (b"inner  space", b"inner  space"),
            (b"bad =ZZ and =", b"bad =ZZ and ="),
            (b"lower =e4", b"lower \xe4"),
            (b"8-bit \xe4 kept", b"8-bit \xe4 kept"),
            (b"a=3D=3Db", b"a==b"),
            (b"end  ", b"end"),
        ];
        check(TransferEncoding::QuotedPrintable, cases);
    }

    #[test]
    fn base64_known_answers() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"aGVsbG8s\r\nIHdvcmxk\r\n", b"hello, world"),
            (b"Zg==\r\nZm8=", b"ffo"),
            (b"Zm9vYg", b"foob"),
            (b"Zm9v!!YmFy", b"foobar"),
            (b"", b""),
        ];
        check(TransferEncoding::Base64, cases);
        assert_eq!(
            TransferEncoding::from_label(b" BASE64 "),
            TransferEncoding::Base64
        );
        assert_eq!(
            TransferEncoding::from_label(b"7bit"),
            TransferEncoding::Identity
        );
    }

    /// Quoted-printable as an encoder writes it: every byte but printable ASCII escaped,
    /// soft line breaks every 60 characters.
    fn qp_encode(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut line = 0;
        for &b in data {
            let piece = if (33..=126).contains(&b) && b != b'=' {
                vec![b]
            } else {
                format!("={b:02X}").into_bytes()
            };
            if line + piece.len() > 60 {
                out.extend_from_slice(b"=\r\n");
                line = 0;
            }
            line += piece.len();
            out.extend_from_slice(&piece);
        }
        out
    }

    proptest! {
        #[test]
        fn base64_round_trip_in_any_pieces(data: Vec<u8>, piece in 1usize..80) {
            let mut encoded = Vec::new();
            for line in crate::proto::base64::encode(&data).as_bytes().chunks(76) {
                encoded.extend_from_slice(line);
                encoded.extend_from_slice(b"\r\n");
            }
            prop_assert_eq!(decode_in_pieces(TransferEncoding::Base64, &encoded, piece), data);
        }

        #[test]
        fn quoted_printable_round_trip_in_any_pieces(data: Vec<u8>, piece in 1usize..80) {
            let encoded = qp_encode(&data);
            prop_assert_eq!(decode_in_pieces(TransferEncoding::QuotedPrintable, &encoded, piece), data);
        }
    }
}
