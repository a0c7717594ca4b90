//! A small cache of Python strings for the short atoms and quoted strings that repeat in
//! every response (`FETCH`, `UID`, `\Seen`, `text`, `plain`, `utf-8`, `NIL` ...).
//!
//! Direct-mapped: a hash of the bytes picks one slot; a hit returns a new reference to the
//! cached `str`, a miss creates the string and takes the slot. Bounded by construction
//! (a fixed number of slots, short strings only), so a server cannot grow it.

use pyo3::prelude::*;
use pyo3::types::PyString;

use super::response::text_str;

const SLOTS: usize = 1024;
const MAX_LEN: usize = 24;

/// One slot: the bytes and the `str` made of them.
type Slot = Option<(Box<[u8]>, Py<PyString>)>;

/// The cache; one per reader or connection.
pub(crate) struct StrCache {
    slots: Vec<Slot>,
}

impl StrCache {
    /// An empty cache.
    pub(crate) fn new() -> Self {
        StrCache {
            slots: (0..SLOTS).map(|_| None).collect(),
        }
    }

    /// The `str` for server text `bytes` (see [`text_str`]), from the cache when it is there.
    pub(crate) fn get<'py>(
        &mut self,
        py: Python<'py>,
        bytes: &[u8],
    ) -> PyResult<Bound<'py, PyString>> {
        if bytes.len() > MAX_LEN {
            return text_str(py, bytes);
        }
        let slot = &mut self.slots[hash(bytes) % SLOTS];
        if let Some((key, value)) = slot {
            if **key == *bytes {
                return Ok(value.bind(py).clone());
            }
        }
        let value = text_str(py, bytes)?;
        *slot = Some((bytes.into(), value.clone().unbind()));
        Ok(value)
    }
}

/// FNV-1a: cheap on the few bytes of an atom, and spreads them well enough.
fn hash(bytes: &[u8]) -> usize {
    let mut h: u32 = 0x811c_9dc5;
    for &b in bytes {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    h as usize
}
