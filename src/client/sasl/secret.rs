//! `Secret<T>`: a password or token that never shows itself by accident.
//!
//! Rules:
//! - `Debug` and `Display` print `<redacted>`, so a secret inside a struct that derives
//!   `Debug`, an error message or a log line cannot leak it; the value is reached only through
//!   [`Secret::expose`], which makes every use visible in review.
//! - On drop the bytes are overwritten with zeros, spare capacity included. This is best
//!   effort without `unsafe`: copies made before the secret was wrapped (or by reallocation
//!   while it was being built, or by whoever consumed [`Secret::expose`]) are out of reach, and
//!   the compiler is only discouraged, not forbidden, from eliding the writes.

use std::fmt;

/// A value that must not be printed, logged or left in memory longer than needed.
///
/// ```
/// use _imaprs::client::sasl::Secret;
///
/// let password = Secret::from("hunter2");
/// assert_eq!(format!("{password:?} {password}"), "<redacted> <redacted>");
/// assert_eq!(password.expose(), "hunter2");
/// ```
pub struct Secret<T: Wipe>(T);

/// A type whose contents can be overwritten before it is freed.
pub trait Wipe {
    /// Overwrites every byte this value owns (spare capacity included) and leaves it empty.
    fn wipe(&mut self);
}

impl<T: Wipe> Secret<T> {
    /// Wraps `value`.
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The wrapped value; every call site is a place where the secret leaves its wrapper.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T: Wipe> From<T> for Secret<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret<String> {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl<T: Wipe + Clone> Clone for Secret<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<T: Wipe> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<T: Wipe> fmt::Display for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<T: Wipe> Drop for Secret<T> {
    fn drop(&mut self) {
        self.0.wipe();
    }
}

impl Wipe for Vec<u8> {
    fn wipe(&mut self) {
        // Zero the whole allocation: clearing and refilling up to the capacity never
        // reallocates, and it also covers bytes left behind by an earlier truncation.
        self.clear();
        self.resize(self.capacity(), 0);
        std::hint::black_box(self.as_slice());
        self.clear();
    }
}

impl Wipe for String {
    fn wipe(&mut self) {
        // `into_bytes` hands over the same allocation without copying it.
        std::mem::take(self).into_bytes().wipe();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_are_redacted() {
        let cases: [(Secret<String>, &str); 3] = [
            (Secret::from("pencil"), "pencil"),
            (Secret::new(String::new()), ""),
            (Secret::from("<redacted>"), "<redacted>"),
        ];
        for (secret, value) in &cases {
            assert_eq!(format!("{secret:?}"), "<redacted>");
            assert_eq!(format!("{secret}"), "<redacted>");
            assert_eq!(secret.expose(), value);
        }
        let bytes = Secret::new(b"token".to_vec());
        assert_eq!(format!("{bytes:?}"), "<redacted>");
        assert_eq!(bytes.expose(), b"token");
    }

    #[test]
    fn debug_of_a_containing_struct_is_redacted() {
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Login {
            user: &'static str,
            password: Secret<String>,
        }
        let login = Login {
            user: "tim",
            password: Secret::from("tanstaaftanstaaf"),
        };
        let shown = format!("{login:?} {login:#?}");
        assert!(!shown.contains("tanstaaf"), "{shown}");
        assert!(shown.contains("<redacted>"));
    }

    #[test]
    fn wipe_zeroes_and_empties() {
        let mut bytes = b"pencil".to_vec();
        bytes.truncate(2);
        bytes.wipe();
        assert!(bytes.is_empty());
        assert!(bytes.capacity() >= 6, "the allocation is kept, zeroed");

        let mut text = String::from("pencil");
        text.wipe();
        assert!(text.is_empty());
    }

    #[test]
    fn clone_keeps_the_value() {
        let secret = Secret::from("pencil");
        let copy = secret.clone();
        drop(secret);
        assert_eq!(copy.expose(), "pencil");
    }
}
