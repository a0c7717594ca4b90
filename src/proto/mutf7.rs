//! Modified UTF-7 for mailbox names (RFC 3501 §5.1.3).
//!
//! Printable ASCII (0x20–0x7E) stands for itself, except `&`, written `&-`. Any other run of
//! characters is written `&`, then its UTF-16BE code units in base64 with `,` for `/` and no
//! `=` padding, then `-`.
//!
//! Decoding is strict, so that every name has exactly one spelling and `encode(decode(x))`
//! gives back `x`. Refused, with the offset of the offending byte:
//! - a raw byte outside 0x20–0x7E;
//! - an `&` without its closing `-`;
//! - a byte outside the modified base64 alphabet inside a run (`=` and `/` included);
//! - a run whose length cannot be whole UTF-16 units, or whose spare bits are not zero;
//! - a run that encodes printable ASCII, which must be written as itself;
//! - a run directly after another one (`&AOQ-&APY-`: one run must hold both);
//! - a UTF-16 surrogate without its partner.

use super::error::ParseError;

/// The modified base64 alphabet: standard base64 with `,` in place of `/`.
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

/// Encodes `s` in modified UTF-7; the result is printable ASCII only.
#[must_use]
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut run: Vec<u16> = Vec::new();
    for c in s.chars() {
        if is_printable(c) {
            flush(&mut out, &mut run);
            out.push(c);
            if c == '&' {
                out.push('-');
            }
        } else {
            let mut units = [0u16; 2];
            run.extend_from_slice(c.encode_utf16(&mut units));
        }
    }
    flush(&mut out, &mut run);
    out
}

/// Writes the pending run of UTF-16 units as `&…-` and empties it.
fn flush(out: &mut String, run: &mut Vec<u16>) {
    if run.is_empty() {
        return;
    }
    out.push('&');
    let (mut acc, mut bits) = (0u32, 0u32);
    for unit in run.drain(..) {
        // At most 4 spare bits + 16 new ones: fits in a u32.
        acc = (acc << 16) | u32::from(unit);
        bits += 16;
        while bits >= 6 {
            bits -= 6;
            out.push(symbol(acc >> bits));
        }
        acc &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(symbol(acc << (6 - bits)));
    }
    out.push('-');
}

/// The alphabet symbol of the low six bits of `v`.
fn symbol(v: u32) -> char {
    char::from(ALPHABET[(v & 63) as usize])
}

/// The six-bit value of an alphabet symbol.
fn sextet(c: u8) -> Option<u32> {
    let v = match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b',' => 63,
        _ => return None,
    };
    Some(u32::from(v))
}

fn is_printable(c: char) -> bool {
    (' '..='~').contains(&c)
}

/// Decodes a modified UTF-7 mailbox name.
///
/// # Errors
/// [`ParseErrorKind::Invalid`](crate::proto::ParseErrorKind::Invalid) with `what` = "modified UTF-7" and the offset of the
/// offending byte, for any of the faults listed in the module documentation.
pub fn decode(s: &[u8]) -> Result<String, ParseError> {
    let mut out = String::with_capacity(s.len());
    let mut pos = 0;
    // Where the last non-empty run ended, to catch a second one right after it.
    let mut last_run_end = None;
    while let Some(&b) = s.get(pos) {
        if b != b'&' {
            if !(0x20..=0x7e).contains(&b) {
                return Err(invalid("byte outside printable ASCII", pos));
            }
            out.push(char::from(b));
            pos += 1;
            continue;
        }
        let body = pos + 1;
        let Some(len) = s[body..].iter().position(|&c| c == b'-') else {
            return Err(invalid("unterminated '&' shift", pos));
        };
        if len == 0 {
            out.push('&');
        } else {
            if last_run_end == Some(pos) {
                return Err(invalid("adjacent encoded runs", pos));
            }
            decode_run(&s[body..body + len], body, &mut out)?;
            last_run_end = Some(body + len + 1);
        }
        pos = body + len + 1;
    }
    Ok(out)
}

