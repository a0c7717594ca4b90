//! `imaprs.BodyStructure`: one node of a message's MIME tree.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

use super::address::py_repr;
use super::envelope::PyEnvelope;
use crate::proto::fetch::BodyStructure;
use crate::proto::header::Param;

/// One node of a message's MIME tree (RFC 3501 BODYSTRUCTURE, extension data included).
///
/// Attributes:
///     type, subtype: the media type, lower-cased (`content_type` joins them).
///     params: Content-Type parameters, RFC 2231 and RFC 2047 decoded, names lower-cased.
///     id, description, encoding, size, lines, md5: the body fields.
///     disposition, disposition_params: Content-Disposition and its decoded parameters.
///     language: Content-Language tags (a tuple).
///     location: Content-Location.
///     parts: the child nodes (a multipart's parts, a message/rfc822's body).
///     envelope: a message/rfc822 part's `Envelope`.
///     part: the section number for `BODY[<part>]` (`'2.1'`; `''` for a multipart root).
///     filename: the decoded file name (disposition `filename`, else type `name`).
///     is_multipart: True for multipart nodes.
#[pyclass(module = "imaprs", name = "BodyStructure", frozen)]
pub(crate) struct PyBodyStructure {
    pub(crate) inner: Arc<BodyStructure>,
}

#[pymethods]
impl PyBodyStructure {
    #[getter(r#type)]
    fn media_type(&self) -> &str {
        &self.inner.media_type
    }

    #[getter]
    fn subtype(&self) -> &str {
        &self.inner.subtype
    }

    /// `type/subtype`.
    #[getter]
    fn content_type(&self) -> String {
        format!("{}/{}", self.inner.media_type, self.inner.subtype)
    }

    #[getter]
    fn params<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        param_dict(py, &self.inner.params)
    }

    #[getter]
    fn id(&self) -> Option<&str> {
        self.inner.id.as_deref()
    }

    #[getter]
    fn description(&self) -> Option<&str> {
        self.inner.description.as_deref()
    }

    #[getter]
    fn encoding(&self) -> Option<&str> {
        self.inner.encoding.as_deref()
    }

    #[getter]
    fn size(&self) -> Option<u64> {
        self.inner.size
    }

    #[getter]
    fn lines(&self) -> Option<u64> {
        self.inner.lines
    }

    #[getter]
    fn md5(&self) -> Option<&str> {
        self.inner.md5.as_deref()
    }

    #[getter]
    fn disposition(&self) -> Option<&str> {
        self.inner.disposition.as_deref()
    }

    #[getter]
    fn disposition_params<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        param_dict(py, &self.inner.disposition_params)
    }

    #[getter]
    fn language<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, &self.inner.language)
    }

    #[getter]
    fn location(&self) -> Option<&str> {
        self.inner.location.as_deref()
    }

    #[getter]
    fn parts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, nodes(py, &self.inner.parts)?)
    }

    #[getter]
    fn envelope(&self, py: Python<'_>) -> PyResult<Option<Py<PyEnvelope>>> {
        self.inner
            .envelope
            .as_ref()
            .map(|e| Py::new(py, PyEnvelope { inner: e.clone() }))
            .transpose()
    }

    #[getter]
    fn part(&self) -> &str {
        &self.inner.part
    }

    #[getter]
    fn filename(&self) -> Option<&str> {
        self.inner.filename()
    }

    #[getter]
    fn is_multipart(&self) -> bool {
        self.inner.is_multipart()
    }

    /// This node and every node below it, depth first.
    fn walk<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, nodes(py, &self.inner.walk())?)
    }

    /// The parts shown as attachments: disposition `attachment`, or a non-multipart part
    /// with a file name not marked `inline`; an attached message counts once.
    fn attachments<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, nodes(py, &self.inner.attachments())?)
    }

    fn __repr__(&self) -> String {
        let inner = &self.inner;
        let mut out = format!(
            "BodyStructure(part={}, type='{}/{}'",
            py_repr(Some(&inner.part)),
            inner.media_type,
            inner.subtype
        );
        if inner.is_multipart() {
            out.push_str(&format!(", parts={}", inner.parts.len()));
        } else {
            out.push_str(&format!(
                ", encoding={}, size={}",
                py_repr(inner.encoding.as_deref()),
                inner.size.map_or("None".into(), |s| s.to_string())
            ));
        }
        if let Some(name) = inner.filename() {
            out.push_str(&format!(", filename={}", py_repr(Some(name))));
        }
        out.push(')');
        out
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<PyBodyStructure>()
            .is_ok_and(|o| o.get().inner == self.inner)
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let inner = &slf.get().inner;
        let rebuild = py.import("imaprs._imaprs")?.getattr("_bodystructure")?;
        let wire = pyo3::types::PyBytes::new(py, &inner.to_wire());
        (rebuild, (wire, inner.part.as_str())).into_pyobject(py)
    }
}

/// Python objects for tree nodes.
pub(crate) fn nodes<'py>(
    py: Python<'py>,
    list: &[Arc<BodyStructure>],
) -> PyResult<Vec<Bound<'py, PyBodyStructure>>> {
    list.iter()
        .map(|n| {
            let node = Bound::new(
                py,
                PyBodyStructure {
                    inner: Arc::clone(n),
                },
            )?;
            super::response::untrack(node.as_any()); // holds no Python object
            Ok(node)
        })
        .collect()
}

fn param_dict<'py>(py: Python<'py>, params: &[Param]) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for param in params {
        dict.set_item(&param.name, &param.value)?;
    }
    Ok(dict)
}
