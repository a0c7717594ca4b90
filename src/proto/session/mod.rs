//! The client's side of one IMAP conversation, without I/O: which commands are in flight,
//! where each response goes, and what the server may send next.
//!
//! # Theory of operation
//!
//! A [`Session`] is a state machine that every face of the library drives: the blocking
//! face from threads, an event loop from its tasks. It never touches a socket, a thread, a
//! clock or an interpreter; the driver moves bytes and wakes whoever waits.
//!
//! What goes in:
//!
//! - **Commands submitted.** Before a command's bytes are written the driver takes a tag
//!   ([`Session::tag`]; tags are the driver's prefix and a counter, unique per session) and
//!   registers the command with its name and sequence set ([`Session::track`]). A command
//!   refused before a byte left is withdrawn ([`Session::unsent`]). Before submitting, the
//!   driver asks [`Session::conflicts`] and, while it answers yes, waits for completions:
//!   two commands whose responses could not be told apart are never pipelined together
//!   (see [`flight`]). Before writing text the server must answer with `+` (a synchronising
//!   literal's header, an AUTHENTICATE or IDLE line) the driver says so with
//!   [`Session::expect`].
//! - **Bytes received.** Either raw bytes ([`Session::receive`], framed inside under the
//!   session's limits, then [`Session::next_event`] until it yields nothing), or — for a
//!   driver whose link frames responses itself — each framed and parsed response
//!   ([`Session::route`]) and each streamed literal's header ([`Session::route_chunk`]).
//!
//! What comes out, for each response, in arrival order (an [`Event`], or a [`Routed`] for a
//! response routed directly):
//!
//! - a **completion** for tag X: the command is no longer in flight, and what it claimed
//!   from now on goes to the next claimer;
//! - a **continuation** for X: the `+` the command X waited for;
//! - a response **claimed** by X: the first command in flight, in send order, whose claim
//!   ([`crate::proto::claim`]) takes it;
//! - an **unclaimed** response: for the driver's [`Unclaimed`] queue (arrival order,
//!   coalescing of EXISTS/RECENT/FLAGS, a bound);
//! - a **protocol violation** ([`Violation`], see [`flow`]): a completion whose tag is not in
//!   flight, a `+` nobody waits for, a tagged OK where `+` was due. The conversation cannot be
//!   trusted after one: the driver fails every command in flight and closes the link;
//! - a **framing error** (a [`ParseError`] from [`Session::next_event`]: a line or literal
//!   over the limits, bytes that are not IMAP): likewise fatal.
//!
//! Alongside, the session keeps the connection [`State`] (set by the driver as commands that
//! change it complete) and the server's [`Capabilities`], replaced whenever a response routed
//! states them.
//!
//! Bytes to send are built by [`crate::proto::command::CommandBuilder`] with the tag the
//! session gave; the session does not keep them.
//!
//! What the driver must do: submit in the order it writes (one whole command at a time, its
//! literals included); feed every byte received, in order, and act on every event; after a
//! violation or a framing error stop feeding and close. Nothing here panics on what the
//! server sends: every path out of [`Session::receive`]/[`Session::next_event`] is an event
//! or a typed error.

pub mod flight;
pub mod flow;
pub mod state;
pub mod unclaimed;

use std::fmt;

pub use flight::Flight;
pub use flow::{greeting, literal_header, Flow, Violation, Wait};
pub use state::{Capabilities, State};
pub use unclaimed::{Coalesce, Overflow, Unclaimed};

use crate::proto::claim::Key;
use crate::proto::mailbox::is_news;
use crate::proto::{parse_response, Event as Frame, Framer, Kind, Limits, ParseError};
use crate::proto::{Response, Status, Tokens};

/// Where one response goes (see the module documentation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Routed<'s> {
    /// A tagged completion of a command in flight (the response carries the tag).
    Completed,
    /// A `+` for the command with this tag.
    Continuation(String),
    /// Untagged data claimed by the command with this tag.
    Claimed(&'s str),
    /// Untagged data no command claims.
    Unclaimed,
}

impl Routed<'_> {
    /// How a response routed so bears on command `tag`, when that command is the only one
    /// in flight and its sender reads its answer itself: part of its answer (claimed by it
    /// and no news for the selected mailbox, which the driver applies wherever a response
    /// goes), its completion, or anything else (for the driver's general routing).
    #[must_use]
    pub fn fit(&self, rsp: &Response<'_>, tag: &str) -> Fit {
        match self {
            Routed::Claimed(t) if *t == tag && !rsp.dtype().is_some_and(|d| is_news(&d)) => {
                Fit::Part
            }
            Routed::Completed if rsp.tag() == tag.as_bytes() => Fit::End,
            _ => Fit::Other,
        }
    }
}

/// See [`Routed::fit`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fit {
    /// One of the command's responses.
    Part,
    /// The command's completion.
    End,
    /// Anything else.
    Other,
}

