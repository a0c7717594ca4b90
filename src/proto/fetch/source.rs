//! Reading typed values out of a parsed response's tokens.
//!
//! A [`Source`] pairs the tokens with the bytes they point into and, for the template form of
//! a response, the literals its `{i}` placeholders stand for. It answers the questions the
//! typed views ask of a token — its string, its number, its children — and is lenient where
//! servers are: a number sent as a quoted string is still a number, a quoted string where an
//! atom belongs is still text, and NIL is "absent" wherever a value may be missing.

use std::borrow::Cow;

use crate::proto::{children, unescape, Response, Token, TokenKind};

/// The tokens of one response, with the bytes they refer to.
#[derive(Clone, Copy, Debug)]
pub struct Source<'a> {
    raw: &'a [u8],
    tokens: &'a [Token],
    literals: &'a [&'a [u8]],
}

impl<'a> Source<'a> {
    /// The tokens of `rsp`; `literals` are the literals of a template response (empty for a
    /// response parsed with its literals inline).
    #[must_use]
    pub fn new(rsp: &Response<'a>, literals: &'a [&'a [u8]]) -> Self {
        Source {
            raw: rsp.raw(),
            tokens: rsp.tokens(),
            literals,
        }
    }

    /// The tokens.
    #[must_use]
    pub fn tokens(&self) -> &'a [Token] {
        self.tokens
    }

    /// The kind of token `i`.
    #[must_use]
    pub fn kind(&self, i: usize) -> TokenKind {
        self.tokens[i].kind
    }

    /// The content of an atom, number, quoted string or literal; `None` for NIL and lists.
    #[must_use]
    pub fn string(&self, i: usize) -> Option<Cow<'a, [u8]>> {
        let token = self.tokens[i];
        match token.kind {
            TokenKind::Atom | TokenKind::Number | TokenKind::Literal => {
                Some(Cow::Borrowed(token.bytes(self.raw)))
            }
            TokenKind::Quoted if token.num != 0 => {
                Some(Cow::Owned(unescape(token.bytes(self.raw))))
            }
            TokenKind::Quoted => Some(Cow::Borrowed(token.bytes(self.raw))),
            TokenKind::LiteralRef => self
                .literals
                .get(usize::try_from(token.num).ok()?)
                .map(|l| Cow::Borrowed(*l)),
            TokenKind::Nil | TokenKind::List => None,
        }
    }

    /// The string of token `i` as text (UTF-8, anything else as U+FFFD).
    #[must_use]
    pub fn text(&self, i: usize) -> Option<String> {
        self.string(i)
            .map(|s| String::from_utf8_lossy(&s).into_owned())
    }

    /// The literal index of a template placeholder, for callers that hold the literal
    /// objects themselves.
    #[must_use]
    pub fn literal_index(&self, i: usize) -> Option<usize> {
        let token = self.tokens[i];
        (token.kind == TokenKind::LiteralRef).then(|| usize::try_from(token.num).ok())?
    }

    /// A number, also when sent as a digit-only string.
    #[must_use]
    pub fn number(&self, i: usize) -> Option<u64> {
        let token = self.tokens[i];
        match token.kind {
            TokenKind::Number => Some(token.num),
            TokenKind::Atom | TokenKind::Quoted => {
                let bytes = self.string(i)?;
                std::str::from_utf8(bytes.trim_ascii()).ok()?.parse().ok()
            }
            _ => None,
        }
    }

    /// The children of list `i`; none when `i` is not a list.
    pub fn items(&self, i: usize) -> impl Iterator<Item = usize> + 'a {
        // Only a list's `num` counts children: for any other token `children` would read
        // past the end, so it is never polled.
        let count = if self.is_list(i) { usize::MAX } else { 0 };
        children(self.tokens, Some(i)).take(count)
    }

    /// The first `N` children of list `i` (`None` past its end or when `i` is not a list),
    /// without allocating.
    #[must_use]
    pub fn fields<const N: usize>(&self, i: usize) -> [Option<usize>; N] {
        let mut out = [None; N];
        for (slot, child) in out.iter_mut().zip(self.items(i)) {
            *slot = Some(child);
        }
        out
    }

    /// Whether token `i` is a list.
    #[must_use]
    pub fn is_list(&self, i: usize) -> bool {
        self.tokens[i].kind == TokenKind::List
    }
}
