//! `imaprs.FetchItem` and `fetch_item()`: one FETCH response as typed values.
//!
//! The values are those the read built from the parser's tokens ([`super::typed`]);
//! `fetch_item` wraps them with the response, parsing its line and literals again only for a
//! response that has none.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};
use pyo3::{intern, IntoPyObjectExt};

use super::bodystructure::PyBodyStructure;
use super::datetime::aware_datetime;
use super::envelope::PyEnvelope;
use super::errors::parse_error;
use super::response::untrack;
use super::typed::{build_core, FetchCore};
use super::view::{line_bytes, with_view};
use crate::proto::fetch::{item_key, Source};
use crate::proto::ParseError;

/// The typed items of one FETCH response.
///
/// `item["BODY[]"]`, `item["BODY[HEADER.FIELDS (SUBJECT)]"]`, `item["BODY[]<0>"]`,
/// `item["X-GM-LABELS"]` ... give any item by name (`.PEEK` and a partial's length may be
/// left in: `item["BODY.PEEK[]<0.100>"]`); body sections are `bytes` (None for NIL), lists
/// are tuples.
///
/// Attributes:
///     seq: the message sequence number.
///     uid, flags, internaldate, size, envelope, bodystructure, modseq: the typed items
///         (None when not fetched); `flags` is a tuple of str, `internaldate` an aware
///         `datetime`, `envelope` an `Envelope`, `bodystructure` a `BodyStructure`.
///     response: the `IMAP4Response` it was built from.
#[pyclass(module = "imaprs", name = "FetchItem", frozen)]
pub(crate) struct PyFetchItem {
    core: Py<FetchCore>,
    response: Py<PyAny>,
}

/// Builds the `FetchItem` of one FETCH response.
///
/// Raises:
///     ParseError: `rsp` is not a FETCH response.
#[pyfunction]
pub(crate) fn fetch_item<'py>(rsp: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyFetchItem>> {
    let py = rsp.py();
    let core = match rsp.getattr(intern!(py, "_typed")) {
        Ok(found) if !found.is_none() => found.cast_into::<FetchCore>()?,
        _ => {
            let literals = rsp
                .getattr(intern!(py, "literals"))?
                .cast_into::<PyList>()?;
            let line = line_bytes(rsp)?;
            let core = with_view(rsp, |view| build_core(py, view, &literals, &line))?;
            // Kept with the response: `data`, `items()` and `fetch_item` share one build.
            // (A list or an object without the slot just builds again next time.)
            let _ = rsp.setattr(intern!(py, "_typed"), &core);
            core
        }
    };
    let item = Bound::new(
        py,
        PyFetchItem {
            core: core.unbind(),
            response: rsp.clone().unbind(),
        },
    )?;
    untrack(item.as_any());
    Ok(item)
}

/// `IMAP4Command.data` of a FETCH: the `FetchItem` of each FETCH response of `rsps`, keyed
/// as [`_fetch_entry`] does. None when a message has more than one response (the server
/// split it) or one cannot be read: the caller then takes the general way, which joins or
/// skips them.
#[pyfunction]
pub(crate) fn _fetch_items<'py>(
    rsps: &Bound<'py, PyList>,
    uid: bool,
) -> PyResult<Option<Bound<'py, PyDict>>> {
    let py = rsps.py();
    let out = PyDict::new(py);
    for rsp in rsps.iter() {
        if !is_fetch(&rsp)? {
            continue;
        }
        let Some((key, item)) = entry(&rsp, uid) else {
            return Ok(None);
        };
        if out.contains(key)? {
            return Ok(None);
        }
        out.set_item(key, item)?;
    }
    Ok(Some(out))
}

/// One FETCH response's `(key, FetchItem)`, as `IMAP4Command.items()` gives them: the key is
/// the UID when `uid` (and the response has one), else the message number. None for a
/// response that is not FETCH data or whose items cannot be read.
#[pyfunction]
pub(crate) fn _fetch_entry<'py>(
    rsp: &Bound<'py, PyAny>,
    uid: bool,
) -> PyResult<Option<(u64, Bound<'py, PyFetchItem>)>> {
    Ok(if is_fetch(rsp)? {
        entry(rsp, uid)
    } else {
        None
    })
}

