//! Numbers that must fit their grammar in a response.
//!
//! The lexer reads any number up to 64 bits; the grammar is narrower where it names the
//! width. RFC 3501 §9: `number` and `nz-number` are unsigned 32-bit, so a message number
//! (`* n EXISTS|RECENT|EXPUNGE|FETCH`), a UID (FETCH `UID`, SEARCH results, ESEARCH `MIN`,
//! `MAX`, `COUNT`), a STATUS count and the `UIDNEXT`, `UIDVALIDITY`, `UNSEEN`, `APPENDUID`
//! and `COPYUID` response codes above 4294967295 are refused. RFC 7162 §7: a
//! `mod-sequence-value` is 63-bit (FETCH `MODSEQ`, `HIGHESTMODSEQ`, SEARCH and ESEARCH
//! `MODSEQ`). Numbers the grammar leaves wide or that extensions make 64-bit (`RFC822.SIZE`
//! in IMAP4rev2, quota usage, `X-GM-MSGID`) are left alone.

use super::argument::{MODSEQ_MAX, NUMBER_MAX};
use super::error::{ParseError, ParseErrorKind};
use super::value::{Token, TokenKind};

/// Checks the numbers of a data response (`tokens` after `*`) or of a response code
/// (`tokens` inside `[...]`).
///
/// # Errors
/// [`ParseErrorKind::NumberTooLarge`] at the offending number.
pub(crate) fn check(raw: &[u8], tokens: &[Token]) -> Result<(), ParseError> {
    let word = |i: usize| -> &[u8] {
        tokens
            .get(i)
            .filter(|t| t.kind == TokenKind::Atom)
            .map_or(b"", |t| t.bytes(raw))
    };
    let Some(first) = tokens.first() else {
        return Ok(());
    };
    if first.kind == TokenKind::Number {
        let name = word(1);
        if is_any(name, &[b"EXISTS", b"RECENT", b"EXPUNGE", b"FETCH"]) {
            fits(first, NUMBER_MAX)?;
        }
        if name.eq_ignore_ascii_case(b"FETCH") {
            return pairs(raw, tokens, 2, fetch_item);
        }
        return Ok(());
    }
    let name = word(0);
    if is_any(name, &[b"SEARCH", b"SORT"]) {
        search(tokens)
    } else if name.eq_ignore_ascii_case(b"ESEARCH") {
        esearch(raw, tokens)
    } else if name.eq_ignore_ascii_case(b"STATUS") {
        pairs(raw, tokens, 2, status_item)
    } else if is_any(
        name,
        &[
            b"UIDNEXT",
            b"UIDVALIDITY",
            b"UNSEEN",
            b"APPENDUID",
            b"COPYUID",
        ],
    ) {
        tokens.get(1).map_or(Ok(()), |t| fits(t, NUMBER_MAX))
    } else if name.eq_ignore_ascii_case(b"HIGHESTMODSEQ") {
        tokens.get(1).map_or(Ok(()), |t| fits(t, MODSEQ_MAX))
    } else {
        Ok(())
    }
}

/// Whether `name` is one of `words` (upper case), in any case; nothing is allocated, as
/// this runs for every item of every response.
fn is_any(name: &[u8], words: &[&[u8]]) -> bool {
    words.iter().any(|w| name.eq_ignore_ascii_case(w))
}

/// The width allowed for the value of a FETCH item, a STATUS item or an ESEARCH result
/// (`name` in any case).
fn fetch_item(name: &[u8]) -> Option<u64> {
    if name.eq_ignore_ascii_case(b"UID") {
        Some(NUMBER_MAX)
    } else if name.eq_ignore_ascii_case(b"MODSEQ") {
        Some(MODSEQ_MAX)
    } else {
        None
    }
}

fn status_item(name: &[u8]) -> Option<u64> {
    let counts: [&[u8]; 6] = [
        b"MESSAGES",
        b"RECENT",
        b"UIDNEXT",
        b"UIDVALIDITY",
        b"UNSEEN",
        b"DELETED",
    ];
    if is_any(name, &counts) {
        Some(NUMBER_MAX)
    } else if name.eq_ignore_ascii_case(b"HIGHESTMODSEQ") {
        Some(MODSEQ_MAX)
    } else {
        None
    }
}

fn esearch_item(name: &[u8]) -> Option<u64> {
    if is_any(name, &[b"MIN", b"MAX", b"COUNT"]) {
        Some(NUMBER_MAX)
    } else if name.eq_ignore_ascii_case(b"MODSEQ") {
        Some(MODSEQ_MAX)
    } else {
        None
    }
}

/// `* SEARCH 1 2 3 (MODSEQ 917162500)`: the numbers are 32-bit, the MODSEQ 63-bit.
fn search(tokens: &[Token]) -> Result<(), ParseError> {
    let mut modseq = false;
    for token in &tokens[1..] {
        match token.kind {
            TokenKind::List => modseq = true,
            TokenKind::Number => fits(token, if modseq { MODSEQ_MAX } else { NUMBER_MAX })?,
            _ => {}
        }
    }
    Ok(())
}

