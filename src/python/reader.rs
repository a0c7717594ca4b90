//! `ResponseReader`: the sans-I/O core as a Python object (h11's verbs).
//!
//! Feed received bytes with `receive_data`, take responses with `next_event` (or by
//! iterating) until it returns `NEED_DATA`. Any front end — blocking, asyncio, a test —
//! reuses the one parser this way.

use std::borrow::Cow;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyList};

use super::errors::parse_error;
use super::response::{fill, new_response_cached};
use super::strcache::StrCache;
use crate::proto::{
    parse_response, parse_template, Event, Framer, Limits, ParseError, ParseErrorKind, Tokens,
};

/// The type of the `NEED_DATA` sentinel.
#[pyclass(module = "imaprs", name = "_NeedData", frozen)]
pub(crate) struct NeedData;

#[pymethods]
impl NeedData {
    fn __repr__(&self) -> &'static str {
        "NEED_DATA"
    }
}

static NEED_DATA: PyOnceLock<Py<NeedData>> = PyOnceLock::new();

/// The `NEED_DATA` sentinel: `next_event()` returns it when more bytes are needed.
pub(crate) fn need_data(py: Python<'_>) -> PyResult<&Py<NeedData>> {
    NEED_DATA.get_or_try_init(py, || Py::new(py, NeedData))
}

/// A piece of a streamed literal (see `ResponseReader(stream_threshold=...)`).
///
/// Attributes:
///     head: the response so far, up to the literal's header (rewritten to `{0}`).
///     index: the literal's position among its response's literals.
///     offset: where `data` starts within the literal.
///     total: the literal's announced size.
///     data: the bytes.
#[pyclass(module = "imaprs", name = "LiteralChunk", frozen, get_all)]
pub(crate) struct LiteralChunk {
    head: Py<PyBytes>,
    index: usize,
    offset: u64,
    total: u64,
    data: Py<PyBytes>,
}

impl LiteralChunk {
    pub(crate) fn new(
        py: Python<'_>,
        head: &[u8],
        index: usize,
        offset: u64,
        total: u64,
        data: &[u8],
    ) -> Self {
        LiteralChunk {
            head: PyBytes::new(py, head).unbind(),
            index,
            offset,
            total,
            data: PyBytes::new(py, data).unbind(),
        }
    }
}

#[pymethods]
impl LiteralChunk {
    fn __repr__(&self) -> String {
        format!(
            "LiteralChunk(index={}, offset={}, total={}, ...)",
            self.index, self.offset, self.total
        )
    }
}

/// Incremental IMAP response reader over the sans-I/O core.
///
/// Args:
///     max_line: longest line in bytes, literals excluded.
///     max_literal: largest literal in bytes.
///     max_depth: deepest list nesting.
///     max_literals: most literals in one response.
///     max_response: most bytes in one response.
///     stream_threshold: literals of at least this many bytes are not buffered but handed
///         out as `LiteralChunk` events while they arrive; the response then holds `b""` in
///         their place.
///     crlf_relaxed: accept lines that end in a bare LF (a broken server); by default such a
///         line is a framing error (`ProtocolError`).
#[pyclass(module = "imaprs", name = "ResponseReader")]
pub(crate) struct ResponseReader {
    framer: Framer,
    tokens: Tokens,
    strings: StrCache,
    eof: bool,
}

