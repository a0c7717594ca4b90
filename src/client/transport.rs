//! The byte transport under a connection: plain TCP, TLS, or a child process's pipes, with
//! optional DEFLATE compression on top.
//!
//! Rules:
//! - I/O is blocking. A read or write that passes its timeout is [`Error::Timeout`]; a read
//!   timeout leaves the transport usable, a write timeout does not (part of the data may be
//!   sent). [`Transport::write_all`] puts every byte on the wire before it returns.
//! - [`Transport::connect_tls`] finishes the handshake before it returns, so a bad certificate
//!   is reported at connect time as [`Error::Tls`]. The connect timeout also bounds that
//!   handshake; afterwards no timeout is set.
//! - A TLS peer that closes without `close_notify` reads as end of file, as Python's `ssl` does
//!   by default: IMAP frames its own data, so a truncation cannot pass for a whole response.
//! - STARTTLS safety. Everything the server sends before the handshake is unauthenticated, so an
//!   attacker in the path may append `* OK ...` or a fake tagged reply after the real `OK` and
//!   have it read as if it came over TLS. After the tagged `OK` to `STARTTLS` the only bytes a
//!   genuine server can send are TLS records, and a TLS server never speaks before the
//!   `ClientHello`. So [`Transport::start_tls_checked`] refuses with [`Error::StartTls`] and
//!   closes the connection when (1) the caller read any byte past the `OK` line (`unread` is not
//!   empty), (2) a non-blocking peek finds bytes already waiting on the socket before the
//!   `ClientHello` is sent, or (3) the server answers the `ClientHello` with data that is not
//!   TLS (injected bytes that arrived after the peek). The plain transport buffers nothing
//!   itself, so the caller's buffer is the only other place leftover bytes can hide.
//! - COMPRESS: the server compresses from the first byte after its tagged `OK`, so
//!   [`Transport::compress`] must be called with nothing read past that line; bytes the caller
//!   already read past it are a protocol error for the caller to raise. Bytes still inside the
//!   transport (TLS plaintext not yet delivered) go through the inflater, as they should.
//! - [`Transport::shutdown`] is best effort, idempotent and never panics; dropping a transport
//!   shuts it down. A [`ShutdownHandle`] lets another thread force a blocked read to return.
//! - A child process has no TLS; its output is read by a helper thread into a bounded channel so
//!   that read timeouts work on pipes too. Write timeouts do not apply to pipes.
//! - The counters count bytes on the wire (after compression and encryption).

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::process::Child;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::{ClientConfig, ClientConnection, StreamOwned};
use rustls_pki_types::ServerName;

use crate::client::child::{lock, Pipes};
use crate::client::compress::Deflate;
use crate::client::tls::{self, INJECTED};
use crate::client::Error;

#[path = "transport_socket.rs"]
mod socket;

/// How long a shutdown waits for `close_notify` to be written or a child process to exit.
pub(crate) const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// A connected byte stream to an IMAP server.
#[derive(Debug)]
pub struct Transport {
    link: Link,
    deflate: Option<Deflate>,
    /// Reads do not wait (`socket.setblocking(False)`); see [`Transport::set_nonblocking`].
    nonblocking: bool,
}

/// Closes a transport's connection from another thread, waking a read blocked on it.
#[derive(Debug)]
pub struct ShutdownHandle {
    target: Target,
}

impl Transport {
    /// Opens a plain TCP connection, trying each address of `host` within `connect_timeout`.
    pub fn connect(
        host: &str,
        port: u16,
        connect_timeout: Option<Duration>,
    ) -> Result<Self, Error> {
        Ok(Self::plain(connect_tcp(host, port, connect_timeout)?))
    }

    /// Opens a TCP connection and completes a TLS handshake on it (implicit TLS, port 993).
    pub fn connect_tls(
        host: &str,
        port: u16,
        connect_timeout: Option<Duration>,
        config: &Arc<ClientConfig>,
        server_name: ServerName<'static>,
    ) -> Result<Self, Error> {
        let tcp = connect_tcp(host, port, connect_timeout)?;
        tcp.set_read_timeout(connect_timeout)?;
        tcp.set_write_timeout(connect_timeout)?;
        let mut transport = Self::plain(tcp);
        transport.upgrade(config, server_name, false)?;
        transport.set_read_timeout(None)?;
        transport.set_write_timeout(None)?;
        Ok(transport)
    }

    /// Runs `argv` (program, then its arguments) and talks to it over its stdin and stdout
    /// (imaplib's `IMAP4_stream`).
    pub fn spawn(argv: &[String]) -> Result<Self, Error> {
        let (program, args) = argv
            .split_first()
            .ok_or_else(|| usage("an empty command"))?;
        let child = std::process::Command::new(program)
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()?;
        Self::from_child(child)
    }

