//! Filling `imaprs.IMAP4Response` objects straight from a parsed [`Response`].
//!
//! `IMAP4Response` is a Python `list` subclass (PyO3 cannot subclass `list` under abi3), so
//! Rust creates it with `list.__new__`, appends the converted tokens and sets its slots. The
//! tokens are converted without recursion: nesting depth is bounded only by the limits.

use std::sync::atomic::{AtomicU64, Ordering};

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyList, PyString, PyType};
use pyo3::{intern, IntoPyObjectExt};

use super::strcache::StrCache;
use super::typed::build_core;
use crate::proto::{unescape, ContinueText, Kind, Response, Status, TokenKind, View};

/// Sequence numbers shared by every response of the process, as the design's `seq`.
static SEQ: AtomicU64 = AtomicU64::new(1);

struct Classes {
    response: Py<PyType>,
    list_new: Py<PyAny>,
}

static CLASSES: PyOnceLock<Classes> = PyOnceLock::new();

fn classes(py: Python<'_>) -> PyResult<&Classes> {
    CLASSES.get_or_try_init(py, || {
        let response = py
            .import("imaprs._types")?
            .getattr("IMAP4Response")?
            .cast_into::<PyType>()?;
        let list_new = py.get_type::<PyList>().getattr("__new__")?;
        Ok(Classes {
            response: response.unbind(),
            list_new: list_new.unbind(),
        })
    })
}

/// A new `IMAP4Response` holding `rsp`.
#[allow(dead_code)] // the entry point for bindings that keep no string cache
pub(crate) fn new_response<'py>(
    py: Python<'py>,
    rsp: &Response<'_>,
) -> PyResult<Bound<'py, PyAny>> {
    new_response_cached(py, rsp, None)
}

/// A new `IMAP4Response` holding `rsp`, its short strings taken from `cache` when given.
pub(crate) fn new_response_cached<'py>(
    py: Python<'py>,
    rsp: &Response<'_>,
    cache: Option<&mut StrCache>,
) -> PyResult<Bound<'py, PyAny>> {
    let classes = classes(py)?;
    let obj = classes
        .list_new
        .bind(py)
        .call1((classes.response.bind(py),))?;
    fill(&obj, rsp, None, cache)?;
    untrack(&obj);
    Ok(obj)
}

/// Takes a freshly built response or one of its lists out of the cyclic garbage collector.
///
/// What the parser builds holds only strings, numbers, bytes, None and further such lists, so
/// it cannot be part of a reference cycle; tracking it only makes every collection walk it
/// again. With ten thousand FETCH responses alive that walk cost more than the parsing. An
/// untracked object stays correct for the collector: it is freed by reference counting, and
/// a cycle a caller might later build through it is only never collected, not broken.
#[allow(unsafe_code)] // the one FFI call pyo3 has no safe wrapper for; see above
pub(crate) fn untrack(obj: &Bound<'_, PyAny>) {
    // SAFETY: `obj` is a live object owned by this thread (GIL held); untracking an object the
    // collector does not track is a no-op.
    unsafe { pyo3::ffi::PyObject_GC_UnTrack(obj.as_ptr().cast()) }
}

