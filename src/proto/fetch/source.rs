//! [`Source`]: the parts of one FETCH response that typed values read lazily.
//!
//! A typed value (an envelope, a body structure, the flags) is a token index into a
//! `Source`, whose tokens are parsed only when a value is first read: either the response's
//! own line, shared with whoever holds it (a response without literals), or the items kept,
//! written out again as one small response of their own (`* 0 FETCH (<kept values>)`,
//! literals inline). A response whose typed values are never read costs no tokens; reading
//! a field walks the tokens through a [`View`], and nothing is decoded or allocated until a
//! caller asks for it.

use std::sync::OnceLock;

use crate::proto::response::Response;
use crate::proto::{
    parse_response, parse_template, Limits, ParseError, Token, TokenKind, Tokens, View,
};

/// What every kept response starts with; the kept values follow from token 3 on.
const PREFIX: &[u8] = b"* 0 FETCH (";
const FIRST: usize = 3;

/// The kept values were read under the connection's limits already.
const NO_LIMITS: Limits = Limits {
    max_line: usize::MAX,
    max_literal: u64::MAX,
    max_depth: usize::MAX,
    max_literals: usize::MAX,
    max_response: u64::MAX,
    crlf_relaxed: false,
};

/// The kept items of one response, and their tokens once read.
#[derive(Default)]
pub struct Source {
    frame: Frame,
    tokens: OnceLock<Box<[Token]>>,
}

/// The bytes a [`Source`] parses.
enum Frame {
    /// The kept values, as a response of their own.
    Kept(Box<[u8]>),
    /// A whole response line without literals, held elsewhere too.
    Line(Box<dyn AsRef<[u8]> + Send + Sync>),
}

impl Default for Frame {
    fn default() -> Self {
        Frame::Kept(Box::default())
    }
}

impl Frame {
    fn bytes(&self) -> &[u8] {
        match self {
            Frame::Kept(bytes) => bytes,
            Frame::Line(line) => (**line).as_ref(),
        }
    }
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source")
            .field("bytes", &self.frame.bytes().len())
            .field("tokens", &self.tokens.get().map(|t| t.len()))
            .finish()
    }
}

impl Source {
    /// Keeps the subtrees at `roots` of `src` (a value that is not a list is kept as an
    /// empty list); gives back where each will be. Only the kept values are copied: a body
    /// section beside them is not.
    #[must_use]
    pub fn keep<const N: usize>(
        src: &View<'_>,
        roots: [Option<usize>; N],
    ) -> (Self, [Option<u32>; N]) {
        let all = src.tokens();
        let mut frame = PREFIX.to_vec();
        let mut next = FIRST;
        let mut out = [None; N];
        for (slot, root) in out.iter_mut().zip(roots) {
            let Some(root) = root else { continue };
            if next > FIRST {
                frame.push(b' ');
            }
            *slot = u32::try_from(next).ok();
            if src.is_list(root) {
                next += write_value(src, root, &mut frame) - root;
            } else {
                frame.extend_from_slice(b"()");
                next += 1;
            }
        }
        frame.extend_from_slice(b")\r\n");
        debug_assert!(all.len() >= next - FIRST);
        if u32::try_from(frame.len()).is_err() {
            // Offsets past 4 GiB cannot be kept; no such line passes the parser's limits.
            return (Source::default(), [None; N]);
        }
        let source = Source {
            frame: Frame::Kept(frame.into_boxed_slice()),
            tokens: OnceLock::new(),
        };
        (source, out)
    }

    /// A source over `line`, the line of a response without literals (a final CRLF
    /// optional), shared rather than copied; its values are at the token indices they have
    /// in that response.
    #[must_use]
    pub fn of_line(line: impl AsRef<[u8]> + Send + Sync + 'static) -> Self {
        Source {
            frame: Frame::Line(Box::new(line)),
            tokens: OnceLock::new(),
        }
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

    /// A view of the kept tokens (parsed on first use).
    #[must_use]
    pub fn view(&self) -> View<'_> {
        let tokens = self.tokens.get_or_init(|| {
            let mut tokens = Tokens::new();
            // Both frames parsed before, so they parse again; were one ever not to, its
            // values read as absent.
            let parsed = match &self.frame {
                Frame::Kept(frame) => parse_response(frame, &mut tokens, &NO_LIMITS).is_ok(),
                Frame::Line(line) => {
                    parse_template((**line).as_ref(), 0, &mut tokens, &NO_LIMITS).is_ok()
                }
            };
            if parsed {
                tokens.items.into_boxed_slice()
            } else {
                Box::default()
            }
        });
        View::new(Response::data(self.frame.bytes(), tokens), &[])
    }