    /// Talks to a child process over its stdin and stdout, which must be piped.
    pub fn from_child(child: Child) -> Result<Self, Error> {
        Ok(Self {
            link: Link::Child(Pipes::start(child)?),
            deflate: None,
            nonblocking: false,
        })
    }

    /// Upgrades a plain connection to TLS after the server's tagged `OK` to `STARTTLS`.
    ///
    /// Equivalent to [`Transport::start_tls_checked`] with nothing unread: the caller promises
    /// that it read no byte past the `OK` line.
    pub fn start_tls(
        &mut self,
        config: &Arc<ClientConfig>,
        server_name: ServerName<'static>,
    ) -> Result<(), Error> {
        self.start_tls_checked(&[], config, server_name)
    }

    /// Upgrades to TLS, refusing if `unread` (the caller's bytes past the `OK` line) or the
    /// socket holds anything; see the module documentation. A refusal closes the transport.
    pub fn start_tls_checked(
        &mut self,
        unread: &[u8],
        config: &Arc<ClientConfig>,
        server_name: ServerName<'static>,
    ) -> Result<(), Error> {
        self.ensure_open()?;
        let tcp = match &self.link {
            Link::Plain(socket) if self.deflate.is_none() => &socket.tcp,
            Link::Plain(_) => return Err(usage("STARTTLS is not allowed after COMPRESS")),
            Link::Tls(_) => return Err(usage("TLS is already active")),
            _ => return Err(usage("STARTTLS is not available on a child process")),
        };
        let quiet = if unread.is_empty() {
            tls::ensure_quiet(tcp)
        } else {
            Err(Error::StartTls(INJECTED.to_owned()))
        };
        match quiet {
            Ok(()) => self.upgrade(config, server_name, true),
            Err(err) => {
                self.shutdown();
                Err(err)
            }
        }
    }

    /// Turns on DEFLATE compression (RFC 4978) after the server's tagged `OK` to `COMPRESS`.
    pub fn compress(&mut self, level: u32) -> Result<(), Error> {
        self.ensure_open()?;
        if self.deflate.is_some() {
            return Err(usage("compression is already active"));
        }
        self.deflate = Some(Deflate::new(level)?);
        Ok(())
    }

    /// Reads some bytes into `buf`; `Ok(0)` means the server closed the connection.
    pub fn read(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        self.ensure_open()?;
        loop {
            let result = match &mut self.deflate {
                Some(deflate) => deflate.read(&mut self.link, buf),
                None => self.link.read(buf),
            };
            match result {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // A TLS peer that closed without close_notify: end of file, see the module doc.
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof && self.is_tls() => {
                    return Ok(0)
                }
                other => return other.map_err(|e| io_error(e, "server response")),
            }
        }
    }

    /// Reads what is available without waiting: bytes already decrypted or inflated inside the
    /// transport, or what the socket holds now. `Ok(None)` when nothing is ready yet (wait with
    /// a [`Transport::waiter`], then call again); `Ok(Some(0))` when the server closed.
    ///
    /// Together with a waiter this lets one thread wait for the server without holding the
    /// transport, so another thread can write meanwhile. A child process has no waiter: its
    /// read blocks as [`Transport::read`] does.
    pub fn read_nonblocking(
        &mut self,
        buf: &mut [u8],
        waiter: &Waiter,
    ) -> Result<Option<usize>, Error> {
        if !matches!(self.link, Link::Plain(_) | Link::Tls(_)) {
            return self.read(buf).map(Some);
        }
        // The waiter's socket shares the file description, and so the blocking flag.
        waiter.0.set_nonblocking(true)?;
        let result = self.read(buf);
        if !self.nonblocking {
            waiter.0.set_nonblocking(false)?;
        }
        match result {
            Err(Error::Timeout(_)) => Ok(None),
            other => other.map(Some),
        }
    }

    /// Whether data can wait inside the transport (decrypted, inflated) where a
    /// [`Waiter`] cannot see it: then try [`Transport::read_nonblocking`] before waiting.
    /// Without TLS and compression, a read after the waiter saw data never blocks.
    #[must_use]
    pub fn holds_data(&self) -> bool {
        self.deflate.is_some() || !matches!(self.link, Link::Plain(_))
    }

