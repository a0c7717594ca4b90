//! `_Sasl`: one SASL client exchange from the core's mechanisms, for `IMAP4.authenticate`.
//!
//! Conversions only: the engine in Python does the IMAP side (base64, continuation requests,
//! `*` to cancel, SASL-IR). The secret goes straight into the core's `Secret`, so it is wiped
//! when the exchange is dropped and never shown by `repr()` or in an error.

use std::sync::Mutex;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use super::errors::client_error;
use crate::client::sasl::{self, Mechanism, Secret};

/// A SASL exchange (internal; use `imaprs.IMAP4.authenticate`).
#[pyclass(module = "imaprs", name = "_Sasl", frozen)]
pub(crate) struct PySasl {
    mechanism: Mutex<Box<dyn Mechanism>>,
    name: String,
}

#[pymethods]
impl PySasl {
    /// Mechanism `name` for `username` with `secret` (password or OAuth 2.0 token), acting as
    /// `authzid`; `host` (`"name"` or `"name:port"`) is sent by OAUTHBEARER.
    #[new]
    #[pyo3(signature = (name, username, secret, authzid=None, host=None))]
    fn new(
        py: Python<'_>,
        name: &str,
        username: &str,
        secret: String,
        authzid: Option<&str>,
        host: Option<&str>,
    ) -> PyResult<Self> {
        let host = host.map(host_port).transpose()?;
        let mechanism = sasl::mechanism(name, username, Secret::new(secret), authzid, host)
            .map_err(|e| client_error(py, &e))?;
        Ok(PySasl {
            name: mechanism.name().to_owned(),
            mechanism: Mutex::new(mechanism),
        })
    }

    /// The mechanism's name, upper case.
    #[getter]
    fn name(&self) -> &str {
        &self.name
    }

    /// The client's first message, or None when the server speaks first.
    fn initial_response<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyBytes>>> {
        let first = self.lock().initial_response();
        Ok(first
            .map_err(|e| client_error(py, &e))?
            .map(|b| PyBytes::new(py, &b)))
    }

    /// The answer to one (decoded) server challenge.
    fn step<'py>(&self, py: Python<'py>, challenge: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
        let answer = self.lock().step(challenge);
        Ok(PyBytes::new(py, &answer.map_err(|e| client_error(py, &e))?))
    }

    /// Checks the end of the exchange (SCRAM verifies the server's signature).
    #[pyo3(signature = (final_data=None))]
    fn finish(&self, py: Python<'_>, final_data: Option<&[u8]>) -> PyResult<()> {
        let result = self.lock().finish(final_data);
        result.map_err(|e| client_error(py, &e))
    }

    /// The error the server described in a challenge, if any.
    #[getter]
    fn server_error(&self) -> Option<String> {
        self.lock().server_error().map(str::to_owned)
    }

    fn __repr__(&self) -> String {
        format!("<_Sasl {}>", self.name)
    }
}

impl PySasl {
    fn lock(&self) -> std::sync::MutexGuard<'_, Box<dyn Mechanism>> {
        self.mechanism
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// `"name"`, `"name:port"` or `"[v6]:port"` as `(name, port)`, 143 when no port is given; a
/// bare IPv6 address is all name.
fn host_port(host: &str) -> PyResult<(&str, u16)> {
    match host.rsplit_once(':') {
        Some((name, port))
            if !name.contains(':') || (name.starts_with('[') && name.ends_with(']')) =>
        {
            let port = port
                .parse()
                .map_err(|_| PyValueError::new_err(format!("bad port in host {host:?}")))?;
            Ok((name, port))
        }
        _ => Ok((host, 143)),
    }
}

/// The strongest password mechanism among `mechanisms` (SCRAM-SHA-256 first), or None.
#[pyfunction]
pub(crate) fn _sasl_preferred(mechanisms: Vec<String>) -> Option<&'static str> {
    let names: Vec<&str> = mechanisms.iter().map(String::as_str).collect();
    sasl::preferred(&names)
}
