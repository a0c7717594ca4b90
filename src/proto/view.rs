//! Reading the tokens of one parsed response as IMAP data types.
//!
//! A [`View`] pairs a [`Response`] with the literals its `{i}` placeholders refer to (when it
//! was parsed from template text) and answers the questions every typed value asks (the
//! command results, the FETCH items, ENVELOPE, BODYSTRUCTURE): the `astring`/`nstring` at a
//! token, its number, the children of a list. Nothing is copied unless a quoted string holds
//! escapes. It is lenient where servers are: a number sent as a quoted string still reads as
//! one through [`View::loose_number`], a quoted string where an atom belongs is still text,
//! and NIL is "absent" wherever a value may be missing.

use std::borrow::Cow;

use super::response::{Kind, Response};
use super::value::{children, unescape, Token, TokenKind};

/// A parsed response and the literals of its template text.
#[derive(Clone, Copy, Debug)]
pub struct View<'a> {
    rsp: Response<'a>,
    literals: &'a [&'a [u8]],
}

impl<'a> View<'a> {
    /// A view of `rsp`; `literals` are the literals its `{i}` placeholders stand for (empty
    /// for a response parsed from raw bytes, whose literals are inline).
    #[must_use]
    pub fn new(rsp: Response<'a>, literals: &'a [&'a [u8]]) -> Self {
        View { rsp, literals }
    }

    /// The response viewed.
    #[must_use]
    pub fn response(&self) -> &Response<'a> {
        &self.rsp
    }

    /// Whether this is untagged data (not a status, completion or continuation).
    #[must_use]
    pub fn is_data(&self) -> bool {
        self.rsp.kind() == Kind::Data
    }

    /// The indices of the top-level tokens.
    #[must_use]
    pub fn top(&self) -> Vec<usize> {
        children(self.rsp.tokens(), None).collect()
    }

    /// The indices of the children of the list at `index` (none when it is not a list).
    #[must_use]
    pub fn items(&self, index: usize) -> Vec<usize> {
        self.children(index).collect()
    }

    /// The children of the list at `index`, without allocating; none when it is not a list.
    pub fn children(&self, index: usize) -> impl Iterator<Item = usize> + 'a {
        // Only a list's `num` counts children: for any other token `children` would read
        // past the end, so it is never polled.
        let count = if self.is_list(index) { usize::MAX } else { 0 };
        children(self.rsp.tokens(), Some(index)).take(count)
    }

    /// The first `N` children of the list at `index` (`None` past its end or when it is not
    /// a list), without allocating.
    #[must_use]
    pub fn fields<const N: usize>(&self, index: usize) -> [Option<usize>; N] {
        let mut out = [None; N];
        let tokens = self.rsp.tokens();
        let Some(list) = tokens.get(index).filter(|t| t.kind == TokenKind::List) else {
            return out;
        };
        let end = (index + 1).saturating_add(usize::try_from(list.num).unwrap_or(usize::MAX));
        let mut next = index + 1;
        for slot in &mut out {
            let Some(token) = tokens.get(next).filter(|_| next < end) else {
                break;
            };
            *slot = Some(next);
            next = token.next_sibling(next);
        }
        out
    }

    /// The tokens.
    #[must_use]
    pub fn tokens(&self) -> &'a [Token] {
        self.rsp.tokens()
    }

    /// Whether the token at `index` is a parenthesised list.
    #[must_use]
    pub fn is_list(&self, index: usize) -> bool {
        self.kind(index) == Some(TokenKind::List)
    }

    /// Whether the token at `index` is NIL (or missing).
    #[must_use]
    pub fn is_nil(&self, index: usize) -> bool {
        matches!(self.kind(index), Some(TokenKind::Nil) | None)
    }

    /// The number at `index` (a digit-only atom), if it is one.
    #[must_use]
    pub fn number(&self, index: usize) -> Option<u64> {
        let token = self.rsp.tokens().get(index)?;
        (token.kind == TokenKind::Number).then_some(token.num)
    }

    /// A number, also when sent as a digit-only atom or quoted string.
    #[must_use]
    pub fn loose_number(&self, index: usize) -> Option<u64> {
        match self.kind(index)? {
            TokenKind::Number => self.number(index),
            TokenKind::Atom | TokenKind::Quoted => {
                let bytes = self.text(index)?;
                std::str::from_utf8(bytes.trim_ascii()).ok()?.parse().ok()
            }
            _ => None,
        }
    }

    /// The place of the literal at `index` among the response's literals: a template's
    /// `{i}`, or the count of literals before it in a response read with its literals inline.
    #[must_use]
    pub fn literal_index(&self, index: usize) -> Option<usize> {
        let tokens = self.rsp.tokens();
        let token = tokens.get(index)?;
        match token.kind {
            TokenKind::LiteralRef => usize::try_from(token.num).ok(),
            TokenKind::Literal => Some(
                tokens[..index]
                    .iter()
                    .filter(|t| t.kind == TokenKind::Literal)
                    .count(),
            ),
            _ => None,
        }
    }

    /// The bytes of the atom, number, quoted string (unescaped) or literal at `index`;
    /// `None` for NIL, a list or a missing token (RFC 3501 `astring`/`nstring`).
    #[must_use]
    pub fn text(&self, index: usize) -> Option<Cow<'a, [u8]>> {
        let token = self.rsp.tokens().get(index)?;
        let bytes = token.bytes(self.rsp.raw());
        match token.kind {
            TokenKind::Atom | TokenKind::Number | TokenKind::Literal => Some(Cow::Borrowed(bytes)),
            TokenKind::Quoted if token.num != 0 => Some(Cow::Owned(unescape(bytes))),
            TokenKind::Quoted => Some(Cow::Borrowed(bytes)),
            TokenKind::LiteralRef => usize::try_from(token.num)
                .ok()
                .and_then(|i| self.literals.get(i))
                .map(|lit| Cow::Borrowed(*lit)),
            TokenKind::Nil | TokenKind::List => None,
        }
    }

    /// The text at `index` as a string (UTF-8, invalid bytes replaced).
    #[must_use]
    pub fn string(&self, index: usize) -> Option<String> {
        self.text(index)
            .map(|t| String::from_utf8_lossy(&t).into_owned())
    }

    /// Whether the text at `index` equals `word`, ignoring ASCII case.
    #[must_use]
    pub fn is_word(&self, index: usize, word: &str) -> bool {
        self.text(index)
            .is_some_and(|t| t.eq_ignore_ascii_case(word.as_bytes()))
    }

    /// The strings of the list at `index` (flags, capability names ...), NIL items skipped.
    #[must_use]
    pub fn strings(&self, index: usize) -> Vec<String> {
        self.items(index)
            .into_iter()
            .filter_map(|i| self.string(i))
            .collect()
    }

    /// The kind of the token at `index` (`None` past the end).
    #[must_use]
    pub fn kind(&self, index: usize) -> Option<TokenKind> {
        self.rsp.tokens().get(index).map(|t| t.kind)
    }
}

