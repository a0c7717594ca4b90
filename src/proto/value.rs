//! The parsed form of a response: a flat, borrowed token list.
//!
//! A response is parsed into a preorder sequence of [`Token`]s that point into the
//! response's bytes. A [`TokenKind::List`] token records how many tokens its subtree holds,
//! so a consumer walks children without recursion in the parser and without one allocation
//! per list. The [`Tokens`] buffer is reused from response to response: in steady state
//! parsing allocates nothing.

/// What a [`Token`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// An atom (`FLAGS`, `\Seen`, `BODY[HEADER.FIELDS (TO)]<0>`); the span is its bytes.
    Atom,
    /// A digit-only atom; [`Token::num`] holds its value (64-bit).
    Number,
    /// A quoted string; the span is the content between the quotes, escapes still in.
    /// [`Token::num`] is 1 when the content holds a backslash escape.
    Quoted,
    /// A literal `{n}`, `{n+}` or literal8 `~{n}`; the span is the literal's data.
    Literal,
    /// A placeholder `{i}` in template text; [`Token::num`] is the index `i`.
    LiteralRef,
    /// `NIL`, in any case.
    Nil,
    /// A parenthesised list; [`Token::num`] is the number of tokens in its subtree.
    List,
}

/// One token of a parsed response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    /// What the token is.
    pub kind: TokenKind,
    /// Offset of the token's bytes in the response.
    pub start: u32,
    /// Length of the token's bytes.
    pub len: u32,
    /// Kind-specific value: number, escape flag, literal index or subtree size.
    pub num: u64,
}

impl Token {
    /// The token's bytes within `raw`, the response it was parsed from.
    #[must_use]
    pub fn bytes<'a>(&self, raw: &'a [u8]) -> &'a [u8] {
        let start = self.start as usize;
        &raw[start..start + self.len as usize]
    }

    /// Index of the token that follows this one and its subtree, given its own index.
    #[must_use]
    pub fn next_sibling(&self, index: usize) -> usize {
        match self.kind {
            TokenKind::List => index + 1 + self.num as usize,
            _ => index + 1,
        }
    }
}

/// A reusable buffer of tokens.
#[derive(Clone, Debug, Default)]
pub struct Tokens {
    pub(crate) items: Vec<Token>,
    /// Open lists while parsing, kept to reuse its allocation.
    pub(crate) stack: Vec<usize>,
}

impl Tokens {
    /// An empty buffer.
    #[must_use]
    pub fn new() -> Self {
        Tokens::default()
    }

    /// The tokens of the last parse.
    #[must_use]
    pub fn as_slice(&self) -> &[Token] {
        &self.items
    }
}

/// Removes the backslash escapes (`\\` and `\"`) from quoted-string content.
///
/// Any other backslash is kept as it is: servers send such bytes and nothing is gained by
/// refusing them.
#[must_use]
pub fn unescape(content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len());
    let mut bytes = content.iter().copied();
    while let Some(b) = bytes.next() {
        if b == b'\\' {
            match bytes.next() {
                Some(next @ (b'\\' | b'"')) => out.push(next),
                Some(next) => out.extend_from_slice(&[b'\\', next]),
                None => out.push(b'\\'),
            }
        } else {
            out.push(b);
        }
    }
    out
}

/// Iterates over the direct children of the list at `index` (or over the top level when
/// `index` is `None`), yielding each child's index.
pub fn children(tokens: &[Token], index: Option<usize>) -> impl Iterator<Item = usize> + '_ {
    let (mut next, end) = match index {
        Some(i) => (i + 1, i + 1 + tokens[i].num as usize),
        None => (0, tokens.len()),
    };
    std::iter::from_fn(move || {
        if next >= end {
            return None;
        }
        let current = next;
        next = tokens[current].next_sibling(current);
        Some(current)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescape_known_answers() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"plain", b"plain"),
            (br#"a\"b"#, br#"a"b"#),
            (br"a\\b", br"a\b"),
            (br"a\xb", br"a\xb"),
            (br"end\", br"end\"),
            (b"", b""),
        ];
        for (input, expected) in cases {
            assert_eq!(unescape(input), *expected, "{input:?}");
        }
    }
}
