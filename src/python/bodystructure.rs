//! `imaprs.BodyStructure`: one node of a message's MIME tree.
//!
//! A node keeps only the index of its tokens in the response's [`Source`] and its part
//! number; each attribute is read from the tokens when asked.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

use super::address::py_repr;
use super::envelope::PyEnvelope;
use crate::proto::fetch::{BodyStructure, Node, Source};
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
    source: Arc<Source>,
    at: u32,
    part: String,
}

impl PyBodyStructure {
    /// The root node of a message: the list at token `at` of `source`.
    pub(crate) fn root(source: Arc<Source>, at: u32) -> Self {
        let part = Node::root_number(&source.view(), at as usize).to_owned();
        PyBodyStructure { source, at, part }
    }

    /// The node at token `at` of `source`, numbered `part`.
    pub(crate) fn at(source: Arc<Source>, at: u32, part: String) -> Self {
        PyBodyStructure { source, at, part }
    }

    fn node<R>(&self, f: impl FnOnce(&Node<'_, '_>) -> R) -> R {
        let view = self.source.view();
        f(&Node::new(&view, self.at as usize))
    }

    /// The whole subtree (for equality and pickling).
    fn tree(&self) -> BodyStructure {
        BodyStructure::from_tokens_at(&self.source.view(), self.at as usize, &self.part)
    }

    /// Python objects for the nodes `found` (token, number) of this node's source.
    fn nodes<'py>(
        &self,
        py: Python<'py>,
        found: Vec<(usize, String)>,
    ) -> PyResult<Vec<Bound<'py, PyBodyStructure>>> {
        found
            .into_iter()
            .map(|(at, part)| {
                let at = u32::try_from(at).unwrap_or(u32::MAX);
                let node = Bound::new(py, Self::at(Arc::clone(&self.source), at, part))?;
                super::response::untrack(node.as_any()); // holds no Python object
                Ok(node)
            })
            .collect()
    }
}

#[pymethods]
impl PyBodyStructure {
    #[getter(r#type)]
    fn media_type(&self) -> String {
        self.node(|n| n.media_type())
    }

    #[getter]
    fn subtype(&self) -> String {
        self.node(|n| n.subtype())
    }

    /// `type/subtype`.
    #[getter]
    fn content_type(&self) -> String {
        self.node(|n| format!("{}/{}", n.media_type(), n.subtype()))
    }

    #[getter]
    fn params<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        param_dict(py, &self.node(|n| n.params()))
    }

    #[getter]
    fn id(&self) -> Option<String> {
        self.node(|n| n.id())
    }

    #[getter]
    fn description(&self) -> Option<String> {
        self.node(|n| n.description())
    }

    #[getter]
    fn encoding(&self) -> Option<String> {
        self.node(|n| n.encoding())
    }

    #[getter]
    fn size(&self) -> Option<u64> {
        self.node(|n| n.size())
    }

    #[getter]
    fn lines(&self) -> Option<u64> {
        self.node(|n| n.lines())
    }

    #[getter]
    fn md5(&self) -> Option<String> {
        self.node(|n| n.md5())
    }

    #[getter]
    fn disposition(&self) -> Option<String> {
        self.node(|n| n.disposition())
    }

    #[getter]
    fn disposition_params<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        param_dict(py, &self.node(|n| n.disposition_params()))
    }

    #[getter]
    fn language<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.node(|n| n.language()))
    }

    #[getter]
    fn location(&self) -> Option<String> {
        self.node(|n| n.location())
    }

    #[getter]
    fn parts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let found = self.node(|n| n.parts(&self.part));
        PyTuple::new(py, self.nodes(py, found)?)
    }

    #[getter]
    fn envelope(&self, py: Python<'_>) -> PyResult<Option<Py<PyEnvelope>>> {
        self.node(|n| n.envelope())
            .map(|at| {
                let at = u32::try_from(at).unwrap_or(u32::MAX);
                let obj = Bound::new(py, PyEnvelope::lazy(Arc::clone(&self.source), at))?;
                super::response::untrack(obj.as_any()); // holds no Python object
                Ok(obj.unbind())
            })
            .transpose()
    }

    #[getter]
    fn part(&self) -> &str {
        &self.part
    }

    #[getter]
    fn filename(&self) -> Option<String> {
        self.node(|n| n.filename())
    }

    #[getter]
    fn is_multipart(&self) -> bool {
        self.node(|n| n.is_multipart())
    }

    /// This node and every node below it, depth first.
    fn walk<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let found = self.node(|n| n.walk(&self.part));
        PyList::new(py, self.nodes(py, found)?)
    }

    /// The parts shown as attachments: disposition `attachment`, or a non-multipart part
    /// with a file name not marked `inline`; an attached message counts once.
    fn attachments<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let found = self.node(|n| n.attachments(&self.part));
        PyList::new(py, self.nodes(py, found)?)
    }

    fn __repr__(&self) -> String {
        self.node(|n| {
            let mut out = format!(
                "BodyStructure(part={}, type='{}/{}'",
                py_repr(Some(&self.part)),
                n.media_type(),
                n.subtype()
            );
            if n.is_multipart() {
                out.push_str(&format!(", parts={}", n.parts(&self.part).len()));
            } else {
                out.push_str(&format!(
                    ", encoding={}, size={}",
                    py_repr(n.encoding().as_deref()),
                    n.size().map_or("None".into(), |s| s.to_string())
                ));
            }
            if let Some(name) = n.filename() {
                out.push_str(&format!(", filename={}", py_repr(Some(&name))));
            }
            out.push(')');
            out
        })
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<PyBodyStructure>()
            .is_ok_and(|o| o.get().tree() == self.tree())
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let this = slf.get();
        let rebuild = py.import("imaprs._imaprs")?.getattr("_bodystructure")?;
        let wire = pyo3::types::PyBytes::new(py, &this.tree().to_wire());
        (rebuild, (wire, this.part.as_str())).into_pyobject(py)
    }
}

fn param_dict<'py>(py: Python<'py>, params: &[Param]) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for param in params {
        dict.set_item(&param.name, &param.value)?;
    }
    Ok(dict)
}
