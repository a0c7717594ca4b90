//! What a command argument may be: the grammar checks the command encoder applies.
//!
//! Every argument a caller gives goes out in a form its grammar allows, or is refused with
//! an [`EncodeError`] before anything is written. The rules, from RFC 3501 §9 unless said:
//!
//! ```text
//! flag         = "\Answered" / ... / flag-keyword / flag-extension
//! flag-keyword = atom                 ; and here no "[" either
//! flag-extension = "\" atom
//! sequence-set = (seq-number / seq-range) ["," sequence-set]    ; or "$" (RFC 5182)
//! seq-number   = nz-number / "*"
//! nz-number    = digit-nz *DIGIT      ; 1 to 4294967295
//! number       = 1*DIGIT              ; 0 to 4294967295
//! mod-sequence-value = 1*DIGIT        ; 0 to 2^63-1 (RFC 7162)
//! ```
//!
//! Command names are atoms separated by single spaces; text sent as it is (`Raw`, the
//! drop-in's criteria) holds no CR, LF or NUL and does not end like a literal header; literal
//! data holds no NUL unless it is a literal8 (RFC 3516).
//!
//! A flag refuses `[` as well as the atom-specials, though RFC 3501 lets an atom hold it:
//! servers read `[` in a flag list as the start of a section, and no real keyword uses it.

use super::command::{ends_like_literal_header, has_control, is_atom};
use super::error::EncodeError;

/// The largest `number` / `nz-number` (RFC 3501 §9: "unsigned 32-bit integer").
pub const NUMBER_MAX: u64 = u32::MAX as u64;

/// The largest `mod-sequence-value` (RFC 7162 §7: "unsigned 63-bit integer").
pub const MODSEQ_MAX: u64 = (1 << 63) - 1;

/// Checks a flag or keyword: `\Seen`, `\Custom`, `$Label1`, `NonJunk`.
///
/// # Errors
/// [`EncodeError::ControlCharacter`] for CR, LF or NUL; [`EncodeError::Invalid`] for
/// anything else that is not a backslash and an atom, or an atom (a space, `()[]{}%*"`,
/// another control character, non-ASCII, or nothing at all).
pub fn check_flag(flag: &[u8]) -> Result<(), EncodeError> {
    if flag.iter().any(|&b| matches!(b, b'\r' | b'\n' | 0)) {
        return Err(EncodeError::ControlCharacter);
    }
    let name = flag.strip_prefix(b"\\").unwrap_or(flag);
    if is_atom(name) && !name.contains(&b'[') {
        Ok(())
    } else {
        Err(EncodeError::Invalid {
            what: "flag",
            why: "a flag is an atom, or a backslash and an atom",
        })
    }
}

/// Checks a sequence or UID set: `1`, `1:5`, `1,3:*`, `*`, `$`.
///
/// # Errors
/// [`EncodeError::Invalid`] for the empty text, an empty item, 0, a leading zero, a number
/// over 4294967295, a range of more than two ends, or any other byte (a space, a list ...).
pub fn check_sequence_set(set: &[u8]) -> Result<(), EncodeError> {
    const INVALID: EncodeError = EncodeError::Invalid {
        what: "sequence set",
        why: "expected numbers 1 to 4294967295, '*', ranges 'a:b' and commas",
    };
    if set == b"$" {
        return Ok(());
    }
    if set.is_empty() {
        return Err(INVALID);
    }
    for item in set.split(|&b| b == b',') {
        let mut ends = item.splitn(3, |&b| b == b':');
        let first = ends.next().unwrap_or_default();
        let second = ends.next();
        if ends.next().is_some() || !is_seq_number(first) || !second.is_none_or(is_seq_number) {
            return Err(INVALID);
        }
    }
    Ok(())
}

/// Checks a number against its grammar's largest value (`NUMBER_MAX` or `MODSEQ_MAX`).
///
/// # Errors
/// [`EncodeError::Invalid`] when `n` is larger than `max`.
pub fn check_number(n: u64, max: u64) -> Result<(), EncodeError> {
    if n <= max {
        Ok(())
    } else if max == MODSEQ_MAX {
        Err(EncodeError::Invalid {
            what: "mod-sequence",
            why: "larger than 2^63-1",
        })
    } else {
        Err(EncodeError::Invalid {
            what: "number",
            why: "larger than 4294967295",
        })
    }
}

