//! imaprs: an IMAP client core for Python.
//!
//! ```text
//! python/imaprs/   Python package: re-exports, imaplib compatibility, conveniences
//!    | (calls)
//! src/python/      PyO3 binding layer: converts values, maps errors. No protocol logic.
//!    |
//! src/proto/       sans-I/O core: bytes in, values out. Framing, lexing, parsing,
//!                  command encoding, sequence sets, modified UTF-7, dates.
//! ```
//!
//! The `python` cargo feature (on by default) builds the extension module; without it the
//! protocol core builds and tests with no Python at all (`cargo test --no-default-features`).

pub mod client;
pub mod proto;

#[cfg(feature = "python")]
mod python;
