//! Base64 (RFC 4648 §4) through the `base64` crate, in the two strictness levels IMAP needs.
//!
//! [`decode`] is strict: the alphabet, the padding and the length must all be right, so that
//! it can also serve as the test "is this text base64?" (continuation requests, SASL).
//! [`decode_lenient`] is for what mailers write inside RFC 2047 encoded words and message
//! bodies: padding may be missing and stray bits after the last byte are ignored.

use base64::alphabet::STANDARD as ALPHABET;
use base64::engine::general_purpose::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;

/// The forgiving engine of [`decode_lenient`] and the streaming body decoder.
pub(crate) const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &ALPHABET,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Encodes `data` as padded standard base64.
#[must_use]
pub fn encode(data: &[u8]) -> String {
    STANDARD.encode(data)
}

/// Decodes padded standard base64; `None` when `text` is not exactly that.
#[must_use]
pub fn decode(text: &[u8]) -> Option<Vec<u8>> {
    STANDARD.decode(text).ok()
}

/// Decodes base64 with or without padding, ignoring non-zero bits after the last byte;
/// `None` when a byte is outside the alphabet or the length cannot be base64.
#[must_use]
pub fn decode_lenient(text: &[u8]) -> Option<Vec<u8>> {
    LENIENT.decode(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_answers() {
        let cases: &[(&[u8], &str)] = &[
            (b"", ""),
            (b"f", "Zg=="),
            (b"fo", "Zm8="),
            (b"foo", "Zm9v"),
            (b"hello, world", "aGVsbG8sIHdvcmxk"),
        ];
        for (data, text) in cases {
            assert_eq!(encode(data), *text);
            assert_eq!(decode(text.as_bytes()).as_deref(), Some(*data));
        }
    }

    #[test]
    fn rejects_non_base64() {
        for text in ["idling", "abc", "ab=c", "Zg==Zg==", "Zh==", "a b=", "Zg==="] {
            assert_eq!(decode(text.as_bytes()), None, "{text}");
        }
    }

    #[test]
    fn lenient_accepts_what_mailers_write() {
        assert_eq!(decode_lenient(b"Zg").as_deref(), Some(&b"f"[..]));
        assert_eq!(decode_lenient(b"Zh==").as_deref(), Some(&b"f"[..]));
        assert_eq!(decode_lenient(b"Zm8=").as_deref(), Some(&b"fo"[..]));
        assert_eq!(decode_lenient(b"Z"), None);
        assert_eq!(decode_lenient(b"Zg?="), None);
    }

    proptest! {
        #[test]
        fn round_trip(data: Vec<u8>) {
            prop_assert_eq!(decode(encode(&data).as_bytes()), Some(data.clone()));
            prop_assert_eq!(decode_lenient(encode(&data).trim_end_matches('=').as_bytes()), Some(data));
        }
    }
}
