//! RFC 3501 BODYSTRUCTURE: the MIME tree of a message, with its extension data.
//!
//! ```text
//! body            = "(" (body-type-1part / body-type-mpart) ")"
//! body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]
//! body-type-1part = (body-type-basic / body-type-msg / body-type-text) [SP body-ext-1part]
//! body-fields     = body-fld-param SP body-fld-id SP body-fld-desc SP body-fld-enc SP
//!                   body-fld-octets
//! body-type-msg   = media-message SP body-fields SP envelope SP body SP body-fld-lines
//! body-type-text  = media-text SP body-fields SP body-fld-lines
//! body-ext-1part  = body-fld-md5 [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc ...]]]
//! body-ext-mpart  = body-fld-param [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc ...]]]
//! ```
//! Every field may be missing or NIL (servers omit extension data, send NIL for strings, send
//! a bare disposition string instead of a list, or leave out the envelope of a message/rfc822
//! part); each then reads as absent. Parts are numbered as `FETCH BODY[<part>]` wants them:
//! the children of a multipart are `1`, `2`, ... (`2.1` below part `2`), a single-part
//! message's body is `1`, and the body of a message/rfc822 part `p` is `p.1` (or, when
//! multipart, has its children numbered `p.1`, `p.2`, ...).

use std::sync::Arc;

use super::envelope::Envelope;
use super::wire;
use crate::proto::header::{decode_params, decode_words, Param};
use crate::proto::View;

/// One node of a message's MIME tree.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BodyStructure {
    /// The media type, lower-cased (`text`, `multipart`, ...).
    pub media_type: String,
    /// The media subtype, lower-cased (`plain`, `mixed`, ...).
    pub subtype: String,
    /// The Content-Type parameters, RFC 2231 and RFC 2047 decoded.
    pub params: Vec<Param>,
    /// `Content-ID`.
    pub id: Option<String>,
    /// `Content-Description`, decoded.
    pub description: Option<String>,
    /// `Content-Transfer-Encoding`, lower-cased.
    pub encoding: Option<String>,
    /// Size of the encoded body in octets.
    pub size: Option<u64>,
    /// Lines of a text or message/rfc822 body.
    pub lines: Option<u64>,
    /// `Content-MD5`.
    pub md5: Option<String>,
    /// The disposition (`inline`, `attachment`), lower-cased.
    pub disposition: Option<String>,
    /// The disposition parameters, decoded.
    pub disposition_params: Vec<Param>,
    /// `Content-Language` tags.
    pub language: Vec<String>,
    /// `Content-Location`.
    pub location: Option<String>,
    /// Child parts (a multipart's parts, or a message/rfc822's body).
    pub parts: Vec<Arc<BodyStructure>>,
    /// A message/rfc822 part's envelope.
    pub envelope: Option<Envelope>,
    /// The part number for `BODY[<part>]`; empty for a multipart message's root.
    pub part: String,
}

impl BodyStructure {
    /// The structure of the list at token `i`, numbered as a message's root.
    pub fn from_tokens(src: &View<'_>, i: usize) -> Self {
        let multipart = src.children(i).next().is_some_and(|c| src.is_list(c));
        Self::build(src, i, if multipart { "" } else { "1" })
    }

    /// The structure of the list at token `i`, numbered `part`.
    pub fn from_tokens_at(src: &View<'_>, i: usize, part: &str) -> Self {
        Self::build(src, i, part)
    }

    /// Whether this is a multipart node.
    #[must_use]
    pub fn is_multipart(&self) -> bool {
        self.media_type == "multipart"
    }

    /// The attachment's file name: the disposition's `filename`, else the type's `name`.
    #[must_use]
    pub fn filename(&self) -> Option<&str> {
        find_param(&self.disposition_params, "filename")
            .or_else(|| find_param(&self.params, "name"))
    }

    /// This node and every node below it, depth first.
    #[must_use]
    pub fn walk(self: &Arc<Self>) -> Vec<Arc<BodyStructure>> {
        let mut out = Vec::new();
        let mut stack = vec![Arc::clone(self)];
        while let Some(node) = stack.pop() {
            stack.extend(node.parts.iter().rev().cloned());
            out.push(node);
        }
        out
    }

