//! Which tagged completions and continuation requests the server may send now.
//!
//! The client knows every tag it sent and which command, if any, waits for a continuation
//! request (`+`). [`Flow`] keeps that and judges each tagged completion and each `+` as it
//! arrives; anything that does not fit is a [`Violation`], after which the conversation
//! cannot be trusted and the connection must close:
//!
//! - A completion must carry a tag that was sent and has not completed yet, byte for byte:
//!   an unknown tag, a tag completed before, or a look-alike (`a1` for `A1`, `A10`, `A1x`) is
//!   refused.
//! - A `+` must answer the one command that waits for it: the text before a synchronising
//!   literal, an AUTHENTICATE exchange (each round waits again once the client answered), or
//!   IDLE. A `+` nobody waits for — including one that arrived before the client wrote the
//!   literal header it would release — is refused.
//! - A tagged `OK` to a command whose synchronising literal was never sent (the server had
//!   to send `+` first) is refused: the command cannot have happened as the client meant it.
//!   `NO` and `BAD` there are ordinary failures.
//!
//! The driver calls [`Flow::sent`] before a command's bytes leave, [`Flow::expect`] before
//! writing text that the server must answer with `+`, and [`Flow::completion`] /
//! [`Flow::continuation`] for each tagged response and continuation request it reads.

use std::collections::VecDeque;
use std::fmt;

use crate::proto::command::{LiteralMode, NonSyncLiterals};
use crate::proto::response::Status;

/// How many completed tags are remembered, to name a repeated completion as such.
const REMEMBERED: usize = 64;

/// Why a command waits for a continuation request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    /// A synchronising literal: its data is sent only after `+`.
    Literal,
    /// An exchange (AUTHENTICATE, IDLE): the server may also complete the command instead.
    Exchange,
}

/// A response that does not fit the conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Violation {
    /// A completion whose tag was never sent (or differs from one sent, even in case).
    UnknownTag(String),
    /// A second completion for a tag.
    CompletedTwice(String),
    /// A continuation request when no command waits for one.
    UnexpectedContinuation,
    /// A tagged OK where a `+` was due before a synchronising literal.
    OkBeforeLiteral(String),
    /// A greeting other than `* OK`, `* PREAUTH` or `* BYE` (shown as it came, cut short).
    Greeting(String),
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::UnknownTag(tag) => write!(f, "completion with an unknown tag {tag:?}"),
            Violation::CompletedTwice(tag) => write!(f, "second completion for tag {tag:?}"),
            Violation::UnexpectedContinuation => {
                f.write_str("continuation request when no command waits for one")
            }
            Violation::Greeting(line) => write!(f, "server greeting is not IMAP: {line:?}"),
            Violation::OkBeforeLiteral(tag) => write!(
                f,
                "tagged OK for {tag:?} before its synchronising literal was sent"
            ),
        }
    }
}

/// The status of a greeting (RFC 3501 §7.1: `greeting = "*" SP (resp-cond-auth /
/// resp-cond-bye) CRLF`): `Ok`, `Preauth` or `Bye`.
///
/// # Errors
/// [`Violation::Greeting`] for anything else: `* NO`, `* BAD`, a tagged line, another
/// protocol's banner.
pub fn greeting(line: &[u8]) -> Result<Status, Violation> {
    let upper = line.get(..10).unwrap_or(line).to_ascii_uppercase();
    for (word, status) in [
        (&b"* OK"[..], Status::Ok),
        (b"* PREAUTH", Status::Preauth),
        (b"* BYE", Status::Bye),
    ] {
        if let Some(rest) = upper.strip_prefix(word) {
            if matches!(rest.first(), Some(b' ' | b'\r' | b'\n')) {
                return Ok(status);
            }
        }
    }
    let shown: String = String::from_utf8_lossy(&line[..line.len().min(40)])
        .chars()
        .map(|c| if c.is_control() { '.' } else { c })
        .collect();
    Err(Violation::Greeting(shown))
}

/// The header (`{n}` or `{n+}`, CRLF) of a literal of `len` bytes whose data the driver sends
/// itself, from the caller's buffer or file (APPEND), and whether it must wait for `+` first.
/// Non-synchronising when the server allows it for that size (`non_sync`).
#[must_use]
pub fn literal_header(len: u64, non_sync: NonSyncLiterals) -> (Vec<u8>, bool) {
    let size = usize::try_from(len).unwrap_or(usize::MAX);
    let mode = non_sync.announce(LiteralMode::NonSync, size);
    let header = if mode.is_sync() {
        format!("{{{len}}}\r\n")
    } else {
        format!("{{{len}+}}\r\n")
    };
    (header.into_bytes(), mode.is_sync())
}

/// The tags in flight and the continuation a command waits for.
#[derive(Clone, Debug, Default)]
pub struct Flow {
    in_flight: Vec<Vec<u8>>,
    completed: VecDeque<Vec<u8>>,
    waiting: Option<(Vec<u8>, Wait)>,
}

impl Flow {
    /// An empty conversation.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// `tag` is in flight from now on (call before its bytes leave).
    pub fn sent(&mut self, tag: &[u8]) {
        self.in_flight.push(tag.to_vec());
    }

    /// `tag` was never sent after all (its command was refused before a byte left): its
    /// completion is no longer expected.
    pub fn unsent(&mut self, tag: &[u8]) {
        self.in_flight.retain(|t| t != tag);
    }

    /// The command `tag` waits for a `+` from now on (call before writing the text the
    /// server answers with it).
    pub fn expect(&mut self, tag: &[u8], why: Wait) {
        self.waiting = Some((tag.to_vec(), why));
    }

    /// No command waits for a `+` any more (the client cancelled or ended an exchange).
    pub fn expect_none(&mut self) {
        self.waiting = None;
    }