fn is_fetch(rsp: &Bound<'_, PyAny>) -> PyResult<bool> {
    let py = rsp.py();
    let fetch = intern!(py, "FETCH");
    let dtype = rsp.getattr(intern!(py, "dtype"))?;
    Ok(dtype.is(fetch) || dtype.eq(fetch)?)
}

fn entry<'py>(rsp: &Bound<'py, PyAny>, uid: bool) -> Option<(u64, Bound<'py, PyFetchItem>)> {
    let item = fetch_item(rsp).ok()?;
    let core = item.get().core();
    let key = match (uid, core.uid) {
        (true, Some(uid)) => uid,
        _ => core.seq,
    };
    Some((key, item))
}

/// Rebuilds a `BodyStructure` from its IMAP form (for pickling).
#[pyfunction]
pub(crate) fn _bodystructure(py: Python<'_>, wire: &[u8], part: &str) -> PyResult<PyBodyStructure> {
    let not_body = || {
        let err = ParseError::invalid("BODYSTRUCTURE", "not a body structure", 0);
        parse_error(py, &err, Some(wire))
    };
    let (source, at) = Source::of_value(wire).map_err(|_| not_body())?;
    if !source.view().is_list(at as usize) {
        return Err(not_body());
    }
    Ok(PyBodyStructure::at(Arc::new(source), at, part.to_owned()))
}

impl PyFetchItem {
    fn core(&self) -> &FetchCore {
        self.core.get()
    }

    /// The typed items present, by canonical name.
    fn typed<'py>(&self, py: Python<'py>) -> PyResult<Vec<(&'static str, Bound<'py, PyAny>)>> {
        let core = self.core();
        let mut out = Vec::new();
        if let Some(uid) = core.uid {
            out.push(("UID", uid.into_bound_py_any(py)?));
        }
        if let Some(flags) = core.flags(py)? {
            out.push(("FLAGS", flags.into_any()));
        }
        if let Some(date) = core.internaldate {
            out.push(("INTERNALDATE", aware_datetime(py, date)?));
        }
        if let Some(size) = core.size {
            out.push(("RFC822.SIZE", size.into_bound_py_any(py)?));
        }
        if let Some(envelope) = core.envelope(py)? {
            out.push(("ENVELOPE", envelope.into_bound(py).into_any()));
        }
        if let Some(body) = core.bodystructure(py)? {
            out.push(("BODYSTRUCTURE", body.into_bound(py).into_any()));
        }
        if let Some(modseq) = core.modseq {
            out.push(("MODSEQ", modseq.into_bound_py_any(py)?));
        }
        Ok(out)
    }
}

#[pymethods]
impl PyFetchItem {
    #[getter]
    fn seq(&self) -> u64 {
        self.core().seq
    }

    #[getter]
    fn uid(&self) -> Option<u64> {
        self.core().uid
    }

    #[getter]
    fn flags<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyTuple>>> {
        self.core().flags(py)
    }

