//! One IMAP connection: greeting, tags, sending commands (with their literals), reading
//! responses.
//!
//! Rules:
//! - The greeting must be `* OK`, `* PREAUTH` or `* BYE`; anything else (an SSH banner, an
//!   HTTP server) fails at once with [`Error::Protocol`], and `* BYE` with [`Error::Closed`].
//! - Tags are five random upper-case letters and a counter, unique per connection.
//! - A synchronising literal is sent only after the server's continuation request; responses
//!   that arrive meanwhile are kept, in order, and handed out by [`Connection::read_response`]
//!   before anything newer. A tagged completion instead of `+` ends the command: the rest of
//!   it is not sent.
//! - Framing errors and limits close the connection: every later call fails with the same
//!   error text.
//!
//! This is the core the threaded engine builds on; it holds no locks itself (`&mut self`).

use std::collections::VecDeque;
use std::time::Duration;

use crate::client::transport::Transport;
use crate::client::Error;
use crate::proto::command::{CommandBuilder, NonSyncLiterals, Part};
use crate::proto::{parse_response, Framer, Kind, Limits, Tokens};

const READ_CHUNK: usize = 64 * 1024;

/// A connection to an IMAP server.
#[derive(Debug)]
pub struct Connection {
    transport: Transport,
    framer: Framer,
    tokens: Tokens,
    inbox: VecDeque<Vec<u8>>,
    tag_prefix: String,
    counter: u32,
    read_buf: Vec<u8>,
    closed: Option<String>,
    /// Which non-synchronising literals the server accepts.
    pub non_sync: NonSyncLiterals,
}

impl Connection {
    /// Wraps a connected transport and reads the greeting, which is returned.
    ///
    /// # Errors
    /// [`Error::Protocol`] when the greeting is not IMAP, [`Error::Closed`] for `* BYE`, or
    /// any transport error.
    pub fn open(transport: Transport, limits: Limits) -> Result<(Connection, Vec<u8>), Error> {
        let mut conn = Connection {
            transport,
            framer: Framer::new(limits),
            tokens: Tokens::new(),
            inbox: VecDeque::new(),
            tag_prefix: random_prefix(),
            counter: 0,
            read_buf: vec![0; READ_CHUNK],
            closed: None,
            non_sync: NonSyncLiterals::Never,
        };
        let greeting = conn.read_frame_with(greeting_check)?;
        let upper = greeting.get(..9).unwrap_or(&greeting).to_ascii_uppercase();
        if upper.starts_with(b"* BYE") {
            let text = String::from_utf8_lossy(&greeting).trim_end().to_owned();
            return Err(Error::Closed(format!("server greeted with {text}")));
        }
        Ok((conn, greeting))
    }

    /// A new tag, unique on this connection.
    pub fn next_tag(&mut self) -> String {
        self.counter += 1;
        format!("{}{}", self.tag_prefix, self.counter)
    }

    /// Sets how long a read may wait (`None`: forever).
    ///
    /// # Errors
    /// A transport error.
    pub fn set_timeout(&mut self, timeout: Option<Duration>) -> Result<(), Error> {
        self.transport.set_read_timeout(timeout)?;
        self.transport.set_write_timeout(timeout)
    }

    /// Sends a command built with `build`, waiting for the server's `+` before each
    /// synchronising literal. Returns whether the whole command was sent (false when the
    /// server answered a literal's header with a completion instead).
    ///
    /// # Errors
    /// Encoding errors (nothing is sent then) or transport errors.
    pub fn send(
        &mut self,
        tag: &str,
        name: &str,
        build: impl FnOnce(&mut CommandBuilder) -> Result<(), Error>,
    ) -> Result<bool, Error> {
        self.check_open()?;
        let mut builder = CommandBuilder::new(tag.as_bytes(), name.as_bytes())?;
        build(&mut builder)?;
        for part in builder.finish(self.non_sync) {
            match part {
                Part::Text(text) => self.write(&text)?,
                Part::Literal { data, mode } => {
                    if mode.is_sync() && !self.await_continuation(tag)? {
                        return Ok(false);
                    }
                    self.write(&data)?;
                }
            }
        }
        Ok(true)
    }

