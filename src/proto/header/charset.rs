//! Charset labels as mail uses them, mapped onto `encoding_rs`.
//!
//! `encoding_rs` knows the WHATWG labels (`iso-8859-1`, `latin1`, `ks_c_5601-1987`,
//! `shift_jis`, `gb2312` ...). Mail adds a few of its own: Windows code page names
//! (`cp932`, `cp936`), RFC 2231 languages glued to the charset (`utf-8*en`), and labels no
//! mailer agrees on (`unknown-8bit`), which are read as UTF-8.

use std::borrow::Cow;

use encoding_rs::{Encoding, BIG5, EUC_KR, GBK, SHIFT_JIS, UTF_8};

/// Code page names that mailers write and the WHATWG label list does not hold.
const ALIASES: &[(&str, &Encoding)] = &[
    ("cp932", SHIFT_JIS),
    ("ms932", SHIFT_JIS),
    ("cp936", GBK),
    ("ms936", GBK),
    ("cp949", EUC_KR),
    ("ms949", EUC_KR),
    ("uhc", EUC_KR),
    ("cp950", BIG5),
    ("ms950", BIG5),
    ("utf-8n", UTF_8),
    // Python's email package writes these for gb2312 and big5.
    ("eucgb2312_cn", GBK),
    ("big5_tw", BIG5),
];

/// The encoding named by a mail charset label, `None` when nothing knows it.
#[must_use]
pub fn encoding_for(label: &[u8]) -> Option<&'static Encoding> {
    // RFC 2231 §5: `charset*language` inside an encoded word.
    let label = label.split(|&b| b == b'*').next().unwrap_or(label);
    let trimmed = label.trim_ascii();
    if let Some(found) = Encoding::for_label_no_replacement(trimmed) {
        return Some(found);
    }
    let lower = std::str::from_utf8(trimmed).ok()?.to_ascii_lowercase();
    if let Some(&(_, encoding)) = ALIASES.iter().find(|(name, _)| *name == lower) {
        return Some(encoding);
    }
    // `euc_kr`, `iso_8859_1`: underscores where the registered names have hyphens.
    let hyphens = lower.replace('_', "-");
    (hyphens != lower)
        .then(|| Encoding::for_label_no_replacement(hyphens.as_bytes()))
        .flatten()
}

/// Decodes `bytes` in the charset named `label`; an unknown label is read as UTF-8, and
/// bytes that do not decode become U+FFFD. The second value is `true` when anything was
/// replaced or the label was unknown.
#[must_use]
pub fn decode_charset<'a>(label: &[u8], bytes: &'a [u8]) -> (Cow<'a, str>, bool) {
    match encoding_for(label) {
        Some(encoding) => {
            let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
            (text, had_errors)
        }
        None => {
            let (text, had_errors) = UTF_8.decode_without_bom_handling(bytes);
            (text, had_errors || !bytes.is_ascii())
        }
    }
}

/// Header bytes outside encoded words: UTF-8 (RFC 6532), with anything else as U+FFFD.
#[must_use]
pub fn decode_text(bytes: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_mail_uses() {
        let cases: &[(&str, &str)] = &[
            ("UTF-8", "UTF-8"),
            ("utf8", "UTF-8"),
            ("ISO-8859-1", "windows-1252"),
            ("iso-8859-2", "ISO-8859-2"),
            ("iso-8859-15", "ISO-8859-15"),
            ("latin1", "windows-1252"),
            ("windows-1251", "windows-1251"),
            ("cp1252", "windows-1252"),
            ("koi8-r", "KOI8-R"),
            ("KOI8-U", "KOI8-U"),
            ("gb2312", "GBK"),
            ("GBK", "GBK"),
            ("gb18030", "gb18030"),
            ("big5", "Big5"),
            ("shift_jis", "Shift_JIS"),
            ("cp932", "Shift_JIS"),
            ("euc-jp", "EUC-JP"),
            ("iso-2022-jp", "ISO-2022-JP"),
            ("euc-kr", "EUC-KR"),
            ("ks_c_5601-1987", "EUC-KR"),
            ("utf-8*en", "UTF-8"),
            ("us-ascii", "windows-1252"),
            ("eucgb2312_cn", "GBK"),
            ("big5_tw", "Big5"),
            ("euc_kr", "EUC-KR"),
            ("ISO_8859_2", "ISO-8859-2"),
        ];
        for (label, name) in cases {
            let found = encoding_for(label.as_bytes()).map(Encoding::name);
            assert_eq!(found, Some(*name), "{label}");
        }
        assert_eq!(encoding_for(b"x-no-such-charset"), None);
    }

    #[test]
    fn decodes_and_reports_replacement() {
        assert_eq!(
            decode_charset(b"koi8-r", b"\xf0\xd2\xc9\xd7\xc5\xd4").0,
            "Привет"
        );
        assert_eq!(
            decode_charset(b"iso-2022-jp", b"\x1b$B$3$s$K$A$O\x1b(B").0,
            "こんにちは"
        );
        assert_eq!(
            decode_charset(b"utf-8", b"a\xffb"),
            ("a\u{fffd}b".into(), true)
        );
        assert_eq!(decode_charset(b"unknown-8bit", b"ok"), ("ok".into(), false));
        assert_eq!(decode_text(b"Gr\xc3\xbc\xc3\x9fe"), "Grüße");
    }
}
