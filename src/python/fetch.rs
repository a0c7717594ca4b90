//! `imaprs.FetchItem` and `fetch_item()`: one FETCH response as typed values.
//!
//! `fetch_item` parses the response's stored line again with its literals (a template parse:
//! `{i}` stands for `literals[i]`), which costs less than walking the Python lists, and
//! hands the literal `bytes` objects over as they are rather than copying them.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};
use pyo3::{intern, IntoPyObjectExt};

use super::bodystructure::PyBodyStructure;
use super::datetime::aware_datetime;
use super::envelope::PyEnvelope;
use super::errors::parse_error;
use super::response::text_str;
use crate::proto::fetch::{item_key, parse_fetch, BodyStructure, Fetch, MailDate, Source, Value};
use crate::proto::{parse_response, parse_template, Limits, ParseError, Tokens};

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
    seq: u64,
    uid: Option<u64>,
    flags: Option<Py<PyTuple>>,
    internaldate: Option<MailDate>,
    size: Option<u64>,
    envelope: Option<Py<PyEnvelope>>,
    bodystructure: Option<Py<PyBodyStructure>>,
    modseq: Option<u64>,
    others: Option<Py<PyDict>>,
    response: Py<PyAny>,
}

/// Sections whose values are message bytes even when sent as quoted strings.
fn is_section(key: &str) -> bool {
    key.starts_with("BODY[") || key.starts_with("BINARY[") || key.starts_with("RFC822")
}

/// Builds the `FetchItem` of one FETCH response.
///
/// Raises:
///     ParseError: `rsp` is not a FETCH response.
#[pyfunction]
pub(crate) fn fetch_item(rsp: &Bound<'_, PyAny>) -> PyResult<PyFetchItem> {
    let py = rsp.py();
    let line_obj = rsp.getattr(intern!(py, "_line"))?;
    let literal_list = rsp
        .getattr(intern!(py, "literals"))?
        .cast_into::<PyList>()?;
    let literals: Vec<Bound<'_, PyBytes>> = literal_list
        .iter()
        .map(|l| l.cast_into::<PyBytes>().map_err(PyErr::from))
        .collect::<PyResult<_>>()?;
    let slices: Vec<&[u8]> = literals.iter().map(|l| l.as_bytes()).collect();
    let owned_line;
    let line: &[u8] = if let Ok(bytes) = line_obj.cast::<PyBytes>() {
        bytes.as_bytes()
    } else {
        owned_line = super::address::raw_text(&line_obj)?;
        &owned_line
    };
    // Taken out of the cell, not borrowed in it: building the item runs Python code.
    let mut tokens = TOKENS.with(std::cell::RefCell::take);
    let result = build_item(py, line, &slices, &literals, rsp, &mut tokens);
    TOKENS.with(|cell| cell.replace(tokens));
    result
}

