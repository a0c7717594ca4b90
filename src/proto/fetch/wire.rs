//! Writing typed values back in IMAP syntax, so that they can be stored and parsed again.
//!
//! Every string is written as a literal (`{n}` CRLF bytes): always valid, whatever the bytes.
//! Parsing the result as the value of a FETCH item gives back an equal value.

/// Appends `NIL` or `value` as a literal.
pub(crate) fn string(out: &mut Vec<u8>, value: Option<&[u8]>) {
    match value {
        None => out.extend_from_slice(b"NIL"),
        Some(bytes) => {
            out.extend_from_slice(format!("{{{}}}\r\n", bytes.len()).as_bytes());
            out.extend_from_slice(bytes);
        }
    }
}

/// Appends `NIL` or a number.
pub(crate) fn number(out: &mut Vec<u8>, value: Option<u64>) {
    match value {
        None => out.extend_from_slice(b"NIL"),
        Some(n) => out.extend_from_slice(n.to_string().as_bytes()),
    }
}

/// Appends a parenthesised list of strings, or `NIL` when there are none.
pub(crate) fn strings<'a>(out: &mut Vec<u8>, values: impl ExactSizeIterator<Item = &'a [u8]>) {
    if values.len() == 0 {
        out.extend_from_slice(b"NIL");
        return;
    }
    out.push(b'(');
    for (i, value) in values.enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        string(out, Some(value));
    }
    out.push(b')');
}
