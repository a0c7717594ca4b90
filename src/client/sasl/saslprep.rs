//! `SASLprep` (RFC 4013), the stringprep profile SCRAM applies to user names and passwords.
//!
//! Rules, in the RFC's order, for query strings (unassigned code points are allowed):
//! - Map: the "commonly mapped to nothing" characters (RFC 3454 B.1) are removed, then the
//!   non-ASCII spaces (C.1.2) become U+0020. U+200B is in both tables; removing it first is what
//!   deployed implementations do.
//! - Prohibit: ASCII and non-ASCII controls (C.2.1, C.2.2), private use (C.3), non-characters
//!   (C.4), characters inappropriate for plain text or canonical representation (C.6, C.7),
//!   characters that change display properties or are deprecated (C.8) and tagging characters
//!   (C.9). Surrogates (C.5) cannot occur in a Rust `str`. Any of these is refused.
//!
//! Limitation, documented rather than hidden: NFKC normalisation and the bidirectional check
//! (RFC 3454 §6) are not applied, because both need the Unicode tables. ASCII text is NFKC-stable
//! and has no right-to-left characters, so ASCII names and passwords are prepared exactly;
//! other UTF-8 passes through unchanged apart from the mapping above. A password written with
//! compatibility characters (full-width letters, ligatures, decomposed accents) that a server
//! stored in NFKC form will therefore not match.

/// `input` prepared by the subset of `SASLprep` above; `Err` carries the first prohibited
/// character, which the caller must not echo when the input is a password.
pub(super) fn saslprep(input: &str) -> Result<String, char> {
    // Mapping never lengthens the text (each mapped character is at least one byte and maps to
    // at most one byte), so this buffer never reallocates and leaves no stray copies behind.
    let mut out = String::with_capacity(input.len());
    for c in input.chars() {
        if in_table(&MAPPED_TO_NOTHING, c) {
            continue;
        }
        if in_table(&NON_ASCII_SPACE, c) {
            out.push(' ');
        } else if is_prohibited(c) {
            return Err(c);
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

/// RFC 3454 B.1: commonly mapped to nothing (inclusive ranges).
const MAPPED_TO_NOTHING: [(u32, u32); 8] = [
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x1806, 0x1806),
    (0x180B, 0x180D),
    (0x200B, 0x200D),
    (0x2060, 0x2060),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
];

/// RFC 3454 C.1.2: non-ASCII space characters (inclusive ranges).
const NON_ASCII_SPACE: [(u32, u32); 6] = [
    (0x00A0, 0x00A0),
    (0x1680, 0x1680),
    (0x2000, 0x200B),
    (0x202F, 0x202F),
    (0x205F, 0x205F),
    (0x3000, 0x3000),
];

/// Inclusive ranges of RFC 3454 C.2.1, C.2.2, C.3, C.4 (but the plane ends), C.6, C.7, C.8
/// and C.9; the non-characters at the end of every plane are checked in [`is_prohibited`].
const PROHIBITED: [(u32, u32); 19] = [
    (0x0000, 0x001F),      // C.2.1
    (0x007F, 0x009F),      // C.2.1 DEL, C.2.2 C1 controls
    (0x0340, 0x0341),      // C.8
    (0x06DD, 0x06DD),      // C.2.2
    (0x070F, 0x070F),      // C.2.2
    (0x180E, 0x180E),      // C.2.2
    (0x200C, 0x200F),      // C.2.2 ZWNJ, ZWJ; C.8 LRM, RLM
    (0x2028, 0x202E),      // C.2.2 separators; C.8 embeddings and overrides
    (0x2060, 0x2063),      // C.2.2
    (0x206A, 0x206F),      // C.2.2, C.8
    (0x2FF0, 0x2FFB),      // C.7
    (0xE000, 0xF8FF),      // C.3
    (0xFDD0, 0xFDEF),      // C.4
    (0xFEFF, 0xFEFF),      // C.2.2
    (0xFFF9, 0xFFFD),      // C.2.2, C.6
    (0x1D173, 0x1D17A),    // C.2.2
    (0xE0001, 0xE0001),    // C.9
    (0xE0020, 0xE007F),    // C.9
    (0xF_0000, 0x10_FFFD), // C.3 (planes 15 and 16; their last two points are C.4)
];

/// Whether `c` is in one of the prohibited tables of RFC 4013 §2.3.
fn is_prohibited(c: char) -> bool {
    // C.4: the last two code points of every plane are non-characters.
    (u32::from(c) & 0xFFFE) == 0xFFFE || in_table(&PROHIBITED, c)
}

/// Whether `c` lies in one of the inclusive `ranges`.
fn in_table(ranges: &[(u32, u32)], c: char) -> bool {
    let code = u32::from(c);
    ranges
        .iter()
        .any(|&(low, high)| (low..=high).contains(&code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answers() {
        // RFC 4013 §3 examples, then extra cases for each table.
        let cases: &[(&str, Result<&str, char>)] = &[
            ("I\u{00AD}X", Ok("IX")),
            ("user", Ok("user")),
            ("USER", Ok("USER")),
            ("\u{0007}", Err('\u{0007}')),
            ("pencil", Ok("pencil")),
            ("a b", Ok("a b")),
            ("a\u{00A0}b\u{3000}c", Ok("a b c")),
            ("a\u{200B}b", Ok("ab")),
            ("\u{FEFF}x\u{FE00}", Ok("x")),
            ("tab\there", Err('\t')),
            ("del\u{7F}", Err('\u{7F}')),
            ("c1\u{0085}", Err('\u{0085}')),
            ("lrm\u{200E}", Err('\u{200E}')),
            ("private\u{E000}", Err('\u{E000}')),
            ("nonchar\u{FDD0}", Err('\u{FDD0}')),
            ("nonchar\u{10FFFF}", Err('\u{10FFFF}')),
            ("replacement\u{FFFD}", Err('\u{FFFD}')),
            ("ideographic\u{2FF0}", Err('\u{2FF0}')),
            ("tag\u{E0041}", Err('\u{E0041}')),
            ("music\u{1D173}", Err('\u{1D173}')),
            ("ünïcödé", Ok("ünïcödé")),
            ("密码", Ok("密码")),
            ("", Ok("")),
        ];
        for &(input, want) in cases {
            let got = saslprep(input);
            assert_eq!(got.as_deref().map_err(|c| *c), want, "{input:?}");
        }
    }
}