/// Fills an empty `IMAP4Response` (or any list with its slots) from `rsp`. `literals` holds
/// the literals of a template response, which its `{i}` placeholders refer to.
pub(crate) fn fill(
    obj: &Bound<'_, PyAny>,
    rsp: &Response<'_>,
    literals: Option<&Bound<'_, PyList>>,
    mut cache: Option<&mut StrCache>,
) -> PyResult<()> {
    let py = obj.py();
    let list = obj.cast::<PyList>()?;
    let found = PyList::empty(py);
    untrack(&found);
    convert_tokens(list, rsp, literals, &found, cache.as_deref_mut())?;
    let kind = rsp.kind();
    let info = match rsp.continuation() {
        Some(ContinueText::Base64(bytes)) => PyBytes::new(py, &bytes).into_any(),
        Some(ContinueText::Text(text)) => text_str(py, text)?.into_any(),
        None => rsp.info().map_or_else(
            || Ok(py.None().into_bound(py)),
            |t| text_str(py, t).map(Bound::into_any),
        )?,
    };
    let dtype = match rsp.dtype() {
        // A handful of names (FETCH, EXISTS, OK codes ...): from the cache when there is one.
        Some(d) if d.iter().all(|b| !b.is_ascii_lowercase()) => match cache {
            Some(cache) => cache.get(py, &d)?.into_any(),
            None => text_str(py, &d)?.into_any(),
        },
        Some(d) => text_str(py, &d.to_ascii_uppercase())?.into_any(),
        None => py.None().into_bound(py),
    };
    let (text, literal_list) = match literals {
        Some(given) => (None, given.clone()),
        None => (Some(line_text(py, rsp)), found),
    };
    if let (Some(line), true) = (&text, is_fetch(rsp)) {
        // The typed items are read now, from the tokens at hand, while the next response is
        // still on its way; a FETCH response they cannot be read from is left for
        // `fetch_item` to report.
        if let Ok(core) = build_core(py, &View::new(*rsp, &[]), &literal_list, line) {
            obj.setattr(intern!(py, "_typed"), core)?;
        }
    }
    obj.setattr(intern!(py, "seq"), SEQ.fetch_add(1, Ordering::Relaxed))?;
    obj.setattr(intern!(py, "type"), kind_str(py, kind))?;
    obj.setattr(intern!(py, "tag"), tag_str(py, rsp.tag())?)?;
    obj.setattr(
        intern!(py, "status"),
        rsp.status().map(|s| status_str(py, s)),
    )?;
    obj.setattr(intern!(py, "info"), info)?;
    obj.setattr(intern!(py, "dtype"), dtype)?;
    if let Some(text) = text {
        obj.setattr(intern!(py, "_line"), text)?;
    }
    obj.setattr(intern!(py, "literals"), literal_list)?;
    Ok(())
}

/// Whether `rsp` is untagged FETCH data.
fn is_fetch(rsp: &Response<'_>) -> bool {
    rsp.kind() == Kind::Data
        && rsp
            .dtype()
            .is_some_and(|d| d.eq_ignore_ascii_case(b"FETCH"))
}

/// Appends the converted tokens to `top`, nested lists as new lists; collects the literal
/// `bytes` objects of a raw response in `found`. The values wait on one stack until their
/// list closes, which is then made at its final size in one step (no appends, no regrowth).
fn convert_tokens<'py>(
    top: &Bound<'py, PyList>,
    rsp: &Response<'_>,
    literals: Option<&Bound<'py, PyList>>,
    found: &Bound<'py, PyList>,
    mut cache: Option<&mut StrCache>,
) -> PyResult<()> {
    let py = top.py();
    let mut string = |bytes: &[u8]| match cache.as_deref_mut() {
        Some(cache) => cache.get(py, bytes),
        None => text_str(py, bytes),
    };
    let raw = rsp.raw();
    let tokens = rsp.tokens();
    let mut values: Vec<Bound<'py, PyAny>> = Vec::with_capacity(tokens.len());
    // The open lists: where their values start on `values`, and the token index they end at.
    let mut open: Vec<(usize, usize)> = Vec::new();
    let close = |values: &mut Vec<Bound<'py, PyAny>>, start: usize| -> PyResult<()> {
        let list = PyList::new(py, values.drain(start..))?;
        untrack(&list);
        values.push(list.into_any());
        Ok(())
    };
    for (i, token) in tokens.iter().enumerate() {
        while let Some(&(start, end)) = open.last() {
            if i < end {
                break;
            }
            open.pop();
            close(&mut values, start)?;
        }
        let bytes = token.bytes(raw);
        let item = match token.kind {
            TokenKind::Atom => string(bytes)?.into_any(),
            TokenKind::Number => token.num.into_bound_py_any(py)?,
            TokenKind::Quoted if token.num != 0 => text_str(py, &unescape(bytes))?.into_any(),
            TokenKind::Quoted => string(bytes)?.into_any(),
            TokenKind::Literal => {
                let data = PyBytes::new(py, bytes).into_any();
                found.append(&data)?;
                data
            }
            TokenKind::LiteralRef => match literals {
                Some(given) => given.get_item(token.num as usize)?,
                None => py.None().into_bound(py),
            },
            TokenKind::Nil => py.None().into_bound(py),
            TokenKind::List => {
                open.push((values.len(), i + 1 + token.num as usize));
                continue;
            }
        };
        values.push(item);
    }
    while let Some((start, _)) = open.pop() {
        close(&mut values, start)?;
    }
    for value in values {
        top.append(value)?;
    }
    Ok(())
}

