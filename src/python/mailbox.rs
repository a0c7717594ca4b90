//! `imaprs.MailboxInfo` (one LIST/LSUB entry) and `imaprs.SelectedMailbox` (the state of the
//! selected mailbox), over the core's `proto::mailbox` values.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFrozenSet, PyString, PyTuple};
use pyo3::IntoPyObjectExt;

use super::response::text_str;
use super::view::{mailbox_name, with_view};
use crate::proto::mailbox::{self, ListEntry, Selected};

/// One mailbox of a LIST or LSUB answer.
///
/// Attributes:
///     name: the name as text (modified UTF-7 decoded, or UTF-8 after ``ENABLE
///         UTF8=ACCEPT``). Passed to any command it reaches this same mailbox. A name that
///         is not valid in the wire encoding is an :class:`imaprs.MailboxName`, a ``str``
///         that commands send back byte for byte.
///     flags: the name attributes (``'\\HasNoChildren'``, ``'\\Sent'`` ...), as sent.
///     delimiter: the hierarchy delimiter, or None for a flat namespace.
///     special_use: the RFC 6154 attribute among the flags (``'\\Sent'``, ``'\\Trash'``
///         ...), or None.
///     selectable: False for a mailbox that cannot be selected, a level of the hierarchy
///         (``\\Noselect`` or ``\\NonExistent``, in any case).
///     raw: the name as the server sent it.
///     status: the STATUS answer of LIST-STATUS (``{'MESSAGES': 3}``), empty when none came.
#[pyclass(name = "MailboxInfo", module = "imaprs", frozen)]
pub(crate) struct MailboxInfo {
    name: Py<PyAny>,
    flags: Py<PyFrozenSet>,
    delimiter: Option<String>,
    raw: Py<PyString>,
    status: Vec<(String, u64)>,
}

impl MailboxInfo {
    /// The Python value of a LIST entry.
    pub(crate) fn from_entry(py: Python<'_>, entry: ListEntry) -> PyResult<Self> {
        Ok(MailboxInfo {
            name: mailbox_name(py, &entry.wire, entry.name)?.unbind(),
            flags: PyFrozenSet::new(py, &entry.flags)?.unbind(),
            delimiter: entry.delimiter,
            raw: text_str(py, &entry.wire)?.unbind(),
            status: Vec::new(),
        })
    }

    fn flag_names(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        self.flags.bind(py).iter().map(|f| f.extract()).collect()
    }
}

#[pymethods]
impl MailboxInfo {
    #[new]
    #[pyo3(signature = (name, flags=None, delimiter=None, raw=None, status=None))]
    fn new(
        name: &Bound<'_, PyString>,
        flags: Option<&Bound<'_, PyAny>>,
        delimiter: Option<String>,
        raw: Option<&Bound<'_, PyString>>,
        status: Option<Vec<(String, u64)>>,
    ) -> PyResult<Self> {
        let py = name.py();
        let flags = match flags {
            Some(f) => PyFrozenSet::new(py, f.try_iter()?.collect::<PyResult<Vec<_>>>()?)?,
            None => PyFrozenSet::empty(py)?,
        };
        Ok(MailboxInfo {
            name: name.clone().into_any().unbind(),
            flags: flags.unbind(),
            delimiter,
            raw: raw.unwrap_or(name).clone().unbind(),
            status: status.unwrap_or_default(),
        })
    }

    #[getter]
    fn name(&self, py: Python<'_>) -> Py<PyAny> {
        self.name.clone_ref(py)
    }

    #[getter]
    fn flags(&self, py: Python<'_>) -> Py<PyFrozenSet> {
        self.flags.clone_ref(py)
    }

    #[getter]
    fn delimiter(&self) -> Option<String> {
        self.delimiter.clone()
    }

    #[getter]
    fn raw(&self, py: Python<'_>) -> Py<PyString> {
        self.raw.clone_ref(py)
    }

    #[getter]
    fn status<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for (key, value) in &self.status {
            dict.set_item(key, value)?;
        }
        Ok(dict)
    }

    #[getter]
    fn special_use(&self, py: Python<'_>) -> PyResult<Option<&'static str>> {
        Ok(mailbox::special_use(&self.flag_names(py)?))
    }

    #[getter]
    fn selectable(&self, py: Python<'_>) -> PyResult<bool> {
        Ok(mailbox::selectable(&self.flag_names(py)?))
    }

    /// A copy with the given STATUS answer (LIST-STATUS).
    fn _with_status(&self, py: Python<'_>, status: Vec<(String, u64)>) -> Self {
        MailboxInfo {
            name: self.name.clone_ref(py),
            flags: self.flags.clone_ref(py),
            delimiter: self.delimiter.clone(),
            raw: self.raw.clone_ref(py),
            status,
        }
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let flags = pyo3::types::PyList::new(py, self.flags.bind(py).iter())?;
        flags.sort()?;
        let mut text = format!(
            "MailboxInfo(name={}, flags={}, delimiter={}",
            self.name.bind(py).repr()?,
            flags.repr()?,
            self.delimiter.as_deref().into_pyobject(py)?.repr()?,
        );
        if !self.status.is_empty() {
            text.push_str(&format!(", status={}", self.status(py)?.repr()?));
        }
        text.push(')');
        Ok(text)
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        let Ok(other) = other.cast::<MailboxInfo>() else {
            return Ok(false);
        };
        let other = other.get();
        Ok(self.name.bind(py).eq(other.name.bind(py))?
            && self.raw.bind(py).as_any().eq(other.raw.bind(py))?
            && self.flags.bind(py).as_any().eq(other.flags.bind(py))?
            && self.delimiter == other.delimiter
            && self.status == other.status)
    }

    fn __hash__(&self, py: Python<'_>) -> PyResult<isize> {
        (self.raw.bind(py), &self.delimiter)
            .into_pyobject(py)?
            .hash()
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let this = slf.get();
        let args = (
            this.name.bind(py),
            this.flags.bind(py),
            this.delimiter.clone(),
            this.raw.bind(py),
            this.status.clone(),
        );
        (slf.get_type(), args).into_pyobject(py)
    }
}