fn build_item(
    py: Python<'_>,
    line: &[u8],
    slices: &[&[u8]],
    literals: &[Bound<'_, PyBytes>],
    rsp: &Bound<'_, PyAny>,
    tokens: &mut Tokens,
) -> PyResult<PyFetchItem> {
    let parsed = parse_template(line, slices.len(), tokens, &Limits::default())
        .map_err(|e| parse_error(py, &e, Some(line)))?;
    let src = Source::new(&parsed, slices);
    let fetch = parse_fetch(&src).map_err(|e| parse_error(py, &e, Some(line)))?;
    PyFetchItem::build(py, fetch, literals, rsp)
}

thread_local! {
    /// The token buffer of `fetch_item`, reused from call to call.
    static TOKENS: std::cell::RefCell<Tokens> = std::cell::RefCell::new(Tokens::new());
}

/// Rebuilds a `BodyStructure` from its IMAP form (for pickling).
#[pyfunction]
pub(crate) fn _bodystructure(py: Python<'_>, wire: &[u8], part: &str) -> PyResult<PyBodyStructure> {
    let mut raw = b"* 0 FETCH (BODYSTRUCTURE ".to_vec();
    raw.extend_from_slice(wire);
    raw.extend_from_slice(b")\r\n");
    let mut tokens = Tokens::new();
    let parsed = parse_response(&raw, &mut tokens, &Limits::default())
        .map_err(|e| parse_error(py, &e, Some(&raw)))?;
    let src = Source::new(&parsed, &[]);
    let value = src
        .items(src.tokens().len().min(2))
        .nth(1)
        .filter(|&v| src.is_list(v))
        .ok_or_else(|| {
            let err = ParseError::invalid("BODYSTRUCTURE", "not a body structure", 0);
            parse_error(py, &err, Some(&raw))
        })?;
    Ok(PyBodyStructure {
        inner: Arc::new(BodyStructure::from_tokens_at(&src, value, part)),
    })
}

impl PyFetchItem {
    fn build(
        py: Python<'_>,
        fetch: Fetch<'_>,
        literals: &[Bound<'_, PyBytes>],
        rsp: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        let flags = match &fetch.flags {
            Some(flags) => {
                let items = flags
                    .iter()
                    .map(|f| text_str(py, f))
                    .collect::<PyResult<Vec<_>>>()?;
                Some(PyTuple::new(py, items)?.unbind())
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
            Some(dict.unbind())
        };
        Ok(PyFetchItem {
            seq: fetch.seq,
            uid: fetch.uid,
            flags,
            internaldate: fetch.internaldate,
            size: fetch.size,
            envelope: fetch
                .envelope
                .map(|inner| Py::new(py, PyEnvelope { inner }))
                .transpose()?,
            bodystructure: fetch
                .body_structure
                .map(|b| Py::new(py, PyBodyStructure { inner: Arc::new(b) }))
                .transpose()?,
            modseq: fetch.modseq,
            others,
            response: rsp.clone().unbind(),
        })
    }

    /// The typed items present, by canonical name.
    fn typed<'py>(&self, py: Python<'py>) -> PyResult<Vec<(&'static str, Bound<'py, PyAny>)>> {
        let mut out = Vec::new();
        if let Some(uid) = self.uid {
            out.push(("UID", uid.into_bound_py_any(py)?));
        }
        if let Some(flags) = &self.flags {
            out.push(("FLAGS", flags.bind(py).clone().into_any()));
        }
        if let Some(date) = self.internaldate {
            out.push(("INTERNALDATE", aware_datetime(py, date)?));
        }
        if let Some(size) = self.size {
            out.push(("RFC822.SIZE", size.into_bound_py_any(py)?));
        }
        if let Some(envelope) = &self.envelope {
            out.push(("ENVELOPE", envelope.bind(py).clone().into_any()));
        }
        if let Some(body) = &self.bodystructure {
            out.push(("BODYSTRUCTURE", body.bind(py).clone().into_any()));
        }
        if let Some(modseq) = self.modseq {
            out.push(("MODSEQ", modseq.into_bound_py_any(py)?));
        }
        Ok(out)
    }
}

#[pymethods]
impl PyFetchItem {
    #[getter]
    fn seq(&self) -> u64 {
        self.seq
    }

    #[getter]
    fn uid(&self) -> Option<u64> {
        self.uid
    }

    #[getter]
    fn flags(&self, py: Python<'_>) -> Option<Py<PyTuple>> {
        self.flags.as_ref().map(|f| f.clone_ref(py))
    }

    #[getter]
    fn internaldate<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.internaldate.map(|d| aware_datetime(py, d)).transpose()
    }

    #[getter]
    fn size(&self) -> Option<u64> {
        self.size
    }

    #[getter]
    fn envelope(&self, py: Python<'_>) -> Option<Py<PyEnvelope>> {
        self.envelope.as_ref().map(|e| e.clone_ref(py))
    }

    #[getter]
    fn bodystructure(&self, py: Python<'_>) -> Option<Py<PyBodyStructure>> {
        self.bodystructure.as_ref().map(|b| b.clone_ref(py))
    }

    #[getter]
    fn modseq(&self) -> Option<u64> {
        self.modseq
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
        let mut parts = vec![format!("seq={}", self.seq)];
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
        if self.seq != other.seq {
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
        match &self.others {
            Some(others) => others.bind(py).get_item(PyString::new(py, &key)),
            None => Ok(None),
        }
    }

    /// The items with no typed view (an empty dict when there are none).
    fn others<'py>(&self, py: Python<'py>) -> Bound<'py, PyDict> {
        match &self.others {
            Some(others) => others.bind(py).clone(),
            None => PyDict::new(py),
        }
    }
}

/// A Python value for an item with no typed view; `section` makes text `bytes`.
fn convert<'py>(
    py: Python<'py>,
    value: &Value<'_>,
    literals: &[Bound<'py, PyBytes>],
    section: bool,
) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Nil => py.None().into_bound(py),
        Value::Number(n) => n.into_bound_py_any(py)?,
        Value::Text(text) if section => PyBytes::new(py, text).into_any(),
        Value::Text(text) => text_str(py, text)?.into_any(),
        Value::Literal { index, bytes } => match index.and_then(|i| literals.get(i)) {
            Some(given) => given.clone().into_any(),
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
