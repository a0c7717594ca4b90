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
use crate::proto::header::{decode_params, decode_words, encode_words, Param};
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
        Self::build(src, i, Node::root_number(src, i))
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
        let node = Node::new(src, i);
        BodyStructure {
            media_type: node.media_type(),
            subtype: node.subtype(),
            params: node.params(),
            id: node.id(),
            description: node.description(),
            encoding: node.encoding(),
            size: node.size(),
            lines: node.lines(),
            md5: node.md5(),
            disposition: node.disposition(),
            disposition_params: node.disposition_params(),
            language: node.language(),
            location: node.location(),
            parts: node
                .parts(part)
                .into_iter()
                .map(|(child, number)| Arc::new(Self::build(src, child, &number)))
                .collect(),
            envelope: node.envelope().map(|f| Envelope::from_tokens(src, f)),
            part: part.to_owned(),
        }
    }

    fn write(&self, out: &mut Vec<u8>) {
        out.push(b'(');
        // A multipart node has parts; a single part that only says "multipart" is written
        // as the single part it was sent as.
        if self.is_multipart() && !self.parts.is_empty() {
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
            out.push(b' ');
            wire::string(out, self.id.as_deref().map(str::as_bytes));
            out.push(b' ');
            wire::string(
                out,
                self.description.as_deref().map(encode_words).as_deref(),
            );
            out.push(b' ');
            wire::string(out, self.encoding.as_deref().map(str::as_bytes));
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

/// One node of a BODYSTRUCTURE read from its tokens, one field at a time, when asked.
#[derive(Clone, Copy, Debug)]
pub struct Node<'v, 'a> {
    src: &'v View<'a>,
    i: usize,
    multipart: bool,
    media_type: Option<usize>,
    subtype: Option<usize>,
    params: Option<usize>,
    id: Option<usize>,
    description: Option<usize>,
    encoding: Option<usize>,
    size: Option<usize>,
    lines: Option<usize>,
    envelope: Option<usize>,
    body: Option<usize>,
    md5: Option<usize>,
    dsp: Option<usize>,
    lang: Option<usize>,
    location: Option<usize>,
}

impl<'v, 'a> Node<'v, 'a> {
    /// The node of the list at token `i`.
    #[must_use]
    pub fn new(src: &'v View<'a>, i: usize) -> Self {
        let mut node = Node {
            src,
            i,
            multipart: false,
            media_type: None,
            subtype: None,
            params: None,
            id: None,
            description: None,
            encoding: None,
            size: None,
            lines: None,
            envelope: None,
            body: None,
            md5: None,
            dsp: None,
            lang: None,
            location: None,
        };
        if is_multipart_list(src, i) {
            node.multipart = true;
            let mut rest = src.children(i).skip_while(|&c| src.is_list(c));
            node.subtype = rest.next();
            node.params = rest.next();
            node.dsp = rest.next();
            node.lang = rest.next();
            node.location = rest.next();
            return node;
        }
        let field = src.fields::<16>(i);
        let is = |f: Option<usize>, words: &[&str]| {
            f.and_then(|f| src.text(f))
                .is_some_and(|t| words.iter().any(|w| t.eq_ignore_ascii_case(w.as_bytes())))
        };
        node.media_type = field[0];
        node.subtype = field[1];
        node.params = field[2];
        node.id = field[3];
        node.description = field[4];
        node.encoding = field[5];
        node.size = field[6];
        let mut next = 7;
        let text = field[0].and_then(|f| src.text(f)).is_none() || is(field[0], &["text"]);
        if text {
            node.lines = field[7];
            next = 8;
        } else if is(field[0], &["message"])
            && is(field[1], &["rfc822", "global"])
            && field[7].is_some_and(|f| src.is_list(f))
        {
            node.envelope = field[7];
            node.body = field[8].filter(|&f| src.is_list(f));
            node.lines = field[9];
            next = 10;
        }
        node.md5 = field[next];
        node.dsp = field[next + 1];
        node.lang = field[next + 2];
        node.location = field[next + 3];
        node
    }

    /// The number of the root node of a message, the list at token `i`: `""` for a
    /// multipart, else `"1"`.
    #[must_use]
    pub fn root_number(src: &View<'_>, i: usize) -> &'static str {
        if is_multipart_list(src, i) {
            ""
        } else {
            "1"
        }
    }

    /// The media type, lower-cased.
    #[must_use]
    pub fn media_type(&self) -> String {
        if self.multipart {
            return "multipart".into();
        }
        lower(self.src, self.media_type).unwrap_or_else(|| "text".into())
    }

    /// The media subtype, lower-cased.
    #[must_use]
    pub fn subtype(&self) -> String {
        let default = if self.multipart { "mixed" } else { "plain" };
        lower(self.src, self.subtype).unwrap_or_else(|| default.into())
    }

    /// Whether this is a multipart node.
    #[must_use]
    pub fn is_multipart(&self) -> bool {
        self.multipart
            || self
                .media_type
                .and_then(|f| self.src.text(f))
                .is_some_and(|t| t.eq_ignore_ascii_case(b"multipart"))
    }

    /// The Content-Type parameters, decoded.
    #[must_use]
    pub fn params(&self) -> Vec<Param> {
        params(self.src, self.params)
    }

    /// `Content-ID`.
    #[must_use]
    pub fn id(&self) -> Option<String> {
        self.id.and_then(|f| self.src.string(f))
    }

    /// `Content-Description`, decoded.
    #[must_use]
    pub fn description(&self) -> Option<String> {
        let text = self.description.and_then(|f| self.src.text(f))?;
        Some(decode_words(&text))
    }

    /// `Content-Transfer-Encoding`, lower-cased.
    #[must_use]
    pub fn encoding(&self) -> Option<String> {
        lower(self.src, self.encoding)
    }

    /// Size of the encoded body in octets.
    #[must_use]
    pub fn size(&self) -> Option<u64> {
        self.size.and_then(|f| self.src.loose_number(f))
    }

    /// Lines of a text or message/rfc822 body.
    #[must_use]
    pub fn lines(&self) -> Option<u64> {
        self.lines.and_then(|f| self.src.loose_number(f))
    }

    /// `Content-MD5`.
    #[must_use]
    pub fn md5(&self) -> Option<String> {
        self.md5.and_then(|f| self.src.string(f))
    }

    /// The disposition, lower-cased.
    #[must_use]
    pub fn disposition(&self) -> Option<String> {
        let dsp = self.dsp?;
        if self.src.is_list(dsp) {
            lower(self.src, self.src.fields::<1>(dsp)[0])
        } else {
            lower(self.src, Some(dsp))
        }
    }

    /// The disposition parameters, decoded.
    #[must_use]
    pub fn disposition_params(&self) -> Vec<Param> {
        params(self.src, self.disposition_params_field())
    }

    /// The disposition's parameter list: the second field of `(type params)`, when the
    /// first is a type; parameters without a disposition are not the disposition's.
    fn disposition_params_field(&self) -> Option<usize> {
        let dsp = self.dsp.filter(|&d| self.src.is_list(d))?;
        let [kind, list] = self.src.fields::<2>(dsp);
        kind.and_then(|k| self.src.text(k))?;
        list
    }

    /// `Content-Language` tags.
    #[must_use]
    pub fn language(&self) -> Vec<String> {
        let Some(lang) = self.lang else {
            return Vec::new();
        };
        if self.src.is_list(lang) {
            self.src.strings(lang)
        } else {
            self.src.string(lang).into_iter().collect()
        }
    }

    /// `Content-Location`.
    #[must_use]
    pub fn location(&self) -> Option<String> {
        self.location.and_then(|f| self.src.string(f))
    }

    /// The token of a message/rfc822 part's envelope.
    #[must_use]
    pub fn envelope(&self) -> Option<usize> {
        self.envelope
    }

    /// The child nodes' tokens and numbers, this node being numbered `part`.
    #[must_use]
    pub fn parts(&self, part: &str) -> Vec<(usize, String)> {
        if self.multipart {
            let lists = self
                .src
                .children(self.i)
                .take_while(|&c| self.src.is_list(c));
            return lists
                .enumerate()
                .map(|(n, child)| (child, child_number(part, n + 1)))
                .collect();
        }
        let Some(body) = self.body else {
            return Vec::new();
        };
        let number = if is_multipart_list(self.src, body) {
            part.to_owned()
        } else {
            child_number(part, 1)
        };
        vec![(body, number)]
    }

    /// The file name: the disposition's `filename`, else the type's `name`.
    #[must_use]
    pub fn filename(&self) -> Option<String> {
        self.param(self.disposition_params_field(), "filename")
            .or_else(|| self.param(self.params, "name"))
    }

    /// The decoded value of parameter `name` of the list at `field`. The list is decoded only
    /// when one of its attributes is `name` or a section of it (`name*`, `name*0*`, ...).
    fn param(&self, field: Option<usize>, name: &str) -> Option<String> {
        let list = field?;
        let src = self.src;
        let named = |key: usize| {
            src.text(key).is_some_and(|k| {
                k.get(..name.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(name.as_bytes()))
                    && matches!(k.get(name.len()), None | Some(b'*'))
            })
        };
        if !src.children(list).step_by(2).any(named) {
            return None;
        }
        params(src, Some(list))
            .into_iter()
            .find(|p| p.name == name)
            .map(|p| p.value)
    }

    /// Whether the disposition is `word` (lower case), ignoring case.
    fn disposition_is(&self, word: &str) -> bool {
        let Some(dsp) = self.dsp else {
            return false;
        };
        let kind = if self.src.is_list(dsp) {
            self.src.fields::<1>(dsp)[0]
        } else {
            Some(dsp)
        };
        kind.and_then(|k| self.src.text(k))
            .is_some_and(|t| t.eq_ignore_ascii_case(word.as_bytes()))
    }

    /// Whether a mail reader shows this node as an attachment (see
    /// [`BodyStructure::attachments`]).
    #[must_use]
    pub fn is_attachment(&self) -> bool {
        self.disposition_is("attachment")
            || (!self.is_multipart() && !self.disposition_is("inline") && self.filename().is_some())
    }

    /// This node (numbered `part`) and every node below it, depth first.
    #[must_use]
    pub fn walk(&self, part: &str) -> Vec<(usize, String)> {
        self.collect(part, false)
    }

    /// The attachments at or below this node (numbered `part`), as
    /// [`BodyStructure::attachments`] finds them.
    #[must_use]
    pub fn attachments(&self, part: &str) -> Vec<(usize, String)> {
        self.collect(part, true)
    }

    /// Nodes depth first: every node, or only the attachments (not looking below them).
    fn collect(&self, part: &str, attachments: bool) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        let mut stack = vec![(self.i, part.to_owned())];
        while let Some((i, number)) = stack.pop() {
            let node = if i == self.i {
                *self
            } else {
                Node::new(self.src, i)
            };
            if attachments && node.is_attachment() {
                out.push((i, number));
                continue;
            }
            stack.extend(node.parts(&number).into_iter().rev());
            if !attachments {
                out.push((i, number));
            }
        }
        out
    }
}

/// Whether the body at token `i` is a multipart: its first child is a list.
fn is_multipart_list(src: &View<'_>, i: usize) -> bool {
    src.fields::<1>(i)[0].is_some_and(|c| src.is_list(c))
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
            wire::string(out, Some(&encode_words(&param.value)));
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
