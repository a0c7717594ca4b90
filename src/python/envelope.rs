//! `imaprs.Envelope`: the ENVELOPE of a message, decoded.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};

use super::address::{address_tuple, addresses_from, hash_of, py_repr, raw_text, PyAddress};
use super::datetime::aware_datetime;
use crate::proto::fetch::Envelope;

/// The envelope of a message (RFC 3501 ENVELOPE), with the subject and names RFC 2047
/// decoded and the date parsed.
///
/// Built from the raw date and subject (bytes or str, as a server sends them) and tuples of
/// `Address`.
///
/// Attributes:
///     date: an aware `datetime`, or None when absent or unparseable (see `raw_date`).
///     raw_date: the Date header as sent.
///     subject: the subject, decoded.
///     raw_subject: the subject as sent (bytes).
///     from_, sender, reply_to, to, cc, bcc: tuples of `Address` (groups kept as groups).
///     in_reply_to, message_id: the message ids as sent.
#[pyclass(module = "imaprs", name = "Envelope", frozen)]
pub(crate) struct PyEnvelope {
    pub(crate) inner: Envelope,
}

#[pymethods]
impl PyEnvelope {
    #[new]
    #[pyo3(signature = (date=None, subject=None, from_=Vec::new(), sender=Vec::new(), reply_to=Vec::new(), to=Vec::new(), cc=Vec::new(), bcc=Vec::new(), in_reply_to=None, message_id=None))]
    #[allow(clippy::too_many_arguments)] // the ten fields of RFC 3501's envelope
    fn new(
        date: Option<&Bound<'_, PyAny>>,
        subject: Option<&Bound<'_, PyAny>>,
        from_: Vec<PyRef<'_, PyAddress>>,
        sender: Vec<PyRef<'_, PyAddress>>,
        reply_to: Vec<PyRef<'_, PyAddress>>,
        to: Vec<PyRef<'_, PyAddress>>,
        cc: Vec<PyRef<'_, PyAddress>>,
        bcc: Vec<PyRef<'_, PyAddress>>,
        in_reply_to: Option<String>,
        message_id: Option<String>,
    ) -> PyResult<Self> {
        let raw_date = date.map(raw_text).transpose()?;
        let raw_subject = subject.map(raw_text).transpose()?;
        Ok(PyEnvelope {
            inner: Envelope {
                from: addresses_from(from_),
                sender: addresses_from(sender),
                reply_to: addresses_from(reply_to),
                to: addresses_from(to),
                cc: addresses_from(cc),
                bcc: addresses_from(bcc),
                in_reply_to,
                message_id,
                ..Envelope::new(raw_date, raw_subject)
            },
        })
    }

    #[getter]
    fn date<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner.date.map(|d| aware_datetime(py, d)).transpose()
    }

    #[getter]
    fn raw_date(&self) -> Option<String> {
        self.inner
            .raw_date
            .as_deref()
            .map(|d| String::from_utf8_lossy(d).into_owned())
    }

    #[getter]
    fn subject(&self) -> Option<String> {
        self.inner.subject()
    }

    #[getter]
    fn raw_subject<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        self.inner
            .raw_subject
            .as_deref()
            .map(|s| PyBytes::new(py, s))
    }

    #[getter]
    fn from_<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        address_tuple(py, &self.inner.from)
    }

    #[getter]
    fn sender<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        address_tuple(py, &self.inner.sender)
    }

    #[getter]
    fn reply_to<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        address_tuple(py, &self.inner.reply_to)
    }

    #[getter]
    fn to<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        address_tuple(py, &self.inner.to)
    }

    #[getter]
    fn cc<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        address_tuple(py, &self.inner.cc)
    }

    #[getter]
    fn bcc<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        address_tuple(py, &self.inner.bcc)
    }

    #[getter]
    fn in_reply_to(&self) -> Option<&str> {
        self.inner.in_reply_to.as_deref()
    }

    #[getter]
    fn message_id(&self) -> Option<&str> {
        self.inner.message_id.as_deref()
    }

    fn __repr__(&self) -> String {
        let inner = &self.inner;
        let from: Vec<String> = inner.from.iter().map(|a| a.display()).collect();
        format!(
            "Envelope(date={}, subject={}, from_={}, message_id={})",
            py_repr(self.raw_date().as_deref()),
            py_repr(inner.subject().as_deref()),
            py_repr(Some(&from.join(", "))),
            py_repr(inner.message_id.as_deref()),
        )
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<PyEnvelope>()
            .is_ok_and(|o| o.get().inner == self.inner)
    }

    fn __hash__(&self) -> u64 {
        hash_of(&self.inner)
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let this = slf.get();
        let inner = &this.inner;
        let args = (
            inner.raw_date.as_deref().map(|d| PyBytes::new(py, d)),
            this.raw_subject(py),
            this.from_(py)?,
            this.sender(py)?,
            this.reply_to(py)?,
            this.to(py)?,
            this.cc(py)?,
            this.bcc(py)?,
            inner.in_reply_to.as_deref(),
            inner.message_id.as_deref(),
        );
        (slf.get_type(), args).into_pyobject(py)
    }
}