    /// The parts a mail reader shows as attachments: disposition `attachment`, or any
    /// non-multipart part with a file name that is not marked `inline`. An attached message
    /// is one attachment; its own parts are not listed.
    #[must_use]
    pub fn attachments(self: &Arc<Self>) -> Vec<Arc<BodyStructure>> {
        let mut out = Vec::new();
        let mut stack = vec![Arc::clone(self)];
        while let Some(node) = stack.pop() {
            let disposition = node.disposition.as_deref();
            let attached = disposition == Some("attachment")
                || (!node.is_multipart()
                    && disposition != Some("inline")
                    && node.filename().is_some());
            if attached {
                out.push(node);
            } else {
                stack.extend(node.parts.iter().rev().cloned());
            }
        }
        out
    }

    /// The structure in IMAP syntax (`part` is not part of it).
    #[must_use]
    pub fn to_wire(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        self.write(&mut out);
        out
    }

    fn build(src: &View<'_>, i: usize, part: &str) -> Self {
        let mut node = BodyStructure {
            part: part.to_owned(),
            ..BodyStructure::default()
        };
        let mut children = src.children(i).peekable();
        if children.peek().is_some_and(|&c| src.is_list(c)) {
            node.media_type = "multipart".into();
            let mut rest = [None; 5];
            let mut n = 0;
            for child in children {
                if n == 0 && src.is_list(child) {
                    let number = child_number(part, node.parts.len() + 1);
                    node.parts.push(Arc::new(Self::build(src, child, &number)));
                } else if n < rest.len() {
                    rest[n] = Some(child);
                    n += 1;
                }
            }
            node.subtype = lower(src, rest[0]).unwrap_or_else(|| "mixed".into());
            node.params = params(src, rest[1]);
            node.set_extension(src, rest[2], rest[3], rest[4]);
            return node;
        }
        let field = src.fields::<16>(i);
        node.media_type = lower(src, field[0]).unwrap_or_else(|| "text".into());
        node.subtype = lower(src, field[1]).unwrap_or_else(|| "plain".into());
        node.params = params(src, field[2]);
        node.id = field[3].and_then(|f| src.string(f));
        node.description = field[4].and_then(|f| src.text(f)).map(|d| decode_words(&d));
        node.encoding = lower(src, field[5]);
        node.size = field[6].and_then(|f| src.loose_number(f));
        let mut next = 7;
        if node.media_type == "text" {
            node.lines = field[7].and_then(|f| src.loose_number(f));
            next = 8;
        } else if node.media_type == "message"
            && matches!(node.subtype.as_str(), "rfc822" | "global")
            && field[7].is_some_and(|f| src.is_list(f))
        {
            node.envelope = field[7].map(|f| Envelope::from_tokens(src, f));
            if let Some(body) = field[8].filter(|&f| src.is_list(f)) {
                let inner_multipart = src.children(body).next().is_some_and(|c| src.is_list(c));
                let number = if inner_multipart {
                    part.to_owned()
                } else {
                    child_number(part, 1)
                };
                node.parts.push(Arc::new(Self::build(src, body, &number)));
            }
            node.lines = field[9].and_then(|f| src.loose_number(f));
            next = 10;
        }
        node.md5 = field[next].and_then(|f| src.string(f));
        node.set_extension(src, field[next + 1], field[next + 2], field[next + 3]);
        node
    }

    /// Disposition, language and location (any may be missing).
    fn set_extension(
        &mut self,
        src: &View<'_>,
        dsp: Option<usize>,
        lang: Option<usize>,
        location: Option<usize>,
    ) {
        if let Some(dsp) = dsp {
            if src.is_list(dsp) {
                let [kind, list] = src.fields::<2>(dsp);
                self.disposition = lower(src, kind);
                self.disposition_params = params(src, list);
            } else {
                self.disposition = lower(src, Some(dsp));
            }
        }
        if let Some(lang) = lang {
            self.language = if src.is_list(lang) {
                src.children(lang).filter_map(|l| src.string(l)).collect()
            } else {
                src.string(lang).into_iter().collect()
            };
        }
        self.location = location.and_then(|f| src.string(f));
    }