/// Server text as `str`: UTF-8, with undecodable bytes kept by `surrogateescape` so that
/// `s.encode('utf-8', 'surrogateescape')` gives the original bytes back.
pub(crate) fn text_str<'py>(py: Python<'py>, bytes: &[u8]) -> PyResult<Bound<'py, PyString>> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(PyString::new(py, s)),
        Err(_) => PyBytes::new(py, bytes)
            .call_method1(intern!(py, "decode"), ("utf-8", "surrogateescape"))?
            .cast_into::<PyString>()
            .map_err(Into::into),
    }
}

/// A kind's name, one interned string each (no interning per response).
fn kind_str(py: Python<'_>, kind: Kind) -> Bound<'_, PyString> {
    match kind {
        Kind::Status => intern!(py, "status"),
        Kind::Data => intern!(py, "data"),
        Kind::Done => intern!(py, "done"),
        Kind::Continue => intern!(py, "continue"),
    }
    .clone()
}

/// A status word, one interned string each.
fn status_str(py: Python<'_>, status: Status) -> Bound<'_, PyString> {
    match status {
        Status::Ok => intern!(py, "OK"),
        Status::No => intern!(py, "NO"),
        Status::Bad => intern!(py, "BAD"),
        Status::Preauth => intern!(py, "PREAUTH"),
        Status::Bye => intern!(py, "BYE"),
    }
    .clone()
}

fn tag_str<'py>(py: Python<'py>, tag: &[u8]) -> PyResult<Bound<'py, PyString>> {
    match tag {
        b"*" => Ok(intern!(py, "*").clone()),
        b"+" => Ok(intern!(py, "+").clone()),
        _ => text_str(py, tag),
    }
}

/// The response's line with each literal replaced by `{i}`, without the final CRLF, as
/// bytes (`IMAP4Response.text` decodes it on demand).
fn line_text<'py>(py: Python<'py>, rsp: &Response<'_>) -> Bound<'py, PyBytes> {
    let raw = rsp.raw();
    let end = raw.len() - usize::from(raw.ends_with(b"\n")) - usize::from(raw.ends_with(b"\r\n"));
    let mut literals = rsp
        .tokens()
        .iter()
        .filter(|t| t.kind == TokenKind::Literal)
        .peekable();
    if literals.peek().is_none() {
        return PyBytes::new(py, &raw[..end]);
    }
    let mut out: Vec<u8> = Vec::with_capacity(end);
    let mut copied = 0;
    for (index, literal) in literals.enumerate() {
        let header_start = literal_header_start(raw, literal.start as usize);
        out.extend_from_slice(&raw[copied..header_start]);
        out.extend_from_slice(format!("{{{index}}}").as_bytes());
        copied = literal.start as usize + literal.len as usize;
    }
    out.extend_from_slice(&raw[copied..end.max(copied)]);
    PyBytes::new(py, &out)
}

/// Offset of the `{` (or `~`) that starts the header of the literal whose data starts at
/// `data_start`.
fn literal_header_start(raw: &[u8], data_start: usize) -> usize {
    let head = &raw[..data_start];
    let brace = head.iter().rposition(|&b| b == b'{').unwrap_or(data_start);
    if brace > 0 && raw[brace - 1] == b'~' {
        brace - 1
    } else {
        brace
    }
}
