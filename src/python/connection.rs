//! `_Connection`: the connection core as a Python object, for `imaprs.IMAP4` and
//! `imaprs.imaplib`.
//!
//! Conversions only: arguments become command parts through the core's builder, responses
//! become `IMAP4Response` objects, and the GIL is released for every network wait. The core
//! is full duplex, so one thread may write while another waits for the server.

use std::sync::Mutex;
use std::time::Duration;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};

use super::errors::client_error;
use super::reader::LiteralChunk;
use super::response::{new_response_cached, untrack};
use super::session::{encode_command, parts_list, PySession, Route};
use super::strcache::StrCache;
use crate::client::connection::{Connection, Item};
use crate::client::tls::{self, TlsOptions};
use crate::client::transport::Transport;
use crate::client::Error;
use crate::proto::command::{NonSyncLiterals, Part};
use crate::proto::session::Fit;
use crate::proto::{parse_response, Limits, Tokens};

/// A connection to an IMAP server (internal; use `imaprs.IMAP4`).
#[pyclass(module = "imaprs", name = "_Connection", frozen)]
pub(crate) struct PyConnection {
    conn: Connection,
    strings: Mutex<(StrCache, Tokens)>,
    greeting: Vec<u8>,
    limits: Limits,
    host: String,
}

#[pymethods]
impl PyConnection {
    /// Connects, over TLS when `tls` (an `imaprs.TLSOptions`) is given, and reads the
    /// greeting. With `argv`, runs that command and talks over its stdin and stdout instead.
    #[new]
    /// `deadline` bounds the whole greeting. Every network wait is cut in short slices,
    /// between which Python's signal handlers run: Ctrl-C interrupts a wait (the connection
    /// is then closed). `crlf_relaxed` accepts lines ending in a bare LF.
    #[pyo3(signature = (host, port, timeout=None, tls=None, *, argv=None, max_line=None, deadline=None, crlf_relaxed=false))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        host: String,
        port: u16,
        timeout: Option<f64>,
        tls: Option<&Bound<'_, PyAny>>,
        argv: Option<Vec<String>>,
        max_line: Option<usize>,
        deadline: Option<f64>,
        crlf_relaxed: bool,
    ) -> PyResult<Self> {
        let timeout = duration(timeout)?;
        let deadline = duration(deadline)?;
        let options = tls.map(tls_options).transpose()?;
        let mut limits = Limits {
            crlf_relaxed,
            ..Limits::default()
        };
        if let Some(max_line) = max_line {
            limits.max_line = max_line;
        }
        let (conn, greeting) = py
            .detach(|| -> Result<(Connection, Vec<u8>), Error> {
                let transport = match (&argv, &options) {
                    (Some(argv), _) => Transport::spawn(argv)?,
                    (None, Some(opts)) => {
                        let config = tls::client_config(opts)?;
                        let name = opts.server_name_for(&host)?;
                        Transport::connect_tls(&host, port, timeout, &config, name)?
                    }
                    (None, None) => Transport::connect(&host, port, timeout)?,
                };
                let mut transport = transport;
                transport.set_read_timeout(timeout)?;
                transport.set_write_timeout(timeout)?;
                Connection::open_within(transport, limits, timeout, Some(interrupted), deadline)
            })
            .map_err(|e| waited_error(py, &e))?;
        Ok(PyConnection {
            conn,
            strings: Mutex::new((StrCache::new(), Tokens::new())),
            greeting,
            limits,
            host,
        })
    }

    /// The greeting, as an `IMAP4Response`.
    #[getter]
    fn greeting<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let mut tokens = Tokens::new();
        let rsp = parse_response(&self.greeting, &mut tokens, &self.limits)
            .map_err(|e| client_error(py, &Error::Parse(e)))?;
        new_response_cached(py, &rsp, None)
    }

    /// The greeting, as the server sent it.
    #[getter]
    fn greeting_raw<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.greeting)
    }

    /// `(encrypted, compressed)`.
    #[getter]
    fn link(&self) -> (bool, bool) {
        self.conn.link_state()
    }

    /// `(header, sync)`: the header of a literal of `size` bytes whose data the caller
    /// writes itself (APPEND from a buffer or file), and whether to wait for `+` first.
    fn literal_header<'py>(&self, py: Python<'py>, size: u64) -> (Bound<'py, PyBytes>, bool) {
        let (header, sync) = self.conn.literal_header(size);
        (PyBytes::new(py, &header), sync)
    }

    /// Uses LITERAL+ (`plus`) or LITERAL- (`minus`) for literals from now on.
    fn set_literal_plus(&self, plus: bool, minus: bool) {
        self.conn
            .set_non_sync(NonSyncLiterals::from_capabilities(plus, minus));
    }

    /// How long a network wait may last (None: forever).
    fn set_timeout(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<()> {
        let timeout = duration(timeout)?;
        self.conn
            .set_timeout(timeout)
            .map_err(|e| client_error(py, &e))
    }

    /// Seconds one response may take once it has started arriving (None: no bound).
    fn set_deadline(&self, deadline: Option<f64>) -> PyResult<()> {
        self.conn.set_deadline(duration(deadline)?);
        Ok(())
    }

    /// Ends read batches at the completion tagged `tag` (None: no barrier); for STARTTLS and
    /// COMPRESS, after which nothing may be read before the switch.
    fn set_barrier(&self, tag: Option<&str>) {
        self.conn.set_barrier(tag);
    }

    /// Literals of at least `threshold` bytes are read as `LiteralChunk`s (None: never).
    fn set_stream_threshold(&self, threshold: Option<u64>) {
        self.conn.set_stream_threshold(threshold);
    }

    /// The wire form of `tag name args...` (arguments as in `imaprs/_imaprs.pyi`: `str` as
    /// atom, quoted string or literal as needed, `bytes` as a literal, `int` as a number,
    /// `None` as NIL, `list`/`tuple` as a parenthesised list, `Raw` as it is): a list of `bytes`
    /// (text to write) and `(bytes, sync)` tuples (a literal's data; when `sync`, write it only
    /// after the server's `+`).
    fn encode<'py>(
        &self,
        py: Python<'py>,
        tag: &str,
        name: &str,
        args: &Bound<'py, PyList>,
    ) -> PyResult<Bound<'py, PyList>> {
        encode_command(py, tag, name, args, self.conn.non_sync())
    }

    /// Writes `data` as it is.
    fn write(&self, py: Python<'_>, data: &[u8]) -> PyResult<()> {
        let conn = &self.conn;
        py.detach(|| conn.write(data))
            .map_err(|e| client_error(py, &e))
    }

    /// Tags, encodes and tracks command `name` through `session` (as `_Session.command`
    /// does) and writes it when it is one line: `(tag, None)`. A command with literals is
    /// not written: `(tag, parts)`, as `_Session.command` gives them, for the caller to
    /// write (after `+` for a synchronising literal).
    #[pyo3(signature = (session, name, upper, args, seqset=None))]
    fn send<'py>(
        &self,
        py: Python<'py>,
        session: &Bound<'py, PySession>,
        name: &str,
        upper: &str,
        args: &Bound<'py, PyList>,
        seqset: Option<&str>,
    ) -> PyResult<(String, Option<Bound<'py, PyList>>)> {
        let (tag, parts) = session.get().tagged(py, name, upper, args, seqset)?;
        if let [Part::Text(text)] = parts.as_slice() {
            let conn = &self.conn;
            py.detach(|| conn.write(text))
                .map_err(|e| client_error(py, &e))?;
            return Ok((tag, None));
        }
        Ok((tag, Some(parts_list(py, parts)?)))
    }

    /// The next response. Tags and continuation requests are not checked against a
    /// session: the caller drives the exchange itself.
    fn read<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let conn = &self.conn;
        let frame = py
            .detach(|| conn.read_response())
            .map_err(|e| waited_error(py, &e))?;
        let mut tokens = Tokens::new();
        let rsp = parse_response(&frame, &mut tokens, &self.limits)
            .map_err(|e| super::errors::parse_error(py, &e, Some(&frame)))?;
        new_response_cached(py, &rsp, None)
    }

    /// At least one and at most `max` `(response or LiteralChunk, claiming tag or None)`
    /// pairs, routed by `session` (which they update: completions end their command, a `+`
    /// answers the command waiting for it): waits for the first, then takes what is already
    /// buffered. A response that does not parse raises `ParseError` (with `.raw`) when it
    /// comes first; otherwise the batch ends before it. A response that breaks the
    /// conversation closes the connection and ends the batch as a `ProtocolError`.
    #[pyo3(signature = (session, max=256))]
    fn read_batch<'py>(
        &self,
        py: Python<'py>,
        session: &Bound<'py, PySession>,
        max: usize,
    ) -> PyResult<Bound<'py, PyList>> {
        let conn = &self.conn;
        let items = py
            .detach(|| conn.read_items(max))
            .map_err(|e| waited_error(py, &e))?;
        self.batch(py, items, session.get())
    }

    /// `read_batch` for command `tag`, which this thread sent while nothing else was in
    /// flight: `(responses, completion)` when the batch is the command's responses (none of
    /// them news for the selected mailbox) and then its completion, last; otherwise
    /// `(batch, None)`, the batch as `read_batch` gives it, to be routed the general way.
    fn read_for<'py>(
        &self,
        py: Python<'py>,
        session: &Bound<'py, PySession>,
        tag: &str,
    ) -> PyResult<(Bound<'py, PyList>, Option<Bound<'py, PyAny>>)> {
        let session = session.get();
        let conn = &self.conn;
        let items = py
            .detach(|| conn.read_items(256))
            .map_err(|e| waited_error(py, &e))?;
        let mine = PyList::empty(py);
        untrack(&mine);
        let mut items = items.into_iter();
        while let Some(item) = items.next() {
            let (obj, route) = match self.routed(py, &item, session, Some(tag)) {
                Ok((obj, _, Fit::Part)) => {
                    mine.append(obj)?;
                    continue;
                }
                Ok((obj, _, Fit::End)) if items.len() == 0 => return Ok((mine, Some(obj))),
                Ok((obj, route, _)) => (obj, route),
                Err(err) => {
                    let out = claimed_pairs(py, &mine, tag)?;
                    self.batch_failed(py, &out, err, item, items)?;
                    return Ok((out, None));
                }
            };
            // Something else: the whole batch goes the general way.
            let out = claimed_pairs(py, &mine, tag)?;
            out.append(pair(py, obj, &route)?)?;
            self.batch_into(py, &out, items, session)?;
            return Ok((out, None));
        }
        // The completion is still to come.
        Ok((claimed_pairs(py, &mine, tag)?, None))
    }

    /// `read_batch` without waiting: what is buffered or already on the socket (maybe
    /// nothing).
    #[pyo3(signature = (session, max=256))]
    fn read_ready<'py>(
        &self,
        py: Python<'py>,
        session: &Bound<'py, PySession>,
        max: usize,
    ) -> PyResult<Bound<'py, PyList>> {
        let conn = &self.conn;
        let items = py
            .detach(|| conn.read_ready(max))
            .map_err(|e| client_error(py, &e))?;
        self.batch(py, items, session.get())
    }

    /// The responses that can be had without waiting (buffered, or already on the socket),
    /// as the server sent them, joined; `b""` when there are none.
    fn read_raw_ready<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let conn = &self.conn;
        let items = py
            .detach(|| conn.read_ready(256))
            .map_err(|e| client_error(py, &e))?;
        let mut out = Vec::new();
        for item in items {
            if let Item::Response(frame) = item {
                out.extend_from_slice(&frame);
            }
        }
        Ok(PyBytes::new(py, &out))
    }

    /// The next response as the server sent it: the line, every literal, the final CRLF.
    fn read_raw<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let conn = &self.conn;
        let frame = py
            .detach(|| conn.read_response())
            .map_err(|e| waited_error(py, &e))?;
        Ok(PyBytes::new(py, &frame))
    }

    /// True when a response is buffered (reading it will not wait on the network).
    fn has_buffered(&self, py: Python<'_>) -> PyResult<bool> {
        self.conn
            .has_buffered_response()
            .map_err(|e| client_error(py, &e))
    }

    /// Upgrades to TLS; call right after reading the tagged OK to STARTTLS. Refuses
    /// (TLSError, connection closed) when the server sent anything after that OK.
    fn starttls(&self, py: Python<'_>, tls: &Bound<'_, PyAny>) -> PyResult<()> {
        let opts = tls_options(tls)?;
        let conn = &self.conn;
        let host = &self.host;
        py.detach(|| -> Result<(), Error> {
            let config = tls::client_config(&opts)?;
            conn.start_tls(&config, opts.server_name_for(host)?)
        })
        .map_err(|e| client_error(py, &e))
    }

    /// Turns on DEFLATE both ways; call right after reading the tagged OK to COMPRESS.
    #[pyo3(signature = (level=6))]
    fn compress(&self, py: Python<'_>, level: u32) -> PyResult<()> {
        self.conn.compress(level).map_err(|e| client_error(py, &e))
    }

    // -- the socket and TLS, as `socket.socket` and `ssl.SSLSocket` show them --------------

    /// The socket's file descriptor, for `select`/`poll` (-1 when there is none).
    fn fileno(&self) -> i64 {
        self.conn.with_transport(|t| t.fileno()).unwrap_or(-1)
    }

    /// Non-blocking reads on or off: when on, a read with nothing to deliver raises
    /// `IMAP4Timeout` at once and the connection stays usable.
    fn set_blocking(&self, py: Python<'_>, blocking: bool) -> PyResult<()> {
        self.conn
            .with_transport(|t| t.set_nonblocking(!blocking))
            .map_err(|e| client_error(py, &e))?;
        self.conn.set_nonblocking_reads(!blocking);
        Ok(())
    }

    /// Bytes received but not yet read (whole or partial responses, decrypted TLS data).
    fn buffered(&self) -> usize {
        self.conn.buffered_bytes()
    }

    /// `(version, cipher, secret bits)` of the TLS session, OpenSSL's names; None without TLS.
    fn tls_session(&self) -> Option<(&'static str, String, u32)> {
        self.conn.with_transport(|t| t.tls_session())
    }

    /// The server's certificate, DER; None without TLS.
    fn peer_certificate<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        let der = self.conn.with_transport(|t| t.peer_certificate_der())?;
        Some(PyBytes::new(py, &der))
    }

    /// Closes the connection; a thread waiting to read wakes with `ConnectionClosed`.
    fn close(&self, py: Python<'_>) {
        let conn = &self.conn;
        py.detach(|| conn.shutdown());
    }
}

