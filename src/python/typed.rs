//! The typed items of a FETCH response: a [`FetchCore`] built from the tokens of the
//! response's line and literals (the flags, dates and sizes, the `Envelope` and
//! `BodyStructure`, every other item), once per response: `fetch_item()` keeps it in the
//! response's `_typed` slot, so `IMAP4Command.data`, `items()` and later calls share it.
//!
//! The values are built on demand rather than while reading: building them costs several
//! times what parsing the line again does, and a caller that reads the raw responses only
//! should not pay for them.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyTuple};
use pyo3::IntoPyObjectExt;

use super::bodystructure::PyBodyStructure;
use super::envelope::PyEnvelope;
use super::errors::parse_error;
use super::response::{text_str, untrack};
use crate::proto::fetch::{parse_fetch, Fetch, MailDate, Value};
use crate::proto::View;

/// The typed items of one FETCH response (internal; `imaprs.FetchItem` shows them).
#[pyclass(module = "imaprs", name = "_FetchCore", frozen)]
pub(crate) struct FetchCore {
    pub(crate) seq: u64,
    pub(crate) uid: Option<u64>,
    pub(crate) flags: Option<Py<PyTuple>>,
    pub(crate) internaldate: Option<MailDate>,
    pub(crate) size: Option<u64>,
    pub(crate) envelope: Option<Py<PyEnvelope>>,
    pub(crate) bodystructure: Option<Py<PyBodyStructure>>,
    pub(crate) modseq: Option<u64>,
    pub(crate) others: Option<Py<PyDict>>,
}

/// The typed items of the FETCH response `view`, whose literals (inline, or a template's
/// `{i}`) are the `bytes` objects of `literals`, in order.
///
/// # Errors
/// `ParseError` when `view` is not a FETCH response.
pub(crate) fn build_core<'py>(
    py: Python<'py>,
    view: &View<'_>,
    literals: &Bound<'py, PyList>,
) -> PyResult<Bound<'py, FetchCore>> {
    let fetch = parse_fetch(view).map_err(|e| parse_error(py, &e, None))?;
    let core = Bound::new(py, core_of(py, fetch, literals)?)?;
    untrack(core.as_any());
    Ok(core)
}

fn core_of<'py>(
    py: Python<'py>,
    fetch: Fetch<'_>,
    literals: &Bound<'py, PyList>,
) -> PyResult<FetchCore> {
    let flags = match &fetch.flags {
        Some(flags) => {
            let items = flags
                .iter()
                .map(|f| text_str(py, f))
                .collect::<PyResult<Vec<_>>>()?;
            let tuple = PyTuple::new(py, items)?;
            untrack(tuple.as_any());
            Some(tuple.unbind())
        }
        None => None,
    };
    let others = if fetch.others.is_empty() {
        None
    } else {
        let dict = PyDict::new(py);
        for (name, value) in &fetch.others {
            dict.set_item(name, convert(py, value, literals, is_section(name))?)?;
        }
        untrack(dict.as_any());
        Some(dict.unbind())
    };
    let envelope = match fetch.envelope {
        Some(inner) => {
            let obj = Bound::new(py, PyEnvelope { inner })?;
            untrack(obj.as_any());
            Some(obj.unbind())
        }
        None => None,
    };
    let bodystructure = match fetch.body_structure {
        Some(body) => {
            let obj = Bound::new(
                py,
                PyBodyStructure {
                    inner: Arc::new(body),
                },
            )?;
            untrack(obj.as_any());
            Some(obj.unbind())
        }
        None => None,
    };
    Ok(FetchCore {
        seq: fetch.seq,
        uid: fetch.uid,
        flags,
        internaldate: fetch.internaldate,
        size: fetch.size,
        envelope,
        bodystructure,
        modseq: fetch.modseq,
        others,
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
