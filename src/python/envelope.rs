//! `imaprs.Envelope`: the ENVELOPE of a message, decoded.
//!
//! An envelope read from a FETCH response keeps only the index of its tokens in the
//! response's [`Source`]; each attribute is read from them when asked. One built in Python
//! holds its fields.

use std::borrow::Cow;
use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};

use super::address::{address_tuple, addresses_from, hash_of, py_repr, raw_text, PyAddress};
use super::datetime::aware_datetime;
use crate::proto::fetch::envelope::{
    BCC, CC, DATE, FROM, IN_REPLY_TO, MESSAGE_ID, REPLY_TO, SENDER, SUBJECT, TO,
};
use crate::proto::fetch::{Address, Envelope, EnvelopeView, MailDate, Source};

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
    repr: Repr,
}

enum Repr {
    /// Built in Python.
    Owned(Box<Envelope>),
    /// The list at token `at` of `source`.
    Lazy { source: Arc<Source>, at: u32 },
}

impl PyEnvelope {
    /// The envelope at token `at` of `source`.
    pub(crate) fn lazy(source: Arc<Source>, at: u32) -> Self {
        PyEnvelope {
            repr: Repr::Lazy { source, at },
        }
    }

    /// Reads a field: `owned` from an envelope built in Python, `lazy` from the tokens.
    fn read<R>(
        &self,
        owned: impl FnOnce(&Envelope) -> R,
        lazy: impl FnOnce(&EnvelopeView<'_, '_>) -> R,
    ) -> R {
        match &self.repr {
            Repr::Owned(inner) => owned(inner),
            Repr::Lazy { source, at } => {
                let view = source.view();
                lazy(&EnvelopeView::new(&view, *at as usize))
            }
        }
    }

    /// The whole envelope (for equality, hashing and pickling).
    fn envelope(&self) -> Cow<'_, Envelope> {
        match &self.repr {
            Repr::Owned(inner) => Cow::Borrowed(inner),
            Repr::Lazy { source, at } => {
                Cow::Owned(Envelope::from_tokens(&source.view(), *at as usize))
            }
        }
    }

    fn raw(&self, field: usize) -> Option<Vec<u8>> {
        self.read(
            |e| match field {
                DATE => e.raw_date.clone(),
                _ => e.raw_subject.clone(),
            },
            |v| v.raw(field).map(Cow::into_owned),
        )
    }

    fn addresses<'py>(&self, py: Python<'py>, field: usize) -> PyResult<Bound<'py, PyTuple>> {
        let list: Vec<Address> =
            self.read(|e| e.addresses_of(field).to_vec(), |v| v.addresses(field));
        address_tuple(py, list)
    }

    fn text(&self, field: usize) -> Option<String> {
        self.read(
            |e| match field {
                IN_REPLY_TO => e.in_reply_to.clone(),
                _ => e.message_id.clone(),
            },
            |v| v.text(field),
        )
    }
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
        let inner = Envelope {
            from: addresses_from(from_),
            sender: addresses_from(sender),
            reply_to: addresses_from(reply_to),
            to: addresses_from(to),
            cc: addresses_from(cc),
            bcc: addresses_from(bcc),
            in_reply_to,
            message_id,
            ..Envelope::new(raw_date, raw_subject)
        };
        Ok(PyEnvelope {
            repr: Repr::Owned(Box::new(inner)),
        })
    }

    #[getter]
    fn date<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let date: Option<MailDate> = self.read(|e| e.date, |v| v.date());
        date.map(|d| aware_datetime(py, d)).transpose()
    }

    #[getter]
    fn raw_date(&self) -> Option<String> {
        self.raw(DATE)
            .map(|d| String::from_utf8_lossy(&d).into_owned())
    }

    #[getter]
    fn subject(&self) -> Option<String> {
        self.read(Envelope::subject, |v| v.subject())
    }

    #[getter]
    fn raw_subject<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        self.raw(SUBJECT).map(|s| PyBytes::new(py, &s))
    }

    #[getter]
    fn from_<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        self.addresses(py, FROM)
    }

    #[getter]
    fn sender<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        self.addresses(py, SENDER)
    }

    #[getter]
    fn reply_to<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        self.addresses(py, REPLY_TO)
    }

    #[getter]
    fn to<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        self.addresses(py, TO)
    }

    #[getter]
    fn cc<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        self.addresses(py, CC)
    }

    #[getter]
    fn bcc<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        self.addresses(py, BCC)
    }

    #[getter]
    fn in_reply_to(&self) -> Option<String> {
        self.text(IN_REPLY_TO)
    }

    #[getter]
    fn message_id(&self) -> Option<String> {
        self.text(MESSAGE_ID)
    }

    fn __repr__(&self) -> String {
        let inner = self.envelope();
        let from: Vec<String> = inner.from.iter().map(Address::display).collect();
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
            .is_ok_and(|o| o.get().envelope() == self.envelope())
    }

    fn __hash__(&self) -> u64 {
        hash_of(&*self.envelope())
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let this = slf.get();
        let inner = this.envelope();
        let bytes = |b: &Option<Vec<u8>>| b.as_deref().map(|b| PyBytes::new(py, b));
        let list = |l: &[Address]| address_tuple(py, l.iter().cloned());
        let args = (
            bytes(&inner.raw_date),
            bytes(&inner.raw_subject),
            list(&inner.from)?,
            list(&inner.sender)?,
            list(&inner.reply_to)?,
            list(&inner.to)?,
            list(&inner.cc)?,
            list(&inner.bcc)?,
            inner.in_reply_to.as_deref(),
            inner.message_id.as_deref(),
        );
        (slf.get_type(), args).into_pyobject(py)
    }
}
