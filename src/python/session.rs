//! `_Session` and `_Unclaimed`: the sans-I/O session of the core ([`crate::proto::session`])
//! as Python objects, for the blocking engine (`imaprs._engine`), which drives them.
//!
//! Conversions only. No Python code runs while a session's lock is held, so threads that
//! share a connection cannot deadlock on it.

use std::sync::{Mutex, MutexGuard, PoisonError};

use pyo3::exceptions::{PyKeyError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PySet, PyTuple};

use super::args::{add_args, to_args, Arg};
use super::errors::{client_error, overflow_error, parse_error};
use super::reader::LiteralChunk;
use super::response::new_response_cached;
use crate::client::connection::random_prefix;
use crate::client::Error;
use crate::proto::command::{CommandBuilder, NonSyncLiterals, Part};
use crate::proto::session::{
    literal_header, Capabilities, Coalesce, Event, Fit, Routed, Session, SessionError, State,
    Unclaimed, Violation, Wait,
};
use crate::proto::{parse_response, Limits, Response, Tokens};

/// One conversation's client state: tags, commands in flight and what they claim, the
/// continuation a command waits for (internal; `imaprs.IMAP4` drives it).
#[pyclass(module = "imaprs", name = "_Session", frozen)]
pub(crate) struct PySession {
    inner: Mutex<Session>,
}

#[pymethods]
impl PySession {
    /// `max_line` bounds a response line received through `receive` (bytes).
    #[new]
    /// With `greeting`, the first response received must be the server's greeting.
    #[pyo3(signature = (max_line=None, greeting=false))]
    fn new(max_line: Option<usize>, greeting: bool) -> Self {
        let mut limits = Limits::default();
        if let Some(max_line) = max_line {
            limits.max_line = max_line;
        }
        let mut session = Session::new(&random_prefix(), limits);
        if greeting {
            session.expect_greeting();
        }
        PySession {
            inner: Mutex::new(session),
        }
    }

    /// Bytes received from the server (after TLS and DEFLATE), in order.
    fn receive(&self, data: &[u8]) {
        self.lock().receive(data);
    }

    /// Literals of at least `threshold` bytes come from `next_event` as chunks (None: never).
    fn set_stream_threshold(&self, threshold: Option<u64>) {
        self.lock().set_stream_threshold(threshold);
    }

    /// The next event from the bytes received, None when they hold no complete one:
    /// `("greeting", None, rsp)` first when the session expects one, then
    /// `("done", tag, rsp)`, `("continue", tag, rsp)`, `("claimed", tag, rsp)`,
    /// `("unclaimed", None, rsp)` or `("chunk", tag or None, LiteralChunk)`. Raises
    /// `ParseError`/`LimitError` for bytes that are not IMAP and `ProtocolError` for a
    /// response that breaks the conversation; the session cannot go on after either.
    fn next_event<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyTuple>>> {
        let (event, limits) = {
            let mut session = self.lock();
            (session.next_event(), *session.limits())
        };
        let event = match event {
            Ok(Some(event)) => event,
            Ok(None) => return Ok(None),
            Err(SessionError::Parse(err)) => return Err(parse_error(py, &err, None)),
            Err(SessionError::Violation(v)) => {
                return Err(client_error(py, &Error::Protocol(v.to_string())))
            }
        };
        let (kind, tag, frame) = match event {
            Event::Greeting { frame, .. } => ("greeting", None, frame),
            Event::Completed { tag, frame } => ("done", Some(tag), frame),
            Event::Continuation { tag, frame } => ("continue", Some(tag), frame),
            Event::Claimed { tag, frame } => ("claimed", Some(tag), frame),
            Event::Unclaimed { frame } => ("unclaimed", None, frame),
            Event::Chunk {
                tag,
                head,
                index,
                offset,
                total,
                data,
            } => {
                let chunk = LiteralChunk::new(py, &head, index, offset, total, &data);
                let chunk = Bound::new(py, chunk)?.into_any();
                return Ok(Some(PyTuple::new(
                    py,
                    [
                        "chunk".into_pyobject(py)?.into_any(),
                        tag.into_pyobject(py)?.into_any(),
                        chunk,
                    ],
                )?));
            }
        };
        let mut tokens = Tokens::new();
        let rsp = parse_response(&frame, &mut tokens, &limits)
            .map_err(|e| parse_error(py, &e, Some(&frame)))?;
        let obj = new_response_cached(py, &rsp, None)?;
        Ok(Some(PyTuple::new(
            py,
            [
                kind.into_pyobject(py)?.into_any(),
                tag.into_pyobject(py)?.into_any(),
                obj,
            ],
        )?))
    }