    /// Bytes held (the kept values, not a shared line, and the tokens once read).
    #[must_use]
    pub fn size(&self) -> usize {
        let own = match &self.frame {
            Frame::Kept(frame) => frame.len(),
            Frame::Line(_) => 0,
        };
        own + self.tokens.get().map_or(0, |t| std::mem::size_of_val(&**t))
    }
}

/// Writes the value at token `i` of `src` to `out` in IMAP syntax (literals inline, a
/// template's literals from `src`); gives back the index of the token after it.
fn write_value(src: &View<'_>, i: usize, out: &mut Vec<u8>) -> usize {
    let tokens = src.tokens();
    let raw = src.response().raw();
    let token = tokens[i];
    match token.kind {
        TokenKind::List => {
            out.push(b'(');
            let end = token.next_sibling(i);
            let mut at = i + 1;
            while at < end {
                if at > i + 1 {
                    out.push(b' ');
                }
                at = write_value(src, at, out);
            }
            out.push(b')');
            return end;
        }
        TokenKind::Quoted => {
            out.push(b'"');
            out.extend_from_slice(token.bytes(raw));
            out.push(b'"');
        }
        TokenKind::Literal | TokenKind::LiteralRef => {
            let bytes = src.text(i).unwrap_or_default();
            out.extend_from_slice(format!("{{{}}}\r\n", bytes.len()).as_bytes());
            out.extend_from_slice(&bytes);
        }
        TokenKind::Nil => out.extend_from_slice(b"NIL"),
        TokenKind::Atom | TokenKind::Number => out.extend_from_slice(token.bytes(raw)),
    }
    i + 1
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
    fn copies_only_the_kept_values_and_reads_them_when_asked() {
        let body = vec![b'x'; 100_000];
        let mut raw = b"* 1 FETCH (FLAGS (\\Seen) BODY[] {100000}\r\n".to_vec();
        raw.extend_from_slice(&body);
        raw.extend_from_slice(
            b" ENVELOPE (NIL \"a \\\"b\\\"\" NIL NIL NIL NIL NIL NIL NIL NIL))\r\n",
        );
        let mut tokens = Tokens::new();
        let rsp = parse_response(&raw, &mut tokens, &Limits::default()).unwrap();
        let src = View::new(rsp, &[]);
        let items: Vec<usize> = src.children(src.top()[2]).collect();
        let (source, [flags, env]) = Source::keep(&src, [Some(items[1]), Some(items[5])]);
        assert!(source.size() < 100, "{}", source.size());
        let view = source.view();
        assert_eq!(view.strings(flags.unwrap() as usize), ["\\Seen"]);
        let subject = view.children(env.unwrap() as usize).nth(1).unwrap();
        assert_eq!(view.text(subject).as_deref(), Some(&b"a \"b\""[..]));
        assert!(source.size() > 100, "the tokens are kept once read");
    }

    #[test]
    fn a_shared_line_is_read_at_the_response_s_own_token_indices() {
        let line = b"* 2 FETCH (UID 9 FLAGS (\\Seen $Junk) ENVELOPE (NIL \"Hi\" NIL))".to_vec();
        let mut tokens = Tokens::new();
        let rsp = parse_template(&line, 0, &mut tokens, &Limits::default()).unwrap();
        let src = View::new(rsp, &[]);
        let items: Vec<usize> = src.children(src.top()[2]).collect();
        let source = Source::of_line(line.clone());
        assert_eq!(
            source.size(),
            0,
            "nothing is copied or parsed before a value is read"
        );
        let view = source.view();
        assert_eq!(view.strings(items[3]), ["\\Seen", "$Junk"]);
        let subject = view.children(items[5]).nth(1).unwrap();
        assert_eq!(view.text(subject).as_deref(), Some(&b"Hi"[..]));
        assert_eq!(view.tokens(), src.tokens());
    }

    #[test]
    fn holds_one_value() {
        let (source, at) = Source::of_value(b"(\"a\" {1}\r\nb)").unwrap();
        assert_eq!(source.view().strings(at as usize), ["a", "b"]);
        assert!(Source::of_value(b"(unclosed").is_err());
    }
}
