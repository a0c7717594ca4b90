//! Command arguments: Python objects turned into the core's command parts.
//!
//! The kinds are those of `imaprs/_args.py`: `str` goes as atom, quoted string or literal as
//! needed, `bytes` as a literal, `int` as a number (63-bit), `None` as NIL, `list`/`tuple` as
//! a parenthesised list, `Atom`, `Quoted` (a `string`: quoted, or a literal where it must be,
//! never an atom), `Flags`, `SequenceSet`, `Number`, `Number64` and `Secret` as their names
//! say, and an object with a `text` attribute (`imaprs.Raw`) as raw text. Every check is the
//! core builder's; here the kinds are only told apart. The arguments are taken out of Python
//! first so the command can be built and sent without the GIL.

use pyo3::exceptions::PyTypeError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyInt, PyList, PyString, PyTuple, PyType};

use super::errors::encode_error;
use crate::client::Error;
use crate::proto::argument::{check_literal, check_name, check_raw, MODSEQ_MAX, NUMBER_MAX};
use crate::proto::command::{CommandBuilder, LiteralMode};
use crate::proto::EncodeError;

/// A command argument taken out of its Python object, so the command can be built and
/// sent without the GIL.
pub(crate) enum Arg {
    Nil,
    Text(Vec<u8>),
    /// A `string` (RFC 3501): quoted, or a literal, never an atom.
    Quoted(Vec<u8>),
    Literal(Vec<u8>),
    Number(u64, u64),
    List(Vec<Arg>),
    Raw(Vec<u8>),
    Atom(Vec<u8>),
    Flags(Vec<Vec<u8>>),
    SeqSet(Vec<u8>),
}

/// The marker classes of `imaprs._args`, looked up once.
struct Kinds {
    atom: Py<PyType>,
    quoted: Py<PyType>,
    flags: Py<PyType>,
    seqset: Py<PyType>,
    number: Py<PyType>,
    number64: Py<PyType>,
    secret: Py<PyType>,
    raw: Py<PyType>,
}

static KINDS: PyOnceLock<Kinds> = PyOnceLock::new();

fn kinds(py: Python<'_>) -> PyResult<&Kinds> {
    KINDS.get_or_try_init(py, || {
        let module = py.import("imaprs._args")?;
        let get = |name: &str| -> PyResult<Py<PyType>> {
            Ok(module.getattr(name)?.cast_into::<PyType>()?.unbind())
        };
        let raw = py
            .import("imaprs._command")?
            .getattr("Raw")?
            .cast_into::<PyType>()?
            .unbind();
        Ok(Kinds {
            atom: get("Atom")?,
            quoted: get("Quoted")?,
            flags: get("Flags")?,
            seqset: get("SequenceSet")?,
            number: get("Number")?,
            number64: get("Number64")?,
            secret: get("Secret")?,
            raw,
        })
    })
}

pub(crate) fn to_args(args: &Bound<'_, PyAny>) -> PyResult<Vec<Arg>> {
    let py = args.py();
    let kinds = kinds(py)?;
    let mut out = Vec::new();
    for arg in args.try_iter()? {
        out.push(to_arg(&arg?, kinds)?);
    }
    Ok(out)
}

