//! Command arguments: Python objects turned into the core's command parts.
//!
//! `str` goes as atom, quoted string or literal as needed, `bytes` as a literal, `int` as a
//! number, `None` as NIL, `list`/`tuple` as a parenthesised list, an object with a `quoted`
//! str attribute (`imaprs._imap4.Quoted`) as a string that is never an atom (quoted, or a
//! literal where it must be), and an object with a `text` attribute (`imaprs.Raw`) as raw
//! text, which the builder still refuses when it holds CR, LF or NUL. The arguments are taken out of Python first so the command can be built and
//! sent without the GIL.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};

use crate::client::Error;
use crate::proto::command::{CommandBuilder, LiteralMode};

/// A command argument taken out of its Python object, so the command can be built and
/// sent without the GIL.
pub(crate) enum Arg {
    Nil,
    Text(Vec<u8>),
    /// A `string` (RFC 3501): quoted, or a literal, never an atom.
    Quoted(Vec<u8>),
    Literal(Vec<u8>),
    Number(u64),
    List(Vec<Arg>),
    Raw(Vec<u8>),
}

pub(crate) fn to_args(args: &Bound<'_, PyAny>) -> PyResult<Vec<Arg>> {
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
        } else if let Ok(text) = arg.getattr("quoted").and_then(|t| t.extract::<String>()) {
            Arg::Quoted(text.into_bytes())
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

pub(crate) fn add_args(builder: &mut CommandBuilder, args: &[Arg]) -> Result<(), Error> {
    for arg in args {
        match arg {
            Arg::Nil => {
                builder.nil();
            }
            Arg::Text(text) => {
                builder.astring(text, false);
            }
            Arg::Quoted(text) => {
                builder.string(text, false);
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