/// Checks a command name: one or more atoms separated by single spaces (`UID FETCH`).
///
/// # Errors
/// [`EncodeError::ControlCharacter`] for CR, LF or NUL (which would end the command and
/// start another); [`EncodeError::Invalid`] for anything else that is not such atoms.
pub fn check_name(name: &[u8]) -> Result<(), EncodeError> {
    if has_control(name) {
        return Err(EncodeError::ControlCharacter);
    }
    if name.split(|&b| b == b' ').any(|w| !is_atom(w)) {
        return Err(EncodeError::Invalid {
            what: "command",
            why: "tag and name must be atoms",
        });
    }
    Ok(())
}

/// Checks text sent as it is (`Raw`, a drop-in criteria string): no CR, LF or NUL, and no
/// literal header at its end, where the server would read the next line as literal data.
///
/// # Errors
/// [`EncodeError::ControlCharacter`] for CR, LF or NUL; [`EncodeError::Invalid`] when the
/// text ends like a literal header (`{5}`, `{5+}`, `~{5}`).
pub fn check_raw(text: &[u8]) -> Result<(), EncodeError> {
    if has_control(text) {
        return Err(EncodeError::ControlCharacter);
    }
    if ends_like_literal_header(text) {
        return Err(EncodeError::Invalid {
            what: "command text",
            why: "ends like a literal header",
        });
    }
    Ok(())
}

/// Checks literal data: any byte but NUL, unless it goes as a literal8 (`binary`).
///
/// # Errors
/// [`EncodeError::ControlCharacter`] for NUL outside a literal8.
pub fn check_literal(data: &[u8], binary: bool) -> Result<(), EncodeError> {
    if !binary && memchr::memchr(0, data).is_some() {
        return Err(EncodeError::ControlCharacter);
    }
    Ok(())
}

/// `nz-number / "*"`.
fn is_seq_number(s: &[u8]) -> bool {
    if s == b"*" {
        return true;
    }
    match s {
        [b'1'..=b'9', rest @ ..] if rest.len() < 10 && rest.iter().all(u8::is_ascii_digit) => s
            .iter()
            .fold(0u64, |n, &d| n * 10 + u64::from(d - b'0'))
            .le(&NUMBER_MAX),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags() {
        for ok in [
            &b"\\Seen"[..],
            b"\\Custom",
            b"$Label1",
            b"NonJunk",
            b"a.b-c_d",
        ] {
            assert_eq!(check_flag(ok), Ok(()), "{ok:?}");
        }
        for bad in [
            &b""[..],
            b"\\",
            b"\\\\Seen",
            b"two words",
            b"(x",
            b"x)",
            b"[x",
            b"x]",
            b"{5}",
            b"50%",
            b"\\*",
            b"\"q\"",
            b"tab\t",
            "zo\u{eb}".as_bytes(),
        ] {
            assert!(check_flag(bad).is_err(), "{bad:?}");
        }
        assert_eq!(check_flag(b"a\r\nb"), Err(EncodeError::ControlCharacter));
        assert_eq!(check_flag(b"a\0"), Err(EncodeError::ControlCharacter));
    }

    #[test]
    fn sequence_sets() {
        for ok in [
            &b"1"[..],
            b"1:5",
            b"1,3:*",
            b"*",
            b"*:4",
            b"$",
            b"4294967295",
            b"1:4294967295,7",
        ] {
            assert_eq!(check_sequence_set(ok), Ok(()), "{ok:?}");
        }
        for bad in [
            &b""[..],
            b"0",
            b"01",
            b"1:0",
            b"1:*:3",
            b"1 2",
            b"1:5 (FLAGS)",
            b"1,",
            b",1",
            b"1,,2",
            b":",
            b"1:",
            b"4294967296",
            b"99999999999999999999",
            b"-1",
            b"$,1",
            b"1\r\n",
            b"**",
        ] {
            assert!(check_sequence_set(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn numbers() {
        assert!(check_number(NUMBER_MAX, NUMBER_MAX).is_ok());
        assert!(check_number(NUMBER_MAX + 1, NUMBER_MAX).is_err());
        assert!(check_number(MODSEQ_MAX, MODSEQ_MAX).is_ok());
        assert!(check_number(MODSEQ_MAX + 1, MODSEQ_MAX).is_err());
        assert!(check_number(u64::MAX, MODSEQ_MAX).is_err());
    }
}