fn to_arg(arg: &Bound<'_, PyAny>, kinds: &Kinds) -> PyResult<Arg> {
    let ty = arg.get_type();
    let ty = ty.as_ptr();
    Ok(if arg.is_none() {
        Arg::Nil
    } else if let Ok(s) = arg.cast_exact::<PyString>() {
        Arg::Text(s.to_cow()?.as_bytes().to_vec())
    } else if ty == kinds.raw.as_ptr() {
        Arg::Raw(text(&arg.getattr(intern!(arg.py(), "text"))?)?)
    } else if ty == kinds.seqset.as_ptr() {
        Arg::SeqSet(text(arg)?)
    } else if ty == kinds.atom.as_ptr() {
        Arg::Atom(text(arg)?)
    } else if ty == kinds.quoted.as_ptr() {
        Arg::Quoted(text(arg)?)
    } else if ty == kinds.number.as_ptr() {
        Arg::Number(unsigned(arg)?, NUMBER_MAX)
    } else if ty == kinds.number64.as_ptr() {
        Arg::Number(unsigned(arg)?, MODSEQ_MAX)
    } else if ty == kinds.flags.as_ptr() {
        let flags = arg
            .try_iter()?
            .map(|f| text(&f?))
            .collect::<PyResult<_>>()?;
        Arg::Flags(flags)
    } else if ty == kinds.secret.as_ptr() {
        // The value is taken and forgotten: the command keeps only `<secret>`.
        let value = arg.getattr("_value")?;
        if value.is_none() {
            return Err(PyTypeError::new_err("a Secret can be sent once"));
        }
        arg.setattr("_value", arg.py().None())?;
        to_arg(&value, kinds)?
    } else if let Ok(s) = arg.cast::<PyString>() {
        Arg::Text(s.to_cow()?.as_bytes().to_vec())
    } else if let Ok(b) = arg.cast::<PyBytes>() {
        Arg::Literal(b.as_bytes().to_vec())
    } else if arg.cast::<PyInt>().is_ok() {
        Arg::Number(unsigned(arg)?, MODSEQ_MAX)
    } else if arg.cast::<PyList>().is_ok() || arg.cast::<PyTuple>().is_ok() {
        Arg::List(to_args(arg)?)
    } else if let Ok(text) = arg.getattr("text").and_then(|t| t.extract::<String>()) {
        Arg::Raw(text.into_bytes())
    } else {
        return Err(PyTypeError::new_err(format!(
            "cannot send a {} argument",
            arg.get_type().name()?
        )));
    })
}

/// The UTF-8 bytes of a `str` argument.
fn text(arg: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    Ok(arg.cast::<PyString>()?.to_cow()?.as_bytes().to_vec())
}

/// An `int` argument as u64; a negative or wider value is refused like any bad argument.
fn unsigned(arg: &Bound<'_, PyAny>) -> PyResult<u64> {
    arg.extract::<u64>().map_err(|_| {
        encode_error(&EncodeError::Invalid {
            what: "number",
            why: "must be an unsigned integer",
        })
    })
}

pub(crate) fn add_args(builder: &mut CommandBuilder, args: &[Arg]) -> Result<(), Error> {
    for arg in args {
        match arg {
            Arg::Nil => {
                builder.nil();
            }
            Arg::Text(text) => {
                builder.astring(text, false)?;
            }
            Arg::Literal(data) => {
                builder.literal(data, LiteralMode::NonSync)?;
            }
            Arg::Number(n, max) => {
                builder.bounded_number(*n, *max)?;
            }
            Arg::List(items) => {
                builder.list_start();
                add_args(builder, items)?;
                builder.list_end();
            }
            Arg::Raw(text) => {
                builder.raw(text)?;
            }
            Arg::Atom(atom) => {
                builder.atom(atom)?;
            }
            Arg::Quoted(text) => {
                builder.string(text, false)?;
            }
            Arg::Flags(flags) => {
                builder.list_start();
                for flag in flags {
                    builder.flag(flag)?;
                }
                builder.list_end();
            }
            Arg::SeqSet(set) => {
                builder.sequence_set(set)?;
            }
        }
    }
    Ok(())
}

/// Refuses a command sent as the caller wrote it (`InvalidArgument`): a name that is not
/// atoms separated by single spaces, or a word (bytes) holding CR, LF or NUL or ending like
/// a literal header.
#[pyfunction]
pub(crate) fn _check_command(name: &str, words: &Bound<'_, PyList>) -> PyResult<()> {
    check_name(name.as_bytes()).map_err(|e| encode_error(&e))?;
    for word in words.iter() {
        check_raw(word.cast::<PyBytes>()?.as_bytes()).map_err(|e| encode_error(&e))?;
    }
    Ok(())
}

/// Refuses literal data holding NUL, unless it goes as a literal8 (`binary`).
#[pyfunction]
#[pyo3(signature = (data, binary=false))]
pub(crate) fn _check_literal(data: &[u8], binary: bool) -> PyResult<()> {
    check_literal(data, binary).map_err(|e| encode_error(&e))
}
