//! [`Source`]: the parts of one FETCH response that typed values read lazily, owned.
//!
//! A typed value (an envelope, a body structure, the flags) is a token index into a
//! `Source`: the response's line and the token subtrees of the items kept, with any literal
//! those subtrees refer to appended to the line (so that the kept tokens read it inline).
//! Reading a field walks these tokens again through a [`View`]; nothing is decoded or
//! allocated until a caller asks for it.

use crate::proto::response::Response;
use crate::proto::{parse_response, Limits, ParseError, Token, TokenKind, Tokens, View};

/// The owned line and tokens of some items of one response.
#[derive(Debug, Default)]
pub struct Source {
    raw: Box<[u8]>,
    tokens: Box<[Token]>,
}

impl Source {
    /// Keeps the subtrees at `roots` of `src`; gives back where each landed.
    #[must_use]
    pub fn keep<const N: usize>(
        src: &View<'_>,
        roots: [Option<usize>; N],
    ) -> (Self, [Option<u32>; N]) {
        let all = src.tokens();
        let raw = src.response().raw();
        let count: usize = roots
            .iter()
            .flatten()
            .map(|&r| all[r].next_sibling(r) - r)
            .sum();
        let mut tokens = Vec::with_capacity(count);
        let mut extra: Vec<u8> = Vec::new();
        let mut out = [None; N];
        for (slot, root) in out.iter_mut().zip(roots) {
            let Some(root) = root else { continue };
            *slot = u32::try_from(tokens.len()).ok();
            let subtree = &all[root..all[root].next_sibling(root)];
            if !subtree.iter().any(|t| t.kind == TokenKind::LiteralRef) {
                tokens.extend_from_slice(subtree);
                continue;
            }
            for (i, token) in subtree.iter().enumerate() {
                let mut token = *token;
                if token.kind == TokenKind::LiteralRef {
                    let bytes = src.text(root + i).unwrap_or_default();
                    token = Token {
                        kind: TokenKind::Literal,
                        start: u32::try_from(raw.len() + extra.len()).unwrap_or(u32::MAX),
                        len: u32::try_from(bytes.len()).unwrap_or(0),
                        num: 0,
                    };
                    extra.extend_from_slice(&bytes);
                }
                tokens.push(token);
            }
        }
        let mut line = Vec::with_capacity(raw.len() + extra.len());
        line.extend_from_slice(raw);
        line.extend_from_slice(&extra);
        if u32::try_from(line.len()).is_err() {
            // Offsets past 4 GiB cannot be kept; no such line passes the parser's limits.
            return (Source::default(), [None; N]);
        }
        let source = Source {
            raw: line.into_boxed_slice(),
            tokens: tokens.into_boxed_slice(),
        };
        (source, out)
    }

    /// A source holding one value given in IMAP syntax (`wire`), and the value's index.
    ///
    /// # Errors
    /// When `wire` does not parse as one value.
    pub fn of_value(wire: &[u8]) -> Result<(Self, u32), ParseError> {
        let mut raw = b"* 0 FETCH (X ".to_vec();
        raw.extend_from_slice(wire);
        raw.extend_from_slice(b")\r\n");
        let mut tokens = Tokens::new();
        let parsed = parse_response(&raw, &mut tokens, &Limits::default())?;
        let src = View::new(parsed, &[]);
        let list = src.top().get(2).copied();
        let value = list.and_then(|l| src.children(l).nth(1));
        let (source, [at]) = Source::keep(&src, [value]);
        at.map(|at| (source, at))
            .ok_or_else(|| ParseError::invalid("FETCH", "not one value", 0))
    }

    /// A view of the kept tokens.
    #[must_use]
    pub fn view(&self) -> View<'_> {
        View::new(Response::data(&self.raw, &self.tokens), &[])
    }

    /// Bytes held (line, appended literals and tokens).
    #[must_use]
    pub fn size(&self) -> usize {
        self.raw.len() + std::mem::size_of_val(&*self.tokens)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::parse_template;

    #[test]
    fn keeps_subtrees_and_inlines_their_literals() {
        let mut tokens = Tokens::new();
        let line = b"* 1 FETCH (UID 7 FLAGS (\\Seen) ENVELOPE (NIL {0} NIL) BODY[] {1})";
        let rsp = parse_template(line, 2, &mut tokens, &Limits::default()).unwrap();
        let lits: [&[u8]; 2] = [b"Subject\r\nline", b"big body"];
        let src = View::new(rsp, &lits);
        let list = src.top()[2];
        let items: Vec<usize> = src.children(list).collect();
        let (source, [flags, env]) = Source::keep(&src, [Some(items[3]), Some(items[5])]);
        let view = source.view();
        let flags = flags.unwrap() as usize;
        assert_eq!(view.strings(flags), ["\\Seen"]);
        let env = env.unwrap() as usize;
        let fields: Vec<usize> = view.children(env).collect();
        assert_eq!(
            view.text(fields[1]).as_deref(),
            Some(&b"Subject\r\nline"[..])
        );
        assert!(view.is_nil(fields[2]));
        assert!(source.size() < line.len() + 64 + 16 * 24);
    }

    #[test]
    fn holds_one_value() {
        let (source, at) = Source::of_value(b"(\"a\" {1}\r\nb)").unwrap();
        assert_eq!(source.view().strings(at as usize), ["a", "b"]);
        assert!(Source::of_value(b"(unclosed").is_err());
    }
}