    fn write(&self, out: &mut Vec<u8>) {
        out.push(b'(');
        if self.is_multipart() {
            for part in &self.parts {
                part.write(out);
            }
            out.push(b' ');
            wire::string(out, Some(self.subtype.as_bytes()));
            out.push(b' ');
            write_params(out, &self.params);
        } else {
            for text in [&self.media_type, &self.subtype] {
                wire::string(out, Some(text.as_bytes()));
                out.push(b' ');
            }
            write_params(out, &self.params);
            for text in [&self.id, &self.description, &self.encoding] {
                out.push(b' ');
                wire::string(out, text.as_deref().map(str::as_bytes));
            }
            out.push(b' ');
            wire::number(out, self.size);
            if let Some(envelope) = &self.envelope {
                out.push(b' ');
                out.extend_from_slice(&envelope.to_wire());
                out.push(b' ');
                match self.parts.first() {
                    Some(body) => body.write(out),
                    None => out.extend_from_slice(b"NIL"),
                }
            }
            if self.media_type == "text" || self.envelope.is_some() {
                out.push(b' ');
                wire::number(out, self.lines);
            }
            out.push(b' ');
            wire::string(out, self.md5.as_deref().map(str::as_bytes));
        }
        out.push(b' ');
        match &self.disposition {
            Some(d) => {
                out.push(b'(');
                wire::string(out, Some(d.as_bytes()));
                out.push(b' ');
                write_params(out, &self.disposition_params);
                out.push(b')');
            }
            None => out.extend_from_slice(b"NIL"),
        }
        out.push(b' ');
        wire::strings(out, self.language.iter().map(String::as_bytes));
        out.push(b' ');
        wire::string(out, self.location.as_deref().map(str::as_bytes));
        out.push(b')');
    }
}

/// The value of parameter `name`.
fn find_param<'a>(params: &'a [Param], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|p| p.name == name)
        .map(|p| p.value.as_str())
}

/// The number of child `n` of the part numbered `part`.
fn child_number(part: &str, n: usize) -> String {
    if part.is_empty() {
        n.to_string()
    } else {
        format!("{part}.{n}")
    }
}

/// A string field, lower-cased.
fn lower(src: &View<'_>, field: Option<usize>) -> Option<String> {
    let mut text = src.string(field?)?;
    text.make_ascii_lowercase();
    Some(text)
}

/// A parameter list `(attr value attr value ...)`, decoded; NIL (or anything else) has none.
fn params(src: &View<'_>, field: Option<usize>) -> Vec<Param> {
    let Some(list) = field else {
        return Vec::new();
    };
    let mut raw = Vec::new();
    let mut items = src.children(list);
    while let (Some(key), Some(value)) = (items.next(), items.next()) {
        if let Some(key) = src.text(key) {
            raw.push((key, src.text(value).unwrap_or_default()));
        }
    }
    decode_params(raw.iter().map(|(k, v)| (&**k, &**v)))
}

/// Appends decoded parameters so that they decode again to the same values: each in
/// RFC 2231 form (`name*` = `utf-8'lang'` and the value percent-encoded).
fn write_params(out: &mut Vec<u8>, params: &[Param]) {
    if params.is_empty() {
        out.extend_from_slice(b"NIL");
        return;
    }
    out.push(b'(');
    for (i, param) in params.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        if param.name.contains('*') {
            wire::string(out, Some(param.name.as_bytes()));
            out.push(b' ');
            wire::string(out, Some(param.value.as_bytes()));
            continue;
        }
        wire::string(out, Some(format!("{}*", param.name).as_bytes()));
        out.push(b' ');
        let mut value = format!("utf-8'{}'", param.language.as_deref().unwrap_or(""));
        for byte in param.value.bytes() {
            if byte.is_ascii_alphanumeric() || b"-._".contains(&byte) {
                value.push(char::from(byte));
            } else {
                value.push_str(&format!("%{byte:02X}"));
            }
        }
        wire::string(out, Some(value.as_bytes()));
    }
    out.push(b')');
}