/// Decodes the base64 between `&` and `-`; `start` is the offset of its first byte.
fn decode_run(run: &[u8], start: usize, out: &mut String) -> Result<(), ParseError> {
    let (mut acc, mut bits) = (0u32, 0u32);
    // A high surrogate waiting for its low half, with the offset where it ended.
    let mut high: Option<(u16, usize)> = None;
    for (i, &c) in run.iter().enumerate() {
        let offset = start + i;
        let v = sextet(c)
            .ok_or_else(|| invalid("byte outside the modified base64 alphabet", offset))?;
        // At most 14 spare bits + 6 new ones: fits in a u32.
        acc = (acc << 6) | v;
        bits += 6;
        if bits < 16 {
            continue;
        }
        bits -= 16;
        let unit = u16::try_from(acc >> bits).unwrap_or(u16::MAX);
        acc &= (1 << bits) - 1;
        let c = match (high.take(), unit) {
            (None, 0xD800..=0xDBFF) => {
                high = Some((unit, offset));
                continue;
            }
            (Some((h, _)), 0xDC00..=0xDFFF) => {
                let scalar =
                    0x1_0000 + ((u32::from(h) - 0xD800) << 10) + (u32::from(unit) - 0xDC00);
                char::from_u32(scalar)
            }
            (None, _) => char::from_u32(u32::from(unit)),
            (Some(_), _) => None,
        };
        let Some(c) = c else {
            return Err(invalid("unpaired UTF-16 surrogate", offset));
        };
        if is_printable(c) {
            return Err(invalid("printable ASCII needlessly encoded", offset));
        }
        out.push(c);
    }
    if bits >= 6 || acc != 0 {
        return Err(invalid("wrong padding or leftover bits", start + run.len()));
    }
    if let Some((_, offset)) = high {
        return Err(invalid("unpaired UTF-16 surrogate", offset));
    }
    Ok(())
}

fn invalid(why: &'static str, offset: usize) -> ParseError {
    ParseError::invalid("modified UTF-7", why, offset)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn known_answers() {
        let cases = [
            ("INBOX", "INBOX"),
            ("", ""),
            ("&", "&-"),
            ("a&&b", "a&-&-b"),
            ("Entwürfe", "Entw&APw-rfe"),
            ("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"),
            ("😀", "&2D3eAA-"),
            ("ä&ö", "&AOQ-&-&APY-"),
            ("äö", "&AOQA9g-"),
            ("a\u{0}b", "a&AAA-b"),
            ("\u{7f}\t", "&AH8ACQ-"),
            ("\u{ffff}", "&,,8-"),
        ];
        for (name, encoded) in cases {
            assert_eq!(encode(name), encoded, "{name:?}");
            assert_eq!(decode(encoded.as_bytes()).unwrap(), name, "{encoded:?}");
        }
    }

    #[test]
    fn rejects_malformed() {
        let cases: &[(&[u8], &str, usize)] = &[
            (b"x&AGE", "unterminated '&' shift", 1),
            (b"&", "unterminated '&' shift", 0),
            (b"&AG$-", "byte outside the modified base64 alphabet", 3),
            (b"&AG/-", "byte outside the modified base64 alphabet", 3),
            (b"&AOQ=-", "byte outside the modified base64 alphabet", 4),
            (b"&AOQ-&APY-", "adjacent encoded runs", 5),
            (b"&AEE-", "printable ASCII needlessly encoded", 3),
            (b"&AOQAQQ-", "printable ASCII needlessly encoded", 6),
            (b"&AG-", "wrong padding or leftover bits", 3),
            (b"&AOR-", "wrong padding or leftover bits", 4),
            (b"&AOQA-", "wrong padding or leftover bits", 5),
            (b"&2D3-", "wrong padding or leftover bits", 4),
            (b"&2D0-", "unpaired UTF-16 surrogate", 3),
            (b"&3gA-", "unpaired UTF-16 surrogate", 3),
            (b"&2D0A5A-", "unpaired UTF-16 surrogate", 6),
            (b"caf\xc3\xa9", "byte outside printable ASCII", 3),
            (b"tab\t", "byte outside printable ASCII", 3),
        ];
        for &(input, why, offset) in cases {
            let err = decode(input).unwrap_err();
            assert_eq!(
                err,
                invalid(why, offset),
                "{}",
                String::from_utf8_lossy(input)
            );
        }
        // Runs separated by anything, even an encoded '&', are fine.
        assert_eq!(decode(b"&AOQ-x&APY-").unwrap(), "äxö");
    }

    proptest! {
        #[test]
        fn round_trip(s: String) {
            let encoded = encode(&s);
            prop_assert!(encoded.bytes().all(|b| (0x20..=0x7e).contains(&b)));
            prop_assert_eq!(decode(encoded.as_bytes()).unwrap(), s);
        }

        #[test]
        fn plain_ascii_is_unchanged(s in "[ -%'-~]*") {
            prop_assert_eq!(encode(&s), s);
        }

        #[test]
        fn decode_never_panics_and_is_canonical(data: Vec<u8>) {
            if let Ok(s) = decode(&data) {
                prop_assert_eq!(encode(&s).into_bytes(), data);
            }
        }

        #[test]
        fn decode_of_near_miss_runs_is_canonical(body in "[A-Za-z0-9+,=/]{0,12}", tail in "-?") {
            let data = format!("&{body}{tail}");
            if let Ok(s) = decode(data.as_bytes()) {
                prop_assert_eq!(encode(&s), data);
            }
        }
    }
}
