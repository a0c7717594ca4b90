//! The GS2 header (RFC 5801 §4) that opens SCRAM and OAUTHBEARER client messages.
//!
//! Rules:
//! - This client never uses channel binding, so the flag is always `n` ("the client does not
//!   support it"); SCRAM echoes the header back as `c=` in its final message.
//! - Names inside the header (and SCRAM's `n=`) are `saslname`s: `=` becomes `=3D` and `,`
//!   becomes `=2C`, so the commas that separate attributes stay unambiguous.
//!
//! ```text
//! gs2-header   = gs2-cb-flag "," [ gs2-authzid ] ","
//! gs2-authzid  = "a=" saslname
//! saslname     = 1*(UTF8-char-safe / "=2C" / "=3D")
//! ```

/// The GS2 header without channel binding: `n,,` or `n,a=<saslname>,`.
pub(super) fn header(authzid: Option<&str>) -> String {
    match authzid {
        Some(name) if !name.is_empty() => format!("n,a={},", saslname(name)),
        _ => "n,,".to_owned(),
    }
}

/// `value` as a `saslname`: `=` escaped as `=3D`, `,` as `=2C`, everything else unchanged.
pub(super) fn saslname(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '=' => out.push_str("=3D"),
            ',' => out.push_str("=2C"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saslname_escapes_equals_and_comma() {
        let cases = [
            ("user", "user"),
            ("", ""),
            ("a=b", "a=3Db"),
            ("a,b", "a=2Cb"),
            ("=,=", "=3D=2C=3D"),
            ("=2C", "=3D2C"),
            ("üser@example.com", "üser@example.com"),
        ];
        for (input, want) in cases {
            assert_eq!(saslname(input), want, "{input:?}");
        }
    }

    #[test]
    fn header_with_and_without_authzid() {
        let cases = [
            (None, "n,,"),
            (Some(""), "n,,"),
            (Some("admin"), "n,a=admin,"),
            (Some("a,b=c"), "n,a=a=2Cb=3Dc,"),
        ];
        for (authzid, want) in cases {
            assert_eq!(header(authzid), want, "{authzid:?}");
        }
    }
}