/// The selected mailbox: what SELECT or EXAMINE reported, kept current by the EXISTS,
/// EXPUNGE, VANISHED, RECENT and FLAGS responses and the response codes that arrive while it
/// stays selected (``IMAP4.selected``); ``IMAP4.select(...).data`` is the state at selection.
///
/// Attributes:
///     name: the mailbox name as given to SELECT.
///     readonly: opened read-only (EXAMINE, or the server's ``[READ-ONLY]``).
///     exists, recent: the message counts.
///     uidvalidity, uidnext, unseen, highestmodseq: the response codes (None when absent).
///     flags, permanentflags: the mailbox's flags and the ones that can be stored.
#[pyclass(name = "SelectedMailbox", module = "imaprs")]
pub(crate) struct SelectedMailbox {
    name: Py<PyAny>,
    state: Selected,
}

#[pymethods]
impl SelectedMailbox {
    #[new]
    #[pyo3(signature = (
        name, readonly=false, exists=0, recent=0, uidvalidity=None, uidnext=None,
        unseen=None, flags=Vec::new(), permanentflags=Vec::new(), highestmodseq=None
    ))]
    #[allow(clippy::too_many_arguments)] // one per attribute, as pickling needs
    fn new(
        name: &Bound<'_, PyString>,
        readonly: bool,
        exists: u64,
        recent: u64,
        uidvalidity: Option<u64>,
        uidnext: Option<u64>,
        unseen: Option<u64>,
        flags: Vec<String>,
        permanentflags: Vec<String>,
        highestmodseq: Option<u64>,
    ) -> Self {
        SelectedMailbox {
            name: name.clone().into_any().unbind(),
            state: Selected {
                readonly,
                exists,
                recent,
                uidvalidity,
                uidnext,
                unseen,
                flags,
                permanentflags,
                highestmodseq,
            },
        }
    }

    #[getter]
    fn name(&self, py: Python<'_>) -> Py<PyAny> {
        self.name.clone_ref(py)
    }
    #[getter]
    fn readonly(&self) -> bool {
        self.state.readonly
    }
    #[getter]
    fn exists(&self) -> u64 {
        self.state.exists
    }
    #[getter]
    fn recent(&self) -> u64 {
        self.state.recent
    }
    #[getter]
    fn uidvalidity(&self) -> Option<u64> {
        self.state.uidvalidity
    }
    #[getter]
    fn uidnext(&self) -> Option<u64> {
        self.state.uidnext
    }
    #[getter]
    fn unseen(&self) -> Option<u64> {
        self.state.unseen
    }
    #[getter]
    fn highestmodseq(&self) -> Option<u64> {
        self.state.highestmodseq
    }
    #[getter]
    fn flags<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyFrozenSet>> {
        PyFrozenSet::new(py, &self.state.flags)
    }
    #[getter]
    fn permanentflags<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyFrozenSet>> {
        PyFrozenSet::new(py, &self.state.permanentflags)
    }

    /// Applies one response (an ``IMAP4Response``); returns whether it changed the state.
    fn _apply(&mut self, rsp: &Bound<'_, PyAny>) -> PyResult<bool> {
        with_view(rsp, |view| Ok(self.state.apply(view)))
    }

    /// A copy that no longer follows the connection.
    fn __copy__(&self, py: Python<'_>) -> Self {
        SelectedMailbox {
            name: self.name.clone_ref(py),
            state: self.state.clone(),
        }
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let s = &self.state;
        Ok(format!(
            "SelectedMailbox(name={}, readonly={}, exists={}, recent={}, uidvalidity={}, \
             uidnext={}, highestmodseq={})",
            self.name.bind(py).repr()?,
            if s.readonly { "True" } else { "False" },
            s.exists,
            s.recent,
            opt(s.uidvalidity),
            opt(s.uidnext),
            opt(s.highestmodseq),
        ))
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        let Ok(other) = other.cast::<SelectedMailbox>() else {
            return Ok(false);
        };
        let other = other.try_borrow()?;
        Ok(self.name.bind(py).eq(other.name.bind(py))? && self.state == other.state)
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let this = slf.try_borrow()?;
        let s = &this.state;
        let args = (
            this.name.bind(py),
            s.readonly,
            s.exists,
            s.recent,
            s.uidvalidity,
            s.uidnext,
            s.unseen,
            s.flags.clone(),
            s.permanentflags.clone(),
            s.highestmodseq,
        );
        (slf.get_type(), args.into_py_any(py)?).into_pyobject(py)
    }

    /// Mutable, so not hashable.
    fn __hash__(&self) -> PyResult<isize> {
        Err(pyo3::exceptions::PyTypeError::new_err(
            "unhashable type: 'SelectedMailbox'",
        ))
    }
}

fn opt(value: Option<u64>) -> String {
    value.map_or_else(|| "None".to_owned(), |v| v.to_string())
}