    /// The next response (line, literals, CRLF), from those kept while sending or from the
    /// network.
    ///
    /// # Errors
    /// [`Error::Timeout`] (the connection stays usable), [`Error::Closed`] at end of stream,
    /// parse/limit errors (the connection is closed).
    pub fn read_response(&mut self) -> Result<Vec<u8>, Error> {
        if let Some(frame) = self.inbox.pop_front() {
            return Ok(frame);
        }
        self.read_frame_with(|_| Ok(()))
    }

    /// True when a response is already buffered, so [`Connection::read_response`] will not
    /// wait on the network.
    pub fn has_buffered_response(&mut self) -> Result<bool, Error> {
        if !self.inbox.is_empty() {
            return Ok(true);
        }
        match self.framer.next_response() {
            Ok(Some(frame)) => {
                let frame = frame.to_vec();
                self.inbox.push_back(frame);
                Ok(true)
            }
            Ok(None) => Ok(false),
            Err(err) => Err(self.close_with(Error::Parse(err))),
        }
    }

    /// Closes the connection.
    pub fn shutdown(&mut self) {
        self.closed
            .get_or_insert_with(|| "closed by the client".to_owned());
        self.transport.shutdown();
    }

    fn await_continuation(&mut self, tag: &str) -> Result<bool, Error> {
        loop {
            let frame = self.read_frame_with(|_| Ok(()))?;
            let rsp = parse_response(&frame, &mut self.tokens, self.framer.limits())?;
            match rsp.kind() {
                Kind::Continue => return Ok(true),
                Kind::Done if rsp.tag() == tag.as_bytes() => {
                    self.inbox.push_back(frame);
                    return Ok(false);
                }
                _ => self.inbox.push_back(frame),
            }
        }
    }

    fn write(&mut self, data: &[u8]) -> Result<(), Error> {
        if let Err(err) = self.transport.write_all(data) {
            return Err(self.close_with(err));
        }
        Ok(())
    }

    fn read_frame_with(
        &mut self,
        check_start: impl Fn(&[u8]) -> Result<(), Error>,
    ) -> Result<Vec<u8>, Error> {
        self.check_open()?;
        loop {
            match self.framer.next_response() {
                Ok(Some(frame)) => return Ok(frame.to_vec()),
                Ok(None) => {}
                Err(err) => return Err(self.close_with(Error::Parse(err))),
            }
            let n = match self.transport.read(&mut self.read_buf) {
                Ok(0) => {
                    return Err(
                        self.close_with(Error::Closed("the server closed the connection".into()))
                    )
                }
                Ok(n) => n,
                Err(err @ Error::Timeout(_)) => return Err(err),
                Err(err) => return Err(self.close_with(err)),
            };
            let data = &self.read_buf[..n];
            if self.framer.buffered() == 0 {
                if let Err(err) = check_start(data) {
                    return Err(self.close_with(err));
                }
            }
            self.framer.feed(data);
        }
    }

    fn check_open(&self) -> Result<(), Error> {
        match &self.closed {
            Some(why) => Err(Error::Closed(why.clone())),
            None => Ok(()),
        }
    }

    fn close_with(&mut self, err: Error) -> Error {
        self.closed = Some(err.to_string());
        self.transport.shutdown();
        err
    }
}

/// Fails fast when the first bytes from the server cannot start an IMAP greeting.
fn greeting_check(first: &[u8]) -> Result<(), Error> {
    let expected = b"* ";
    let n = first.len().min(2);
    if first[..n] != expected[..n] {
        let shown: String = String::from_utf8_lossy(&first[..first.len().min(40)])
            .chars()
            .map(|c| if c.is_control() { '.' } else { c })
            .collect();
        return Err(Error::Protocol(format!(
            "server greeting is not IMAP: {shown:?}"
        )));
    }
    Ok(())
}

/// Five random upper-case letters.
fn random_prefix() -> String {
    let mut bytes = [0u8; 5];
    // Without randomness the tags are still unique per connection; they are only less
    // unpredictable, so a failure here is not an error.
    let _ = getrandom::fill(&mut bytes);
    bytes.iter().map(|b| char::from(b'A' + b % 26)).collect()
}
