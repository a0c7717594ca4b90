//! One IMAP connection: greeting, tags, sending commands (with their literals), reading
//! responses; shared by threads.
//!
//! Rules:
//! - The greeting must be `* OK`, `* PREAUTH` or `* BYE`; anything else (an SSH banner, an
//!   HTTP server) fails at once with [`Error::Protocol`], and `* BYE` with [`Error::Closed`].
//! - Full duplex: every method takes `&self`. Reading holds the read side only; it waits for
//!   the server with a [`Waiter`] and takes the transport just long enough to pull the bytes
//!   that are there, so another thread can write while one waits (a child process has no
//!   waiter: its reads hold the transport; on plain TCP the reader blocks on its own handle
//!   of the socket). Writes hold the transport.
//! - Commands are built by the caller ([`crate::proto::command::CommandBuilder`], literals
//!   following [`Connection::non_sync`]), each literal marked when it must wait for the
//!   server's `+`; the caller writes the parts with
//!   [`Connection::write`] and, before a synchronising literal, waits for the `+` among the
//!   responses it reads (the engine routes it to the command being sent). Callers that
//!   interleave commands serialise whole commands themselves.
//! - Framing errors, limits and transport failures close the connection: every later call
//!   fails with the same error text. A read timeout leaves it usable.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use rustls::ClientConfig;
use rustls_pki_types::ServerName;

use crate::client::transport::{ShutdownHandle, Transport, Waiter};
use crate::client::Error;
use crate::proto::command::NonSyncLiterals;
use crate::proto::session;
use crate::proto::{Event, Framer, Limits, Status};

const READ_CHUNK: usize = 64 * 1024;

