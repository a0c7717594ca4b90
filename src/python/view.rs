//! Reading an `IMAP4Response` back into the core's tokens, and the Python forms of the
//! values the typed results share (mailbox names, sequence sets).

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyList, PyString, PyType};

use super::errors::parse_error;
use super::response::text_str;
use crate::proto::{parse_template, seqset::SequenceSet, Limits, Tokens, View};

/// Most numbers a sequence set from the server may expand to (as `IMAP4SeqSet` allows).
pub(crate) use super::functions::MAX_SEQSET_NUMBERS as MAX_NUMBERS;

struct Classes {
    mailbox_name: Py<PyType>,
    seqset: Py<PyType>,
}

static CLASSES: PyOnceLock<Classes> = PyOnceLock::new();

fn classes(py: Python<'_>) -> PyResult<&Classes> {
    CLASSES.get_or_try_init(py, || {
        let mailbox_name = py.import("imaprs._mailbox")?.getattr("MailboxName")?;
        let seqset = py.import("imaprs._types")?.getattr("IMAP4SeqSet")?;
        Ok(Classes {
            mailbox_name: mailbox_name.cast_into::<PyType>()?.unbind(),
            seqset: seqset.cast_into::<PyType>()?.unbind(),
        })
    })
}

/// Parses `rsp` (an `IMAP4Response`) again from its line and literals and calls `f` with a
/// view of its tokens.
pub(crate) fn with_view<R>(
    rsp: &Bound<'_, PyAny>,
    f: impl FnOnce(&View<'_>) -> PyResult<R>,
) -> PyResult<R> {
    let py = rsp.py();
    let line = line_bytes(rsp)?;
    let text = line.as_bytes();
    let literals = rsp.getattr(intern!(py, "literals"))?;
    let literals = literals.cast::<PyList>()?;
    let owned: Vec<Bound<'_, PyBytes>> = literals
        .iter()
        .map(|lit| lit.cast_into::<PyBytes>().map_err(PyErr::from))
        .collect::<PyResult<_>>()?;
    let slices: Vec<&[u8]> = owned.iter().map(|b| b.as_bytes()).collect();
    // Taken out of the cell, not borrowed in it: `f` may run Python code, which may parse.
    let mut tokens = TOKENS.with(std::cell::RefCell::take);
    let result = match parse_template(text, slices.len(), &mut tokens, &Limits::default()) {
        Ok(parsed) => f(&View::new(parsed, &slices)),
        Err(e) => Err(parse_error(py, &e, Some(text))),
    };
    TOKENS.with(|cell| cell.replace(tokens));
    result
}

/// The line of `rsp` (an `IMAP4Response`) as `bytes`, `{i}` standing for each literal: the
/// object it holds, or its text encoded back (UTF-8, `surrogateescape`).
pub(crate) fn line_bytes<'py>(rsp: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyBytes>> {
    let py = rsp.py();
    match rsp.getattr(intern!(py, "_line"))?.cast_into::<PyBytes>() {
        Ok(bytes) => Ok(bytes),
        Err(err) => Ok(err
            .into_inner()
            .call_method1(intern!(py, "encode"), ("utf-8", "surrogateescape"))?
            .cast_into::<PyBytes>()?),
    }
}

thread_local! {
    /// The token buffer of `with_view`, reused from call to call.
    static TOKENS: std::cell::RefCell<Tokens> = std::cell::RefCell::new(Tokens::new());
}

/// A mailbox name for Python: its text when `decoded`, else an `imaprs.MailboxName` holding
/// the wire bytes (read as UTF-8 with `surrogateescape`), which commands send back as they are.
pub(crate) fn mailbox_name<'py>(
    py: Python<'py>,
    wire: &[u8],
    decoded: Option<String>,
) -> PyResult<Bound<'py, PyAny>> {
    match decoded {
        Some(text) => Ok(PyString::new(py, &text).into_any()),
        None => classes(py)?
            .mailbox_name
            .bind(py)
            .call1((text_str(py, wire)?,)),
    }
}

/// An `imaprs.IMAP4SeqSet` of the numbers of `set`.
pub(crate) fn seqset<'py>(py: Python<'py>, set: &SequenceSet) -> PyResult<Bound<'py, PyAny>> {
    let numbers = set
        .expand(MAX_NUMBERS)
        .map_err(|e| parse_error(py, &e, None))?;
    classes(py)?.seqset.bind(py).call1((numbers,))
}
