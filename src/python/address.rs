//! `imaprs.Address`: one address of an envelope, or a group of them.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString, PyTuple};

use crate::proto::fetch::Address;

/// An address from an ENVELOPE, its display name RFC 2047 decoded.
///
/// Built from the four fields of an IMAP address (the name as sent, bytes or str); a group
/// (RFC 5322 `friends: a@x, b@y;`) has `members` and its name in `mailbox`.
///
/// Attributes:
///     name: the display name, decoded (None when absent).
///     raw_name: the display name as sent (bytes).
///     route: the obsolete source route.
///     mailbox: the local part, or a group's name.
///     host: the domain (None for a group).
///     email: `mailbox@host` (None for a group).
///     members: a group's addresses (None for a plain address).
#[pyclass(module = "imaprs", name = "Address", frozen)]
pub(crate) struct PyAddress {
    pub(crate) inner: Address,
}

#[pymethods]
impl PyAddress {
    #[new]
    #[pyo3(signature = (name=None, route=None, mailbox=None, host=None, members=None))]
    fn new(
        name: Option<&Bound<'_, PyAny>>,
        route: Option<String>,
        mailbox: Option<String>,
        host: Option<String>,
        members: Option<Vec<PyRef<'_, PyAddress>>>,
    ) -> PyResult<Self> {
        let raw_name = name.map(raw_text).transpose()?;
        let mut inner = Address::new(raw_name, route, mailbox, host);
        inner.members = members.map(|m| m.iter().map(|a| a.inner.clone()).collect());
        Ok(PyAddress { inner })
    }

    #[getter]
    fn name(&self) -> Option<String> {
        self.inner.name()
    }

    #[getter]
    fn raw_name<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        self.inner.raw_name.as_deref().map(|n| PyBytes::new(py, n))
    }

    #[getter]
    fn route(&self) -> Option<&str> {
        self.inner.route.as_deref()
    }

    #[getter]
    fn mailbox(&self) -> Option<&str> {
        self.inner.mailbox.as_deref()
    }

    #[getter]
    fn host(&self) -> Option<&str> {
        self.inner.host.as_deref()
    }

    #[getter]
    fn email(&self) -> Option<String> {
        self.inner.email()
    }

    #[getter]
    fn members<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyTuple>>> {
        self.inner
            .members
            .as_deref()
            .map(|m| address_tuple(py, m.iter().cloned()))
            .transpose()
    }

    /// True for a group.
    #[getter]
    fn is_group(&self) -> bool {
        self.inner.members.is_some()
    }

    fn __str__(&self) -> String {
        self.inner.display()
    }

    fn __repr__(&self) -> String {
        let inner = &self.inner;
        match &inner.members {
            Some(members) => format!(
                "Address(group={:?}, members={})",
                inner.mailbox.as_deref().unwrap_or(""),
                members.len()
            ),
            None => format!(
                "Address(name={}, email={})",
                py_repr(inner.name().as_deref()),
                py_repr(inner.email().as_deref())
            ),
        }
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<PyAddress>()
            .is_ok_and(|o| o.get().inner == self.inner)
    }

    fn __hash__(&self) -> u64 {
        hash_of(&self.inner)
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let inner = &slf.get().inner;
        let members = slf.get().members(py)?;
        let args = (
            inner.raw_name.as_deref().map(|n| PyBytes::new(py, n)),
            inner.route.as_deref(),
            inner.mailbox.as_deref(),
            inner.host.as_deref(),
            members,
        );
        (slf.get_type(), args).into_pyobject(py)
    }
}

/// A tuple of `Address` objects.
pub(crate) fn address_tuple<'py>(
    py: Python<'py>,
    list: impl IntoIterator<Item = Address>,
) -> PyResult<Bound<'py, PyTuple>> {
    let items = list
        .into_iter()
        .map(|inner| {
            let obj = Bound::new(py, PyAddress { inner })?;
            super::response::untrack(obj.as_any()); // holds no Python object
            Ok(obj)
        })
        .collect::<PyResult<Vec<_>>>()?;
    PyTuple::new(py, items)
}

/// The addresses of a sequence of `Address` objects.
pub(crate) fn addresses_from(items: Vec<PyRef<'_, PyAddress>>) -> Vec<Address> {
    items.iter().map(|a| a.inner.clone()).collect()
}

/// Raw header text given as `bytes` or `str` (a `str` is encoded as UTF-8, with
/// `surrogateescape` giving back bytes that were not UTF-8).
pub(crate) fn raw_text(obj: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(bytes) = obj.cast::<PyBytes>() {
        return Ok(bytes.as_bytes().to_vec());
    }
    let text = obj.cast::<PyString>()?;
    match text.to_cow() {
        Ok(s) => Ok(s.as_bytes().to_vec()),
        Err(_) => Ok(text
            .call_method1("encode", ("utf-8", "surrogateescape"))?
            .cast_into::<PyBytes>()?
            .as_bytes()
            .to_vec()),
    }
}

/// The hash of a value type, for `__hash__`.
pub(crate) fn hash_of<T: std::hash::Hash>(value: &T) -> u64 {
    use std::hash::Hasher;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

/// A Python-style repr of an optional string.
pub(crate) fn py_repr(value: Option<&str>) -> String {
    match value {
        None => "None".into(),
        Some(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
    }
}