/// What a read yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A complete response: line, literals, CRLF (a streamed literal appears as `{0}`).
    Response(Vec<u8>),
    /// A piece of a streamed literal (see [`Connection::set_stream_threshold`]).
    Chunk {
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

/// A connection to an IMAP server.
#[derive(Debug)]
pub struct Connection {
    io: Mutex<Transport>,
    rd: Mutex<ReadSide>,
    waiter: Option<Waiter>,
    handle: Option<ShutdownHandle>,
    closed: Mutex<Option<String>>,
    non_sync: Mutex<NonSyncLiterals>,
    barrier: Mutex<Option<Vec<u8>>>,
    deadline: Mutex<Option<Duration>>,
    /// The caller's read timeout; reads wait in slices of [`SLICE`] when `interrupt` is set.
    timeout: Mutex<Option<Duration>>,
    interrupt: Mutex<Option<Interrupt>>,
    /// Reads return at once when nothing is buffered (a socket in non-blocking mode).
    nonblocking: std::sync::atomic::AtomicBool,
    /// The process that opened the connection: a forked child must not touch the socket.
    pid: u32,
    /// [`FORKS`] when the connection was opened.
    forks: u64,
}

/// Forks seen by [`note_fork`], when a caller keeps it informed ([`FORKS_NOTED`]): while the
/// count is unchanged the process is the one that opened a connection, and asking the
/// system for its id (a system call on every read and write) can be skipped.
static FORKS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
static FORKS_NOTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Tells the engine that this process is a child just forked; from the first call on,
/// connections trust the count of forks instead of asking the system for the process id.
/// Call it first with `child = false` (where fork hooks are registered), then in every child.
pub fn note_fork(child: bool) {
    if child {
        FORKS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
    FORKS_NOTED.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// Called between slices of a network wait; true stops the wait (a signal arrived), and the
/// connection is closed, its position in the stream being unknown.
pub type Interrupt = fn() -> bool;

/// How long one slice of a network wait lasts when an [`Interrupt`] is set.
const SLICE: Duration = Duration::from_millis(50);

#[derive(Debug)]
struct ReadSide {
    framer: Framer,
    inbox: VecDeque<Item>,
    buf: Vec<u8>,
}

impl Connection {
    /// Wraps a connected transport and reads the greeting, which is returned.
    ///
    /// # Errors
    /// [`Error::Protocol`] when the greeting is not IMAP, [`Error::Closed`] for `* BYE`, or
    /// any transport error.
    pub fn open(transport: Transport, limits: Limits) -> Result<(Connection, Vec<u8>), Error> {
        Self::open_within(transport, limits, None, None, None)
    }

    /// [`Connection::open`] with the caller's read `timeout` (kept to be sliced, see
    /// [`Connection::set_interrupt`]), an `interrupt` hook called between slices of every
    /// wait, and a `deadline` for the whole greeting: a server dripping it a byte at a time
    /// cannot hold the caller longer.
    ///
    /// # Errors
    /// As [`Connection::open`]; [`Error::Timeout`] when the deadline passes.
    pub fn open_within(
        transport: Transport,
        limits: Limits,
        timeout: Option<Duration>,
        interrupt: Option<Interrupt>,
        deadline: Option<Duration>,
    ) -> Result<(Connection, Vec<u8>), Error> {
        let conn = Connection {
            waiter: transport.waiter()?,
            handle: transport.shutdown_handle().ok(),
            io: Mutex::new(transport),
            rd: Mutex::new(ReadSide {
                framer: Framer::new(limits),
                inbox: VecDeque::new(),
                buf: vec![0; READ_CHUNK],
            }),
            closed: Mutex::new(None),
            non_sync: Mutex::new(NonSyncLiterals::Never),
            barrier: Mutex::new(None),
            deadline: Mutex::new(None),
            timeout: Mutex::new(timeout),
            interrupt: Mutex::new(None),
            nonblocking: std::sync::atomic::AtomicBool::new(false),
            pid: std::process::id(),
            forks: FORKS.load(std::sync::atomic::Ordering::SeqCst),
        };
        if let Some(hook) = interrupt {
            conn.set_interrupt(Some(hook))?;
        }
        let started = Instant::now();
        let greeting = {
            let mut rd = lock(&conn.rd);
            loop {
                match rd.framer.next_response() {
                    Ok(Some(frame)) => break frame.to_vec(),
                    Ok(None) => {
                        if deadline.is_some_and(|limit| started.elapsed() > limit) {
                            return Err(conn.close_with(Error::Timeout("the greeting (deadline)")));
                        }
                        conn.fill_until(&mut rd, true, deadline.map(|d| started + d))?;
                    }
                    Err(err) => return Err(conn.close_with(Error::Parse(err))),
                }
            }
        };
        if let Err(err) = check_greeting(&greeting) {
            return Err(conn.close_with(err));
        }
        Ok((conn, greeting))
    }

    /// The header of a literal of `len` bytes whose data the caller writes itself, and
    /// whether the server's `+` must come first (see [`session::literal_header`]).
    pub fn literal_header(&self, len: u64) -> (Vec<u8>, bool) {
        session::literal_header(len, *lock(&self.non_sync))
    }

    /// Which non-synchronising literals the server accepts (LITERAL+ / LITERAL-).
    pub fn set_non_sync(&self, non_sync: NonSyncLiterals) {
        *lock(&self.non_sync) = non_sync;
    }

    /// Sets how long a read (and a write) may wait (`None`: forever).
    ///
    /// # Errors
    /// A transport error.
    pub fn set_timeout(&self, timeout: Option<Duration>) -> Result<(), Error> {
        *lock(&self.timeout) = timeout;
        let sliced = lock(&self.interrupt).is_some();
        let mut io = lock(&self.io);
        io.set_read_timeout(if sliced { Some(SLICE) } else { timeout })?;
        io.set_write_timeout(timeout)
    }

    /// Calls `hook` between slices of every network wait (None: waits are not sliced); when
    /// it returns true the wait ends with [`Error::Closed`] and the connection is closed.
    ///
    /// # Errors
    /// A transport error.
    pub fn set_interrupt(&self, hook: Option<Interrupt>) -> Result<(), Error> {
        *lock(&self.interrupt) = hook;
        let timeout = *lock(&self.timeout);
        self.set_timeout(timeout)
    }

    /// Marks the transport as non-blocking (set by the caller on the socket itself): a read
    /// with nothing to take then fails at once with [`Error::Timeout`] instead of waiting
    /// for more slices.
    pub fn set_nonblocking_reads(&self, nonblocking: bool) {
        self.nonblocking
            .store(nonblocking, std::sync::atomic::Ordering::Relaxed);
    }

    /// Bounds how long one response may take to arrive once it has started (None: only the
    /// read timeout, which a server sending a byte at a time never reaches). A streamed
    /// literal's chunks each count as an item.
    pub fn set_deadline(&self, deadline: Option<Duration>) {
        *lock(&self.deadline) = deadline;
    }

    /// Ends read batches at the completion tagged `tag` (STARTTLS, COMPRESS): what follows
    /// it stays unread, so [`Connection::start_tls`] and [`Connection::compress`] can see it.
    pub fn set_barrier(&self, tag: Option<&str>) {
        *lock(&self.barrier) = tag.map(|t| format!("{t} ").into_bytes());
    }

    /// Streams literals of at least `threshold` bytes as [`Item::Chunk`]s (None: never).
    pub fn set_stream_threshold(&self, threshold: Option<u64>) {
        lock(&self.rd).framer.set_stream_threshold(threshold);
    }

    /// Which non-synchronising literals the server accepts, for encoding commands.
    pub fn non_sync(&self) -> NonSyncLiterals {
        *lock(&self.non_sync)
    }

    /// Writes `data` as it is.
    ///
    /// # Errors
    /// Transport errors (the connection is then closed).
    pub fn write(&self, data: &[u8]) -> Result<(), Error> {
        self.check_open()?;
        let written = lock(&self.io).write_all(data);
        written.map_err(|err| self.close_with(err))
    }

    /// The next response (line, literals, CRLF), from those kept while sending or from the
    /// network.
    ///
    /// # Errors
    /// [`Error::Timeout`] (the connection stays usable), [`Error::Closed`] at end of stream,
    /// parse/limit errors (the connection is closed).
    pub fn read_response(&self) -> Result<Vec<u8>, Error> {
        loop {
            if let Item::Response(frame) = self.read_one()? {
                return Ok(frame);
            }
        }
    }

    /// The next item; waits for the network if nothing is buffered.
    ///
    /// # Errors
    /// As [`Connection::read_response`].
    pub fn read_one(&self) -> Result<Item, Error> {
        let mut items = self.read_items(1)?;
        items.pop().ok_or_else(|| Error::Protocol("no item".into()))
    }

    /// At least one and at most `max` items: waits for the first, then adds those already
    /// buffered (one network read can carry hundreds of small responses).
    ///
    /// # Errors
    /// As [`Connection::read_response`]; items read before an error are kept for later.
    pub fn read_items(&self, max: usize) -> Result<Vec<Item>, Error> {
        let mut rd = lock(&self.rd);
        let mut items = Vec::new();
        let deadline = *lock(&self.deadline);
        let mut started: Option<Instant> = None;
        while items.len() < max.max(1) {
            if let Some(item) = rd.inbox.pop_front() {
                items.push(item);
                continue;
            }
            match self.next_event(&mut rd) {
                Ok(Some(item)) => {
                    let stop = matches!(&item, Item::Response(frame)
                        if lock(&self.barrier).as_ref().is_some_and(|b| frame.starts_with(b)));
                    items.push(item);
                    if stop {
                        break;
                    }
                }
                Ok(None) if items.is_empty() => {
                    if let (Some(limit), Some(start)) = (deadline, started) {
                        if start.elapsed() > limit && rd.framer.buffered() > 0 {
                            return Err(Error::Timeout("a whole response (deadline passed)"));
                        }
                    }
                    self.fill(&mut rd, false)?;
                    if started.is_none() && rd.framer.buffered() > 0 {
                        started = Some(Instant::now());
                    }
                }
                Ok(None) => break,
                Err(err) => {
                    // Keep what was read for later calls; report the error now.
                    if items.is_empty() {
                        return Err(err);
                    }
                    break;
                }
            }
        }
        Ok(items)
    }

    /// At most `max` items that can be had without waiting: those buffered, and what the
    /// socket holds now. For a check before a synchronising literal: a `+` already sent
    /// cannot be the answer to a header not yet written.
    ///
    /// # Errors
    /// As [`Connection::read_response`].
    pub fn read_ready(&self, max: usize) -> Result<Vec<Item>, Error> {
        let mut rd = lock(&self.rd);
        let mut items = Vec::new();
        let mut pulled = false;
        while items.len() < max.max(1) {
            if let Some(item) = rd.inbox.pop_front() {
                items.push(item);
                continue;
            }
            match self.next_event(&mut rd)? {
                Some(item) => items.push(item),
                None if pulled => break,
                None => {
                    pulled = true;
                    self.check_open()?;
                    let Some(waiter) = &self.waiter else { break };
                    let ReadSide { framer, buf, .. } = &mut *rd;
                    match lock(&self.io).read_nonblocking(buf, waiter) {
                        Ok(Some(0)) => {
                            return Err(self.close_with(Error::Closed(
                                "the server closed the connection".into(),
                            )))
                        }
                        Ok(Some(n)) => framer.feed(&buf[..n]),
                        Ok(None) => break,
                        Err(err) => return Err(self.close_with(err)),
                    }
                }
            }
        }
        Ok(items)
    }

    /// Puts items back, to be read again first (in their order).
    pub fn unread(&self, items: Vec<Item>) {
        let mut rd = lock(&self.rd);
        for item in items.into_iter().rev() {
            rd.inbox.push_front(item);
        }
    }

    /// True when a response is already buffered, so a read will not wait on the network.
    ///
    /// # Errors
    /// A framing error (the connection is then closed).
    pub fn has_buffered_response(&self) -> Result<bool, Error> {
        let mut rd = lock(&self.rd);
        if !rd.inbox.is_empty() {
            return Ok(true);
        }
        match self.next_event(&mut rd)? {
            Some(item) => {
                rd.inbox.push_back(item);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Upgrades to TLS after the server's tagged `OK` to `STARTTLS`. Anything already read
    /// past that line is an attack: [`Error::StartTls`], and the connection is closed.
    ///
    /// # Errors
    /// [`Error::StartTls`], [`Error::Tls`].
    pub fn start_tls(
        &self,
        config: &std::sync::Arc<ClientConfig>,
        server_name: ServerName<'static>,
    ) -> Result<(), Error> {
        self.check_open()?;
        let rd = lock(&self.rd);
        let unread: &[u8] = if rd.inbox.is_empty() && rd.framer.buffered() == 0 {
            &[]
        } else {
            b"?"
        };
        let result = lock(&self.io).start_tls_checked(unread, config, server_name);
        drop(rd);
        result.map_err(|err| self.close_with(err))
    }

    /// Turns on DEFLATE both ways after the server's tagged `OK` to `COMPRESS`.
    ///
    /// # Errors
    /// [`Error::Protocol`] when the server sent more after that line (it cannot be told from
    /// compressed data); transport errors.
    pub fn compress(&self, level: u32) -> Result<(), Error> {
        self.check_open()?;
        let rd = lock(&self.rd);
        if !rd.inbox.is_empty() || rd.framer.buffered() != 0 {
            drop(rd);
            return Err(self.close_with(Error::Protocol(
                "the server sent data after its OK to COMPRESS".into(),
            )));
        }
        let result = lock(&self.io).compress(level);
        drop(rd);
        result
    }

    /// Whether the link is encrypted with TLS, and whether it is compressed.
    pub fn link_state(&self) -> (bool, bool) {
        let io = lock(&self.io);
        (io.is_tls(), io.is_compressed())
    }

    /// Closes the connection; a thread blocked reading wakes with [`Error::Closed`].
    pub fn shutdown(&self) {
        if self.forked() {
            return; // a forked child: the socket is the parent's
        }
        lock(&self.closed).get_or_insert_with(|| "closed by the client".to_owned());
        if let Some(handle) = &self.handle {
            handle.shutdown();
        }
        lock(&self.io).shutdown();
    }

    /// Whether the connection is closed, and why.
    pub fn closed_reason(&self) -> Option<String> {
        lock(&self.closed).clone()
    }

    /// Runs `f` on the transport (socket options, TLS details), holding it meanwhile.
    pub fn with_transport<R>(&self, f: impl FnOnce(&mut Transport) -> R) -> R {
        f(&mut lock(&self.io))
    }

    /// Bytes received and not yet read: whole responses kept, a partial one in the framer,
    /// and plaintext still inside the TLS layer. Data counted here may never show on the
    /// socket again, so a `select` loop asks this before it waits.
    /// While another thread is reading, what it holds is its own: only the TLS layer's
    /// plaintext is counted then, so that this never waits for the network.
    pub fn buffered_bytes(&self) -> usize {
        let framed = match self.rd.try_lock() {
            Ok(rd) => {
                let kept: usize = rd
                    .inbox
                    .iter()
                    .map(|item| match item {
                        Item::Response(frame) => frame.len(),
                        Item::Chunk { data, .. } => data.len(),
                    })
                    .sum();
                kept + rd.framer.buffered()
            }
            Err(_) => 0,
        };
        framed + lock(&self.io).pending()
    }

    fn next_event(&self, rd: &mut ReadSide) -> Result<Option<Item>, Error> {
        let event = match rd.framer.next_event() {
            Ok(event) => event,
            Err(err) => return Err(self.close_with(Error::Parse(err))),
        };
        Ok(event.map(|event| match event {
            Event::Response(frame) => Item::Response(frame.to_vec()),
            Event::LiteralChunk {
                head,
                index,
                offset,
                total,
                data,
            } => Item::Chunk {
                head: head.to_vec(),
                index,
                offset,
                total,
                data: data.to_vec(),
            },
        }))
    }

    /// Reads once from the network into the framer, waiting for data without holding the
    /// transport when there is a waiter.
    fn fill(&self, rd: &mut ReadSide, greeting: bool) -> Result<(), Error> {
        self.fill_until(rd, greeting, None)
    }

    /// [`Connection::fill`] that also gives up at `until`. With an interrupt hook, waits in
    /// slices: the hook runs after each, and the caller's timeout is counted here.
    fn fill_until(
        &self,
        rd: &mut ReadSide,
        greeting: bool,
        until: Option<Instant>,
    ) -> Result<(), Error> {
        let started = Instant::now();
        let hook = *lock(&self.interrupt);
        let timeout = *lock(&self.timeout);
        loop {
            self.check_open()?;
            let ReadSide { framer, buf, .. } = rd;
            let result = match &self.waiter {
                Some(waiter) => {
                    let mut io = lock(&self.io);
                    if io.holds_data() {
                        io.read_nonblocking(buf, waiter)
                    } else {
                        // Plain TCP: block on the socket itself, with no lock held, so
                        // writers go on meanwhile; one system call per read.
                        drop(io);
                        waiter.read(buf).map(Some)
                    }
                }
                None => lock(&self.io).read(buf).map(Some),
            };
            let n = match result {
                Ok(Some(0)) => {
                    return Err(
                        self.close_with(Error::Closed("the server closed the connection".into()))
                    )
                }
                Ok(Some(n)) => n,
                Ok(None) => {
                    if let Some(waiter) = &self.waiter {
                        match waiter.wait() {
                            Ok(()) => continue,
                            Err(err @ Error::Timeout(_)) => {
                                self.slice_ended(hook, started, timeout, until, err)?;
                                continue;
                            }
                            Err(err) => return Err(self.close_with(err)),
                        }
                    }
                    continue;
                }
                Err(err @ Error::Timeout(_)) => {
                    self.slice_ended(hook, started, timeout, until, err)?;
                    continue;
                }
                Err(err) => return Err(self.close_with(err)),
            };
            let data = &buf[..n];
            if greeting && framer.buffered() == 0 {
                if let Err(err) = greeting_check(data) {
                    return Err(self.close_with(err));
                }
            }
            framer.feed(data);
            return Ok(());
        }
    }

    /// A wait slice (or the whole read timeout, without a hook) ended with nothing read:
    /// `Ok` to wait again, or why not.
    fn slice_ended(
        &self,
        hook: Option<Interrupt>,
        started: Instant,
        timeout: Option<Duration>,
        until: Option<Instant>,
        err: Error,
    ) -> Result<(), Error> {
        let Some(hook) = hook else { return Err(err) };
        if self.nonblocking.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(err); // a non-blocking read: nothing to wait for
        }
        if hook() {
            return Err(self.close_with(Error::Closed(
                "interrupted by a signal while waiting for the server".into(),
            )));
        }
        if until.is_some_and(|t| Instant::now() >= t) {
            return Err(err);
        }
        match timeout {
            Some(limit) if started.elapsed() >= limit => Err(err),
            _ => Ok(()),
        }
    }

    /// Whether this process is not the one that opened the connection (a forked child).
    fn forked(&self) -> bool {
        use std::sync::atomic::Ordering;
        if FORKS_NOTED.load(Ordering::Relaxed) && FORKS.load(Ordering::Relaxed) == self.forks {
            return false;
        }
        std::process::id() != self.pid
    }

    fn check_open(&self) -> Result<(), Error> {
        if self.forked() {
            return Err(Error::Closed(format!(
                "this connection belongs to process {} and cannot be used after fork()",
                self.pid
            )));
        }
        match &*lock(&self.closed) {
            Some(why) => Err(Error::Closed(why.clone())),
            None => Ok(()),
        }
    }

    /// Closes the connection because of `err` (a broken conversation, a failed read), which
    /// is returned: every later call fails with its text.
    pub fn close_with(&self, err: Error) -> Error {
        if self.forked() {
            return err; // a forked child: the socket is the parent's
        }
        lock(&self.closed).get_or_insert_with(|| err.to_string());
        if let Some(handle) = &self.handle {
            handle.shutdown();
        }
        if let Ok(mut io) = self.io.try_lock() {
            io.shutdown();
        }
        err
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A greeting other than `* OK` or `* PREAUTH` as an error: `* BYE` (the server will not
/// serve us) as [`Error::Closed`], anything else as [`Error::Protocol`].
fn check_greeting(greeting: &[u8]) -> Result<(), Error> {
    match session::greeting(greeting) {
        Ok(Status::Bye) => {
            let text = String::from_utf8_lossy(greeting).trim_end().to_owned();
            Err(Error::Closed(format!("server greeted with {text}")))
        }
        Ok(_) => Ok(()),
        Err(violation) => Err(Error::Protocol(violation.to_string())),
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

/// Five random upper-case letters: the prefix of a connection's tags.
#[must_use]
pub fn random_prefix() -> String {
    let mut bytes = [0u8; 5];
    // Without randomness the tags are still unique per connection; they are only less
    // unpredictable, so a failure here is not an error.
    let _ = getrandom::fill(&mut bytes);
    bytes.iter().map(|b| char::from(b'A' + b % 26)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_is_shared_by_threads() {
        fn sync<T: Send + Sync>() {}
        sync::<Connection>();
    }

    #[test]
    fn greeting_check_refuses_other_protocols() {
        assert!(greeting_check(b"* OK hi").is_ok());
        assert!(greeting_check(b"*").is_ok());
        assert!(matches!(
            greeting_check(b"SSH-2.0-OpenSSH"),
            Err(Error::Protocol(_))
        ));
    }
}