    /// A continuation request arrived: the tag of the command it is for.
    ///
    /// # Errors
    /// [`Violation::UnexpectedContinuation`] when no command waits for one.
    pub fn continuation(&mut self) -> Result<Vec<u8>, Violation> {
        match self.waiting.take() {
            Some((tag, _)) => Ok(tag),
            None => Err(Violation::UnexpectedContinuation),
        }
    }

    /// A completion tagged `tag` arrived, with status OK when `ok`.
    ///
    /// # Errors
    /// [`Violation::UnknownTag`], [`Violation::CompletedTwice`] or
    /// [`Violation::OkBeforeLiteral`]; the flow is left as it was.
    pub fn completion(&mut self, tag: &[u8], ok: bool) -> Result<(), Violation> {
        let Some(at) = self.in_flight.iter().position(|t| t == tag) else {
            let shown = String::from_utf8_lossy(tag).into_owned();
            if self.completed.iter().any(|t| t == tag) {
                return Err(Violation::CompletedTwice(shown));
            }
            return Err(Violation::UnknownTag(shown));
        };
        if let Some((waiting, why)) = &self.waiting {
            if waiting == tag {
                if ok && *why == Wait::Literal {
                    return Err(Violation::OkBeforeLiteral(
                        String::from_utf8_lossy(tag).into_owned(),
                    ));
                }
                self.waiting = None;
            }
        }
        let done = self.in_flight.remove(at);
        if self.completed.len() == REMEMBERED {
            self.completed.pop_front();
        }
        self.completed.push_back(done);
        Ok(())
    }

    /// How many commands are in flight.
    #[must_use]
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completions_must_match_a_tag_in_flight_exactly() {
        let mut flow = Flow::new();
        flow.sent(b"A1");
        for bad in [&b"a1"[..], b"A10", b"A1x", b"A", b""] {
            assert!(matches!(
                flow.completion(bad, true),
                Err(Violation::UnknownTag(_))
            ));
        }
        assert_eq!(flow.completion(b"A1", true), Ok(()));
        assert_eq!(
            flow.completion(b"A1", true),
            Err(Violation::CompletedTwice("A1".into()))
        );
        assert_eq!(flow.in_flight(), 0);
        flow.sent(b"A2");
        flow.unsent(b"A2");
        assert!(matches!(
            flow.completion(b"A2", true),
            Err(Violation::UnknownTag(_))
        ));
    }

    #[test]
    fn continuations_answer_the_one_waiting_command() {
        let mut flow = Flow::new();
        assert_eq!(flow.continuation(), Err(Violation::UnexpectedContinuation));
        flow.sent(b"A1");
        flow.expect(b"A1", Wait::Exchange);
        assert_eq!(flow.continuation(), Ok(b"A1".to_vec()));
        assert_eq!(flow.continuation(), Err(Violation::UnexpectedContinuation));
        flow.expect(b"A1", Wait::Exchange);
        assert_eq!(flow.completion(b"A1", true), Ok(()));
        assert_eq!(flow.continuation(), Err(Violation::UnexpectedContinuation));
    }

    #[test]
    fn ok_where_a_literal_was_due_is_refused_no_is_not() {
        let mut flow = Flow::new();
        flow.sent(b"A1");
        flow.expect(b"A1", Wait::Literal);
        assert_eq!(
            flow.completion(b"A1", true),
            Err(Violation::OkBeforeLiteral("A1".into()))
        );
        assert_eq!(flow.completion(b"A1", false), Ok(()));
        flow.sent(b"A2");
        flow.expect(b"A2", Wait::Literal);
        assert_eq!(flow.continuation(), Ok(b"A2".to_vec()));
        assert_eq!(flow.completion(b"A2", true), Ok(()));
    }

    #[test]
    fn literal_headers() {
        assert_eq!(
            literal_header(5, NonSyncLiterals::Never),
            (b"{5}\r\n".to_vec(), true)
        );
        assert_eq!(
            literal_header(1 << 40, NonSyncLiterals::Always),
            (b"{1099511627776+}\r\n".to_vec(), false)
        );
        assert_eq!(
            literal_header(4096, NonSyncLiterals::UpTo4096),
            (b"{4096+}\r\n".to_vec(), false)
        );
        assert_eq!(
            literal_header(4097, NonSyncLiterals::UpTo4096),
            (b"{4097}\r\n".to_vec(), true)
        );
    }

    #[test]
    fn greetings() {
        assert_eq!(greeting(b"* OK ready\r\n"), Ok(Status::Ok));
        assert_eq!(greeting(b"* ok\r\n"), Ok(Status::Ok));
        assert_eq!(greeting(b"* PREAUTH hi\r\n"), Ok(Status::Preauth));
        assert_eq!(greeting(b"* BYE busy\r\n"), Ok(Status::Bye));
        for bad in [
            &b"* NO go away\r\n"[..],
            b"* BAD no\r\n",
            b"A1 OK hi\r\n",
            b"* OKAY\r\n",
            b"+ OK\r\n",
            b"SSH-2.0-OpenSSH\r\n",
        ] {
            assert!(
                matches!(greeting(bad), Err(Violation::Greeting(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn remembers_a_bounded_number_of_completed_tags() {
        let mut flow = Flow::new();
        for n in 0..(REMEMBERED + 10) {
            let tag = format!("T{n}");
            flow.sent(tag.as_bytes());
            flow.completion(tag.as_bytes(), true).unwrap();
        }
        assert!(matches!(
            flow.completion(b"T0", true),
            Err(Violation::UnknownTag(_))
        ));
        assert!(matches!(
            flow.completion(b"T70", true),
            Err(Violation::CompletedTwice(_))
        ));
    }
}