/// What one step of [`Session::next_event`] yields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The server's greeting (`* OK`, `* PREAUTH` or `* BYE`), when the session was told to
    /// expect one ([`Session::expect_greeting`]).
    Greeting {
        /// Its status.
        status: Status,
        /// The response as received.
        frame: Vec<u8>,
    },
    /// The completion of the command `tag`: the whole response.
    Completed {
        /// The command's tag.
        tag: String,
        /// The response as received.
        frame: Vec<u8>,
    },
    /// A `+` for the command `tag`.
    Continuation {
        /// The command's tag.
        tag: String,
        /// The response as received.
        frame: Vec<u8>,
    },
    /// Untagged data claimed by the command `tag`.
    Claimed {
        /// The claiming command's tag.
        tag: String,
        /// The response as received.
        frame: Vec<u8>,
    },
    /// Untagged data no command claims.
    Unclaimed {
        /// The response as received.
        frame: Vec<u8>,
    },
    /// A piece of a streamed literal (see [`Session::set_stream_threshold`]).
    Chunk {
        /// The command that claims the response it belongs to, if any.
        tag: Option<String>,
        /// The response up to and including the literal's header.
        head: Vec<u8>,
        /// The literal's position in its response.
        index: usize,
        /// Offset of `data` in the literal.
        offset: u64,
        /// The literal's announced size.
        total: u64,
        /// The bytes.
        data: Vec<u8>,
    },
}

/// Why the conversation cannot go on.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionError {
    /// The bytes received do not frame or parse as IMAP, or break a limit.
    Parse(ParseError),
    /// The server broke the conversation's rules.
    Violation(Violation),
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionError::Parse(err) => err.fmt(f),
            SessionError::Violation(v) => v.fmt(f),
        }
    }
}

impl std::error::Error for SessionError {}

/// One conversation's client state (see the module documentation).
#[derive(Debug)]
pub struct Session {
    prefix: String,
    counter: u64,
    flow: Flow,
    flight: Flight,
    framer: Framer,
    tokens: Tokens,
    state: State,
    caps: Capabilities,
    /// Bumped whenever `caps` is replaced.
    caps_version: u64,
    /// The next response received must be the greeting.
    greeting: bool,
}

impl Session {
    /// A session whose tags start with `prefix` (the driver picks it, random letters
    /// ideally), framing received bytes under `limits`.
    #[must_use]
    pub fn new(prefix: &str, limits: Limits) -> Self {
        Session {
            prefix: prefix.to_owned(),
            counter: 0,
            flow: Flow::new(),
            flight: Flight::default(),
            framer: Framer::new(limits),
            tokens: Tokens::new(),
            state: State::NotAuthenticated,
            caps: Capabilities::default(),
            caps_version: 0,
            greeting: false,
        }
    }

    /// A new tag; its completion is expected from now on.
    pub fn tag(&mut self) -> String {
        self.counter += 1;
        let tag = format!("{}{}", self.prefix, self.counter);
        self.flow.sent(tag.as_bytes());
        tag
    }

    /// The command `tag` (from [`Session::tag`]) is named `name` and, for FETCH/STORE,
    /// names `seqset`: what it claims from now on. AUTHENTICATE and IDLE wait for `+` as an
    /// exchange from now on (call before their bytes leave).
    pub fn track(&mut self, tag: &str, name: &str, seqset: Option<&str>) {
        if name.eq_ignore_ascii_case("AUTHENTICATE") || name.eq_ignore_ascii_case("IDLE") {
            self.flow.expect(tag.as_bytes(), Wait::Exchange);
        }
        self.flight.push(tag, name, seqset);
    }

    /// `tag` was never sent (its command was refused before a byte left).
    pub fn unsent(&mut self, tag: &str) {
        self.flow.unsent(tag.as_bytes());
        self.flight.remove(tag.as_bytes());
    }

    /// Whether a command named `name` (with `seqset`) must wait before it is sent, because
    /// a command in flight claims what it would claim (or, when `exclusive`, because any
    /// command is in flight).
    #[must_use]
    pub fn conflicts(&self, name: &str, seqset: Option<&str>, exclusive: bool) -> bool {
        self.flight.conflicts(name, seqset, exclusive)
    }

    /// The command `tag` waits for a `+` from now on (`None`: no command does); call before
    /// writing the text the server answers with it.
    pub fn expect(&mut self, tag: Option<&str>, why: Wait) {
        match tag {
            Some(tag) => self.flow.expect(tag.as_bytes(), why),
            None => self.flow.expect_none(),
        }
    }

    /// How many commands are in flight.
    #[must_use]
    pub fn in_flight(&self) -> usize {
        self.flight.len()
    }

    /// Where the conversation stands.
    #[must_use]
    pub fn state(&self) -> State {
        self.state
    }

    /// The conversation is in `state` from now on.
    pub fn set_state(&mut self, state: State) {
        self.state = state;
    }

    /// The server's capabilities, as last stated.
    #[must_use]
    pub fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    /// How many times the capabilities were replaced (to notice a change).
    #[must_use]
    pub fn capabilities_version(&self) -> u64 {
        self.caps_version
    }