impl PyConnection {
    /// `(object, claiming tag)` pairs for the items of one read; a violation of the
    /// conversation ends the list with the exception (see `read_batch`).
    fn batch<'py>(
        &self,
        py: Python<'py>,
        items: Vec<Item>,
        session: &PySession,
    ) -> PyResult<Bound<'py, PyList>> {
        // Neither the list nor its pairs (responses, chunks and tags, none of which can be part
        // of a reference cycle) are tracked by the garbage collector: a command read would
        // otherwise add three objects for every collection to walk.
        let out = PyList::empty(py);
        untrack(&out);
        self.batch_into(py, &out, items.into_iter(), session)?;
        Ok(out)
    }

    /// Appends the `(object, claiming tag)` pairs of `items` to `out` (see `read_batch` for
    /// what a response that fails does).
    fn batch_into<'py>(
        &self,
        py: Python<'py>,
        out: &Bound<'py, PyList>,
        mut items: std::vec::IntoIter<Item>,
        session: &PySession,
    ) -> PyResult<()> {
        while let Some(item) = items.next() {
            match self.routed(py, &item, session, None) {
                Ok((obj, route, _)) => out.append(pair(py, obj, &route)?)?,
                Err(err) => return self.batch_failed(py, out, err, item, items),
            }
        }
        Ok(())
    }

    /// A batch's item failed: raised when it came first (what came after it is read next,
    /// so no complete response is lost); else the batch ends before it, or with the error
    /// when the conversation broke (a violation, which fails every command in flight).
    fn batch_failed<'py>(
        &self,
        py: Python<'py>,
        out: &Bound<'py, PyList>,
        err: PyErr,
        item: Item,
        items: std::vec::IntoIter<Item>,
    ) -> PyResult<()> {
        if out.is_empty() {
            self.conn.unread(items.collect());
            return Err(err);
        }
        if self.conn.closed_reason().is_some() {
            out.append((err.into_value(py), py.None()))?;
        } else {
            self.conn
                .unread(std::iter::once(item).chain(items).collect());
        }
        Ok(())
    }

    /// One item read, routed by `session`: the object, the tag of the command that claims
    /// it, and, with `until`, how it bears on that command's exchange.
    fn routed<'py>(
        &self,
        py: Python<'py>,
        item: &Item,
        session: &PySession,
        until: Option<&str>,
    ) -> PyResult<(Bound<'py, PyAny>, Route, Fit)> {
        match item {
            Item::Response(frame) => {
                let mut guard = self
                    .strings
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let (strings, tokens) = &mut *guard;
                let rsp = parse_response(frame, tokens, &self.limits)
                    .map_err(|e| super::errors::parse_error(py, &e, Some(frame)))?;
                let (route, non_sync, fit) = session.route(&rsp, until).map_err(|v| {
                    let err = self.conn.close_with(Error::Protocol(v.to_string()));
                    client_error(py, &err)
                })?;
                if let Some(non_sync) = non_sync {
                    self.conn.set_non_sync(non_sync); // literals follow the capabilities
                }
                Ok((new_response_cached(py, &rsp, Some(strings))?, route, fit))
            }
            Item::Chunk {
                head,
                index,
                offset,
                total,
                data,
            } => {
                let chunk = LiteralChunk::new(py, head, *index, *offset, *total, data);
                let route = session.route_chunk(head);
                Ok((Bound::new(py, chunk)?.into_any(), route, Fit::Other))
            }
        }
    }
}

