//! `_Link`: the link without I/O ([`crate::client::link`]) as a Python object, for drivers
//! that own their socket (the asyncio face): TLS and DEFLATE on buffers.
//!
//! Conversions only; nothing here blocks.

use std::cell::RefCell;
use std::sync::{Mutex, MutexGuard, PoisonError};

use pyo3::prelude::*;
use pyo3::types::PyBytes;

use super::connection::tls_options;
use super::errors::client_error;
use crate::client::link::Link;
use crate::client::tls;

/// Most bytes one `read` returns: inflating cannot make one call's result grow without end.
const READ_MAX: usize = 256 * 1024;

thread_local! {
    /// Scratch space for `read`, one per thread rather than one per link: a process may hold
    /// thousands of idle links, and the bytes are copied out before `read` returns.
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// TLS and DEFLATE between a session's bytes and a socket's (internal).
#[pyclass(module = "imaprs", name = "_Link", frozen)]
pub(crate) struct PyLink {
    inner: Mutex<Link>,
    host: String,
}

#[pymethods]
impl PyLink {
    /// A clear-text link to `host`, or a TLS one from the first byte when `tls` (an
    /// `imaprs.TLSOptions`) is given; its first handshake bytes are then outgoing at once.
    #[new]
    #[pyo3(signature = (host, tls=None))]
    fn new(py: Python<'_>, host: String, tls: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let link = match tls {
            None => Link::plain(),
            Some(options) => {
                let opts = tls_options(options)?;
                tls::client_config(&opts)
                    .and_then(|config| Link::tls(config, opts.server_name_for(&host)?))
                    .map_err(|e| client_error(py, &e))?
            }
        };
        Ok(PyLink {
            inner: Mutex::new(link),
            host,
        })
    }

    /// Bytes read from the socket.
    fn receive(&self, data: &[u8]) {
        self.lock().receive(data);
    }

    /// The session's bytes that can be had from what was received (`b""`: none yet; call
    /// again until then). An error (the server ended the stream, a bad record) is raised
    /// once the bytes before it have been returned.
    fn read<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let (data, failed) = SCRATCH.with(|cell| {
            // A fresh buffer should the thread's be in use (a read nested in another).
            let mut own = Vec::new();
            let mut borrowed = cell.try_borrow_mut();
            let scratch = match borrowed.as_deref_mut() {
                Ok(shared) => shared,
                Err(_) => &mut own,
            };
            scratch.resize(READ_MAX, 0);
            let (filled, failed) = self.read_into(scratch);
            (PyBytes::new(py, &scratch[..filled]), failed)
        });
        match failed {
            Some(err) => Err(client_error(py, &err)),
            None => Ok(data),
        }
    }

    /// Queues the session's bytes to send.
    fn send(&self, py: Python<'_>, data: &[u8]) -> PyResult<()> {
        let sent = self.lock().send(data);
        sent.map_err(|e| client_error(py, &e))
    }

    /// Takes the bytes waiting for the socket.
    fn take_outgoing<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let mut link = self.lock();
        let out = PyBytes::new(py, link.outgoing());
        let n = link.outgoing().len();
        link.consumed(n);
        out
    }

    /// Starts TLS (`tls`: an `imaprs.TLSOptions`) after the server's OK to STARTTLS.
    fn start_tls(&self, py: Python<'_>, tls: &Bound<'_, PyAny>) -> PyResult<()> {
        let opts = tls_options(tls)?;
        let started = tls::client_config(&opts).and_then(|config| {
            let name = opts.server_name_for(&self.host)?;
            self.lock().start_tls(config, name)
        });
        started.map_err(|e| client_error(py, &e))
    }

    /// Turns on DEFLATE both ways after the server's OK to COMPRESS.
    #[pyo3(signature = (level=6))]
    fn start_compress(&self, py: Python<'_>, level: u32) -> PyResult<()> {
        let started = self.lock().start_compress(level);
        started.map_err(|e| client_error(py, &e))
    }

    /// Whether a TLS handshake is under way.
    #[getter]
    fn handshaking(&self) -> bool {
        self.lock().is_handshaking()
    }

    /// `(encrypted, compressed)`.
    #[getter]
    fn state(&self) -> (bool, bool) {
        self.lock().state()
    }
}

impl PyLink {
    /// Fills `scratch` with what the link can give; the error that stopped it when nothing
    /// came before it (the link stays failed, so a later call reports one that did).
    fn read_into(&self, scratch: &mut [u8]) -> (usize, Option<crate::client::Error>) {
        let mut link = self.lock();
        let mut filled = 0;
        while filled < scratch.len() {
            match link.read(&mut scratch[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(_) if filled > 0 => break,
                Err(err) => return (filled, Some(err)),
            }
        }
        (filled, None)
    }

    fn lock(&self) -> MutexGuard<'_, Link> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