    /// A handle on the socket that blocks in [`Waiter::wait`] until the server sends
    /// something (or the read timeout passes), without borrowing the transport. None for a
    /// child process.
    pub fn waiter(&self) -> Result<Option<Waiter>, Error> {
        Ok(match &self.link {
            Link::Plain(socket) => Some(Waiter(socket.tcp.try_clone()?)),
            Link::Tls(stream) => Some(Waiter(stream.sock.tcp.try_clone()?)),
            _ => None,
        })
    }

    /// Writes all of `data` and pushes it to the wire (compressed and flushed if compressing).
    pub fn write_all(&mut self, data: &[u8]) -> Result<(), Error> {
        self.ensure_open()?;
        if data.is_empty() {
            return Ok(());
        }
        // A command is never half sent: non-blocking mode applies to reads only.
        let tcp = self.nonblocking.then(|| self.tcp()).flatten();
        if let Some(tcp) = tcp {
            tcp.set_nonblocking(false)?;
        }
        let written = match &mut self.deflate {
            Some(deflate) => deflate.write_all(&mut self.link, data),
            None => self.link.write_all(data),
        };
        let result = written
            .and_then(|()| self.link.flush())
            .map_err(|e| io_error(e, "the server to read"));
        if let (true, Some(tcp)) = (self.nonblocking, self.tcp()) {
            tcp.set_nonblocking(true)?;
        }
        result
    }

    /// Flushes buffered output; [`Transport::write_all`] already does, so this rarely matters.
    pub fn flush(&mut self) -> Result<(), Error> {
        self.ensure_open()?;
        self.link
            .flush()
            .map_err(|e| io_error(e, "the server to read"))
    }

    /// Sets how long a read may wait; `None` waits forever. A zero duration is refused.
    pub fn set_read_timeout(&mut self, timeout: Option<Duration>) -> Result<(), Error> {
        check_timeout(timeout)?;
        match &mut self.link {
            Link::Plain(socket) => socket.tcp.set_read_timeout(timeout)?,
            Link::Tls(stream) => stream.sock.tcp.set_read_timeout(timeout)?,
            Link::Child(pipes) => pipes.read_timeout = timeout,
            Link::Closed(..) => {}
        }
        Ok(())
    }

    /// Sets how long a write may wait; `None` waits forever. Pipes ignore it.
    pub fn set_write_timeout(&mut self, timeout: Option<Duration>) -> Result<(), Error> {
        check_timeout(timeout)?;
        match &self.link {
            Link::Plain(socket) => socket.tcp.set_write_timeout(timeout)?,
            Link::Tls(stream) => stream.sock.tcp.set_write_timeout(timeout)?,
            Link::Child(_) | Link::Closed(..) => {}
        }
        Ok(())
    }

    /// Whether the connection is encrypted with TLS.
    #[must_use]
    pub fn is_tls(&self) -> bool {
        matches!(self.link, Link::Tls(_))
    }

    /// Whether DEFLATE compression is active.
    #[must_use]
    pub fn is_compressed(&self) -> bool {
        self.deflate.is_some()
    }

    /// The server's end-entity certificate (DER), on a TLS connection.
    #[must_use]
    pub fn peer_certificate_der(&self) -> Option<Vec<u8>> {
        match &self.link {
            Link::Tls(stream) => stream.conn.peer_certificates()?.first().map(|c| c.to_vec()),
            _ => None,
        }
    }

    /// Bytes received from the wire so far.
    #[must_use]
    pub fn bytes_in(&self) -> u64 {
        self.link.counters().0
    }

    /// Bytes sent to the wire so far.
    #[must_use]
    pub fn bytes_out(&self) -> u64 {
        self.link.counters().1
    }

    /// A handle another thread can use to close this connection while it is in use.
    pub fn shutdown_handle(&self) -> Result<ShutdownHandle, Error> {
        let target = match &self.link {
            Link::Plain(socket) => Target::Tcp(socket.tcp.try_clone()?),
            Link::Tls(stream) => Target::Tcp(stream.sock.tcp.try_clone()?),
            Link::Child(pipes) => Target::Child(Arc::clone(&pipes.child)),
            Link::Closed(..) => return Err(closed()),
        };
        Ok(ShutdownHandle { target })
    }

    /// Closes the connection: TLS `close_notify` if possible, then the socket or the pipes.
    pub fn shutdown(&mut self) {
        let mut link = std::mem::replace(&mut self.link, Link::Closed(0, 0));
        match &mut link {
            Link::Plain(socket) => drop(socket.tcp.shutdown(Shutdown::Both)),
            Link::Tls(stream) => {
                stream.conn.send_close_notify();
                // A write timeout keeps a peer that stopped reading from stalling the close.
                drop(stream.sock.tcp.set_write_timeout(Some(CLOSE_GRACE)));
                while stream.conn.wants_write() {
                    if !matches!(stream.conn.write_tls(&mut stream.sock), Ok(n) if n > 0) {
                        break;
                    }
                }
                drop(stream.sock.tcp.shutdown(Shutdown::Both));
            }
            Link::Child(pipes) => pipes.close(),
            Link::Closed(..) => {}
        }
        let (bytes_in, bytes_out) = link.counters();
        self.link = Link::Closed(bytes_in, bytes_out);
        self.deflate = None;
    }