/// `responses`, all claimed by `tag`, as a batch of pairs.
fn claimed_pairs<'py>(
    py: Python<'py>,
    responses: &Bound<'py, PyList>,
    tag: &str,
) -> PyResult<Bound<'py, PyList>> {
    let out = PyList::empty(py);
    untrack(&out);
    let route = Route::Tag(tag.to_owned());
    for obj in responses.iter() {
        out.append(pair(py, obj, &route)?)?;
    }
    Ok(out)
}

/// `(object, claiming tag or None)`, untracked by the garbage collector.
fn pair<'py>(
    py: Python<'py>,
    obj: Bound<'py, PyAny>,
    route: &Route,
) -> PyResult<Bound<'py, PyTuple>> {
    let claimed = match route {
        Route::Tag(tag) => PyString::new(py, tag).into_any(),
        Route::None => py.None().into_bound(py),
    };
    let pair = PyTuple::new(py, [obj, claimed])?;
    untrack(&pair);
    Ok(pair)
}

/// Tells the engine that os.fork() made this process (`child`), or, with `child=False`,
/// that such calls will come: connections then skip asking the system for the process id on
/// every read and write (see `client::connection::note_fork`).
#[pyfunction]
pub(crate) fn _note_fork(child: bool) {
    crate::client::connection::note_fork(child);
}