#[pymethods]
impl ResponseReader {
    #[new]
    #[pyo3(signature = (*, max_line=None, max_literal=None, max_depth=None, max_literals=None, max_response=None, stream_threshold=None, crlf_relaxed=false))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        max_line: Option<usize>,
        max_literal: Option<u64>,
        max_depth: Option<usize>,
        max_literals: Option<usize>,
        max_response: Option<u64>,
        stream_threshold: Option<u64>,
        crlf_relaxed: bool,
    ) -> Self {
        let d = Limits::default();
        let limits = Limits {
            max_line: max_line.unwrap_or(d.max_line),
            max_literal: max_literal.unwrap_or(d.max_literal),
            max_depth: max_depth.unwrap_or(d.max_depth),
            max_literals: max_literals.unwrap_or(d.max_literals),
            max_response: max_response.unwrap_or(d.max_response),
            crlf_relaxed,
        };
        let mut framer = Framer::new(limits);
        framer.set_stream_threshold(stream_threshold);
        ResponseReader {
            framer,
            tokens: Tokens::new(),
            strings: StrCache::new(),
            eof: false,
        }
    }

    /// Adds received bytes; `b""` marks the end of the stream.
    fn receive_data(&mut self, data: &[u8]) -> PyResult<()> {
        if self.eof && !data.is_empty() {
            return Err(pyo3::exceptions::PyRuntimeError::new_err(
                "data received after end of stream",
            ));
        }
        if data.is_empty() {
            self.eof = true;
        } else {
            self.framer.feed(data);
        }
        Ok(())
    }

    /// The next complete `IMAP4Response` (or, with `stream_threshold`, `LiteralChunk`), or
    /// `NEED_DATA`.
    ///
    /// Raises:
    ///     ParseError: the response could not be parsed (its bytes are in `.raw`); the
    ///         reader stays usable.
    ///     LimitError: a limit was exceeded; framing is lost and the reader stays failed.
    fn next_event(&mut self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        match self.next_response(py)? {
            Some(rsp) => Ok(rsp.unbind()),
            None => Ok(need_data(py)?.clone_ref(py).into_any()),
        }
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.next_response(py)
    }

    /// Bytes of the literal being received that have not arrived yet.
    #[getter]
    fn pending_literal(&self) -> u64 {
        self.framer.pending_literal()
    }

    /// Bytes received and not yet returned in a response.
    #[getter]
    fn buffered(&self) -> usize {
        self.framer.buffered()
    }
}

impl ResponseReader {
    fn next_response<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let limits = *self.framer.limits();
        match self.framer.next_event() {
            Ok(Some(Event::LiteralChunk {
                head,
                index,
                offset,
                total,
                data,
            })) => {
                let chunk = LiteralChunk::new(py, head, index, offset, total, data);
                Ok(Some(Bound::new(py, chunk)?.into_any()))
            }
            Ok(Some(Event::Response(raw))) => {
                match parse_response(raw, &mut self.tokens, &limits) {
                    Ok(rsp) => new_response_cached(py, &rsp, Some(&mut self.strings)).map(Some),
                    Err(err) => Err(parse_error(py, &err, Some(raw))),
                }
            }
            Ok(None) if self.eof => match self.framer.finish() {
                Ok(()) => Ok(None),
                Err(err) => Err(parse_error(py, &err, None)),
            },
            Ok(None) => Ok(None),
            Err(err) => Err(parse_error(py, &err, None)),
        }
    }
}

/// Fills `obj`, an empty `IMAP4Response`, from one complete raw response (literals inline);
/// a missing final CRLF is added.
#[pyfunction]
pub(crate) fn _fill_raw(obj: &Bound<'_, PyAny>, raw: &[u8]) -> PyResult<()> {
    let py = obj.py();
    let raw: Cow<'_, [u8]> = if raw.ends_with(b"\n") {
        Cow::Borrowed(raw)
    } else {
        Cow::Owned([raw, b"\r\n"].concat())
    };
    let raw = &*raw;
    let mut framer = Framer::new(Limits::default());
    framer.feed(raw);
    let frame_len = match framer.next_response() {
        Ok(Some(frame)) => frame.len(),
        Ok(None) => {
            return Err(parse_error(
                py,
                &ParseError::new(ParseErrorKind::UnexpectedEnd, raw.len()),
                Some(raw),
            ))
        }
        Err(err) => return Err(parse_error(py, &err, Some(raw))),
    };
    if frame_len != raw.len() {
        let err = ParseError::new(
            ParseErrorKind::Invalid {
                what: "response",
                why: "more than one response",
            },
            frame_len,
        );
        return Err(parse_error(py, &err, Some(raw)));
    }
    let mut tokens = Tokens::new();
    let rsp = parse_response(raw, &mut tokens, &Limits::default())
        .map_err(|e| parse_error(py, &e, Some(raw)))?;
    fill(obj, &rsp, None, None)
}

/// Fills `obj`, an empty `IMAP4Response`, from template `text` whose `{i}` placeholders
/// stand for `literals[i]`.
#[pyfunction]
pub(crate) fn _fill_template(
    obj: &Bound<'_, PyAny>,
    text: &str,
    literals: &Bound<'_, PyList>,
) -> PyResult<()> {
    let py = obj.py();
    let mut tokens = Tokens::new();
    let rsp = parse_template(
        text.as_bytes(),
        literals.len(),
        &mut tokens,
        &Limits::default(),
    )
    .map_err(|e| parse_error(py, &e, Some(text.as_bytes())))?;
    fill(obj, &rsp, Some(literals), None)
}