    fn ensure_open(&self) -> Result<(), Error> {
        match self.link {
            Link::Closed(..) => Err(closed()),
            _ => Ok(()),
        }
    }

    fn plain(tcp: TcpStream) -> Self {
        let socket = Socket {
            tcp,
            bytes_in: 0,
            bytes_out: 0,
        };
        Self {
            link: Link::Plain(socket),
            deflate: None,
            nonblocking: false,
        }
    }

    /// Replaces the plain socket by a TLS stream and completes the handshake; on failure the
    /// transport is closed.
    fn upgrade(
        &mut self,
        config: &Arc<ClientConfig>,
        server_name: ServerName<'static>,
        starttls: bool,
    ) -> Result<(), Error> {
        let conn = ClientConnection::new(Arc::clone(config), server_name)
            .map_err(|e| Error::Tls(tls::describe(&e)))?;
        let socket = match std::mem::replace(&mut self.link, Link::Closed(0, 0)) {
            Link::Plain(socket) => socket,
            other => {
                self.link = other;
                return Err(usage("TLS needs a plain TCP connection"));
            }
        };
        let mut stream = StreamOwned::new(conn, socket);
        match tls::handshake(&mut stream.conn, &mut stream.sock, starttls) {
            Ok(()) => {
                self.link = Link::Tls(Box::new(stream));
                Ok(())
            }
            Err(err) => {
                drop(stream.sock.tcp.shutdown(Shutdown::Both));
                self.link = Link::Closed(stream.sock.bytes_in, stream.sock.bytes_out);
                Err(err)
            }
        }
    }
}

impl Drop for Transport {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl ShutdownHandle {
    /// Shuts the socket down (or kills the child process); errors are ignored.
    pub fn shutdown(&self) {
        match &self.target {
            Target::Tcp(tcp) => drop(tcp.shutdown(Shutdown::Both)),
            Target::Child(child) => drop(lock(child).kill()),
        }
    }
}

/// Waits for the server to send something, apart from the transport (see
/// [`Transport::waiter`]).
#[derive(Debug)]
pub struct Waiter(TcpStream);

impl Waiter {
    /// Reads from the socket directly, blocking as [`Transport::read`] does; only for a link
    /// that holds no data of its own (see [`Transport::holds_data`]). The kernel lets one
    /// thread read a socket while another writes it, so no lock is needed.
    pub fn read(&self, buf: &mut [u8]) -> Result<usize, Error> {
        loop {
            match (&self.0).read(buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                other => return other.map_err(|e| io_error(e, "server response")),
            }
        }
    }

    /// Blocks until a byte can be read from the socket, the server closes it, or the read
    /// timeout set on the transport passes ([`Error::Timeout`]).
    pub fn wait(&self) -> Result<(), Error> {
        let mut byte = [0u8; 1];
        loop {
            match self.0.peek(&mut byte) {
                Ok(_) => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io_error(e, "server response")),
            }
        }
    }
}

/// What a [`ShutdownHandle`] closes.
#[derive(Debug)]
enum Target {
    Tcp(TcpStream),
    Child(Arc<Mutex<Child>>),
}

/// The layer under compression.
#[derive(Debug)]
enum Link {
    Plain(Socket),
    Tls(Box<StreamOwned<ClientConnection, Socket>>),
    Child(Pipes),
    /// Shut down; the final byte counters (in, out) are kept.
    Closed(u64, u64),
}

impl Link {
    fn counters(&self) -> (u64, u64) {
        match self {
            Self::Plain(socket) => (socket.bytes_in, socket.bytes_out),
            Self::Tls(stream) => (stream.sock.bytes_in, stream.sock.bytes_out),
            Self::Child(pipes) => (pipes.bytes_in, pipes.bytes_out),
            Self::Closed(bytes_in, bytes_out) => (*bytes_in, *bytes_out),
        }
    }
}

impl Read for Link {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Plain(socket) => socket.read(buf),
            Self::Tls(stream) => stream.read(buf),
            Self::Child(pipes) => pipes.read(buf),
            Self::Closed(..) => Err(io::ErrorKind::NotConnected.into()),
        }
    }
}