thread_local! {
    /// The exception a signal handler raised during a network wait of this thread.
    static INTERRUPTED: std::cell::RefCell<Option<PyErr>> = const { std::cell::RefCell::new(None) };
}

/// The connection's interrupt hook: runs Python's signal handlers (with the GIL, between
/// two slices of a wait); what one raises (KeyboardInterrupt) is kept for [`waited_error`].
fn interrupted() -> bool {
    Python::attach(|py| match py.check_signals() {
        Ok(()) => false,
        Err(err) => {
            INTERRUPTED.with(|slot| *slot.borrow_mut() = Some(err));
            true
        }
    })
}

/// The Python exception for an error that ended a network wait: the one a signal handler
/// raised during it, if any, else the mapped `err`.
fn waited_error(py: Python<'_>, err: &Error) -> PyErr {
    INTERRUPTED
        .with(|slot| slot.borrow_mut().take())
        .unwrap_or_else(|| client_error(py, err))
}

fn duration(timeout: Option<f64>) -> PyResult<Option<Duration>> {
    match timeout {
        Some(t) if !(t > 0.0 && t.is_finite()) => {
            Err(PyValueError::new_err("timeout must be positive"))
        }
        Some(t) => Ok(Some(Duration::from_secs_f64(t))),
        None => Ok(None),
    }
}

pub(crate) fn tls_options(obj: &Bound<'_, PyAny>) -> PyResult<TlsOptions> {
    Ok(TlsOptions {
        verify: obj.getattr("verify")?.extract()?,
        check_hostname: obj.getattr("check_hostname")?.extract()?,
        ca_certs_der: obj.getattr("ca_certs_der")?.extract()?,
        use_default_roots: obj.getattr("use_default_roots")?.extract()?,
        client_cert_chain_pem: obj.getattr("client_cert_pem")?.extract()?,
        client_key_pem: obj.getattr("client_key_pem")?.extract()?,
        server_name: obj.getattr("server_name")?.extract()?,
    })
}
