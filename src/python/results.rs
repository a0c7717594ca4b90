//! `_result(rsp, utf8)`: the typed value one response carries, built from its tokens by the
//! core's `proto::mailbox` and `proto::results` views. The package's `_results.py` gathers
//! these values into a command's result.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};
use pyo3::IntoPyObjectExt;

use super::mailbox::MailboxInfo;
use super::response::text_str;
use super::view::{mailbox_name, seqset, with_view, MAX_NUMBERS};
use crate::proto::claim::Key;
use crate::proto::mailbox::{decode_name, list_entry, status_entry};
use crate::proto::results::{self, ThreadItem};
use crate::proto::seqset::SequenceSet;
use crate::proto::View;

/// The value response `rsp` carries, by its kind (`dtype`); None when it carries none.
///
/// ``utf8`` says that ``ENABLE UTF8=ACCEPT`` is in force, so mailbox names are UTF-8 rather
/// than modified UTF-7.
///
/// - LIST, LSUB, XLIST: ``MailboxInfo``
/// - STATUS: ``(name, {attribute: number})``
/// - SEARCH, SORT: ``[number, ...]`` in the server's order; ESEARCH: the ``ALL`` numbers
///   with ``{'COUNT': n, 'MIN': n, 'MAX': n, 'MODSEQ': n, 'PARTIAL': ((first, last),
///   [number, ...])}`` for those given
/// - CAPABILITY, ENABLED: ``[NAME, ...]`` upper case
/// - NAMESPACE: three tuples (personal, other users', shared) of ``(prefix, delimiter)``
/// - QUOTA: ``(root, {resource: (usage, limit)})``; QUOTAROOT: ``(name, [root, ...])``
/// - ACL: ``(name, {identifier: rights})``; MYRIGHTS: ``(name, rights)``; LISTRIGHTS:
///   ``(name, identifier, required, (optional, ...))``
/// - METADATA: ``(name, {entry: value})``, values ``str`` (``bytes`` when not UTF-8) or None
/// - ID: ``{field: value}`` or None for ``ID NIL``
/// - THREAD: ``[thread, ...]``, each a tuple of numbers then tuples of branches
/// - APPENDUID, COPYUID codes: ``(uidvalidity, IMAP4SeqSet, IMAP4SeqSet)``
/// - EXISTS, RECENT, EXPUNGE: the number; VANISHED: ``(earlier, IMAP4SeqSet)``
#[pyfunction]
#[pyo3(signature = (rsp, utf8=false))]
pub(crate) fn _result(py: Python<'_>, rsp: &Bound<'_, PyAny>, utf8: bool) -> PyResult<Py<PyAny>> {
    with_view(rsp, |view| value(py, view, utf8))
}

fn value(py: Python<'_>, view: &View<'_>, utf8: bool) -> PyResult<Py<PyAny>> {
    let none = || Ok(py.None());
    let Some(dtype) = view.response().dtype() else {
        return none();
    };
    let name = |wire: &[u8]| mailbox_name(py, wire, decode_name(wire, utf8));
    let top = view.top();
    if view.is_data() && top.len() == 2 {
        if let Some(n) = view.number(top[0]) {
            return n.into_py_any(py);
        }
    }
    match dtype.to_ascii_uppercase().as_slice() {
        b"LIST" | b"LSUB" | b"XLIST" => match list_entry(view, utf8) {
            Some(entry) => MailboxInfo::from_entry(py, entry)?.into_py_any(py),
            None => none(),
        },
        b"STATUS" => match status_entry(view) {
            Some(entry) => (name(&entry.wire)?, pairs(py, entry.items)?).into_py_any(py),
            None => none(),
        },
        b"SEARCH" | b"SORT" => results::numbers(view).into_py_any(py),
        b"ESEARCH" => match results::esearch(view) {
            Some(e) => {
                let expand = |set: &Option<SequenceSet>| match set {
                    Some(set) => set
                        .expand(MAX_NUMBERS)
                        .map_err(|err| super::errors::parse_error(py, &err, None)),
                    None => Ok(Vec::new()),
                };
                let all = expand(&e.all)?;
                let extra = PyDict::new(py);
                if let Some(partial) = &e.partial {
                    extra.set_item("PARTIAL", (partial.range, expand(&partial.all)?))?;
                }
                for (key, v) in [
                    ("COUNT", e.count),
                    ("MIN", e.min),
                    ("MAX", e.max),
                    ("MODSEQ", e.modseq),
                ] {
                    if let Some(v) = v {
                        extra.set_item(key, v)?;
                    }
                }
                (all, extra).into_py_any(py)
            }
            None => none(),
        },
        b"CAPABILITY" | b"ENABLED" => {
            let words: Vec<String> = results::words(view)
                .into_iter()
                .map(|w| w.to_ascii_uppercase())
                .collect();
            words.into_py_any(py)
        }
        b"NAMESPACE" => match results::namespaces(view) {
            Some(spaces) => {
                let mut out = Vec::with_capacity(3);
                for space in spaces {
                    let entries = space
                        .into_iter()
                        .map(|(prefix, delim)| Ok((name(&prefix)?, delim)))
                        .collect::<PyResult<Vec<_>>>()?;
                    out.push(PyTuple::new(py, entries)?);
                }
                PyTuple::new(py, out)?.into_py_any(py)
            }
            None => none(),
        },
        b"QUOTA" => match results::quota(view) {
            Some((root, resources)) => {
                let dict = PyDict::new(py);
                for (resource, usage, limit) in resources {
                    dict.set_item(resource, (usage, limit))?;
                }
                (text_str(py, &root)?, dict).into_py_any(py)
            }
            None => none(),
        },
        b"QUOTAROOT" => match results::quotaroot(view) {
            Some((mailbox, roots)) => {
                let roots = roots
                    .iter()
                    .map(|r| text_str(py, r))
                    .collect::<PyResult<Vec<_>>>()?;
                (name(&mailbox)?, roots).into_py_any(py)
            }
            None => none(),
        },
        b"ACL" => match results::mailbox_and_words(view, "ACL") {
            Some((mailbox, words)) => {
                let rights = PyDict::new(py);
                for pair in words.chunks_exact(2) {
                    rights.set_item(&pair[0], &pair[1])?;
                }
                (name(&mailbox)?, rights).into_py_any(py)
            }
            None => none(),
        },
        b"MYRIGHTS" => match results::mailbox_and_words(view, "MYRIGHTS") {
            Some((mailbox, words)) => (
                name(&mailbox)?,
                words.into_iter().next().unwrap_or_default(),
            )
                .into_py_any(py),
            None => none(),
        },
        b"LISTRIGHTS" => match results::mailbox_and_words(view, "LISTRIGHTS") {
            Some((mailbox, words)) if words.len() >= 2 => {
                let optional = PyTuple::new(py, &words[2..])?;
                (name(&mailbox)?, &words[0], &words[1], optional).into_py_any(py)
            }
            _ => none(),
        },
        b"METADATA" => match results::metadata(view) {
            Some((mailbox, entries)) => {
                let dict = PyDict::new(py);
                for (entry, value) in entries {
                    let value = match value {
                        Some(v) => match String::from_utf8(v) {
                            Ok(text) => text.into_py_any(py)?,
                            Err(e) => e.into_bytes().into_py_any(py)?,
                        },
                        None => py.None(),
                    };
                    dict.set_item(entry, value)?;
                }
                (name(&mailbox)?, dict).into_py_any(py)
            }
            None => none(),
        },
        b"ID" => match results::id(view) {
            Some(Some(fields)) => pairs(py, fields)?.into_py_any(py),
            _ => none(),
        },
        b"THREAD" => {
            let threads = results::threads(view)
                .iter()
                .map(|t| thread(py, t))
                .collect::<PyResult<Vec<_>>>()?;
            PyList::new(py, threads)?.into_py_any(py)
        }
        b"APPENDUID" | b"COPYUID" => match results::uid_code(view) {
            Some((validity, src, dst)) => {
                (validity, seqset(py, &src)?, seqset(py, &dst)?).into_py_any(py)
            }
            None => none(),
        },
        b"VANISHED" => {
            let earlier = top.len() > 2;
            match top.last().and_then(|&i| view.text(i)) {
                Some(text) => match crate::proto::SequenceSet::parse(&text) {
                    Ok(set) if !set.has_star() => (earlier, seqset(py, &set)?).into_py_any(py),
                    _ => none(),
                },
                None => none(),
            }
        }
        _ => none(),
    }
}