    #[getter]
    fn internaldate<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.core()
            .internaldate
            .map(|d| aware_datetime(py, d))
            .transpose()
    }

    #[getter]
    fn size(&self) -> Option<u64> {
        self.core().size
    }

    #[getter]
    fn envelope(&self, py: Python<'_>) -> PyResult<Option<Py<PyEnvelope>>> {
        self.core().envelope(py)
    }

    #[getter]
    fn bodystructure(&self, py: Python<'_>) -> PyResult<Option<Py<PyBodyStructure>>> {
        self.core().bodystructure(py)
    }

    #[getter]
    fn modseq(&self) -> Option<u64> {
        self.core().modseq
    }

    #[getter]
    fn response(&self, py: Python<'_>) -> Py<PyAny> {
        self.response.clone_ref(py)
    }

    /// The names of the items present (canonical: upper case, no `.PEEK`).
    fn keys<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for (name, _) in self.typed(py)? {
            list.append(name)?;
        }
        for name in self.others(py).keys() {
            list.append(name)?;
        }
        Ok(list)
    }

    /// The item named `name`, or `default` when it was not fetched.
    #[pyo3(signature = (name, default=None))]
    fn get<'py>(
        &self,
        py: Python<'py>,
        name: &str,
        default: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        match self.lookup(py, name)? {
            Some(value) => Ok(value),
            None => Ok(default.unwrap_or_else(|| py.None().into_bound(py))),
        }
    }

    fn __getitem__<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        self.lookup(py, name)?
            .ok_or_else(|| pyo3::exceptions::PyKeyError::new_err(name.to_owned()))
    }

    fn __contains__(&self, py: Python<'_>, name: &str) -> PyResult<bool> {
        Ok(self.lookup(py, name)?.is_some())
    }

    /// The message (or its header) as an `email.message.EmailMessage`, parsed with
    /// `email.policy.default` from the full body (`BODY[]`, `RFC822`, `BINARY[]`) or, failing
    /// that, a header section (`BODY[HEADER]`, `RFC822.HEADER`, `BODY[HEADER.FIELDS ...]`).
    ///
    /// Raises:
    ///     KeyError: neither the full body nor a header section was fetched.
    fn message<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let others = self.others(py);
        let mut found = None;
        for name in [
            "BODY[]",
            "RFC822",
            "BINARY[]",
            "BODY[HEADER]",
            "RFC822.HEADER",
        ] {
            if let Some(value) = others.get_item(name)? {
                found = Some(value);
                break;
            }
        }
        if found.is_none() {
            for (name, value) in others.iter() {
                if name.extract::<String>()?.starts_with("BODY[HEADER.FIELDS") {
                    found = Some(value);
                    break;
                }
            }
        }
        let data = found
            .filter(|v| !v.is_none())
            .ok_or_else(|| pyo3::exceptions::PyKeyError::new_err("BODY[]"))?;
        let policy = py.import("email.policy")?.getattr("default")?;
        let kwargs = PyDict::new(py);
        kwargs.set_item("policy", policy)?;
        py.import("email")?
            .getattr("message_from_bytes")?
            .call((data,), Some(&kwargs))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let mut parts = vec![format!("seq={}", self.core().seq)];
        for (name, value) in self.typed(py)? {
            let field = match name {
                "RFC822.SIZE" => "size".to_owned(),
                other => other.to_ascii_lowercase(),
            };
            parts.push(format!("{field}={}", value.repr()?));
        }
        for name in self.others(py).keys() {
            parts.push(format!("{}=...", name.str()?));
        }
        Ok(format!("FetchItem({})", parts.join(", ")))
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        let Ok(other) = other.cast::<PyFetchItem>() else {
            return Ok(false);
        };
        let other = other.get();
        if self.core().seq != other.core().seq {
            return Ok(false);
        }
        let mine = PyTuple::new(py, self.typed(py)?)?;
        let theirs = PyTuple::new(py, other.typed(py)?)?;
        Ok(mine.eq(theirs)? && self.others(py).eq(other.others(py))?)
    }

    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let rebuild = py.import("imaprs._imaprs")?.getattr("fetch_item")?;
        (rebuild, (self.response.clone_ref(py),)).into_pyobject(py)
    }
}

impl PyFetchItem {
    fn lookup<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
        let key = match item_key(name).as_str() {
            "BODY" => "BODYSTRUCTURE".to_owned(),
            other => other.to_owned(),
        };
        for (typed, value) in self.typed(py)? {
            if typed == key {
                return Ok(Some(value));
            }
        }
        match &self.core().others {
            Some(others) => others.bind(py).get_item(PyString::new(py, &key)),
            None => Ok(None),
        }
    }

    /// The items with no typed view (an empty dict when there are none).
    fn others<'py>(&self, py: Python<'py>) -> Bound<'py, PyDict> {
        match &self.core().others {
            Some(others) => others.bind(py).clone(),
            None => PyDict::new(py),
        }
    }
}