/// Calls `f` with a view of the raw response `raw` (for tests).
///
/// # Panics
/// When `raw` does not parse.
#[cfg(test)]
pub(crate) fn with_raw<T>(raw: &[u8], f: impl FnOnce(&View<'_>) -> T) -> T {
    let mut tokens = super::Tokens::new();
    let rsp = super::parse_response(raw, &mut tokens, &super::Limits::default()).unwrap();
    f(&View::new(rsp, &[]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{parse_response, parse_template, Limits, Tokens};

    #[test]
    fn reads_each_kind_of_token() {
        let mut tokens = Tokens::new();
        let raw = b"* X atom 42 \"q\\\"s\" {3}\r\nlit NIL (a b)\r\n";
        let rsp = parse_response(raw, &mut tokens, &Limits::default()).unwrap();
        let view = View::new(rsp, &[]);
        let top = view.top();
        assert_eq!(view.text(top[1]).as_deref(), Some(&b"atom"[..]));
        assert_eq!(view.number(top[2]), Some(42));
        assert_eq!(view.text(top[2]).as_deref(), Some(&b"42"[..]));
        assert_eq!(view.text(top[3]).as_deref(), Some(&b"q\"s"[..]));
        assert_eq!(view.text(top[4]).as_deref(), Some(&b"lit"[..]));
        assert!(view.is_nil(top[5]) && view.text(top[5]).is_none());
        assert_eq!(view.strings(top[6]), ["a", "b"]);
        assert!(view.is_word(top[1], "ATOM"));
    }

    #[test]
    fn template_literals_come_from_the_caller() {
        let mut tokens = Tokens::new();
        let rsp = parse_template(b"* X {0} {1}", 2, &mut tokens, &Limits::default()).unwrap();
        let lits: [&[u8]; 2] = [b"zero", b"one"];
        let view = View::new(rsp, &lits);
        let top = view.top();
        assert_eq!(view.text(top[1]).as_deref(), Some(&b"zero"[..]));
        assert_eq!(view.text(top[2]).as_deref(), Some(&b"one"[..]));
    }
}