/// The message number and UID (None when absent) of FETCH response `rsp`, or None when it is
/// not one. Reads only the start of the line when that tells enough: always for the number,
/// for the UID when it comes first, as servers send it (`uid`: the UID is wanted).
#[pyfunction]
#[pyo3(signature = (rsp, uid=true))]
pub(crate) fn _fetch_key(
    rsp: &Bound<'_, PyAny>,
    uid: bool,
) -> PyResult<Option<(u64, Option<u64>)>> {
    let py = rsp.py();
    let line = rsp.getattr(pyo3::intern!(py, "_line"))?;
    if let Ok(bytes) = line.cast::<pyo3::types::PyBytes>() {
        if let Some(Key {
            number: Some(number),
            uid: found,
            ..
        }) = Key::of_fetch_head(bytes.as_bytes())
        {
            if found.is_some() || !uid {
                return Ok(Some((number, found)));
            }
        }
    }
    with_view(rsp, |view| {
        Ok(Key::of(view.response())
            .filter(|k| k.name.as_deref() == Some("FETCH"))
            .and_then(|k| Some((k.number?, k.uid))))
    })
}

/// The template text of one FETCH response holding the items of FETCH responses `first`
/// and then `second` (the same message, split by the server); its literals are those of
/// `first` followed by those of `second`. None when either is not a FETCH response.
#[pyfunction]
pub(crate) fn _join_fetch(
    py: Python<'_>,
    first: &Bound<'_, PyAny>,
    second: &Bound<'_, PyAny>,
) -> PyResult<Option<Py<PyAny>>> {
    let shift = first.getattr(pyo3::intern!(py, "literals"))?.len()?;
    with_view(first, |a| {
        with_view(second, |b| match results::join_fetch(a, b, shift) {
            Some(text) => Ok(Some(text_str(py, &text)?.into_any().unbind())),
            None => Ok(None),
        })
    })
}

/// A dict of `pairs`, in their order.
fn pairs<'py, K, V>(py: Python<'py>, pairs: Vec<(K, V)>) -> PyResult<Bound<'py, PyDict>>
where
    K: IntoPyObject<'py>,
    V: IntoPyObject<'py>,
{
    let dict = PyDict::new(py);
    for (key, value) in pairs {
        dict.set_item(key, value)?;
    }
    Ok(dict)
}

/// A thread as a tuple: its message numbers, then its branches as tuples.
fn thread<'py>(py: Python<'py>, items: &[ThreadItem]) -> PyResult<Bound<'py, PyTuple>> {
    let converted = items
        .iter()
        .map(|item| match item {
            ThreadItem::Message(n) => n.into_bound_py_any(py),
            ThreadItem::Branch(branch) => thread(py, branch).map(Bound::into_any),
        })
        .collect::<PyResult<Vec<_>>>()?;
    PyTuple::new(py, converted)
}