    /// Every event the bytes received hold now, in a list: what `next_event` gives one by
    /// one, in one call. An error after some events ends the list as `("error", None,
    /// exc)`; an error before any is raised.
    fn events<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let out = PyList::empty(py);
        loop {
            match self.next_event(py) {
                Ok(Some(event)) => out.append(event)?,
                Ok(None) => break,
                Err(err) if out.is_empty() => return Err(err),
                Err(err) => {
                    out.append(("error", py.None(), err.into_value(py)))?;
                    break;
                }
            }
        }
        Ok(out)
    }

    /// The wire form of `tag name args...` as `_Connection.encode` gives it, literals
    /// following the capabilities the session knows.
    fn encode<'py>(
        &self,
        py: Python<'py>,
        tag: &str,
        name: &str,
        args: &Bound<'py, PyList>,
    ) -> PyResult<Bound<'py, PyList>> {
        let non_sync = self.lock().capabilities().non_sync();
        encode_command(py, tag, name, args, non_sync)
    }

    /// Tags, encodes and tracks command `name` (upper-cased: `upper`) with `args` in one
    /// step: `(tag, wire)`, `wire` being the command's `bytes` when it is one line, else the
    /// parts as `encode` gives them. The command claims what `track` says from now on; an
    /// argument refused leaves no trace (nothing tagged, nothing tracked).
    #[pyo3(signature = (name, upper, args, seqset=None))]
    fn command<'py>(
        &self,
        py: Python<'py>,
        name: &str,
        upper: &str,
        args: &Bound<'py, PyList>,
        seqset: Option<&str>,
    ) -> PyResult<(String, Bound<'py, PyAny>)> {
        let (tag, parts) = self.tagged(py, name, upper, args, seqset)?;
        let wire = match parts.as_slice() {
            [Part::Text(text)] => PyBytes::new(py, text).into_any(),
            _ => parts_list(py, parts)?.into_any(),
        };
        Ok((tag, wire))
    }

    /// `(header, sync)`: the header of a literal of `size` bytes whose data the caller
    /// writes itself (APPEND from a buffer or file), and whether to wait for `+` first, as
    /// the capabilities the session knows allow.
    fn literal_header<'py>(&self, py: Python<'py>, size: u64) -> (Bound<'py, PyBytes>, bool) {
        let non_sync = self.lock().capabilities().non_sync();
        let (header, sync) = literal_header(size, non_sync);
        (PyBytes::new(py, &header), sync)
    }

    /// A new tag; its completion is expected from now on.
    fn tag(&self) -> String {
        self.lock().tag()
    }

    /// The command `tag` is named `name` and, for FETCH/STORE, names `seqset`.
    #[pyo3(signature = (tag, name, seqset=None))]
    fn track(&self, tag: &str, name: &str, seqset: Option<&str>) {
        self.lock().track(tag, name, seqset);
    }

    /// `tag` was never sent (its command was refused before a byte was written).
    fn unsent(&self, tag: &str) {
        self.lock().unsent(tag);
    }

    /// Whether a command `name` (with `seqset`) must wait for a command in flight whose
    /// responses could not be told from its own (any command, when `exclusive`).
    #[pyo3(signature = (name, seqset=None, exclusive=false))]
    fn conflicts(&self, name: &str, seqset: Option<&str>, exclusive: bool) -> bool {
        self.lock().conflicts(name, seqset, exclusive)
    }

    /// The command `tag` waits for a `+` from now on, before a synchronising literal when
    /// `literal` (then a tagged OK instead is a protocol violation), else in an exchange
    /// (AUTHENTICATE, IDLE); `tag=None`: no command waits. Call before writing.
    #[pyo3(signature = (tag, literal=false))]
    fn expect_continuation(&self, tag: Option<&str>, literal: bool) {
        let why = if literal {
            Wait::Literal
        } else {
            Wait::Exchange
        };
        self.lock().expect(tag, why);
    }

    /// Bytes received that do not make a whole event yet (a response under way).
    #[getter]
    fn buffered(&self) -> usize {
        self.lock().buffered()
    }

    /// How many commands are in flight.
    #[getter]
    fn in_flight(&self) -> usize {
        self.lock().in_flight()
    }

    /// `'!auth'`, `'auth'`, `'selected'` or `'logout'`.
    #[getter]
    fn state(&self) -> &'static str {
        self.lock().state().name()
    }

    #[setter]
    fn set_state(&self, name: &str) -> PyResult<()> {
        let state = State::from_name(name)
            .ok_or_else(|| PyValueError::new_err(format!("not a connection state: {name:?}")))?;
        self.lock().set_state(state);
        Ok(())
    }

    /// The server's capabilities as last stated, upper case (a new set each time).
    fn capabilities<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PySet>> {
        let names: Vec<String> = self
            .lock()
            .capabilities()
            .iter()
            .map(str::to_owned)
            .collect();
        PySet::new(py, names)
    }

    /// Replaces the capabilities; returns `(literal_plus, literal_minus)` for the
    /// connection's literals.
    fn set_capabilities(&self, names: Vec<String>) -> (bool, bool) {
        let caps = Capabilities::from_names(names.iter().map(String::as_str));
        let plus = (caps.contains("LITERAL+"), caps.contains("LITERAL-"));
        self.lock().set_capabilities(caps);
        plus
    }

    /// Bumped whenever the capabilities are replaced.
    #[getter]
    fn capabilities_version(&self) -> u64 {
        self.lock().capabilities_version()
    }
}