impl Write for Link {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Self::Plain(socket) => socket.write(buf),
            Self::Tls(stream) => stream.write(buf),
            Self::Child(pipes) => pipes.write(buf),
            Self::Closed(..) => Err(io::ErrorKind::NotConnected.into()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Self::Plain(socket) => socket.flush(),
            Self::Tls(stream) => stream.flush(),
            Self::Child(pipes) => pipes.stdin.as_mut().map_or(Ok(()), Write::flush),
            Self::Closed(..) => Ok(()),
        }
    }
}

/// A TCP stream that counts the bytes crossing it.
#[derive(Debug)]
struct Socket {
    tcp: TcpStream,
    bytes_in: u64,
    bytes_out: u64,
}

impl Read for Socket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.tcp.read(buf)?;
        self.bytes_in += n as u64;
        Ok(n)
    }
}

impl Write for Socket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.tcp.write(buf)?;
        self.bytes_out += n as u64;
        Ok(n)
    }

    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        let n = self.tcp.write_vectored(bufs)?;
        self.bytes_out += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.tcp.flush()
    }
}

/// Connects to the first address of `host` that answers.
fn connect_tcp(host: &str, port: u16, timeout: Option<Duration>) -> Result<TcpStream, Error> {
    check_timeout(timeout)?;
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let addrs = (bare, port).to_socket_addrs().map_err(|e| {
        Error::Io(io::Error::new(
            e.kind(),
            format!("cannot resolve {host:?}: {e}"),
        ))
    })?;
    let mut last = io::Error::new(io::ErrorKind::NotFound, format!("no address for {host:?}"));
    for addr in addrs {
        let attempt = match timeout {
            Some(timeout) => TcpStream::connect_timeout(&addr, timeout),
            None => TcpStream::connect(addr),
        };
        match attempt {
            Ok(tcp) => {
                tcp.set_nodelay(true)?;
                return Ok(tcp);
            }
            Err(e) => last = e,
        }
    }
    Err(io_error(last, "connection"))
}

/// Turns an I/O error into the engine's error: timeouts, TLS and inflate failures by name.
fn io_error(err: io::Error, waiting_for: &'static str) -> Error {
    if matches!(
        err.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    ) {
        return Error::Timeout(waiting_for);
    }
    if let Some(inner) = err.get_ref() {
        if let Some(tls) = inner.downcast_ref::<rustls::Error>() {
            return Error::Tls(tls::describe(tls));
        }
        if let Some(inflate) = inner.downcast_ref::<flate2::DecompressError>() {
            return Error::Protocol(format!(
                "corrupt compressed data from the server: {inflate}"
            ));
        }
    }
    Error::Io(err)
}

fn check_timeout(timeout: Option<Duration>) -> Result<(), Error> {
    if timeout == Some(Duration::ZERO) {
        return Err(usage("a timeout must be longer than zero"));
    }
    Ok(())
}

fn closed() -> Error {
    Error::Closed("the transport was shut down".to_owned())
}

pub(crate) fn usage(text: &str) -> Error {
    Error::Usage(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_and_handle_cross_threads() {
        fn send<T: Send>() {}
        fn sync<T: Send + Sync>() {}
        send::<Transport>();
        sync::<ShutdownHandle>();
    }

    #[test]
    fn timeouts_map_to_the_thing_waited_for() {
        let err = io_error(io::ErrorKind::WouldBlock.into(), "server response");
        assert!(matches!(err, Error::Timeout("server response")));
        let err = io_error(io::ErrorKind::TimedOut.into(), "connection");
        assert!(matches!(err, Error::Timeout("connection")));
        assert!(matches!(
            check_timeout(Some(Duration::ZERO)),
            Err(Error::Usage(_))
        ));
    }

    #[test]
    fn wrapped_errors_keep_their_meaning() {
        let tls = io::Error::new(io::ErrorKind::InvalidData, rustls::Error::DecryptError);
        assert!(matches!(io_error(tls, "x"), Error::Tls(_)));
        let reset = io::Error::from(io::ErrorKind::ConnectionReset);
        assert!(matches!(io_error(reset, "x"), Error::Io(_)));
    }

    #[test]
    fn spawn_needs_a_program() {
        assert!(matches!(Transport::spawn(&[]), Err(Error::Usage(_))));
        let missing = Transport::spawn(&["/nonexistent/imapd".to_owned()]);
        assert!(matches!(missing, Err(Error::Io(_))));
    }

    #[test]
    fn unresolvable_host_is_an_io_error() {
        let result = Transport::connect("no-such-host.invalid", 143, None);
        assert!(matches!(result, Err(Error::Io(_))));
    }
}
