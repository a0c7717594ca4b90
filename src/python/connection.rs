//! `_Connection`: the connection core as a Python object, for `imaprs.IMAP4`.
//!
//! Conversions only: arguments become command parts through the core's builder, responses
//! become `IMAP4Response` objects, and the GIL is released for every network wait.

use std::sync::Mutex;
use std::time::Duration;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};

use super::errors::client_error;
use super::response::new_response_cached;
use super::strcache::StrCache;
use crate::client::connection::Connection;
use crate::client::tls::{self, TlsOptions};
use crate::client::transport::Transport;
use crate::client::Error;
use crate::proto::claim::{claim_for, Key};
use crate::proto::command::{CommandBuilder, LiteralMode};
use crate::proto::{parse_response, Limits, SequenceSet, Tokens};

/// A connection to an IMAP server (internal; use `imaprs.IMAP4`).
#[pyclass(module = "imaprs", name = "_Connection")]
pub(crate) struct PyConnection {
    conn: Mutex<Connection>,
    strings: Mutex<StrCache>,
    greeting: Vec<u8>,
}

#[pymethods]
impl PyConnection {
    /// Connects, over TLS when `tls` (an `imaprs.TLSOptions`) is given, and reads the greeting.
    #[new]
    #[pyo3(signature = (host, port, timeout=None, tls=None))]
    fn new(
        py: Python<'_>,
        host: String,
        port: u16,
        timeout: Option<f64>,
        tls: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let timeout = match timeout {
            Some(t) if !(t > 0.0 && t.is_finite()) => {
                return Err(PyValueError::new_err("timeout must be positive"))
            }
            Some(t) => Some(Duration::from_secs_f64(t)),
            None => None,
        };
        let options = tls.map(tls_options).transpose()?;
        let (conn, greeting) = py
            .detach(|| -> Result<(Connection, Vec<u8>), Error> {
                let transport = match &options {
                    Some(opts) => {
                        let config = tls::client_config(opts)?;
                        Transport::connect_tls(
                            &host,
                            port,
                            timeout,
                            &config,
                            opts.server_name_for(&host)?,
                        )?
                    }
                    None => Transport::connect(&host, port, timeout)?,
                };
                let (mut conn, greeting) = Connection::open(transport, Limits::default())?;
                conn.set_timeout(timeout)?;
                Ok((conn, greeting))
            })
            .map_err(|e| client_error(py, &e))?;
        Ok(PyConnection {
            conn: Mutex::new(conn),
            strings: Mutex::new(StrCache::new()),
            greeting,
        })
    }

