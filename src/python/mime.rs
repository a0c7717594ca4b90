//! Header decoding and body decoding, as functions and a streaming decoder object.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use super::address::raw_text;
use crate::proto::header::{decode_params as decode_param_list, decode_words};
use crate::proto::transfer::{TransferDecoder, TransferEncoding};

/// Decodes the RFC 2047 encoded words of header text (`bytes` or `str`) and unfolds it;
/// charsets through `encoding_rs`, anything undecodable as U+FFFD, never an error.
#[pyfunction]
pub(crate) fn decode_header(text: &Bound<'_, PyAny>) -> PyResult<String> {
    Ok(decode_words(&raw_text(text)?))
}

/// Decodes MIME parameters given as (name, value) pairs: RFC 2231 continuations, charsets
/// and languages, and RFC 2047 words in plain values. Returns {lower-case name: value}.
#[pyfunction]
pub(crate) fn decode_params<'py>(
    py: Python<'py>,
    pairs: Vec<(Bound<'py, PyAny>, Bound<'py, PyAny>)>,
) -> PyResult<Bound<'py, PyDict>> {
    let raw = pairs
        .iter()
        .map(|(k, v)| Ok((raw_text(k)?, raw_text(v)?)))
        .collect::<PyResult<Vec<_>>>()?;
    let dict = PyDict::new(py);
    for param in decode_param_list(raw.iter().map(|(k, v)| (k.as_slice(), v.as_slice()))) {
        dict.set_item(param.name, param.value)?;
    }
    Ok(dict)
}

/// Decodes a body transfer encoding (`base64`, `quoted-printable`; anything else passes
/// through) from pieces of any size, holding back only the bytes a piece may split.
///
/// Args:
///     encoding: the Content-Transfer-Encoding (case-insensitive).
#[pyclass(module = "imaprs", name = "TransferDecoder")]
pub(crate) struct PyTransferDecoder {
    inner: TransferDecoder,
}

#[pymethods]
impl PyTransferDecoder {
    #[new]
    fn new(encoding: &str) -> Self {
        PyTransferDecoder {
            inner: TransferDecoder::new(TransferEncoding::from_label(encoding.as_bytes())),
        }
    }

    /// The decoded bytes of the next piece.
    fn decode<'py>(&mut self, py: Python<'py>, data: &[u8]) -> Bound<'py, PyBytes> {
        let mut out = Vec::with_capacity(data.len());
        self.inner.feed(data, &mut out);
        PyBytes::new(py, &out)
    }

    /// The bytes held back at the end of the body.
    fn finish<'py>(&mut self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let mut out = Vec::new();
        self.inner.finish(&mut out);
        PyBytes::new(py, &out)
    }
}