/// Where a response read goes: the tag of the command that claims it (None for completions,
/// continuations and unclaimed data).
pub(crate) enum Route {
    Tag(String),
    None,
}

impl PySession {
    fn lock(&self) -> MutexGuard<'_, Session> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// What `command` does, the parts left as the builder made them.
    pub(crate) fn tagged(
        &self,
        py: Python<'_>,
        name: &str,
        upper: &str,
        args: &Bound<'_, PyList>,
        seqset: Option<&str>,
    ) -> PyResult<(String, Vec<Part>)> {
        let args = to_args(args.as_any())?;
        let mut session = self.lock();
        let tag = session.tag();
        let non_sync = session.capabilities().non_sync();
        match build(&tag, name, &args, non_sync) {
            Ok(parts) => {
                session.track(&tag, upper, seqset);
                Ok((tag, parts))
            }
            Err(err) => {
                session.unsent(&tag);
                drop(session);
                Err(client_error(py, &err))
            }
        }
    }

    /// Routes one response read (see [`Session::route`]); with the literals the server
    /// accepts when the response changed the capabilities, and, with `until`, how the
    /// response bears on that command's exchange ([`Routed::fit`]).
    pub(crate) fn route(
        &self,
        rsp: &Response<'_>,
        until: Option<&str>,
    ) -> Result<(Route, Option<NonSyncLiterals>, Fit), Violation> {
        let mut session = self.lock();
        let before = session.capabilities_version();
        let routed = session.route(rsp)?;
        let fit = until.map_or(Fit::Other, |tag| routed.fit(rsp, tag));
        let route = match routed {
            Routed::Claimed(tag) => Route::Tag(tag.to_owned()),
            Routed::Completed | Routed::Continuation(_) | Routed::Unclaimed => Route::None,
        };
        let changed = session.capabilities_version() != before;
        Ok((
            route,
            changed.then(|| session.capabilities().non_sync()),
            fit,
        ))
    }

    /// The command that claims the response whose streamed literal starts with `head`.
    pub(crate) fn route_chunk(&self, head: &[u8]) -> Route {
        match self.lock().route_chunk(head) {
            Some(tag) => Route::Tag(tag.to_owned()),
            None => Route::None,
        }
    }
}

/// The unclaimed queue: responses no command claimed, oldest first, EXISTS/RECENT/FLAGS
/// coalesced to the newest, bounded (internal; `IMAP4.queue`). Read like an ordered mapping
/// of arrival number (`seq`) to response.
#[pyclass(module = "imaprs", name = "_Unclaimed", frozen, mapping)]
pub(crate) struct PyUnclaimed {
    inner: Mutex<Unclaimed<Py<PyAny>>>,
}

#[pymethods]
impl PyUnclaimed {
    #[new]
    fn new(bound: usize) -> Self {
        PyUnclaimed {
            inner: Mutex::new(Unclaimed::new(bound)),
        }
    }

    /// Queues `rsp`. Raises `LimitError` (`max_unclaimed`) when the queue is then over its
    /// bound; `rsp` is queued all the same.
    fn push(&self, rsp: &Bound<'_, PyAny>) -> PyResult<()> {
        let (seq, coalesce) = place(rsp)?;
        let result = self.lock().push(seq, rsp.clone().unbind(), coalesce);
        // Dropped responses are released here, after the lock.
        result.map(drop).map_err(|e| overflow_error(&e))
    }

    /// Puts taken responses back, each in its arrival place.
    fn defer(&self, rsps: Vec<Bound<'_, PyAny>>) -> PyResult<()> {
        let placed = rsps
            .into_iter()
            .map(|r| Ok((place(&r)?, r.unbind())))
            .collect::<PyResult<Vec<_>>>()?;
        let mut queue = self.lock();
        for ((seq, coalesce), rsp) in placed {
            queue.defer(seq, rsp, coalesce);
        }
        Ok(())
    }

    /// Takes the oldest response (None when empty).
    fn popleft(&self) -> Option<Py<PyAny>> {
        self.lock().pop()
    }

