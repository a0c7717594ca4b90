//! The PyO3 binding layer: conversions and error mapping only, no protocol decisions.

use pyo3::prelude::*;

mod address;
mod args;
mod bodystructure;
mod connection;
mod datetime;
mod envelope;
mod errors;
mod fetch;
mod functions;
mod link;
mod mailbox;
mod mime;
mod reader;
mod response;
mod results;
mod sasl;
mod session;
mod strcache;
mod typed;
mod view;

/// The native core of imaprs; use the `imaprs` package, which re-exports it.
#[pymodule(gil_used = false)]
fn _imaprs(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<reader::ResponseReader>()?;
    m.add_class::<reader::LiteralChunk>()?;
    m.add_class::<connection::PyConnection>()?;
    m.add_function(wrap_pyfunction!(connection::_note_fork, m)?)?;
    m.add_class::<session::PySession>()?;
    m.add_class::<session::PyUnclaimed>()?;
    m.add_class::<link::PyLink>()?;
    m.add("NEED_DATA", reader::need_data(py)?.clone_ref(py))?;
    m.add_function(wrap_pyfunction!(reader::_fill_raw, m)?)?;
    m.add_function(wrap_pyfunction!(reader::_fill_template, m)?)?;
    m.add_function(wrap_pyfunction!(functions::qstr, m)?)?;
    m.add_function(wrap_pyfunction!(functions::iutf7_encode, m)?)?;
    m.add_function(wrap_pyfunction!(functions::iutf7_decode, m)?)?;
    m.add_function(wrap_pyfunction!(functions::idate2unix, m)?)?;
    m.add_function(wrap_pyfunction!(functions::unix2idate, m)?)?;
    m.add_function(wrap_pyfunction!(functions::seqset_expand, m)?)?;
    m.add_function(wrap_pyfunction!(functions::seqset_format, m)?)?;
    m.add_class::<mailbox::MailboxInfo>()?;
    m.add_class::<mailbox::SelectedMailbox>()?;
    m.add_function(wrap_pyfunction!(results::_result, m)?)?;
    m.add_function(wrap_pyfunction!(results::_join_fetch, m)?)?;
    m.add_function(wrap_pyfunction!(results::_fetch_key, m)?)?;
    m.add_function(wrap_pyfunction!(args::_check_command, m)?)?;
    m.add_function(wrap_pyfunction!(args::_check_literal, m)?)?;
    m.add_class::<sasl::PySasl>()?;
    m.add_function(wrap_pyfunction!(sasl::_sasl_preferred, m)?)?;
    m.add_class::<fetch::PyFetchItem>()?;
    m.add_class::<envelope::PyEnvelope>()?;
    m.add_class::<address::PyAddress>()?;
    m.add_class::<bodystructure::PyBodyStructure>()?;
    m.add_class::<mime::PyTransferDecoder>()?;
    m.add_function(wrap_pyfunction!(fetch::fetch_item, m)?)?;
    m.add_function(wrap_pyfunction!(fetch::_fetch_items, m)?)?;
    m.add_function(wrap_pyfunction!(fetch::_fetch_entry, m)?)?;
    m.add_function(wrap_pyfunction!(fetch::_bodystructure, m)?)?;
    m.add_function(wrap_pyfunction!(mime::decode_header, m)?)?;
    m.add_function(wrap_pyfunction!(mime::decode_params, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("MAILBOX_NEWS_KINDS", crate::proto::mailbox::NEWS)?;
    Ok(())
}

/// The extension's allocator. Typed FETCH values hold many short strings; with the system
/// allocator, building and freeing ten thousand of them cost about twice as much (glibc's
/// fastbin consolidation), as pydantic-core also found.
///
/// Built without transparent huge pages (`no_thp`): asked for them, mimalloc marks its memory
/// `MADV_HUGEPAGE`, and on a system whose THP setting is `madvise` (Debian's, Ubuntu's) every
/// first touch of fresh memory then faults in and zeroes 2 MiB at once; a listing of 10,000
/// typed messages spent up to 70 ms of its first runs in the kernel zeroing pages, at random
/// from one process to the next. The process's own THP setting is left alone.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
