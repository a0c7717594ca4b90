//! Module functions: quoting, modified UTF-7, INTERNALDATE, sequence sets.
//!
//! Each converts its arguments and calls the protocol core; the Python package adds the
//! argument shapes that are nicer in Python (`qstr_or_lit`, `group`, `response_map`).

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyIterator, PyString};

use super::errors::{encode_error, parse_error};
use crate::proto::{command, date, mutf7, seqset};

/// Most numbers a sequence set string may expand to (`IMAP4SeqSet('1:4294967295')` would
/// otherwise ask for 4 billion integers).
pub(crate) const MAX_SEQSET_NUMBERS: usize = 10_000_000;

/// Returns `s` as an IMAP quoted string.
///
/// Args:
///     s: the text to quote.
///     validate: refuse non-ASCII text and control characters (CR, LF, NUL).
///
/// Raises:
///     ValueError: `s` is not ASCII, or contains CR, LF or NUL (with `validate`).
#[pyfunction]
#[pyo3(signature = (s, validate=true))]
pub(crate) fn qstr(s: &str, validate: bool) -> PyResult<String> {
    let quoted = if validate {
        command::quote(s.as_bytes())
    } else {
        Ok(command::escape_quoted(s.as_bytes()))
    };
    let quoted = quoted.map_err(|e| encode_error(&e))?;
    // The input was a str and quoting only adds ASCII bytes, so the result is UTF-8.
    Ok(String::from_utf8_lossy(&quoted).into_owned())
}

/// Encodes a mailbox name in modified UTF-7 (RFC 3501 §5.1.3).
#[pyfunction]
pub(crate) fn iutf7_encode(s: &str) -> String {
    mutf7::encode(s)
}

/// Decodes a modified UTF-7 mailbox name (`str` or ASCII `bytes`).
///
/// Raises:
///     ParseError: malformed input (unterminated `&`, bad base64, needless encoding of
///         printable ASCII, wrong padding); also a `ValueError`.
#[pyfunction]
pub(crate) fn iutf7_decode(py: Python<'_>, s: &Bound<'_, PyAny>) -> PyResult<String> {
    mutf7::decode(&text_bytes(s)?).map_err(|e| parse_error(py, &e, None))
}

/// Converts an INTERNALDATE (`17-Jul-1996 02:44:25 -0700`, quotes optional) to Unix time.
///
/// Raises:
///     ParseError: not a valid INTERNALDATE; also a `ValueError`.
#[pyfunction]
pub(crate) fn idate2unix(py: Python<'_>, idate: &Bound<'_, PyAny>) -> PyResult<i64> {
    date::parse_internaldate(&text_bytes(idate)?).map_err(|e| parse_error(py, &e, None))
}

/// Formats Unix time `ts` as an INTERNALDATE (`DD-Mon-YYYY HH:MM:SS +HHMM`) at UTC, or at
/// `offset` minutes east of UTC.
#[pyfunction]
#[pyo3(signature = (ts, offset=0))]
pub(crate) fn unix2idate(ts: f64, offset: i32) -> PyResult<String> {
    if !ts.is_finite() || ts.abs() > 253_402_300_799.0 {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "timestamp out of range",
        ));
    }
    if offset.abs() >= 24 * 60 {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "offset must be within ±24 hours",
        ));
    }
    // In range per the check above, so the cast is exact after flooring.
    Ok(date::format_internaldate(ts.floor() as i64, offset))
}

/// The numbers of a sequence set string such as `1:3,5` (used by `IMAP4SeqSet`).
///
/// Raises:
///     ValueError: `*` or `$` in the set, malformed text, or more than ten million numbers.
#[pyfunction]
pub(crate) fn seqset_expand(py: Python<'_>, s: &str) -> PyResult<Vec<u32>> {
    let set = seqset::SequenceSet::parse(s.replace(' ', "").as_bytes())
        .map_err(|e| parse_error(py, &e, None))?;
    set.expand(MAX_SEQSET_NUMBERS)
        .map_err(|e| parse_error(py, &e, None))
}

/// The sequence set string of an iterable of integers: sorted, runs collapsed.
#[pyfunction]
pub(crate) fn seqset_format(numbers: &Bound<'_, PyAny>) -> PyResult<String> {
    let mut values: Vec<u32> = Vec::new();
    for item in PyIterator::from_object(numbers)? {
        let n: i64 = item?.extract()?;
        match u32::try_from(n) {
            Ok(v) if v > 0 => values.push(v),
            _ => {
                return Err(pyo3::exceptions::PyValueError::new_err(format!(
                    "sequence numbers are 1 to 4294967295, not {n}"
                )))
            }
        }
    }
    values.sort_unstable();
    values.dedup();
    Ok(seqset::format_numbers(&values))
}

/// The bytes of a `str` (UTF-8) or `bytes` argument.
fn text_bytes(obj: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(s.to_cow()?.as_bytes().to_vec());
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    Err(pyo3::exceptions::PyTypeError::new_err(
        "expected str or bytes",
    ))
}
