//! Modified UTF-7 for mailbox names (RFC 3501 §5.1.3).
//!
//! Printable ASCII (0x20–0x7E) stands for itself, except `&`, written `&-`. Any other run of
//! characters is written `&`, then its UTF-16BE code units in base64 with `,` for `/` and no
//! `=` padding, then `-`. Decoding is strict, so that every name has one spelling: an
//! unterminated or empty shift, a byte outside the alphabet, leftover bits that are not zero,
//! a run that encodes printable ASCII, two runs back to back, an unpaired surrogate and raw
//! bytes outside 0x20–0x7E are all refused.

use super::error::{ParseError, ParseErrorKind};

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

/// Encodes `s` in modified UTF-7.
#[must_use]
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut run: Vec<u16> = Vec::new();
    for c in s.chars() {
        if (' '..='~').contains(&c) {
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

fn flush(out: &mut String, run: &mut Vec<u16>) {
    if run.is_empty() {
        return;
    }
    out.push('&');
    let bytes: Vec<u8> = run.iter().flat_map(|u| u.to_be_bytes()).collect();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
        }
    }
    out.push('-');
    run.clear();
}

/// Decodes a modified UTF-7 mailbox name.
///
/// # Errors
/// [`ParseErrorKind::Invalid`] with `what` = "modified UTF-7" and the offset of the fault.
pub fn decode(s: &[u8]) -> Result<String, ParseError> {
    let mut out = String::with_capacity(s.len());
    let mut pos = 0;
    let mut last_run_end = None;
    while pos < s.len() {
        let b = s[pos];
        if b != b'&' {
            if !(0x20..=0x7e).contains(&b) {
                return Err(invalid("byte outside printable ASCII", pos));
            }
            out.push(char::from(b));
            pos += 1;
            continue;
        }
        let Some(len) = s[pos + 1..].iter().position(|&c| c == b'-') else {
            return Err(invalid("unterminated '&' shift", pos));
        };
        let run = &s[pos + 1..pos + 1 + len];
        if run.is_empty() {
            out.push('&');
        } else {
            if last_run_end == Some(pos) {
                return Err(invalid("adjacent encoded runs", pos));
            }
            decode_run(run, pos + 1, &mut out)?;
            last_run_end = Some(pos + len + 2);
        }
        pos += len + 2;
    }
    Ok(out)
}

fn decode_run(run: &[u8], offset: usize, out: &mut String) -> Result<(), ParseError> {
    let mut bytes = Vec::with_capacity(run.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for (i, &c) in run.iter().enumerate() {
        let Some(v) = ALPHABET.iter().position(|&a| a == c) else {
            return Err(invalid(
                "byte outside the modified base64 alphabet",
                offset + i,
            ));
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            bytes.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if bits >= 6 || acc != 0 || bytes.len() % 2 != 0 {
        return Err(invalid(
            "wrong padding or leftover bits",
            offset + run.len(),
        ));
    }
    let units = bytes.chunks(2).map(|p| u16::from_be_bytes([p[0], p[1]]));
    for c in char::decode_utf16(units) {
        let c = c.map_err(|_| invalid("unpaired UTF-16 surrogate", offset))?;
        if (' '..='~').contains(&c) {
            return Err(invalid("printable ASCII needlessly encoded", offset));
        }
        out.push(c);
    }
    Ok(())
}

fn invalid(why: &'static str, offset: usize) -> ParseError {
    ParseError::new(
        ParseErrorKind::Invalid {
            what: "modified UTF-7",
            why,
        },
        offset,
    )
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn known_answers() {
        let cases = [
            ("INBOX", "INBOX"),
            ("&", "&-"),
            ("Entwürfe", "Entw&APw-rfe"),
            ("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"),
            ("😀", "&2D3eAA-"),
            ("a\u{0}b", "a&AAA-b"),
            ("", ""),
        ];
        for (name, encoded) in cases {
            assert_eq!(encode(name), encoded);
            assert_eq!(decode(encoded.as_bytes()).unwrap(), name);
        }
    }

    #[test]
    fn rejects_malformed() {
        let cases: &[(&[u8], &str)] = &[
            (b"&AGE", "unterminated '&' shift"),
            (b"&AG$-", "byte outside the modified base64 alphabet"),
            (b"&AG/-", "byte outside the modified base64 alphabet"),
            (b"&AGE=-", "byte outside the modified base64 alphabet"),
            (b"&AOQ-&APY-", "adjacent encoded runs"),
            (b"&AEE-", "printable ASCII needlessly encoded"),
            (b"&AG-", "wrong padding or leftover bits"),
            (b"&AGF-", "wrong padding or leftover bits"),
            (b"&2D0-", "unpaired UTF-16 surrogate"),
            (b"caf\xc3\xa9", "byte outside printable ASCII"),
            (b"tab\t", "byte outside printable ASCII"),
        ];
        for (input, why) in cases {
            let err = decode(input).unwrap_err();
            assert_eq!(
                err.kind,
                ParseErrorKind::Invalid {
                    what: "modified UTF-7",
                    why
                },
                "{input:?}"
            );
        }
        // separated runs are fine
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
        fn decode_never_panics_and_is_canonical(data: Vec<u8>) {
            if let Ok(s) = decode(&data) {
                prop_assert_eq!(encode(&s).into_bytes(), data);
            }
        }
    }
}