    /// Takes the response numbered `seq`; `KeyError` when it is not queued.
    fn take(&self, seq: u64) -> PyResult<Py<PyAny>> {
        self.lock()
            .take(seq)
            .ok_or_else(|| PyKeyError::new_err(seq))
    }

    /// Empties the queue.
    fn clear(&self) {
        let bound = self.bound();
        let old = std::mem::replace(&mut *self.lock(), Unclaimed::new(bound));
        drop(old); // after the lock: releasing a response may run Python code
    }

    /// The queued responses, oldest first.
    fn values<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let items: Vec<Py<PyAny>> = self.lock().iter().map(|r| r.clone_ref(py)).collect();
        PyList::new(py, items)
    }

    fn __len__(&self) -> usize {
        self.lock().len()
    }

    fn __getitem__(&self, py: Python<'_>, seq: u64) -> PyResult<Py<PyAny>> {
        self.lock()
            .get(seq)
            .map(|r| r.clone_ref(py))
            .ok_or_else(|| PyKeyError::new_err(seq))
    }

    fn __contains__(&self, seq: &Bound<'_, PyAny>) -> bool {
        seq.extract::<u64>()
            .is_ok_and(|seq| self.lock().get(seq).is_some())
    }

    /// The arrival numbers, oldest first.
    fn keys(&self) -> Vec<u64> {
        self.lock().entries().map(|(seq, _)| seq).collect()
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        PyList::new(py, self.keys())?
            .try_iter()
            .map(Bound::into_any)
    }

    /// `(seq, response)` pairs, oldest first.
    fn items(&self, py: Python<'_>) -> Vec<(u64, Py<PyAny>)> {
        let queue = self.lock();
        queue
            .entries()
            .map(|(seq, r)| (seq, r.clone_ref(py)))
            .collect()
    }

    /// Takes the newest `(seq, response)` pair, or the oldest when not `last`; `KeyError`
    /// when the queue is empty.
    #[pyo3(signature = (last=true))]
    fn popitem(&self, last: bool) -> PyResult<(u64, Py<PyAny>)> {
        let mut queue = self.lock();
        let seq = if last {
            queue.entries().last().map(|(seq, _)| seq)
        } else {
            queue.entries().next().map(|(seq, _)| seq)
        };
        let taken = seq.and_then(|seq| Some((seq, queue.take(seq)?)));
        drop(queue);
        taken.ok_or_else(|| PyKeyError::new_err("the unclaimed queue is empty"))
    }

    /// The most responses kept.
    #[getter]
    fn bound(&self) -> usize {
        self.lock().bound()
    }
}

impl PyUnclaimed {
    fn lock(&self) -> MutexGuard<'_, Unclaimed<Py<PyAny>>> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A response's arrival number and coalescing kind.
fn place(rsp: &Bound<'_, PyAny>) -> PyResult<(u64, Option<Coalesce>)> {
    let py = rsp.py();
    let seq: u64 = rsp.getattr(intern!(py, "seq"))?.extract()?;
    let kind = rsp.getattr(intern!(py, "type"))?;
    let coalesce = if kind.eq(intern!(py, "data"))? {
        let dtype: Option<String> = rsp.getattr(intern!(py, "dtype"))?.extract()?;
        dtype.as_deref().and_then(Coalesce::of)
    } else {
        None
    };
    Ok((seq, coalesce))
}

/// The wire form of `tag name args...` (see `_Connection.encode`): `bytes` to write and
/// `(bytes, sync)` literals, each written only after the server's `+` when `sync`.
pub(crate) fn encode_command<'py>(
    py: Python<'py>,
    tag: &str,
    name: &str,
    args: &Bound<'py, PyList>,
    non_sync: NonSyncLiterals,
) -> PyResult<Bound<'py, PyList>> {
    let args = to_args(args.as_any())?;
    let parts = build(tag, name, &args, non_sync).map_err(|e| client_error(py, &e))?;
    parts_list(py, parts)
}

/// The wire parts of command `tag name args`, each argument checked against its grammar.
fn build(
    tag: &str,
    name: &str,
    args: &[Arg],
    non_sync: NonSyncLiterals,
) -> Result<Vec<Part>, Error> {
    let mut builder = CommandBuilder::new(tag.as_bytes(), name.as_bytes())?;
    add_args(&mut builder, args)?;
    Ok(builder.finish(non_sync))
}

/// The parts of a command with literals: `bytes` for text, `(bytes, sync)` for a literal.
pub(crate) fn parts_list(py: Python<'_>, parts: Vec<Part>) -> PyResult<Bound<'_, PyList>> {
    let out = PyList::empty(py);
    for part in parts {
        match part {
            Part::Text(text) => out.append(PyBytes::new(py, &text))?,
            Part::Literal { data, mode } => {
                out.append((PyBytes::new(py, &data), mode.is_sync()))?;
            }
        }
    }
    Ok(out)
}
