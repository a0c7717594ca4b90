//! The typed items of a FETCH response: a [`FetchCore`] built from the tokens of the
//! response's line and literals once per response, as the response is read (or by
//! `fetch_item()` for a response made otherwise); it is kept in the response's `_typed`
//! slot, so `IMAP4Command.data`, `items()` and later calls share it.
//!
//! The core reads the small items (UID, sizes, dates) and keeps FLAGS, ENVELOPE and
//! BODYSTRUCTURE as token indices into a [`Source`] that shares the response's line (or
//! keeps the items' bytes when the response has literals) and is parsed again only when a
//! value is first asked for: a caller that reads the raw responses only pays for the scan
//! of the small items, and an attribute that is never read costs nothing.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyList, PyTuple};
use pyo3::IntoPyObjectExt;

use super::bodystructure::PyBodyStructure;
use super::envelope::PyEnvelope;
use super::errors::parse_error;
use super::response::{text_str, untrack};
use crate::proto::fetch::{flags, scan_fetch, MailDate, Scan, Source, Value};
use crate::proto::View;

/// The typed items of one FETCH response (internal; `imaprs.FetchItem` shows them).
///
/// The small items are read; FLAGS, ENVELOPE and BODYSTRUCTURE stay tokens in `source`
/// until asked for (the `Envelope` and `BodyStructure` objects are then kept).
#[pyclass(module = "imaprs", name = "_FetchCore", frozen)]
pub(crate) struct FetchCore {
    pub(crate) seq: u64,
    pub(crate) uid: Option<u64>,
    pub(crate) internaldate: Option<MailDate>,
    pub(crate) size: Option<u64>,
    pub(crate) modseq: Option<u64>,
    pub(crate) others: Option<Py<PyDict>>,
    source: Option<Arc<Source>>,
    /// Where FLAGS, ENVELOPE and BODYSTRUCTURE are in `source`.
    at: [Option<u32>; 3],
    envelope: PyOnceLock<Py<PyEnvelope>>,
    bodystructure: PyOnceLock<Py<PyBodyStructure>>,
}

const FLAGS: usize = 0;
const ENVELOPE: usize = 1;
const BODY: usize = 2;

impl FetchCore {
    /// Whether FLAGS, ENVELOPE or BODYSTRUCTURE is present (`which`: 0, 1, 2).
    fn source_at(&self, which: usize) -> Option<(&Arc<Source>, u32)> {
        Some((self.source.as_ref()?, self.at[which]?))
    }

    /// `FLAGS` as a tuple of str.
    pub(crate) fn flags<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyTuple>>> {
        let Some((source, at)) = self.source_at(FLAGS) else {
            return Ok(None);
        };
        let view = source.view();
        let items = flags(&view, at as usize)
            .iter()
            .map(|f| text_str(py, f))
            .collect::<PyResult<Vec<_>>>()?;
        let tuple = PyTuple::new(py, items)?;
        untrack(tuple.as_any());
        Ok(Some(tuple))
    }

    /// `ENVELOPE`, made on first use.
    pub(crate) fn envelope(&self, py: Python<'_>) -> PyResult<Option<Py<PyEnvelope>>> {
        self.cached(py, ENVELOPE, &self.envelope, PyEnvelope::lazy)
    }

    /// `BODYSTRUCTURE`, made on first use.
    pub(crate) fn bodystructure(&self, py: Python<'_>) -> PyResult<Option<Py<PyBodyStructure>>> {
        self.cached(py, BODY, &self.bodystructure, PyBodyStructure::root)
    }

    /// The object of item `which` kept in `cell`, made by `make` on first use.
    fn cached<T: pyo3::PyClass + Into<PyClassInitializer<T>>>(
        &self,
        py: Python<'_>,
        which: usize,
        cell: &PyOnceLock<Py<T>>,
        make: fn(Arc<Source>, u32) -> T,
    ) -> PyResult<Option<Py<T>>> {
        let Some((source, at)) = self.source_at(which) else {
            return Ok(None);
        };
        let obj = cell.get_or_try_init(py, || {
            let obj = Bound::new(py, make(Arc::clone(source), at))?;
            untrack(obj.as_any()); // holds no Python object
            Ok::<_, PyErr>(obj.unbind())
        })?;
        Ok(Some(obj.clone_ref(py)))
    }
}

/// The typed items of the FETCH response `view`, whose literals (inline, or a template's
/// `{i}`) are the `bytes` objects of `literals`, in order; `line` is the response's line as
/// the response object holds it (`{i}` for each literal), which the typed values share
/// rather than copy when there is no literal.
///
/// # Errors
/// `ParseError` when `view` is not a FETCH response.
pub(crate) fn build_core<'py>(
    py: Python<'py>,
    view: &View<'_>,
    literals: &Bound<'py, PyList>,
    line: &Bound<'py, PyBytes>,
) -> PyResult<Bound<'py, FetchCore>> {
    let scan = scan_fetch(view).map_err(|e| parse_error(py, &e, None))?;
    let core = Bound::new(py, core_of(py, view, scan, literals, line)?)?;
    untrack(core.as_any());
    Ok(core)
}

fn core_of<'py>(
    py: Python<'py>,
    view: &View<'_>,
    scan: Scan<'_>,
    literals: &Bound<'py, PyList>,
    line: &Bound<'py, PyBytes>,
) -> PyResult<FetchCore> {
    let others = if scan.others.is_empty() {
        None
    } else {
        let dict = PyDict::new(py);
        for (name, value) in &scan.others {
            dict.set_item(name, convert(py, value, literals, is_section(name))?)?;
        }
        untrack(dict.as_any());
        Some(dict.unbind())
    };
    let roots = [scan.flags, scan.envelope, scan.body_structure];
    let (source, at) = if !roots.iter().any(Option::is_some) {
        (None, [None; 3])
    } else if literals.is_empty() {
        // The same tokens, parsed from the response's own line when first read.
        let at = roots.map(|r| r.and_then(|r| u32::try_from(r).ok()));
        let line = PyBackedBytes::from(line.clone());
        (Some(Arc::new(Source::of_line(line))), at)
    } else {
        let (source, at) = Source::keep(view, roots);
        (Some(Arc::new(source)), at)
    };
    Ok(FetchCore {
        seq: scan.seq,
        uid: scan.uid,
        internaldate: scan.internaldate,
        size: scan.size,
        modseq: scan.modseq,
        others,
        source,
        at,
        envelope: PyOnceLock::new(),
        bodystructure: PyOnceLock::new(),
    })
}

/// Sections whose values are message bytes even when sent as quoted strings.
fn is_section(key: &str) -> bool {
    key.starts_with("BODY[") || key.starts_with("BINARY[") || key.starts_with("RFC822")
}

/// A Python value for an item with no typed view; `section` makes text `bytes`. A literal is
/// the response's own `bytes` object.
fn convert<'py>(
    py: Python<'py>,
    value: &Value<'_>,
    literals: &Bound<'py, PyList>,
    section: bool,
) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Nil => py.None().into_bound(py),
        Value::Number(n) => n.into_bound_py_any(py)?,
        Value::Text(text) if section => PyBytes::new(py, text).into_any(),
        Value::Text(text) => text_str(py, text)?.into_any(),
        Value::Literal { index, bytes } => match index.and_then(|i| literals.get_item(i).ok()) {
            Some(given) => given,
            None => PyBytes::new(py, bytes).into_any(),
        },
        Value::List(items) => {
            let items = items
                .iter()
                .map(|v| convert(py, v, literals, false))
                .collect::<PyResult<Vec<_>>>()?;
            PyTuple::new(py, items)?.into_any()
        }
    })
}