    /// The greeting, as an `IMAP4Response`.
    #[getter]
    fn greeting<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let mut tokens = Tokens::new();
        let rsp = parse_response(&self.greeting, &mut tokens, &Limits::default())
            .map_err(|e| client_error(py, &Error::Parse(e)))?;
        new_response_cached(py, &rsp, None)
    }

    /// A new tag.
    fn tag(&self) -> String {
        self.lock().next_tag()
    }

    /// Uses LITERAL+ (`plus`) or LITERAL- (`minus`) for literals from now on.
    fn set_literal_plus(&self, plus: bool, minus: bool) {
        self.lock().non_sync =
            crate::proto::command::NonSyncLiterals::from_capabilities(plus, minus);
    }

    /// Sends `tag name args...`; `str` arguments go as atom, quoted string or literal as
    /// needed, `bytes` as literals, `int` as numbers, `None` as NIL, `list`/`tuple` as
    /// parenthesised lists and `Raw` text as it is (still never with CR, LF or NUL). Returns
    /// False when the server refused a literal (its completion is then the next response).
    fn send(
        &self,
        py: Python<'_>,
        tag: &str,
        name: &str,
        args: &Bound<'_, PyList>,
    ) -> PyResult<bool> {
        let args = to_args(args.as_any())?;
        let tag = tag.to_owned();
        let name = name.to_owned();
        let conn = &self.conn;
        py.detach(|| {
            let mut conn = conn
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            conn.send(&tag, &name, |b| add_args(b, &args))
        })
        .map_err(|e| client_error(py, &e))
    }

    /// The next response and the tag of the first of `active` — `(tag, name, sequence set or
    /// None)` of the commands in flight, in send order — that claims it (None when none does,
    /// and for completions and continuations).
    fn read<'py>(
        &self,
        py: Python<'py>,
        active: &Bound<'py, PyList>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let conn = &self.conn;
        let raw = py
            .detach(|| {
                conn.lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .read_response()
            })
            .map_err(|e| client_error(py, &e))?;
        let mut tokens = Tokens::new();
        let rsp = parse_response(&raw, &mut tokens, &Limits::default())
            .map_err(|e| client_error(py, &Error::Parse(e)))?;
        // Commands complete in order, so the claimer is almost always the first in flight:
        // the list is walked lazily and the walk stops there.
        let mut claimed = py.None().into_bound(py);
        if let Some(key) = Key::of(&rsp) {
            for item in active.iter() {
                let (tag, name, set): (Bound<'py, PyAny>, String, Option<String>) =
                    item.extract()?;
                let set = set.and_then(|s| SequenceSet::parse(s.as_bytes()).ok());
                if claim_for(&name, set).claims(&key) {
                    claimed = tag;
                    break;
                }
            }
        }
        let mut strings = self
            .strings
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let obj = new_response_cached(py, &rsp, Some(&mut strings))?;
        PyTuple::new(py, [obj, claimed])
    }

    /// True when a response is buffered (reading it will not wait on the network).
    fn has_buffered(&self, py: Python<'_>) -> PyResult<bool> {
        self.lock()
            .has_buffered_response()
            .map_err(|e| client_error(py, &e))
    }

    /// Closes the connection.
    fn close(&self, py: Python<'_>) {
        let conn = &self.conn;
        py.detach(|| {
            conn.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .shutdown()
        });
    }
}

impl PyConnection {
    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A command argument taken out of its Python object, so the command can be built and
/// sent without the GIL.
enum Arg {
    Nil,
    Text(Vec<u8>),
    Literal(Vec<u8>),
    Number(u64),
    List(Vec<Arg>),
    Raw(Vec<u8>),
}

fn to_args(args: &Bound<'_, PyAny>) -> PyResult<Vec<Arg>> {
    let mut out = Vec::new();
    for arg in args.try_iter()? {
        let arg = arg?;
        out.push(if arg.is_none() {
            Arg::Nil
        } else if let Ok(s) = arg.cast::<PyString>() {
            Arg::Text(s.to_cow()?.as_bytes().to_vec())
        } else if let Ok(b) = arg.cast::<PyBytes>() {
            Arg::Literal(b.as_bytes().to_vec())
        } else if let Ok(n) = arg.extract::<u64>() {
            Arg::Number(n)
        } else if arg.cast::<PyList>().is_ok() || arg.cast::<PyTuple>().is_ok() {
            Arg::List(to_args(&arg)?)
        } else if let Ok(text) = arg.getattr("text").and_then(|t| t.extract::<String>()) {
            Arg::Raw(text.into_bytes())
        } else {
            return Err(PyTypeError::new_err(format!(
                "cannot send a {} argument",
                arg.get_type().name()?
            )));
        });
    }
    Ok(out)
}

fn add_args(builder: &mut CommandBuilder, args: &[Arg]) -> Result<(), Error> {
    for arg in args {
        match arg {
            Arg::Nil => {
                builder.nil();
            }
            Arg::Text(text) => {
                builder.astring(text, false);
            }
            Arg::Literal(data) => {
                builder.literal(data, LiteralMode::NonSync);
            }
            Arg::Number(n) => {
                builder.number(*n);
            }
            Arg::List(items) => {
                builder.list_start();
                add_args(builder, items)?;
                builder.list_end();
            }
            Arg::Raw(text) => {
                builder.raw(text)?;
            }
        }
    }
    Ok(())
}

fn tls_options(obj: &Bound<'_, PyAny>) -> PyResult<TlsOptions> {
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
