//! Header text decoding: RFC 2047 encoded words, RFC 2231 parameters, charsets.
//!
//! Mail headers reach an IMAP client as bytes: ASCII with RFC 2047 encoded words
//! (`=?utf-8?q?R=C3=BCckfrage?=`), raw 8-bit UTF-8 (RFC 6532), or, from older mailers,
//! 8-bit text in some other charset. Body parameters may use RFC 2231 (`filename*0*=...`).
//! Everything here turns such bytes into Unicode text and never fails: what cannot be
//! decoded becomes U+FFFD, and callers keep the raw bytes next to the text.

mod charset;
mod rfc2047;
mod rfc2231;

pub use charset::{decode_charset, decode_text};
pub(crate) use rfc2047::hex_pair;
pub use rfc2047::{decode_words, encode_words};
pub use rfc2231::{decode_params, Param};