/// Walks the `name value` pairs of the list at `tokens[at]` (FETCH, STATUS).
fn pairs(
    raw: &[u8],
    tokens: &[Token],
    at: usize,
    width: fn(&[u8]) -> Option<u64>,
) -> Result<(), ParseError> {
    let Some(list) = tokens.get(at).filter(|t| t.kind == TokenKind::List) else {
        return Ok(());
    };
    let end = list.next_sibling(at).min(tokens.len());
    walk(raw, &tokens[..end], at + 1, width)
}

/// `* ESEARCH (TAG "A1") UID MIN 1 COUNT 3`: each result name is followed by its value; `UID`
/// and the tag list stand alone.
fn esearch(raw: &[u8], tokens: &[Token]) -> Result<(), ParseError> {
    let mut i = 1;
    while let Some(token) = tokens.get(i) {
        let next = token.next_sibling(i);
        if token.kind == TokenKind::Atom {
            if let (Some(max), Some(value)) = (esearch_item(token.bytes(raw)), tokens.get(next)) {
                fits(value, max)?;
            }
        }
        i = next;
    }
    Ok(())
}

fn walk(
    raw: &[u8],
    tokens: &[Token],
    mut i: usize,
    width: fn(&[u8]) -> Option<u64>,
) -> Result<(), ParseError> {
    while let Some(name) = tokens.get(i) {
        let value_at = name.next_sibling(i);
        let Some(value) = tokens.get(value_at) else {
            break;
        };
        if name.kind == TokenKind::Atom {
            if let Some(max) = width(name.bytes(raw)) {
                match value.kind {
                    // FETCH MODSEQ (n)
                    TokenKind::List if value.num == 1 => {
                        tokens.get(value_at + 1).map_or(Ok(()), |t| fits(t, max))?;
                    }
                    _ => fits(value, max)?,
                }
            }
        }
        i = value.next_sibling(value_at);
    }
    Ok(())
}

fn fits(token: &Token, max: u64) -> Result<(), ParseError> {
    if token.kind == TokenKind::Number && token.num > max {
        return Err(ParseError::new(
            ParseErrorKind::NumberTooLarge,
            token.start as usize,
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::proto::{parse_response, Limits, ParseErrorKind, Tokens};

    fn parses(line: &str) -> bool {
        let mut tokens = Tokens::new();
        match parse_response(line.as_bytes(), &mut tokens, &Limits::default()) {
            Ok(_) => true,
            Err(e) => {
                assert_eq!(e.kind, ParseErrorKind::NumberTooLarge, "{line}");
                false
            }
        }
    }

    #[test]
    fn widths_by_grammar() {
        let ok = [
            "* 4294967295 EXISTS\r\n",
            "* 0 RECENT\r\n",
            "* 1 FETCH (UID 4294967295 MODSEQ (9223372036854775807) RFC822.SIZE 5)\r\n",
            "* 1 FETCH (X-GM-MSGID 18446744073709551615 UID 7)\r\n",
            "* SEARCH 1 4294967295 (MODSEQ 9223372036854775807)\r\n",
            "* ESEARCH (TAG \"A1\") UID MIN 1 MAX 4294967295 MODSEQ 9223372036854775807\r\n",
            "* STATUS INBOX (MESSAGES 4294967295 HIGHESTMODSEQ 9223372036854775807)\r\n",
            "* OK [UIDVALIDITY 4294967295] x\r\n",
            "* OK [HIGHESTMODSEQ 9223372036854775807] x\r\n",
            "A1 OK [APPENDUID 4294967295 4294967295] x\r\n",
            "* QUOTA x (STORAGE 18446744073709551615 18446744073709551615)\r\n",
            "* 5 FOO 18446744073709551615\r\n",
        ];
        for line in ok {
            assert!(parses(line), "{line}");
        }
        let bad = [
            "* 4294967296 EXISTS\r\n",
            "* 4294967296 RECENT\r\n",
            "* 4294967296 EXPUNGE\r\n",
            "* 4294967296 FETCH (FLAGS ())\r\n",
            "* 1 FETCH (FLAGS () UID 4294967296)\r\n",
            "* 1 FETCH (MODSEQ (9223372036854775808))\r\n",
            "* SEARCH 1 4294967296\r\n",
            "* SEARCH 1 (MODSEQ 9223372036854775808)\r\n",
            "* ESEARCH (TAG \"A1\") COUNT 4294967296\r\n",
            "* STATUS INBOX (UIDNEXT 4294967296)\r\n",
            "* STATUS INBOX (HIGHESTMODSEQ 9223372036854775808)\r\n",
            "* OK [UIDNEXT 4294967296] x\r\n",
            "* OK [HIGHESTMODSEQ 9223372036854775808] x\r\n",
            "A1 OK [COPYUID 4294967296 1 2] x\r\n",
        ];
        for line in bad {
            assert!(!parses(line), "{line}");
        }
    }
}
