//! RFC 2231 parameter values: continuations, charsets and languages.
//!
//! `filename*0*=utf-8''Gr%C3%BC; filename*1*=%C3%9Fe.pdf` is one parameter `filename` with
//! the value `Grüße.pdf`. Sections are joined in their numeric order whatever order they came
//! in; a section whose name ends in `*` is percent-encoded, and the first of them may start
//! with `charset'language'`. Plain values (no `*`) are read through RFC 2047, which many
//! mailers use for file names although the RFC does not allow it. When a parameter comes both
//! plain and in RFC 2231 form, the RFC 2231 form wins.

use super::charset::decode_charset;
use super::rfc2047::{decode_words, hex_pair};

/// The most sections one parameter may be split into; any after it are ignored.
const MAX_SECTIONS: usize = 1000;

/// One decoded parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    /// The parameter name, lower-cased, without any RFC 2231 suffix.
    pub name: String,
    /// The decoded value.
    pub value: String,
    /// The RFC 2231 language tag, when one was given.
    pub language: Option<String>,
}

/// Decodes a parameter list given as (attribute, value) pairs, in first-seen order.
#[must_use]
pub fn decode_params<'a, I>(pairs: I) -> Vec<Param>
where
    I: IntoIterator<Item = (&'a [u8], &'a [u8])>,
{
    let mut groups: Vec<Group<'a>> = Vec::new();
    for (attribute, value) in pairs {
        let name = String::from_utf8_lossy(attribute).to_ascii_lowercase();
        let (base, section) = split_name(&name);
        let index = match groups.iter().position(|g| g.name == base) {
            Some(i) => i,
            None => {
                groups.push(Group {
                    name: base.to_owned(),
                    plain: None,
                    sections: Vec::new(),
                });
                groups.len() - 1
            }
        };
        let group = &mut groups[index];
        match section {
            None => {
                group.plain.get_or_insert(value);
            }
            Some(section) if group.sections.len() < MAX_SECTIONS => {
                group.sections.push((section, value));
            }
            Some(_) => {}
        }
    }
    groups.into_iter().map(Group::decode).collect()
}

/// Where an attribute's name puts its value: section number and whether it is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Section {
    number: u32,
    encoded: bool,
}

struct Group<'a> {
    name: String,
    plain: Option<&'a [u8]>,
    sections: Vec<(Section, &'a [u8])>,
}

impl Group<'_> {
    fn decode(mut self) -> Param {
        if self.sections.is_empty() {
            let value = decode_words(self.plain.unwrap_or(b""));
            return Param {
                name: self.name,
                value,
                language: None,
            };
        }
        self.sections.sort_by_key(|&(section, _)| section.number);
        let mut charset: &[u8] = b"utf-8";
        let mut language = None;
        let mut bytes = Vec::new();
        for (i, &(section, value)) in self.sections.iter().enumerate() {
            if !section.encoded {
                bytes.extend_from_slice(value);
                continue;
            }
            let mut value = value;
            if i == 0 {
                let mut parts = value.splitn(3, |&b| b == b'\'');
                if let (Some(cs), Some(lang), Some(rest)) =
                    (parts.next(), parts.next(), parts.next())
                {
                    if !cs.is_empty() {
                        charset = cs;
                    }
                    if !lang.is_empty() {
                        language = Some(String::from_utf8_lossy(lang).into_owned());
                    }
                    value = rest;
                }
            }
            percent_decode(value, &mut bytes);
        }
        Param {
            name: self.name,
            value: decode_charset(charset, &bytes).0.into_owned(),
            language,
        }
    }
}

/// Splits `name*2*` into `name` and its section; a bare `name*` is section 0, encoded.
fn split_name(name: &str) -> (&str, Option<Section>) {
    let Some(star) = name.find('*') else {
        return (name, None);
    };
    let (base, suffix) = (&name[..star], &name[star + 1..]);
    if suffix.is_empty() {
        return (
            base,
            Some(Section {
                number: 0,
                encoded: true,
            }),
        );
    }
    let (digits, encoded) = match suffix.strip_suffix('*') {
        Some(digits) => (digits, true),
        None => (suffix, false),
    };
    match digits.parse::<u32>() {
        Ok(number) if digits.bytes().all(|b| b.is_ascii_digit()) => {
            (base, Some(Section { number, encoded }))
        }
        _ => (name, None),
    }
}

/// `%XX` to bytes; a `%` not followed by two hexadecimal digits is kept.
fn percent_decode(value: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while i < value.len() {
        if value[i] == b'%' {
            if let Some(byte) = value.get(i + 1..i + 3).and_then(hex_pair) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(value[i]);
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(pairs: &[(&str, &str)]) -> Vec<(String, String, Option<String>)> {
        decode_params(pairs.iter().map(|(a, v)| (a.as_bytes(), v.as_bytes())))
            .into_iter()
            .map(|p| (p.name, p.value, p.language))
            .collect()
    }

    fn one(name: &str, value: &str) -> (String, String, Option<String>) {
        (name.into(), value.into(), None)
    }

    #[test]
    fn known_answers() {
        assert_eq!(
            decode(&[("NAME", "report.pdf")]),
            [one("name", "report.pdf")]
        );
        assert_eq!(
            decode(&[("filename*", "utf-8''Gr%C3%BC%C3%9Fe.pdf")]),
            [one("filename", "Grüße.pdf")]
        );
        assert_eq!(
            decode(&[("title*", "us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A")]),
            [(
                "title".into(),
                "This is ***fun***".into(),
                Some("en-us".into())
            )]
        );
        assert_eq!(
            decode(&[
                ("filename*1*", "%C3%9Fe"),
                ("filename*0*", "utf-8''Gr%C3%BC"),
                ("filename*2", ".pdf"),
            ]),
            [one("filename", "Grüße.pdf")]
        );
        assert_eq!(
            decode(&[("url*0", "ftp://"), ("url*1", "cs.utk.edu/pub")]),
            [one("url", "ftp://cs.utk.edu/pub")]
        );
        assert_eq!(
            decode(&[
                ("filename*", "iso-8859-1''%E9t%E9.txt"),
                ("filename", "ete.txt")
            ]),
            [one("filename", "été.txt")]
        );
        assert_eq!(
            decode(&[("name", "=?utf-8?B?R3LDvMOfZS5wZGY=?=")]),
            [one("name", "Grüße.pdf")]
        );
        assert_eq!(
            decode(&[("name*", "no-quotes%2")]),
            [one("name", "no-quotes%2")]
        );
        assert_eq!(decode(&[("a*x", "v")]), [one("a*x", "v")]);
    }
}