    /// Replaces the capabilities (stated in the greeting, or forgotten after STARTTLS).
    pub fn set_capabilities(&mut self, caps: Capabilities) {
        self.caps = caps;
        self.caps_version += 1;
    }

    /// Routes one framed and parsed response.
    ///
    /// # Errors
    /// A [`Violation`]; the session is left as it was.
    pub fn route(&mut self, rsp: &Response<'_>) -> Result<Routed<'_>, Violation> {
        if rsp.kind() == Kind::Continue {
            let tag = self.flow.continuation()?;
            return Ok(Routed::Continuation(
                String::from_utf8_lossy(&tag).into_owned(),
            ));
        }
        if rsp.kind() == Kind::Done {
            self.flow
                .completion(rsp.tag(), rsp.status() == Some(Status::Ok))?;
        }
        if let Some(caps) = Capabilities::stated_by(rsp) {
            self.set_capabilities(caps);
        }
        match rsp.kind() {
            Kind::Done => {
                self.flight.remove(rsp.tag());
                Ok(Routed::Completed)
            }
            Kind::Continue | Kind::Status | Kind::Data => {
                Ok(match Key::of(rsp).and_then(|k| self.flight.claimer(&k)) {
                    Some(tag) => Routed::Claimed(tag),
                    None => Routed::Unclaimed,
                })
            }
        }
    }

    /// The command that claims the response whose streamed literal starts with `head`.
    #[must_use]
    pub fn route_chunk(&self, head: &[u8]) -> Option<&str> {
        Key::of_fetch_head(head).and_then(|k| self.flight.claimer(&k))
    }

    /// The limits received bytes are framed and parsed under.
    #[must_use]
    pub fn limits(&self) -> &Limits {
        self.framer.limits()
    }

    /// The first response received is the server's greeting (a driver that reads it itself
    /// does not call this): anything but `* OK`, `* PREAUTH` or `* BYE` is a
    /// [`Violation::Greeting`].
    pub fn expect_greeting(&mut self) {
        self.greeting = true;
    }

    /// Bytes received from the server, in order.
    pub fn receive(&mut self, data: &[u8]) {
        self.framer.feed(data);
    }

    /// Bytes received that do not make a whole event yet (a response under way).
    #[must_use]
    pub fn buffered(&self) -> usize {
        self.framer.buffered()
    }

    /// Streams literals of at least `threshold` bytes as [`Event::Chunk`]s (None: never).
    pub fn set_stream_threshold(&mut self, threshold: Option<u64>) {
        self.framer.set_stream_threshold(threshold);
    }

    fn parse_capabilities(&mut self, frame: &[u8]) -> Result<Option<Capabilities>, SessionError> {
        let mut tokens = std::mem::take(&mut self.tokens);
        let caps = parse_response(frame, &mut tokens, self.framer.limits())
            .map(|rsp| Capabilities::stated_by(&rsp))
            .map_err(SessionError::Parse);
        self.tokens = tokens;
        caps
    }

    /// The next event from the bytes received; `None` when they hold no complete one.
    ///
    /// # Errors
    /// [`SessionError`]; the conversation cannot go on.
    pub fn next_event(&mut self) -> Result<Option<Event>, SessionError> {
        let frame = match self.framer.next_event().map_err(SessionError::Parse)? {
            None => return Ok(None),
            Some(Frame::LiteralChunk {
                head,
                index,
                offset,
                total,
                data,
            }) => {
                let (head, data) = (head.to_vec(), data.to_vec());
                let tag = self.route_chunk(&head).map(str::to_owned);
                return Ok(Some(Event::Chunk {
                    tag,
                    head,
                    index,
                    offset,
                    total,
                    data,
                }));
            }
            Some(Frame::Response(frame)) => frame.to_vec(),
        };
        if self.greeting {
            let status = greeting(&frame).map_err(SessionError::Violation)?;
            self.greeting = false;
            if let Some(caps) = self.parse_capabilities(&frame)? {
                self.set_capabilities(caps);
            }
            return Ok(Some(Event::Greeting { status, frame }));
        }
        let mut tokens = std::mem::take(&mut self.tokens);
        let routed = parse_response(&frame, &mut tokens, self.framer.limits())
            .map_err(SessionError::Parse)
            .and_then(|rsp| {
                let tag = String::from_utf8_lossy(rsp.tag()).into_owned();
                Ok(match self.route(&rsp).map_err(SessionError::Violation)? {
                    Routed::Completed => (Some(tag), Kind::Done),
                    Routed::Continuation(tag) => (Some(tag), Kind::Continue),
                    Routed::Claimed(tag) => (Some(tag.to_owned()), Kind::Data),
                    Routed::Unclaimed => (None, Kind::Data),
                })
            });
        self.tokens = tokens;
        Ok(Some(match routed? {
            (Some(tag), Kind::Done) => Event::Completed { tag, frame },
            (Some(tag), Kind::Continue) => Event::Continuation { tag, frame },
            (Some(tag), _) => Event::Claimed { tag, frame },
            (None, _) => Event::Unclaimed { frame },
        }))
    }
}

#[cfg(test)]
mod tests;
